package skb

// Site is the Linux function on whose behalf a reference changed, for
// example "skb_release_data" or "pskb_expand_head".
type Site string

// RefEvent is a page reference taken or dropped for the frag in Slot of
// Shinfo.
type RefEvent struct {
	Page   *Page
	Shinfo *SharedInfo
	Slot   int
	// Tag is the frag's design slot (Frag.Tag).
	Tag  any
	Site Site
}

// ShinfoEvent is a shared info created, duplicated or released, or its
// zerocopy state cleared.
type ShinfoEvent struct {
	Shinfo *SharedInfo
	// From is, for ShinfoDup, the shared info the new one was made from.
	From *SharedInfo
	// Bitwise is true when the kernel copied the whole skb_shared_info bit
	// for bit (pskb_expand_head), so every design slot in it, such as
	// DestructorArg, now appears in two shared infos. It is false when a
	// new shared info merely received frags of From (pskb_copy, skb_split,
	// skb_segment), where the kernel decides slot by slot.
	Bitwise bool
	// Success is, for ZerocopyClear, skb_zcopy_clear's zerocopy_success.
	Success bool
	Site    Site
}

// MoveEvent is a frag moved from one shared info to another with no change
// to the page's count (ownership transferred).
type MoveEvent struct {
	Page     *Page
	From, To *SharedInfo
	FromSlot int
	ToSlot   int
	Site     Site
}

// MergeKind says what joins data into an skb.
type MergeKind uint8

const (
	// MergeAppend is an application send appending its pages to Dst
	// (do_tcp_sendpages, skb_append_pagefrags, skb_zerocopy_iter_stream).
	MergeAppend MergeKind = iota + 1
	// MergeShift is skb_shift moving frags of Src onto Dst (SACK).
	MergeShift
	// MergeCoalesce is skb_try_coalesce joining Src onto Dst.
	MergeCoalesce
	// MergeCollapse is tcp_collapse_retrans / tcp_retrans_try_collapse.
	MergeCollapse
)

// String names the merge kind as the trace prints it ("shift").
func (k MergeKind) String() string {
	switch k {
	case MergeAppend:
		return "append"
	case MergeShift:
		return "shift"
	case MergeCoalesce:
		return "coalesce"
	case MergeCollapse:
		return "collapse"
	}
	return "merge?"
}

// MergeEvent asks whether data may join Dst: Src's data for the merges, or
// the pages of application send Send for MergeAppend (the send identifier
// is what the application passes with the call, not hidden provenance).
type MergeEvent struct {
	Kind MergeKind
	Dst  *Buff
	Src  *Buff
	Send SendID
	Site Site
}

// Observer is the plug point for completion-notification designs. The Stack
// calls every observer, in the order they were added, after it has updated
// the ledger and before it records the trace event. For Merge, observers are
// asked in that order and the first refusal wins: later observers are not
// asked, and the operation does not happen.
//
// Observers must not change reference counts; they may keep their own state
// and use the design slots (Page.NetPriv, SharedInfo.DestructorArg).
type Observer interface {
	// PageGet follows a page reference taken for a frag.
	PageGet(e RefEvent)
	// PagePut follows a page reference dropped for a frag.
	PagePut(e RefEvent)
	// ShinfoNew follows the creation of an empty shared info (__alloc_skb).
	ShinfoNew(e ShinfoEvent)
	// ShinfoDup follows the creation of a shared info made from another.
	ShinfoDup(e ShinfoEvent)
	// ShinfoRelease follows the release of a shared info's data (the last
	// dataref dropped), after its frags were put.
	ShinfoRelease(e ShinfoEvent)
	// FragMove follows a frag moved between shared infos without a ref change.
	FragMove(e MoveEvent)
	// Merge is asked before data joins an skb; false refuses it.
	Merge(e MergeEvent) bool
	// ZerocopyClear follows skb_zcopy_clear on a zerocopy shared info (6.18:
	// on release before the frags are put, with Success true; on a deferred
	// copy or full linearisation with Success false).
	ZerocopyClear(e ShinfoEvent)
}

// NopObserver implements every hook as a no-op that allows merges; embed it
// to implement only the hooks a design needs.
type NopObserver struct{}

// PageGet does nothing.
func (NopObserver) PageGet(RefEvent) {}

// PagePut does nothing.
func (NopObserver) PagePut(RefEvent) {}

// ShinfoNew does nothing.
func (NopObserver) ShinfoNew(ShinfoEvent) {}

// ShinfoDup does nothing.
func (NopObserver) ShinfoDup(ShinfoEvent) {}

// ShinfoRelease does nothing.
func (NopObserver) ShinfoRelease(ShinfoEvent) {}

// FragMove does nothing.
func (NopObserver) FragMove(MoveEvent) {}

// Merge allows every merge.
func (NopObserver) Merge(MergeEvent) bool { return true }

// ZerocopyClear does nothing.
func (NopObserver) ZerocopyClear(ShinfoEvent) {}
