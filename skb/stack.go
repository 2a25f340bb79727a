package skb

import (
	"fmt"
	"slices"
)

// ModelBug is the panic value for a violated model rule: a reference taken
// from zero, a double free, a negative count, use of a freed object. It is a
// bug in zcsim, never a finding about a design.
type ModelBug struct{ Msg string }

func (e *ModelBug) Error() string { return "skb: model bug: " + e.Msg }

func modelBug(format string, args ...any) *ModelBug {
	return &ModelBug{Msg: fmt.Sprintf(format, args...)}
}

// Stack is the one door for references. Every page get and put, shared-info
// creation, duplication and release, frag move and merge goes through it;
// for each it (1) updates the ground-truth ledger, (2) calls the observers in
// the order they were added, (3) records a trace Event with the site. No
// other code changes a page count or a dataref.
//
// A Stack is single-threaded and deterministic: identifiers come from
// counters, and nothing depends on map order or the clock.
type Stack struct {
	kernel Kernel
	// routes are the observers in registration order; bySock[k] those
	// socket k's events reach (bySock[0]: the observers of every socket).
	routes    []route
	bySock    [][]Observer
	allocSock SockID
	ledger    Ledger
	tracing   bool
	trace     []Event
	truthQ    []SendID
	op        uint64
	now       int64

	nextPage   PageID
	nextShinfo ShinfoID
	nextBuff   BuffID
	pages      []*Page
	shinfos    []*SharedInfo
	buffs      []*Buff
	scratch    []Run
	scratch2   []Run
	checkRefs  []int32
	checkSends []int32

	recycle     bool
	freeShinfos []*SharedInfo
}

// NewStack returns an empty stack of kernel flavour k with the observers
// given, called in that order.
func NewStack(k Kernel, observers ...Observer) *Stack {
	if k != Linux2626 && k != Linux618 {
		panic(modelBug("NewStack: unknown kernel %d", k))
	}
	s := &Stack{kernel: k, bySock: [][]Observer{nil}}
	for _, o := range observers {
		s.AddObserver(o)
	}
	return s
}

// Kernel is the stack's flavour.
func (s *Stack) Kernel() Kernel { return s.kernel }

// SetTracing turns recording of trace events on or off (off by default).
func (s *Stack) SetTracing(on bool) { s.tracing = on }

// TakeTrace returns the events recorded since the last call and empties the
// trace. The slice is reused: consume it before the next operation.
func (s *Stack) TakeTrace() []Event {
	t := s.trace
	s.trace = s.trace[:0]
	return t
}

// SetNow sets the virtual time, in nanoseconds, that truth instants carry.
func (s *Stack) SetNow(ns int64) { s.now = ns }

// Now is the virtual time in nanoseconds.
func (s *Stack) Now() int64 { return s.now }

// Op is the number of operations performed so far.
func (s *Stack) Op() uint64 { return s.op }

func (s *Stack) record(e Event) {
	if s.tracing {
		e.Op = s.op
		s.trace = append(s.trace, e)
	}
}

// flushTruth records the truth events queued while the reference change
// that caused them was being reported.
func (s *Stack) flushTruth(site Site) {
	for _, id := range s.truthQ {
		s.record(Event{Kind: EvTruth, Send: id, Site: site})
	}
	s.truthQ = s.truthQ[:0]
}

// --- pages -----------------------------------------------------------------

// NewUserPage allocates an application page. Its one reference belongs to
// its owner (the application buffer or the page cache).
func (s *Stack) NewUserPage() *Page {
	p := s.newPage()
	p.user = true
	p.refs, p.extern = 1, 1
	return p
}

// HoldPage takes a reference for another holder outside the stack: a second
// buffer that shares the page (a page-cache page served twice), or, with
// mapped true, a user process mapping it.
func (s *Stack) HoldPage(p *Page, mapped bool) {
	s.mustLivePage(p, "HoldPage")
	p.refs++
	p.extern++
	if mapped {
		p.mapped++
	}
}

