package skb

import "fmt"

// Trim is pskb_trim(b, n): b keeps its first n bytes. With paged data this
// is ___pskb_trim: a cloned b is expanded first (§B6 effects), frags wholly
// beyond n are put (P-), the straddling frag is shortened. With linear data
// only it is __skb_trim, which just moves the tail (no expansion, no page
// traffic). The zerocopy state is kept (kernel-semantics §B8).
//
// Preconditions: 0 <= n <= Len (n == Len does nothing); b is not shared
// when it must expand.
func (s *Stack) Trim(b *Buff, n int) error {
	s.mustLive(b, "pskb_trim")
	if n < 0 || n > int(b.len) {
		return fmt.Errorf("%w: trim to %d of %d bytes", ErrRange, n, b.len)
	}
	if b.dataLen > 0 && b.Cloned() && b.Shared() {
		return fmt.Errorf("%w: ___pskb_trim must expand b%d", ErrShared, b.ID)
	}
	s.op++
	if n == int(b.len) {
		return nil
	}
	l := int32(n)
	hl := b.len - b.dataLen
	if b.dataLen == 0 {
		b.lin = cutRuns(nil, b.lin, 0, l)
		b.tailroom += b.len - l
		b.len = l
		return nil
	}
	if b.Cloned() {
		s.expandHead(b, 0, 0)
	}
	const site = "___pskb_trim"
	sh := b.sh
	nfrags := int(sh.nrFrags)
	i, offset := 0, hl
	if offset < l {
		for ; i < nfrags; i++ {
			end := offset + sh.frags[i].Size
			if end < l {
				offset = end
				continue
			}
			if keep := l - offset; keep < sh.frags[i].Size {
				s.reshapeFrag(sh, i, 0, keep, nil, site)
			}
			i++
			break
		}
	}
	sh.nrFrags = int32(i)
	for j := i; j < nfrags; j++ {
		s.fragPut(sh, j, site)
		sh.frags[j] = Frag{}
	}
	if l > hl {
		b.dataLen -= b.len - l
	} else {
		b.lin = cutRuns(nil, b.lin, 0, l)
		b.tailroom += hl - l
		b.dataLen = 0
	}
	b.len = l
	return nil
}

// TrimHead is tcp_trim_head(b, n): the first n bytes (ACKed) are dropped. A
// cloned b is expanded first — with the transmit clone still alive that is
// net +1 per frag (§F2). 2.6.26: if n < headlen only the data pointer moves
// (__skb_pull); otherwise the linear part is discarded and
// __pskb_trim_head eats n-headlen paged bytes. 6.18 asserts there is no
// linear data and eats n paged bytes. Every frag eaten entirely is put (P-);
// the sequence number advances by n (kernel-semantics §B9).
//
// Preconditions: 0 < n < Len; b is not shared when it must expand; in 6.18
// HeadLen is 0.
func (s *Stack) TrimHead(b *Buff, n int) error {
	s.mustLive(b, "tcp_trim_head")
	if n <= 0 || n >= int(b.len) {
		return fmt.Errorf("%w: trim %d of %d bytes", ErrRange, n, b.len)
	}
	hl := b.len - b.dataLen
	if !s.kernel.Old() && hl != 0 {
		return fmt.Errorf("%w: 6.18 tcp_trim_head on b%d with %d linear bytes", ErrHasLinear, b.ID, hl)
	}
	if b.Cloned() && b.Shared() {
		return fmt.Errorf("%w: tcp_trim_head must expand b%d", ErrShared, b.ID)
	}
	s.op++
	if b.Cloned() {
		s.expandHead(b, 0, 0)
	}
	l := int32(n)
	if l < hl {
		b.lin = cutRuns(nil, b.lin, l, hl)
		b.headroom += l
		b.len -= l
	} else {
		b.lin = nil
		b.tailroom += hl
		eat := l - hl
		s.eatFrags(b.sh, eat, "__pskb_trim_head")
		b.dataLen -= eat
		b.len = b.dataLen
	}
	b.CB.Seq += uint32(n)
	return nil
}
