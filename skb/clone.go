package skb

import "fmt"

// Clone is skb_clone (__skb_clone): a new sk_buff sharing b's head and
// shared info. dataref's low half goes up by one (S+); no page reference
// changes. The new skb has cloned=1, nohdr=0, users=1; b gets cloned=1. If
// b is the parent of a fast-clone pair whose companion is free, the
// companion is used (fclone_ref 2); otherwise a regular skb is allocated
// (kernel-semantics §B3, §A6, §F9).
//
// In 6.18, skb_orphan_frags runs on b first: a zerocopy shared info without
// SKBFL_DONT_ORPHAN has its user frags copied (CopyUbufs) before the clone
// exists (§F8).
//
// The kernel's atomic_inc never checks that dataref's low half (16 bits,
// SKB_DATAREF_MASK) has room; the model refuses a clone that would take it
// past MaxDatarefSkbs with an error wrapping ErrCounterLimit, before any
// state changes (the orphan step included: a shared info that orphanFrags
// copies is never cloned, since the first clone clears its zerocopy state,
// so its low half is 1).
func (s *Stack) Clone(b *Buff) (*Buff, error) {
	s.mustLive(b, "skb_clone")
	if err := datarefRoom(b.sh, b, 1, 0, "skb_clone"); err != nil {
		return nil, err
	}
	s.op++
	if err := s.orphanFrags(b); err != nil {
		return nil, err
	}
	return s.clone(b, "skb_clone"), nil
}

func (s *Stack) clone(b *Buff, site Site) *Buff {
	s.nextBuff++
	n := &Buff{ID: s.nextBuff, idx: int32(len(s.buffs))}
	s.buffs = append(s.buffs, n)
	if b.fclone == FcloneOrig && b.pair.child == nil {
		n.fclone = FcloneClone
		n.pair = b.pair
		b.pair.child = n
		b.pair.ref++
	}
	n.sh = b.sh
	n.len, n.dataLen, n.lin = b.len, b.dataLen, b.lin
	n.headroom, n.tailroom = b.headroom, b.tailroom
	n.CB = b.CB
	n.users = 1
	n.cloned = true
	b.cloned = true
	s.shinfoRef(b, site)
	return n
}

// orphanFrags is 6.18 skb_orphan_frags: a no-op unless b's shared info is
// zerocopy without SKBFL_DONT_ORPHAN, in which case the user frags are
// copied to kernel pages (skb_copy_ubufs). 2.6.26 has no such state.
func (s *Stack) orphanFrags(b *Buff) error {
	if s.kernel.Old() || !b.sh.Zerocopy() || b.sh.Flags&DontOrphan != 0 {
		return nil
	}
	return s.copyUbufs(b)
}

// SetZerocopy attaches a ubuf_info-style zerocopy state to b's shared info
// (skb_zcopy_init: SKBFL_ZEROCOPY_ENABLE, plus SKBFL_DONT_ORPHAN unless
// orphan is true, as for vhost/tap users) with arg in destructor_arg. 6.18
// only. Precondition: b is not cloned and not already zerocopy.
func (s *Stack) SetZerocopy(b *Buff, arg any, orphan bool) error {
	s.mustLive(b, "skb_zcopy_init")
	if s.kernel.Old() {
		return fmt.Errorf("%w: 2.6.26 has no skb zerocopy state", ErrNotInKernel)
	}
	if b.Cloned() {
		return fmt.Errorf("%w: b%d", ErrCloned, b.ID)
	}
	if b.sh.Zerocopy() {
		return fmt.Errorf("%w: b%d is already zerocopy", ErrState, b.ID)
	}
	s.op++
	b.sh.Flags |= ZerocopyEnable | SharedFrag
	if !orphan {
		b.sh.Flags |= DontOrphan
	}
	b.sh.DestructorArg = arg
	return nil
}

// Orphan is skb_orphan (include/linux/skbuff.h): b's destructor runs and
// skb->sk becomes NULL, so b no longer belongs to the socket that sent it
// (loopback_xmit does this before the receiving socket takes b). No
// reference changes; skb_fclone_busy no longer counts an orphaned fast
// clone.
func (s *Stack) Orphan(b *Buff) {
	s.mustLive(b, "skb_orphan")
	b.orphaned = true
}
