package skb

import "fmt"

// Shift is skb_shift(tgt, b, n) (6.18; added in 2.6.29, so 2.6.26 reports
// ErrNotInKernel): up to n paged bytes move from the head of b to the tail
// of tgt, as SACK processing (tcp_shift_skb_data) merges a newly SACKed skb
// into the previous one (kernel-semantics §B11):
//
//   - refused if b has linear data, or if either skb is zerocopy (§F12);
//   - if b's first frag continues tgt's last frag (same page, contiguous):
//     shifting less than that frag only changes sizes; shifting all of it
//     drops b's reference on it (P-), as tgt's frag already holds one;
//   - whole frags move (Pt); a frag moved in part is shared (P+1);
//   - both skbs are uncloned first (skb_prepare_for_shift → §B6 effects)
//     once real work is needed; the shift aborts if tgt runs out of frags.
//
// The observers are asked (MergeShift) before anything changes hands; a
// refusal, like the kernel's own, returns ErrRefused and moves nothing.
// It returns the number of bytes moved. The caller frees b if it is empty.
//
// Preconditions: 0 < n <= b.Len; tgt and b are not shared.
func (s *Stack) Shift(tgt, b *Buff, n int) (int, error) {
	s.mustLive(tgt, "skb_shift")
	s.mustLive(b, "skb_shift")
	if s.kernel.Old() {
		return 0, fmt.Errorf("%w: skb_shift appeared in 2.6.29", ErrNotInKernel)
	}
	if tgt == b || n <= 0 || n > int(b.len) {
		return 0, fmt.Errorf("%w: shift %d of %d bytes", ErrRange, n, b.len)
	}
	if tgt.Shared() || b.Shared() {
		return 0, fmt.Errorf("%w: skb_shift needs private skbs", ErrShared)
	}
	s.op++
	moved, err := s.shift(tgt, b, int32(n), MergeShift)
	return int(moved), err
}

func (s *Stack) shift(tgt, b *Buff, shiftlen int32, kind MergeKind) (int32, error) {
	const site = "skb_shift"
	if b.len != b.dataLen {
		return 0, fmt.Errorf("%w: b%d has linear data", ErrRefused, b.ID)
	}
	if tgt.sh.Zerocopy() || b.sh.Zerocopy() {
		return 0, fmt.Errorf("%w: zerocopy skbs are never merged", ErrRefused)
	}
	maxf := int32(s.kernel.MaxFrags())
	todo := shiftlen
	from := int32(0)
	to := tgt.sh.nrFrags
	ff := &b.sh.frags[0]
	merge := int32(-1)
	if to > 0 && tgt.sh.frags[to-1].Page == ff.Page && tgt.sh.frags[to-1].End() == ff.Off && tgt.sh.frags[to-1].Tag == ff.Tag {
		merge = to - 1
		todo -= ff.Size
		if todo < 0 {
			if !s.askMerge(MergeEvent{Kind: kind, Dst: tgt, Src: b, Site: site}) {
				return 0, fmt.Errorf("%w: by an observer", ErrRefused)
			}
			s.prepareForShift(b)
			s.prepareForShift(tgt)
			// Only sizes change: the bytes pass from b's frag to tgt's,
			// both of which already hold a reference on the page.
			fb := &b.sh.frags[0]
			s.scratch = cutRuns(s.scratch[:0], fb.prov.runs(), 0, shiftlen)
			extra := append([]Run(nil), s.scratch...)
			s.reshapeFrag(tgt.sh, int(merge), 0, tgt.sh.frags[merge].Size, extra, site)
			s.reshapeFrag(b.sh, 0, shiftlen, fb.Size, nil, site)
			b.len -= shiftlen
			b.dataLen -= shiftlen
			tgt.len += shiftlen
			tgt.dataLen += shiftlen
			return shiftlen, nil
		}
		from++
	}
	if shiftlen == b.len && b.sh.nrFrags-from > maxf-to {
		return 0, fmt.Errorf("%w: b%d's frags do not fit", ErrRefused, b.ID)
	}
	// Dry run of the kernel's loop: it returns 0 when tgt runs out of slots.
	{
		t, f, d := to, from, todo
		for d > 0 && f < b.sh.nrFrags {
			if t == maxf {
				s.prepareForShift(b)
				s.prepareForShift(tgt)
				return 0, fmt.Errorf("%w: b%d ran out of frags", ErrRefused, tgt.ID)
			}
			d -= b.sh.frags[f].Size
			f++
			t++
		}
	}
	if !s.askMerge(MergeEvent{Kind: kind, Dst: tgt, Src: b, Site: site}) {
		return 0, fmt.Errorf("%w: by an observer", ErrRefused)
	}
	s.prepareForShift(b)
	s.prepareForShift(tgt)
	bs, ts := b.sh, tgt.sh
	for todo > 0 && from < bs.nrFrags {
		fs := bs.frags[from].Size
		if todo >= fs {
			s.moveFrag(bs, int(from), ts, int(to), site)
			ts.nrFrags++
			todo -= fs
			from++
			to++
			continue
		}
		ts.frags[to] = bs.frags[from]
		s.scratch = cutRuns(s.scratch[:0], bs.frags[from].prov.runs(), 0, todo)
		ts.frags[to].prov = makeProv(s.scratch)
		ts.frags[to].Size = todo
		ts.nrFrags++
		s.fragGet(ts, int(to), site)
		s.reshapeFrag(bs, int(from), todo, fs, nil, site)
		todo = 0
		to++
		break
	}
	if merge >= 0 {
		fb := &bs.frags[0]
		extra := append([]Run(nil), fb.prov.runs()...)
		s.reshapeFrag(ts, int(merge), 0, ts.frags[merge].Size, extra, site)
		s.fragPut(bs, 0, site)
	}
	// Reposition what is left in b.
	k := int32(0)
	for ; from < bs.nrFrags; from++ {
		bs.frags[k] = bs.frags[from]
		k++
	}
	for i := k; i < bs.nrFrags; i++ {
		bs.frags[i] = Frag{}
	}
	bs.nrFrags = k
	b.len -= shiftlen
	b.dataLen -= shiftlen
	tgt.len += shiftlen
	tgt.dataLen += shiftlen
	return shiftlen, nil
}

// prepareForShift is skb_prepare_for_shift = skb_unclone_keeptruesize: a
// cloned skb is expanded (§B6 effects).
func (s *Stack) prepareForShift(b *Buff) {
	if b.Cloned() {
		s.expandHead(b, 0, 0)
	}
}