// UnholdPage drops the reference of a holder outside the stack, the inverse
// of HoldPage: with mapped true a user process unmaps the page (munmap's
// zap_pte_range: page_remove_rmap lowers page_mapcount, and the reference
// the mm took with get_page goes with put_page), otherwise a second owner
// lets go (the page cache drops the page, __delete_from_page_cache and its
// put_page, or a second buffer stops serving it). No observer is called:
// the network stack takes no part, as none does in HoldPage.
//
// The owner's own reference is never dropped this way, so the page's count
// never reaches zero here: dropping a mapping of a page that has none, or a
// holder other than a mapping when only the owner (and mappings) hold the
// page, is a model bug.
func (s *Stack) UnholdPage(p *Page, mapped bool) {
	s.mustLivePage(p, "UnholdPage")
	switch {
	case p.extern < 2:
		panic(modelBug("UnholdPage on p%d: only its owner holds it (extern %d)", p.ID, p.extern))
	case mapped && p.mapped < 1:
		panic(modelBug("UnholdPage on p%d: no user mapping to drop", p.ID))
	case !mapped && p.extern-p.mapped < 2:
		panic(modelBug("UnholdPage on p%d: no holder besides its owner and %d mapping(s)", p.ID, p.mapped))
	}
	p.refs--
	p.extern--
	if mapped {
		p.mapped--
	}
}

// Rewrite records that the application rewrote page p: its content
// generation goes up. Bytes of the old generation still referenced by the
// stack now read new data.
func (s *Stack) Rewrite(p *Page) {
	s.mustLivePage(p, "Rewrite")
	s.op++
	p.gen++
}

func (s *Stack) newPage() *Page {
	s.nextPage++
	p := &Page{ID: s.nextPage, idx: int32(len(s.pages))}
	s.pages = append(s.pages, p)
	return p
}

func (s *Stack) mustLivePage(p *Page, what string) {
	if p.freed {
		panic(modelBug("%s on freed page p%d", what, p.ID))
	}
}

// fragGet takes the page reference of frag slot i of sh, already written.
func (s *Stack) fragGet(sh *SharedInfo, i int, site Site) {
	f := &sh.frags[i]
	p := f.Page
	if p.freed || p.refs <= 0 {
		panic(modelBug("get_page on p%d with count %d at %s", p.ID, p.refs, site))
	}
	p.refs++
	s.ledgerAdd(f)
	for _, o := range s.observersOf(sh) {
		o.PageGet(RefEvent{Page: p, Shinfo: sh, Slot: i, Tag: f.Tag, Site: site})
	}
	s.record(Event{Kind: EvPageGet, Site: site, Page: p.ID, Refs: p.refs, Shinfo: sh.ID, Slot: int16(i)})
}

// fragPut drops the page reference of frag slot i of sh. The slot's content
// is left for the caller to overwrite.
func (s *Stack) fragPut(sh *SharedInfo, i int, site Site) {
	f := &sh.frags[i]
	p := f.Page
	if p.freed || p.refs <= 0 {
		panic(modelBug("put_page on p%d with count %d at %s", p.ID, p.refs, site))
	}
	p.refs--
	if p.refs < p.extern {
		panic(modelBug("put_page on p%d drops a reference its owner holds at %s", p.ID, site))
	}
	s.ledgerDrop(f, site)
	for _, o := range s.observersOf(sh) {
		o.PagePut(RefEvent{Page: p, Shinfo: sh, Slot: i, Tag: f.Tag, Site: site})
	}
	s.record(Event{Kind: EvPagePut, Site: site, Page: p.ID, Refs: p.refs, Shinfo: sh.ID, Slot: int16(i)})
	s.flushTruth(site)
	if p.refs == 0 {
		s.freePage(p, site)
	}
}

// fragInstallNew writes a frag on a freshly allocated kernel page into slot
// i of sh; the allocation's reference becomes the frag's. No get_page
// happens, so observers are not called (the page is the kernel's, no
// application tagged it); the trace records EvPageAlloc.
func (s *Stack) fragInstallNew(sh *SharedInfo, i int, f Frag, site Site) {
	sh.frags[i] = f
	s.ledgerAdd(&sh.frags[i])
	s.record(Event{Kind: EvPageAlloc, Site: site, Page: f.Page.ID, Refs: f.Page.refs, Shinfo: sh.ID, Slot: int16(i)})
}

