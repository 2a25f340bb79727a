package skb

import "fmt"

// PullTail is __pskb_pull_tail(b, delta): delta bytes of paged data are
// copied into the linear area. If the tailroom is short or b is cloned, the
// head is first expanded (pskb_expand_head with ntail = shortfall+128, or 0:
// §B6 effects). Every frag the pull consumes entirely is put (P-) while the
// shared info lives on; a partly consumed frag is shortened. In 6.18, when
// data_len reaches 0 a zerocopy shared info is cleared with success=false
// (kernel-semantics §B7, §F4).
//
// Preconditions: 0 < delta <= DataLen; b is not shared when it must expand.
func (s *Stack) PullTail(b *Buff, delta int) error {
	s.mustLive(b, "__pskb_pull_tail")
	if delta <= 0 || delta > int(b.dataLen) {
		return fmt.Errorf("%w: pull %d of %d paged bytes", ErrRange, delta, b.dataLen)
	}
	eat := int32(delta) - b.tailroom
	if (eat > 0 || b.Cloned()) && b.Shared() {
		return fmt.Errorf("%w: __pskb_pull_tail must expand b%d", ErrShared, b.ID)
	}
	s.op++
	s.pullTail(b, int32(delta), eat)
	return nil
}

func (s *Stack) pullTail(b *Buff, delta, eat int32) {
	if eat > 0 || b.Cloned() {
		grow := int32(0)
		if eat > 0 {
			grow = eat + 128
		}
		s.expandHead(b, 0, grow)
	}
	hl := b.len - b.dataLen
	lin := append([]Run(nil), b.lin...)
	b.lin = append(lin, s.copyBytes(b, hl, hl+delta)...)
	b.tailroom -= delta
	s.eatFrags(b.sh, delta, "__pskb_pull_tail")
	b.dataLen -= delta
	if b.dataLen == 0 && !s.kernel.Old() {
		s.zcopyClear(b.sh, false, "__pskb_pull_tail")
	}
}

// eatFrags drops the first n paged bytes of sh: frags wholly eaten are put,
// the first partly eaten frag is shortened at its head, the rest shift down
// (the loop shared by __pskb_pull_tail and __pskb_trim_head).
func (s *Stack) eatFrags(sh *SharedInfo, n int32, site Site) {
	k := 0
	for i := range int(sh.nrFrags) {
		size := sh.frags[i].Size
		if size <= n {
			s.fragPut(sh, i, site)
			n -= size
			continue
		}
		sh.frags[k] = sh.frags[i]
		if n > 0 {
			s.reshapeFrag(sh, k, n, size, nil, site)
			n = 0
		}
		k++
	}
	for i := k; i < int(sh.nrFrags); i++ {
		sh.frags[i] = Frag{}
	}
	sh.nrFrags = int32(k)
}

// Linearize is skb_linearize: __skb_linearize = __pskb_pull_tail(b,
// data_len) when b has paged data (kernel-semantics §B20): every frag is
// copied and put.
func (s *Stack) Linearize(b *Buff) error {
	s.mustLive(b, "skb_linearize")
	if b.dataLen == 0 {
		s.op++
		return nil
	}
	return s.PullTail(b, int(b.dataLen))
}
