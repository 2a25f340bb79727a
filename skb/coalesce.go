package skb

import "fmt"

// TryCoalesce is skb_try_coalesce(to, from) followed by the caller's
// kfree_skb_partial(from) (6.18; 2.6.26 has no skb_try_coalesce and reports
// ErrNotInKernel). It refuses when to is cloned; copies from's bytes into
// to's tailroom when they fit (skb_tailroom: only a linear to has any); otherwise refuses for zerocopy skbs, for a
// from with linear data (a kmalloc'ed head cannot be stolen: the model has
// no head_frag skbs) and when the frags would exceed MAX_SKB_FRAGS, and
// else appends from's frags to to: moved (Pt, from keeps none) when from is
// not cloned, or with one new reference each (P+) when it is. from is freed
// on success (kernel-semantics §B13). The observers are asked (MergeCoalesce)
// before frags change hands. It returns whether bytes were copied rather
// than frags moved.
func (s *Stack) TryCoalesce(to, from *Buff) (copied bool, err error) {
	s.mustLive(to, "skb_try_coalesce")
	s.mustLive(from, "skb_try_coalesce")
	if s.kernel.Old() {
		return false, fmt.Errorf("%w: skb_try_coalesce appeared in 3.4", ErrNotInKernel)
	}
	if to == from {
		return false, fmt.Errorf("%w: coalesce b%d with itself", ErrRange, to.ID)
	}
	if to.Cloned() {
		return false, fmt.Errorf("%w: b%d is cloned", ErrRefused, to.ID)
	}
	const site = "skb_try_coalesce"
	if int(from.len) <= to.Tailroom() {
		s.op++
		to.lin = append(append([]Run(nil), to.lin...), s.copyBytes(from, 0, from.len)...)
		to.tailroom -= from.len
		to.len += from.len
		s.free(from)
		return true, nil
	}
	if to.sh.Zerocopy() || from.sh.Zerocopy() {
		return false, fmt.Errorf("%w: zerocopy skbs are never merged", ErrRefused)
	}
	if from.len != from.dataLen {
		return false, fmt.Errorf("%w: b%d's linear head cannot be stolen", ErrRefused, from.ID)
	}
	if to.sh.nrFrags+from.sh.nrFrags > int32(s.kernel.MaxFrags()) {
		return false, fmt.Errorf("%w: too many frags", ErrRefused)
	}
	s.op++
	if !s.askMerge(MergeEvent{Kind: MergeCoalesce, Dst: to, Src: from, Site: site}) {
		return false, fmt.Errorf("%w: by an observer", ErrRefused)
	}
	ts, fs := to.sh, from.sh
	cloned := from.Cloned()
	l := from.len
	base := int(ts.nrFrags)
	for i := range int(fs.nrFrags) {
		if cloned {
			ts.frags[base+i] = fs.frags[i]
			ts.nrFrags++
			s.fragGet(ts, base+i, site)
		} else {
			s.moveFrag(fs, i, ts, base+i, site)
			ts.nrFrags++
		}
	}
	if !cloned {
		for i := range int(fs.nrFrags) {
			fs.frags[i] = Frag{}
		}
		fs.nrFrags = 0
		from.dataLen, from.len = 0, 0
	}
	to.len += l
	to.dataLen += l
	s.free(from)
	return false, nil
}