func (s *Stack) allocKernelPage() *Page {
	p := s.newPage()
	p.refs = 1
	return p
}

func (s *Stack) freePage(p *Page, site Site) {
	p.freed = true
	last := s.pages[len(s.pages)-1]
	s.pages[p.idx] = last
	last.idx = p.idx
	s.pages = s.pages[:len(s.pages)-1]
	s.record(Event{Kind: EvPageFree, Site: site, Page: p.ID})
}

// reshapeFrag keeps bytes [from, to) of frag i of sh (offsets relative to
// the frag's start, or extends it when extra runs are given) without a
// reference change. The ledger sees the new provenance before the old one
// goes, so a send present in both never transits zero.
func (s *Stack) reshapeFrag(sh *SharedInfo, i int, from, to int32, extra []Run, site Site) {
	f := &sh.frags[i]
	old := *f
	s.scratch2 = cutRuns(s.scratch2[:0], old.prov.runs(), from, to)
	for _, r := range extra {
		s.scratch2 = appendRun(s.scratch2, r)
	}
	f.Off = old.Off + from
	f.Size = runsLen(s.scratch2)
	f.prov = makeProv(s.scratch2)
	s.ledgerAdd(f)
	s.ledgerDrop(&old, site)
	s.flushTruth(site)
}

// moveFrag moves frag fi of from to slot ti of to: ownership of the page
// reference is transferred, the count does not change.
func (s *Stack) moveFrag(from *SharedInfo, fi int, to *SharedInfo, ti int, site Site) {
	to.frags[ti] = from.frags[fi]
	p := to.frags[ti].Page
	for _, o := range s.observersOf(to) {
		o.FragMove(MoveEvent{Page: p, From: from, To: to, FromSlot: fi, ToSlot: ti, Site: site})
	}
	s.record(Event{Kind: EvFragMove, Site: site, Page: p.ID, From: from.ID, Slot: int16(fi), Shinfo: to.ID, ToSlot: int16(ti)})
}

// --- shared infos ----------------------------------------------------------

// allocShinfo takes a shared info from the free list (or the heap) and
// registers it. Released shared infos are recycled: an observer must not
// use one after ShinfoRelease.
func (s *Stack) allocShinfo() *SharedInfo {
	s.nextShinfo++
	var sh *SharedInfo
	if n := len(s.freeShinfos); n > 0 {
		sh = s.freeShinfos[n-1]
		s.freeShinfos = s.freeShinfos[:n-1]
		*sh = SharedInfo{}
	} else {
		sh = &SharedInfo{}
	}
	sh.ID, sh.dataref, sh.idx = s.nextShinfo, 1, int32(len(s.shinfos))
	s.shinfos = append(s.shinfos, sh)
	return sh
}

// newShinfo creates an empty shared info (__alloc_skb).
func (s *Stack) newShinfo(site Site) *SharedInfo {
	sh := s.allocShinfo()
	sh.sock = s.allocSock
	for _, o := range s.observersOf(sh) {
		o.ShinfoNew(ShinfoEvent{Shinfo: sh, Site: site})
	}
	s.record(Event{Kind: EvShinfoNew, Site: site, Shinfo: sh.ID, Dataref: sh.dataref})
	return sh
}

// dupShinfo creates a shared info made from `from`. Bitwise copies the frag
// array and every field (pskb_expand_head's memcpy); otherwise the new
// shared info starts empty and the caller fills it from `from`. In 6.18 a
// derived shared info of a zerocopy source receives its ubuf_info
// (skb_zerocopy_clone); the reference that takes is the design's to count.
func (s *Stack) dupShinfo(from *SharedInfo, bitwise bool, site Site) *SharedInfo {
	sh := s.allocShinfo()
	sh.sock = from.sock
	if bitwise {
		sh.GSOSize, sh.GSOSegs, sh.Flags, sh.DestructorArg = from.GSOSize, from.GSOSegs, from.Flags, from.DestructorArg
		sh.nrFrags = from.nrFrags
		sh.frags = from.frags
	} else if !s.kernel.Old() {
		sh.Flags = from.Flags & SharedFrag
		if from.Zerocopy() {
			sh.Flags |= from.Flags & (ZerocopyEnable | DontOrphan | PureZerocopy)
			sh.DestructorArg = from.DestructorArg
		}
	}
	for _, o := range s.observersOf(sh) {
		o.ShinfoDup(ShinfoEvent{Shinfo: sh, From: from, Bitwise: bitwise, Site: site})
	}
	s.record(Event{Kind: EvShinfoDup, Site: site, Shinfo: sh.ID, From: from.ID, OK: bitwise})
	return sh
}

