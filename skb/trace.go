package skb

import "fmt"

// EventKind classifies a trace Event.
type EventKind uint8

const (
	EvPageGet       EventKind = iota + 1 // P+: get_page for a frag
	EvPagePut                            // P-: put_page of a frag
	EvPageAlloc                          // a kernel page allocated; its first reference goes to a frag
	EvPageFree                           // a page's count reached zero
	EvFragMove                           // Pt: frag moved, no count change
	EvShinfoNew                          // Snew: empty shared info (dataref 1)
	EvShinfoDup                          // Sdup: shared info made from another
	EvShinfoRef                          // S+: dataref up
	EvShinfoUnref                        // S-: dataref down, data lives on
	EvDataref                            // S=: dataref rewritten (header release)
	EvShinfoRelease                      // Sfree: last data reference gone
	EvMerge                              // a merge asked of the observers
	EvZcopyClear                         // skb_zcopy_clear
	EvTruth                              // a send's last frag reference dropped after close: T(send)
)

// Event is one reference change, recorded by the Stack with the site it
// happened on behalf of. Events are values with identifiers only, so that
// recording them never allocates once the trace buffer has grown.
type Event struct {
	Op      uint64
	Kind    EventKind
	Site    Site
	Page    PageID
	Refs    int32 // page count after the change
	Shinfo  ShinfoID
	From    ShinfoID
	Slot    int16
	ToSlot  int16
	Dataref int32 // after the change
	Send    SendID
	Merge   MergeKind
	Buff    BuffID
	Other   BuffID
	OK      bool // merge allowed; zcopy success; dup bitwise
}

// Namer names skbs and sends in trace lines; a script uses its own names.
type Namer interface {
	BuffName(BuffID) string
	SendName(SendID) string
}

// IDNamer names skbs and sends by identifier: "b7", "c3".
type IDNamer struct{}

// BuffName is "b" and the skb's ID.
func (IDNamer) BuffName(id BuffID) string { return fmt.Sprintf("b%d", id) }

// SendName is "c" and the send's ID.
func (IDNamer) SendName(id SendID) string { return fmt.Sprintf("c%d", id) }

// String renders the event as one trace line, for example
// "P+ p3 refs 1->2 s1[0] [pskb_expand_head]".
func (e Event) String() string { return e.Format(IDNamer{}) }

// Format renders the event as one trace line, naming skbs and sends with n.
func (e Event) Format(n Namer) string {
	site := " [" + string(e.Site) + "]"
	switch e.Kind {
	case EvPageGet:
		return fmt.Sprintf("P+ p%d refs %d->%d s%d[%d]%s", e.Page, e.Refs-1, e.Refs, e.Shinfo, e.Slot, site)
	case EvPagePut:
		if e.Shinfo == 0 {
			return fmt.Sprintf("P- p%d refs %d->%d socket page cache%s", e.Page, e.Refs+1, e.Refs, site)
		}
		return fmt.Sprintf("P- p%d refs %d->%d s%d[%d]%s", e.Page, e.Refs+1, e.Refs, e.Shinfo, e.Slot, site)
	case EvPageAlloc:
		if e.Shinfo == 0 {
			return fmt.Sprintf("Palloc p%d refs 1 socket page cache%s", e.Page, site)
		}
		return fmt.Sprintf("Palloc p%d refs 1 s%d[%d]%s", e.Page, e.Shinfo, e.Slot, site)
	case EvPageFree:
		return fmt.Sprintf("Pfree p%d%s", e.Page, site)
	case EvFragMove:
		return fmt.Sprintf("Pt p%d s%d[%d]->s%d[%d]%s", e.Page, e.From, e.Slot, e.Shinfo, e.ToSlot, site)
	case EvShinfoNew:
		return fmt.Sprintf("Snew s%d dataref %s%s", e.Shinfo, FormatDataref(e.Dataref), site)
	case EvShinfoDup:
		how := "from"
		if e.OK {
			how = "bitwise copy of"
		}
		return fmt.Sprintf("Sdup s%d %s s%d%s", e.Shinfo, how, e.From, site)
	case EvShinfoRef:
		return fmt.Sprintf("S+ s%d dataref %s%s", e.Shinfo, FormatDataref(e.Dataref), site)
	case EvShinfoUnref:
		return fmt.Sprintf("S- s%d dataref %s%s", e.Shinfo, FormatDataref(e.Dataref), site)
	case EvDataref:
		return fmt.Sprintf("S= s%d dataref %s%s", e.Shinfo, FormatDataref(e.Dataref), site)
	case EvShinfoRelease:
		return fmt.Sprintf("Sfree s%d%s", e.Shinfo, site)
	case EvMerge:
		verdict := "allowed"
		if !e.OK {
			verdict = "refused"
		}
		if e.Merge == MergeAppend {
			return fmt.Sprintf("merge append %s -> %s %s%s", n.SendName(e.Send), n.BuffName(e.Buff), verdict, site)
		}
		return fmt.Sprintf("merge %s %s -> %s %s%s", e.Merge, n.BuffName(e.Other), n.BuffName(e.Buff), verdict, site)
	case EvZcopyClear:
		return fmt.Sprintf("zcopy-clear s%d success=%t%s", e.Shinfo, e.OK, site)
	case EvTruth:
		return fmt.Sprintf("T(%s): last frag reference gone%s", n.SendName(e.Send), site)
	}
	return fmt.Sprintf("event(%d)", e.Kind)
}
