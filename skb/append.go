package skb

import "fmt"

// AppendPage appends size bytes at page offset off of application page p,
// the next bytes of send id, to b: one iteration of 2.6.26 do_tcp_sendpages
// or 6.18 skb_append_pagefrags (MSG_SPLICE_PAGES). If the bytes continue
// b's last frag on the same page (skb_can_coalesce, which 6.18 refuses for
// any zerocopy skb) that frag grows and no reference is taken; otherwise a
// new frag takes one page reference (P+), or, if b already has
// MAX_SKB_FRAGS frags, ErrFragsFull tells the caller to push b and start a
// new skb (kernel-semantics §B2, §F19, §F20).
//
// The observers are asked (MergeAppend) the first time send id appends to
// b; a refusal returns ErrRefused, as 6.18 skb_zerocopy_iter_stream returns
// -EEXIST for an skb holding another ubuf_info.
//
// Preconditions: b is not cloned (TCP appends only to unsent skbs); send id
// is open and not closed; 0 <= off, 0 < size, off+size <= PageSize.
func (s *Stack) AppendPage(b *Buff, id SendID, p *Page, off, size int) error {
	s.mustLive(b, "AppendPage")
	s.mustLivePage(p, "AppendPage")
	if !s.ledger.valid(id) {
		return fmt.Errorf("%w: unknown send c%d", ErrState, id)
	}
	st := &s.ledger.sends[id]
	if st.closed {
		return fmt.Errorf("%w: c%d", ErrSendClosed, id)
	}
	if off < 0 || size <= 0 || off+size > PageSize {
		return fmt.Errorf("%w: offset %d size %d", ErrPage, off, size)
	}
	if b.Cloned() {
		return fmt.Errorf("%w: cannot append to b%d", ErrCloned, b.ID)
	}
	site := Site("do_tcp_sendpages")
	if !s.kernel.Old() {
		site = "skb_append_pagefrags"
	}
	sh := b.sh
	n := int(sh.nrFrags)
	coalesce := n > 0 && sh.frags[n-1].Page == p && sh.frags[n-1].End() == int32(off) &&
		sh.frags[n-1].Tag == st.tag && (s.kernel.Old() || !sh.Zerocopy())
	if !coalesce && n == s.kernel.MaxFrags() {
		return fmt.Errorf("%w: b%d has %d frags", ErrFragsFull, b.ID, n)
	}
	s.op++
	if sh.appendSend != id {
		if !s.askMerge(MergeEvent{Kind: MergeAppend, Dst: b, Send: id, Site: site}) {
			return fmt.Errorf("%w: c%d may not join b%d", ErrRefused, id, b.ID)
		}
		sh.appendSend = id
	}
	r := Run{Send: id, Off: st.bytes, Len: int32(size), Gen: p.gen, Snap: Live}
	st.bytes += int64(size)
	if coalesce {
		last := &sh.frags[n-1]
		s.reshapeFrag(sh, n-1, 0, last.Size, []Run{r}, site)
	} else {
		sh.frags[n] = Frag{Page: p, Off: int32(off), Size: int32(size), Tag: st.tag, prov: makeProv([]Run{r})}
		sh.nrFrags++
		s.fragGet(sh, n, site)
	}
	b.len += int32(size)
	b.dataLen += int32(size)
	return nil
}