// shinfoRef is S+: one more skb shares b's shared info (__skb_clone's
// atomic_inc(&(skb_shinfo(skb)->dataref))). The caller has checked
// datarefRoom and refused the operation before changing any state; an
// increment past the limit here is a model bug.
func (s *Stack) shinfoRef(b *Buff, site Site) {
	sh := b.sh
	if sh.freed || sh.dataref&DatarefMask == 0 {
		panic(modelBug("dataref taken on released s%d at %s", sh.ID, site))
	}
	if err := datarefRoom(sh, b, 1, 0, site); err != nil {
		panic(modelBug("unchecked %v", err))
	}
	sh.dataref++
	s.record(Event{Kind: EvShinfoRef, Site: site, Shinfo: sh.ID, Dataref: sh.dataref})
}

// nohdrRef is 2.6.26 skb_header_release's atomic_add(1 << SKB_DATAREF_SHIFT,
// &skb_shinfo(skb)->dataref): b becomes one more nohdr sharer (S=). Like
// shinfoRef, it asserts the limit its caller has already checked.
func (s *Stack) nohdrRef(b *Buff, site Site) {
	sh := b.sh
	if err := datarefRoom(sh, b, 0, 1, site); err != nil {
		panic(modelBug("unchecked %v", err))
	}
	s.setDataref(sh, sh.dataref+1<<DatarefShift, site)
}

func (s *Stack) setDataref(sh *SharedInfo, d int32, site Site) {
	if sh.dataref == d {
		return
	}
	sh.dataref = d
	s.record(Event{Kind: EvDataref, Site: site, Shinfo: sh.ID, Dataref: d})
}

// releaseData is skb_release_data: drop b's data reference (bias 1, or
// 1<<16+1 for a nohdr skb) when b is cloned; release the shared info, its
// frags' page references and its zerocopy state when b was the last.
func (s *Stack) releaseData(b *Buff, site Site) {
	sh := b.sh
	if sh.freed {
		panic(modelBug("b%d releases already released s%d", b.ID, sh.ID))
	}
	if b.cloned {
		bias := int32(1)
		if b.nohdr {
			bias += 1 << DatarefShift
		}
		sh.dataref -= bias
		if sh.dataref < 0 || sh.dataref&DatarefMask < sh.dataref>>DatarefShift {
			panic(modelBug("dataref of s%d negative after b%d release at %s", sh.ID, b.ID, site))
		}
		s.record(Event{Kind: EvShinfoUnref, Site: site, Shinfo: sh.ID, Dataref: sh.dataref})
		if sh.dataref != 0 {
			return
		}
	} else if sh.dataref&DatarefMask != 1 {
		panic(modelBug("b%d not cloned but s%d has dataref %s", b.ID, sh.ID, FormatDataref(sh.dataref)))
	}
	s.releaseShinfo(sh, site)
}

func (s *Stack) releaseShinfo(sh *SharedInfo, site Site) {
	if !s.kernel.Old() && sh.Zerocopy() {
		s.zcopyClear(sh, true, site)
	}
	for i := range int(sh.nrFrags) {
		s.fragPut(sh, i, site)
	}
	sh.nrFrags = 0
	sh.dataref = 0
	sh.freed = true
	last := s.shinfos[len(s.shinfos)-1]
	s.shinfos[sh.idx] = last
	last.idx = sh.idx
	s.shinfos = s.shinfos[:len(s.shinfos)-1]
	for _, o := range s.observersOf(sh) {
		o.ShinfoRelease(ShinfoEvent{Shinfo: sh, Site: site})
	}
	s.record(Event{Kind: EvShinfoRelease, Site: site, Shinfo: sh.ID})
	if s.recycle {
		s.freeShinfos = append(s.freeShinfos, sh)
	}
}

