package skb

import "fmt"

// Alloc allocates an skb with headroom bytes of headroom and size bytes of
// linear tailroom: __alloc_skb, or alloc_skb_fclone when fclone is true (as
// 2.6.26 sk_stream_alloc_skb and 6.18 tcp_stream_alloc_skb do for every TCP
// data skb). The new shared info has dataref 1; users is 1; no page
// references are taken (kernel-semantics §B1).
func (s *Stack) Alloc(headroom, size int, fclone bool) *Buff {
	s.op++
	return s.alloc(int32(headroom), int32(size), fclone, "__alloc_skb")
}

func (s *Stack) alloc(headroom, size int32, fclone bool, site Site) *Buff {
	b := s.newBuff(s.newShinfo(site))
	b.headroom, b.tailroom = headroom, size
	if fclone {
		b.fclone = FcloneOrig
		b.pair = &fclonePair{ref: 1}
	}
	return b
}

// HeaderRelease marks b payload-only (nohdr) and adds it to dataref's high
// half: 2.6.26 skb_header_release adds 1<<16 (and BUG()s on an skb that is
// already nohdr); 6.18 __skb_header_release sets dataref to 1+1<<16,
// assuming the skb is not cloned. TCP calls it on every skb it queues.
// Preconditions: b is not already nohdr (2.6.26 BUG()s; 6.18 would rewrite
// the same value, and the model refuses it there too); in 6.18 b is not
// cloned. In 2.6.26, where clones may be marked nohdr too, an addition that
// would take the high half past MaxDatarefNohdr is refused with an error
// wrapping ErrCounterLimit (the kernel does not check); 6.18 writes a
// constant and cannot overflow.
func (s *Stack) HeaderRelease(b *Buff) error {
	s.mustLive(b, "HeaderRelease")
	if b.nohdr {
		return fmt.Errorf("%w: b%d is already nohdr", ErrState, b.ID)
	}
	if !s.kernel.Old() && b.Cloned() {
		return fmt.Errorf("%w: __skb_header_release assumes an uncloned skb", ErrCloned)
	}
	if s.kernel.Old() {
		if err := datarefRoom(b.sh, b, 0, 1, "skb_header_release"); err != nil {
			return err
		}
	}
	s.op++
	b.nohdr = true
	if s.kernel.Old() {
		s.nohdrRef(b, "skb_header_release")
		return nil
	}
	s.setDataref(b.sh, 1+1<<DatarefShift, "__skb_header_release")
	return nil
}

// Get is skb_get: another holder of the sk_buff struct (users++), which
// makes it skb_shared. 2.6.26 does atomic_inc(&skb->users), 6.18
// refcount_inc(&skb->users) (include/linux/skbuff.h); a Get that would take
// users past MaxUsers is refused with an error wrapping ErrCounterLimit and
// changes nothing.
func (s *Stack) Get(b *Buff) error {
	s.mustLive(b, "skb_get")
	if err := usersRoom(b, "skb_get"); err != nil {
		return err
	}
	s.op++
	b.users++
	return nil
}

// Free is kfree_skb / consume_skb: users drops; at zero the skb's data
// reference is released (skb_release_data: pages are put only when the last
// skb sharing the shared info goes) and its memory freed (kfree_skbmem, with
// the fast-clone bookkeeping of kernel-semantics §A6, §B18).
func (s *Stack) Free(b *Buff) {
	s.mustLive(b, "kfree_skb")
	s.op++
	s.free(b)
}

func (s *Stack) free(b *Buff) {
	s.mustLive(b, "kfree_skb")
	b.users--
	if b.users > 0 {
		return
	}
	s.releaseData(b, "skb_release_data")
	s.freeMem(b)
}
