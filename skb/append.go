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
	st, err := s.appendTarget(b, id, p, off, size, "AppendPage")
	if err != nil {
		return err
	}
	site := Site("do_tcp_sendpages")
	if !s.kernel.Old() {
		site = "skb_append_pagefrags"
	}
	coalesce := s.canCoalesce(b.sh, p, int32(off), st.tag)
	if !coalesce && int(b.sh.nrFrags) == s.kernel.MaxFrags() {
		return fmt.Errorf("%w: b%d has %d frags", ErrFragsFull, b.ID, b.sh.nrFrags)
	}
	s.op++
	if err := s.askAppend(b, id, site); err != nil {
		return err
	}
	s.addBytes(b, id, p, int32(off), int32(size), Run{Gen: p.gen, Snap: Live}, coalesce, site)
	return nil
}

// appendTarget checks the preconditions both append paths share and
// returns the send's ledger entry.
func (s *Stack) appendTarget(b *Buff, id SendID, src *Page, off, size int, what string) (*sendState, error) {
	s.mustLive(b, what)
	s.mustLivePage(src, what)
	if !s.ledger.valid(id) {
		return nil, fmt.Errorf("%w: unknown send c%d", ErrState, id)
	}
	st := s.ledger.st(id)
	if st.closed {
		return nil, fmt.Errorf("%w: c%d", ErrSendClosed, id)
	}
	if off < 0 || size <= 0 || off+size > PageSize {
		return nil, fmt.Errorf("%w: offset %d size %d", ErrPage, off, size)
	}
	if b.Cloned() {
		return nil, fmt.Errorf("%w: cannot append to b%d", ErrCloned, b.ID)
	}
	return st, nil
}

// canCoalesce is skb_can_coalesce: bytes at page offset off of p continue
// the last frag of sh (and carry the same frag tag); 6.18 never coalesces
// onto a zerocopy skb.
func (s *Stack) canCoalesce(sh *SharedInfo, p *Page, off int32, tag any) bool {
	n := sh.nrFrags
	return n > 0 && sh.frags[n-1].Page == p && sh.frags[n-1].End() == off &&
		sh.frags[n-1].Tag == tag && (s.kernel.Old() || !sh.Zerocopy())
}

// askAppend asks the observers, once per send and shared info, whether
// send id's data may join b.
func (s *Stack) askAppend(b *Buff, id SendID, site Site) error {
	sh := b.sh
	if sh.appendSend == id {
		return nil
	}
	if !s.askMerge(MergeEvent{Kind: MergeAppend, Dst: b, Send: id, Site: site}) {
		return fmt.Errorf("%w: c%d may not join b%d", ErrRefused, id, b.ID)
	}
	sh.appendSend = id
	return nil
}

// addBytes appends size bytes at page offset off of p, the next bytes of
// send id, to b: the last frag grows (coalesce) or a new frag takes one
// page reference (P+). kind gives the bytes' generation and Snap.
func (s *Stack) addBytes(b *Buff, id SendID, p *Page, off, size int32, kind Run, coalesce bool, site Site) {
	sh := b.sh
	n := int(sh.nrFrags)
	st := s.ledger.st(id)
	r := Run{Send: id, Off: st.bytes, Len: size, Gen: kind.Gen, Snap: kind.Snap}
	st.bytes += int64(size)
	if coalesce {
		s.reshapeFrag(sh, n-1, 0, sh.frags[n-1].Size, []Run{r}, site)
	} else {
		sh.frags[n] = Frag{Page: p, Off: off, Size: size, Tag: st.tag, prov: makeProv([]Run{r})}
		sh.nrFrags++
		s.fragGet(sh, n, site)
	}
	b.len += size
	b.dataLen += size
}
