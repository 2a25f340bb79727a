package skb

import "fmt"

// ShinfoID is a shared info's dense identifier (s1, s2, …).
type ShinfoID int32

// Dataref packing (include/linux/skbuff.h): the low 16 bits count every
// sk_buff that references the data; the high 16 bits count those of them
// that promised not to touch the header (nohdr).
const (
	DatarefShift = 16
	DatarefMask  = 1<<DatarefShift - 1
)

// ShFlags are skb_shared_info flags (SKBFL_*, 6.18 only; 2.6.26 has none).
type ShFlags uint8

const (
	// ZerocopyEnable is SKBFL_ZEROCOPY_ENABLE: destructor_arg holds a ubuf_info.
	ZerocopyEnable ShFlags = 1 << iota
	// SharedFrag is SKBFL_SHARED_FRAG: frags may be written by someone else.
	SharedFrag
	// PureZerocopy is SKBFL_PURE_ZEROCOPY.
	PureZerocopy
	// DontOrphan is SKBFL_DONT_ORPHAN: clones need not copy the user frags.
	DontOrphan
)

// SharedInfo is struct skb_shared_info together with the head buffer it
// lives at the end of. It is shared by an skb and all its clones; dataref
// counts them. Only the Stack creates, references and releases it.
//
// Not modelled: frag_list (TCP transmit never builds one), hwtstamps,
// tx_flags.
type SharedInfo struct {
	ID ShinfoID
	// GSOSize and GSOSegs are gso_size (bytes) and gso_segs.
	GSOSize, GSOSegs int32
	// Flags are the SKBFL_* flags (6.18).
	Flags ShFlags
	// DestructorArg is destructor_arg: a design slot that pskb_expand_head
	// copies bit for bit along with the rest of the shared info.
	DestructorArg any

	dataref int32
	nrFrags int32
	// appendSend is the last send the observers allowed to append to this
	// shared info; they are asked again when another send appends, or
	// once skb_zcopy_clear has dropped the zerocopy state.
	appendSend SendID
	frags      [maxFragsAny]Frag
	freed      bool
	idx        int32
	chk        int32 // scratch for Check
	// sock is the socket that owns the data (Sock).
	sock SockID
}

// Dataref is the raw dataref value (low half: skbs, high half: nohdr skbs).
func (sh *SharedInfo) Dataref() int32 { return sh.dataref }

// NumFrags is nr_frags.
func (sh *SharedInfo) NumFrags() int { return int(sh.nrFrags) }

// Frag returns a copy of frag i. Precondition: 0 <= i < NumFrags().
func (sh *SharedInfo) Frag(i int) Frag { return sh.frags[i] }

// Zerocopy reports skb_zcopy: whether destructor_arg holds a ubuf_info.
func (sh *SharedInfo) Zerocopy() bool { return sh.Flags&ZerocopyEnable != 0 }

// Freed reports whether the shared info was released.
func (sh *SharedInfo) Freed() bool { return sh.freed }

// pageLen is the sum of the frag sizes.
func (sh *SharedInfo) pageLen() int32 {
	var n int32
	for i := range sh.nrFrags {
		n += sh.frags[i].Size
	}
	return n
}

// FormatDataref renders a dataref the way a kernel reader writes it: "2+1<<16".
func FormatDataref(d int32) string {
	lo, hi := d&DatarefMask, d>>DatarefShift
	if hi == 0 {
		return fmt.Sprint(lo)
	}
	if hi == 1 {
		return fmt.Sprintf("%d+1<<16", lo)
	}
	return fmt.Sprintf("%d+%d<<16", lo, hi)
}
