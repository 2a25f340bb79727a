package strategies

import (
	"slices"

	"github.com/zcsim/zcsim/skb"
)

// Notify receives a design's completion signal for command c; copied is
// MSG_ZEROCOPY's SO_EE_CODE_ZEROCOPY_COPIED (the data was copied after
// all).
type Notify func(c skb.SendID, copied bool)

// Design is a completion-notification design plugged into a Stack.
type Design interface {
	skb.Observer
	// Info describes the design.
	Info() Info
	// Submit tells the design that the application hands bytes of command
	// c on pages to the stack (called before the appends, once per
	// submission; a command may be submitted in several parts).
	Submit(c skb.SendID, pages []*skb.Page, bytes int)
	// Queued tells the design that the application has queued all of c.
	Queued(c skb.SendID)
	// SendTag is the frag tag (skb.Frag.Tag) the application attaches to
	// c's frags, or nil.
	SendTag(c skb.SendID) any
	// Copies reports whether the application copies its data into socket
	// pages (sendmsg) instead of handing over its own pages (sendpage).
	Copies() bool
	// Costs is what the design has cost so far.
	Costs() Costs
}

// Reader is a design whose application learns of completions by reading
// a queue the kernel fills (MSG_ZEROCOPY's socket error queue): the driver
// calls ReadNotifications after every operation, and the design's Notify
// calls come from what the application read.
type Reader interface{ ReadNotifications() }

// Env is what a design is built with.
type Env struct {
	Kernel skb.Kernel
	// Notify is the application of this design instance's socket.
	Notify Notify
	Model  CostModel
	// Global is the machine-wide state shared by the design instances of
	// every socket in a run (nil: this instance is alone).
	Global *Global
}

// Property is one of the exactly-once properties (DESIGN.md §3).
type Property string

// The properties a design is held against.
const (
	P1 Property = "P1" // completion signalled at most once
	P2 Property = "P2" // never before T(c)
	P3 Property = "P3" // every command signalled by quiescence
	P4 Property = "P4" // no byte of a reused buffer's old generation on the wire
)

// PropertyName is the name a violation of p is reported under.
func PropertyName(p Property) string {
	switch p {
	case P1:
		return "double completion"
	case P2:
		return "premature completion"
	case P3:
		return "lost completion"
	case P4:
		return "wire corruption"
	}
	return string(p)
}

// Info describes a design: where it comes from, what it is expected to do,
// and what it costs.
type Info struct {
	Name      string
	Origin    string // who, when, where in the thread or the kernel
	Mechanism string
	// Sound is the expected verdict; Violates lists the properties a flawed
	// design is expected to break (the simulator must find them).
	Sound    bool
	Violates []Property
	Expected string // one line: the expected profile
	// CPU says what the design pays for, in the units of CostModel.
	CPU    string
	Memory Memory
	// Hypothetical lists the kernels in which the design did not exist,
	// where zcsim runs it as a hypothetical backport, and Backport says how.
	Hypothetical []skb.Kernel
	Backport     string
}

// HypotheticalOn reports whether the design is a hypothetical backport on k.
func (in Info) HypotheticalOn(k skb.Kernel) bool { return slices.Contains(in.Hypothetical, k) }

// Memory is a design's memory overhead in bytes.
type Memory struct {
	PerPage   int    // added to every struct page in RAM
	PerShinfo int    // added to every skb_shared_info
	PerFrag   int    // added to every skb_frag_t
	Object    string // the dynamic object the design allocates, if any
	ObjectLen int    // its size
	Source    string
}

// StaticBytes is the static overhead for a machine of ramPages pages.
func (m Memory) StaticBytes(ramPages int64) int64 { return int64(m.PerPage) * ramPages }

// CostModel is the CPU price of what designs do, in ticks (cycles).
type CostModel struct {
	// Hook is one reference-count update on the design's own state (an
	// uncontended atomic on a cached line). Assumption: 20 ticks.
	Hook int64 `json:"hook_ticks"`
	// Lookup is one hash-table lookup of a page. Source: the thread's
	// patch description, "if each search needs, say, 20 ticks".
	Lookup int64 `json:"lookup_ticks"`
	// CopyPage is copying one 4 KiB page. Source: the thread ("a modern
	// CPU needs using MMX about 1500 ticks"; the author could not recall
	// where the figure came from).
	CopyPage int64 `json:"copy_page_ticks"`
	// Alloc is one small slab allocation and its free. Assumption: 100
	// ticks (the thread argues over its size; SLUB's fast path).
	Alloc int64 `json:"alloc_ticks"`
}

// DefaultCosts are the defaults above.
var DefaultCosts = CostModel{Hook: 20, Lookup: 20, CopyPage: 1500, Alloc: 100}

// Costs is what a design has cost so far.
type Costs struct {
	Ticks       int64 // CPU ticks
	HookCalls   int64 // hook invocations that did work
	Lookups     int64 // hash lookups
	PageCopies  int64 // pages copied
	Allocs      int64 // dynamic objects allocated
	Objects     int64 // dynamic objects live now
	PeakObjects int64 // most dynamic objects live at once
}

// meter accumulates Costs for a design.
type meter struct {
	model CostModel
	c     Costs
}

func (m *meter) hook()   { m.c.HookCalls++; m.c.Ticks += m.model.Hook }
func (m *meter) lookup() { m.c.Lookups++; m.c.Ticks += m.model.Lookup }
func (m *meter) copyPages(n int64) {
	m.c.PageCopies += n
	m.c.Ticks += n * m.model.CopyPage
}
func (m *meter) alloc() {
	m.c.Allocs++
	m.c.Objects++
	m.c.PeakObjects = max(m.c.PeakObjects, m.c.Objects)
	m.c.Ticks += m.model.Alloc
}
func (m *meter) free() { m.c.Objects-- }

// Costs implements Design.
func (m *meter) Costs() Costs { return m.c }
