package skb

import "fmt"

// ExpandHead is pskb_expand_head(b, nhead, ntail): b gets a new, private
// head with nhead more bytes of headroom and ntail more of tailroom; the
// shared info is copied bit for bit with it. Afterwards cloned=0, nohdr=0,
// hdr_len=0 and dataref=1 (kernel-semantics §B6, §F1).
//
// 2.6.26 always takes a reference on every frag and then releases the old
// data (skb_release_data): on an unshared skb that puts the same frags
// again (a transient +1/-1 per frag); on a cloned skb it only drops the old
// dataref, so the private copy keeps the extra references (net +1 per frag).
// 6.18 does the same on a cloned skb (after skb_orphan_frags; the ubuf_info
// reference it takes is the design's, on the bitwise ShinfoDup), but on an
// unshared skb it only frees the old head: no page traffic at all, and the
// shared info (and everything in it) moves with the head.
//
// Precondition: b is not shared (users == 1); the kernel BUG()s otherwise.
func (s *Stack) ExpandHead(b *Buff, nhead, ntail int) error {
	s.mustLive(b, "pskb_expand_head")
	if nhead < 0 || ntail < 0 {
		return fmt.Errorf("%w: nhead %d ntail %d", ErrRange, nhead, ntail)
	}
	if b.Shared() {
		return fmt.Errorf("%w: pskb_expand_head on b%d with users %d", ErrShared, b.ID, b.users)
	}
	s.op++
	s.expandHead(b, int32(nhead), int32(ntail))
	return nil
}

func (s *Stack) expandHead(b *Buff, nhead, ntail int32) {
	const site = "pskb_expand_head"
	old := b.sh
	if s.kernel.Old() || b.Cloned() {
		if !s.kernel.Old() && old.Zerocopy() && old.Flags&DontOrphan == 0 {
			// skb_orphan_frags would copy here; clone and pskb_copy orphan
			// first and SetZerocopy refuses cloned skbs, so this state
			// cannot arise.
			panic(modelBug("cloned b%d has orphanable zerocopy frags", b.ID))
		}
		sh := s.dupShinfo(old, true, site)
		for i := range int(sh.nrFrags) {
			s.fragGet(sh, i, site)
		}
		s.releaseData(b, "skb_release_data")
		b.sh = sh
	}
	b.cloned = false
	b.nohdr = false
	s.setDataref(b.sh, 1, site)
	b.headroom += nhead
	b.tailroom += ntail
}
