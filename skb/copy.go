package skb

// snapshot appends to dst the provenance of bytes copied now out of frag f:
// each live run becomes Copied if its page still holds that generation, or
// Stale if the application already rewrote it.
func snapshot(dst []Run, f *Frag, from, to int32) []Run {
	start := len(dst)
	dst = cutRuns(dst, f.prov.runs(), from, to)
	for i := start; i < len(dst); i++ {
		r := &dst[i]
		if r.Snap == Live {
			if r.Gen == f.Page.gen {
				r.Snap = Copied
			} else {
				r.Snap = Stale
			}
		}
	}
	return dst
}

// copyBytes returns the provenance of bytes [from, to) of b, linear part
// then frags, as copied now (skb_copy_bits). The result is a fresh slice.
func (s *Stack) copyBytes(b *Buff, from, to int32) []Run {
	var out []Run
	hl := b.len - b.dataLen
	if from < hl {
		out = cutRuns(out, b.lin, from, min(to, hl))
	}
	pos := hl
	for i := range b.sh.nrFrags {
		f := &b.sh.frags[i]
		lo, hi := max(from, pos), min(to, pos+f.Size)
		if lo < hi {
			out = snapshot(out, f, lo-pos, hi-pos)
		}
		pos += f.Size
	}
	return out
}

// Copy is skb_copy: a fully private, linear copy of b. Every byte (linear
// and paged) is copied into the new head; the copy has its own shared info
// and no frags, so no page reference is taken (kernel-semantics §B4).
func (s *Stack) Copy(b *Buff) *Buff {
	s.mustLive(b, "skb_copy")
	s.op++
	n := s.alloc(b.headroom, b.tailroom, false, "skb_copy")
	n.lin = s.copyBytes(b, 0, b.len)
	n.len = b.len
	n.CB = b.CB
	n.sh.GSOSize, n.sh.GSOSegs = b.sh.GSOSize, b.sh.GSOSegs
	return n
}

// PskbCopy is pskb_copy (2.6.26) / __pskb_copy_fclone (6.18): a new skb
// with a private copy of the linear part and its own shared info whose frag
// array copies b's, taking one page reference per frag (P+ each). 6.18
// orphans b's frags first (skb_orphan_frags) and gives the copy b's
// ubuf_info (skb_zerocopy_clone) and SKBFL_SHARED_FRAG (§B5).
func (s *Stack) PskbCopy(b *Buff) (*Buff, error) {
	s.mustLive(b, "pskb_copy")
	s.op++
	if err := s.orphanFrags(b); err != nil {
		return nil, err
	}
	site := Site("pskb_copy")
	if !s.kernel.Old() {
		site = "__pskb_copy_fclone"
	}
	return s.pskbCopy(b, site), nil
}

func (s *Stack) pskbCopy(b *Buff, site Site) *Buff {
	sh := s.dupShinfo(b.sh, false, site)
	n := s.newBuff(sh)
	n.headroom, n.tailroom = b.headroom, b.tailroom
	n.lin = b.lin
	n.len, n.dataLen = b.len, b.dataLen
	n.CB = b.CB
	sh.GSOSize, sh.GSOSegs = b.sh.GSOSize, b.sh.GSOSegs
	for i := range int(b.sh.nrFrags) {
		sh.frags[i] = b.sh.frags[i]
		sh.nrFrags++
		s.fragGet(sh, i, site)
	}
	return n
}
