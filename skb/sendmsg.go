package skb

import "fmt"

// PageFrag is a socket's cached copy page: 2.6.26's sk_sndmsg_page with
// sk_sndmsg_off, 6.18's sk_page_frag. The cache holds a reference of its
// own on the page (counted as an outside holder by Check).
type PageFrag struct {
	page *Page
	off  int32
}

// Page is the cached page, or nil.
func (pf *PageFrag) Page() *Page { return pf.page }

// AppendCopy copies up to size bytes at page offset off of application page
// src, the next bytes of send id, into b through the socket's copy page:
// one iteration of 2.6.26 tcp_sendmsg / 6.18 tcp_sendmsg_locked with
// zc == 0 (kernel-semantics §B2). It returns the number of bytes copied,
// at most the room left in the cached page; the caller loops.
//
// When the cached page is full (or absent) its reference is dropped and a
// new kernel page is allocated with the cache's reference. Bytes that
// continue b's last frag on the cached page extend it (no reference);
// otherwise a new frag takes one reference (P+) while the cache keeps its
// own. Simplification: 2.6.26 hands a freshly allocated page's reference to
// the frag when the copy fills it; the model always keeps the cache's
// reference and drops it when the page is full (same final counts, one
// extra transient reference).
//
// The copied bytes carry provenance Copied: the application's buffer is
// free as soon as the copy is made, so they do not count toward T(id).
//
// Preconditions: as AppendPage; ErrFragsFull when b is full.
func (s *Stack) AppendCopy(b *Buff, pf *PageFrag, id SendID, src *Page, off, size int) (int, error) {
	st, err := s.appendTarget(b, id, src, off, size, "tcp_sendmsg")
	if err != nil {
		return 0, err
	}
	site := Site("tcp_sendmsg")
	if !s.kernel.Old() {
		site = "tcp_sendmsg_locked"
	}
	fresh := pf.page == nil || pf.off == PageSize
	coalesce := !fresh && s.canCoalesce(b.sh, pf.page, pf.off, st.tag)
	if !coalesce && int(b.sh.nrFrags) == s.kernel.MaxFrags() {
		return 0, fmt.Errorf("%w: b%d has %d frags", ErrFragsFull, b.ID, b.sh.nrFrags)
	}
	s.op++
	if err := s.askAppend(b, id, site); err != nil {
		return 0, err
	}
	if fresh {
		s.releasePageFrag(pf, site)
		p := s.allocKernelPage()
		p.extern = 1 // the cache's reference
		pf.page, pf.off = p, 0
		s.record(Event{Kind: EvPageAlloc, Site: site, Page: p.ID, Refs: p.refs})
	}
	c := min(size, int(PageSize-pf.off))
	// The copy is taken now, from the source's current generation.
	s.addBytes(b, id, pf.page, pf.off, int32(c), Run{Gen: src.gen, Snap: Copied}, coalesce, site)
	pf.off += int32(c)
	return c, nil
}

// ReleasePageFrag drops the socket cache's reference on its page (the
// socket is closed, sk_stream_kill_queues / sk_page_frag release).
func (s *Stack) ReleasePageFrag(pf *PageFrag) {
	s.op++
	s.releasePageFrag(pf, "sk_stream_kill_queues")
}

func (s *Stack) releasePageFrag(pf *PageFrag, site Site) {
	p := pf.page
	if p == nil {
		return
	}
	pf.page, pf.off = nil, 0
	if p.freed || p.refs <= 0 || p.extern != 1 {
		panic(modelBug("socket page cache holds p%d with count %d", p.ID, p.refs))
	}
	p.extern--
	p.refs--
	s.record(Event{Kind: EvPagePut, Site: site, Page: p.ID, Refs: p.refs, Shinfo: 0, Slot: -1})
	if p.refs == 0 {
		s.freePage(p, site)
	}
}
