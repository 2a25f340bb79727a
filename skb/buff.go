package skb

// BuffID is an skb's dense identifier (b1, b2, …).
type BuffID int32

// FcloneState is sk_buff.fclone (include/linux/skbuff.h).
type FcloneState uint8

const (
	// FcloneNone is SKB_FCLONE_UNAVAILABLE on a regular skb.
	FcloneNone FcloneState = iota
	// FcloneOrig is the parent half of a fast-clone pair.
	FcloneOrig
	// FcloneClone is the companion half while it is in use.
	FcloneClone
)

// String names the state as the trace prints it ("orig", "clone", "none").
func (f FcloneState) String() string {
	switch f {
	case FcloneOrig:
		return "orig"
	case FcloneClone:
		return "clone"
	}
	return "none"
}

// fclonePair is the memory of a fast-clone object: [orig][child][fclone_ref].
// The object is freed when ref reaches zero.
type fclonePair struct {
	ref   int32
	child *Buff // the companion while in use (FcloneClone), else nil
}

// ControlBlock is the part of TCP_SKB_CB the model carries: sequence range,
// SACK state and segment count. The skb package only copies and adjusts it;
// tcp gives it meaning.
type ControlBlock struct {
	Seq, EndSeq uint32
	Sacked      uint8
	Pcount      int32
}

// Buff is a struct sk_buff: a view on a SharedInfo (head + frags) that it
// may share with clones. Payload bytes only are counted: headers are
// represented by Headroom, not by bytes.
//
//	head ─ Headroom ─┬─ linear payload (HeadLen) ─┬─ Tailroom ─ end ┐ SharedInfo
//	                 data                         tail              │ frags[0..n)
//	Len = HeadLen + DataLen; DataLen = sum of frag sizes.
type Buff struct {
	ID BuffID
	// CB is the TCP control block.
	CB ControlBlock

	sh       *SharedInfo
	len      int32
	dataLen  int32
	lin      []Run // provenance of the linear payload; never mutated in place
	headroom int32
	tailroom int32
	cloned   bool
	nohdr    bool
	fclone   FcloneState
	pair     *fclonePair
	users    int32
	freed    bool
	// orphaned: skb->sk is NULL (Orphan).
	orphaned bool
	idx      int32
}

// Shinfo is skb_shinfo(b).
func (b *Buff) Shinfo() *SharedInfo { return b.sh }

// Len is skb->len in payload bytes.
func (b *Buff) Len() int { return int(b.len) }

// DataLen is skb->data_len: the bytes in frags.
func (b *Buff) DataLen() int { return int(b.dataLen) }

// HeadLen is skb_headlen: the payload bytes in the linear area.
func (b *Buff) HeadLen() int { return int(b.len - b.dataLen) }

// Headroom is skb_headroom in bytes.
func (b *Buff) Headroom() int { return int(b.headroom) }

// Tailroom is skb_tailroom in bytes: the room after the linear data, or 0
// when the skb has paged data (bytes appended to the linear area would
// then precede the frags).
func (b *Buff) Tailroom() int {
	if b.dataLen > 0 {
		return 0
	}
	return int(b.tailroom)
}

// ClonedBit is the raw skb->cloned bit.
func (b *Buff) ClonedBit() bool { return b.cloned }

// Nohdr is skb->nohdr.
func (b *Buff) Nohdr() bool { return b.nohdr }

// Fclone is skb->fclone.
func (b *Buff) Fclone() FcloneState { return b.fclone }

// Users is skb->users.
func (b *Buff) Users() int { return int(b.users) }

// Freed reports whether the skb was freed.
func (b *Buff) Freed() bool { return b.freed }

// Cloned is skb_cloned: the cloned bit is set and another skb still shares
// the data (dataref's low half is not 1).
func (b *Buff) Cloned() bool { return b.cloned && b.sh.dataref&DatarefMask != 1 }

// HeaderCloned is skb_header_cloned: the cloned bit is set and some other
// sharer may write the header (low half minus high half is not 1).
func (b *Buff) HeaderCloned() bool {
	if !b.cloned {
		return false
	}
	d := b.sh.dataref
	return (d&DatarefMask)-(d>>DatarefShift) != 1
}

// Shared is skb_shared: users != 1.
func (b *Buff) Shared() bool { return b.users != 1 }

// FcloneBusy is skb_fclone_busy (6.18): b is the parent of a fast-clone
// pair whose companion is still alive (in a qdisc or driver) and still
// belongs to the socket (fclones->skb2.sk == sk: a driver that orphaned
// it, as loopback_xmit does, has let it go).
func (b *Buff) FcloneBusy() bool {
	return b.fclone == FcloneOrig && b.pair.ref > 1 && b.pair.child != nil && !b.pair.child.orphaned
}

// Orphaned reports whether b was orphaned (skb->sk == NULL).
func (b *Buff) Orphaned() bool { return b.orphaned }

// LinearProvenance appends the runs of the linear payload to dst. Like
// Frag.Provenance it is for the ground truth and teaching output only.
func (b *Buff) LinearProvenance(dst []Run) []Run { return append(dst, b.lin...) }