// SetRecycling turns recycling of released shared infos on (the long TCP
// runs use it; op-level scripts, which may show released objects, do not).
func (s *Stack) SetRecycling(on bool) { s.recycle = on }

// zcopyClear is skb_zcopy_clear: the ubuf_info's completion is called and the
// zerocopy flags are cleared from the shared info.
func (s *Stack) zcopyClear(sh *SharedInfo, success bool, site Site) {
	if !sh.Zerocopy() {
		return
	}
	for _, o := range s.observersOf(sh) {
		o.ZerocopyClear(ShinfoEvent{Shinfo: sh, Success: success, Site: site})
	}
	// SKBFL_ALL_ZEROCOPY: ZEROCOPY_FRAG (ENABLE|SHARED_FRAG), PURE, DONT_ORPHAN.
	sh.Flags &^= ZerocopyEnable | SharedFrag | DontOrphan | PureZerocopy
	sh.DestructorArg = nil
	sh.appendSend = 0
	s.record(Event{Kind: EvZcopyClear, Site: site, Shinfo: sh.ID, OK: success})
}

// askMerge asks the observers, in order, whether the merge may happen.
func (s *Stack) askMerge(e MergeEvent) bool {
	ok := true
	for _, o := range s.observersOf(e.Dst.sh) {
		if !o.Merge(e) {
			ok = false
			break
		}
	}
	ev := Event{Kind: EvMerge, Site: e.Site, Merge: e.Kind, Buff: e.Dst.ID, Send: e.Send, OK: ok}
	if e.Src != nil {
		ev.Other = e.Src.ID
	}
	s.record(ev)
	return ok
}

// --- skbs ------------------------------------------------------------------

func (s *Stack) newBuff(sh *SharedInfo) *Buff {
	s.nextBuff++
	b := &Buff{ID: s.nextBuff, sh: sh, users: 1, idx: int32(len(s.buffs))}
	s.buffs = append(s.buffs, b)
	return b
}

func (s *Stack) mustLive(b *Buff, what string) {
	if b == nil || b.freed {
		id := BuffID(0)
		if b != nil {
			id = b.ID
		}
		panic(modelBug("%s on freed skb b%d", what, id))
	}
}

// freeMem is kfree_skbmem: the sk_buff itself goes; a fast-clone pair's
// memory goes when its fclone_ref reaches zero.
func (s *Stack) freeMem(b *Buff) {
	switch b.fclone {
	case FcloneOrig:
		b.pair.ref--
	case FcloneClone:
		b.pair.child = nil // SKB_FCLONE_UNAVAILABLE again: reusable
		b.pair.ref--
	}
	if b.pair != nil && b.pair.ref < 0 {
		panic(modelBug("fclone_ref of b%d negative", b.ID))
	}
	b.freed = true
	last := s.buffs[len(s.buffs)-1]
	s.buffs[b.idx] = last
	last.idx = b.idx
	s.buffs = s.buffs[:len(s.buffs)-1]
}

// Buffs returns the live skbs ordered by ID.
func (s *Stack) Buffs() []*Buff {
	out := slices.Clone(s.buffs)
	slices.SortFunc(out, func(a, b *Buff) int { return int(a.ID - b.ID) })
	return out
}

// Shinfos returns the live shared infos ordered by ID.
func (s *Stack) Shinfos() []*SharedInfo {
	out := slices.Clone(s.shinfos)
	slices.SortFunc(out, func(a, b *SharedInfo) int { return int(a.ID - b.ID) })
	return out
}

// Pages returns the live pages ordered by ID.
func (s *Stack) Pages() []*Page {
	out := slices.Clone(s.pages)
	slices.SortFunc(out, func(a, b *Page) int { return int(a.ID - b.ID) })
	return out
}
