package skb

import "fmt"

// Split is tcp_fragment / tso_fragment's skb_split(b, skb1, at): a new skb
// (allocated as the fast-clone parent sk_stream_alloc_skb /
// tcp_stream_alloc_skb returns, its shared info made from b's) receives the
// bytes from at onwards (kernel-semantics §B10, §F5):
//
//   - at < headlen (skb_split_inside_header): the linear bytes past at are
//     copied into the new skb, and every frag moves to it (Pt).
//   - at >= headlen (skb_split_no_header): frags wholly before at stay,
//     frags wholly after move (Pt), and a frag straddling at is shared by
//     both: one more reference on its page (P+1), each skb keeping its part.
//
// In 6.18 the new skb also gets b's ubuf_info (skb_zerocopy_clone, U+ for
// the design to count) and SKBFL_SHARED_FRAG. The sequence range is split
// at at. The new skb is not header-released: TCP does that when it queues it.
//
// Preconditions: 0 < at < Len; b is not cloned (tcp_fragment unclones
// first).
func (s *Stack) Split(b *Buff, at int) (*Buff, error) {
	s.mustLive(b, "skb_split")
	if at <= 0 || at >= int(b.len) {
		return nil, fmt.Errorf("%w: split at %d of %d bytes", ErrRange, at, b.len)
	}
	if b.Cloned() {
		return nil, fmt.Errorf("%w: skb_split on b%d (tcp_fragment unclones first)", ErrCloned, b.ID)
	}
	s.op++
	return s.split(b, int32(at)), nil
}

func (s *Stack) split(b *Buff, at int32) *Buff {
	const site = "skb_split"
	sh := b.sh
	nsh := s.dupShinfo(sh, false, site)
	n := s.newBuff(nsh)
	n.fclone = FcloneOrig
	n.pair = &fclonePair{ref: 1}
	n.headroom = b.headroom
	hl := b.len - b.dataLen
	if at < hl {
		n.lin = cutRuns(nil, b.lin, at, hl)
		b.lin = cutRuns(nil, b.lin, 0, at)
		for i := range int(sh.nrFrags) {
			s.moveFrag(sh, i, nsh, i, site)
			sh.frags[i] = Frag{}
		}
		nsh.nrFrags, sh.nrFrags = sh.nrFrags, 0
		n.len = b.len - at
		n.dataLen = b.dataLen
		b.tailroom += hl - at
		b.dataLen = 0
	} else {
		pos := hl
		nfrags := int(sh.nrFrags)
		sh.nrFrags = 0
		k := 0
		for i := range nfrags {
			size := sh.frags[i].Size
			if pos+size > at {
				if pos < at {
					nsh.frags[k] = sh.frags[i]
					nsh.frags[k].prov = prov{}
					s.scratch = cutRuns(s.scratch[:0], sh.frags[i].prov.runs(), at-pos, size)
					nsh.frags[k].prov = makeProv(s.scratch)
					nsh.frags[k].Off += at - pos
					nsh.frags[k].Size = size - (at - pos)
					nsh.nrFrags++
					s.fragGet(nsh, k, site)
					s.reshapeFrag(sh, i, 0, at-pos, nil, site)
					sh.nrFrags++
				} else {
					s.moveFrag(sh, i, nsh, k, site)
					sh.frags[i] = Frag{}
					nsh.nrFrags++
				}
				k++
			} else {
				sh.nrFrags++
			}
			pos += size
		}
		n.len = b.len - at
		n.dataLen = n.len
		b.dataLen = at - hl
	}
	b.len = at
	n.CB = b.CB
	n.CB.Seq = b.CB.Seq + uint32(at)
	b.CB.EndSeq = n.CB.Seq
	return n
}
