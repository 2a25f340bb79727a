package skb

import (
	"fmt"
	"math"
)

// Counter limits. The kernel increments these counters without checking for
// overflow (or, for 6.18's skb->users, saturates them with a WARN and leaks
// the object); the model refuses, with an error wrapping ErrCounterLimit,
// any operation that would take one past its range, before it changes any
// state. A refused operation leaves the stack exactly as it was.
//
// dataref is one atomic_t split by convention into two 16-bit halves
// (include/linux/skbuff.h: SKB_DATAREF_SHIFT 16, SKB_DATAREF_MASK
// ((1 << SKB_DATAREF_SHIFT) - 1)). skb_clone raises the low half with
// __skb_clone's atomic_inc(&(skb_shinfo(skb)->dataref)) (net/core/skbuff.c,
// both flavours); 2.6.26 skb_header_release raises the high half with
// atomic_add(1 << SKB_DATAREF_SHIFT, &skb_shinfo(skb)->dataref). Neither
// checks: a 65536th sharer carries the low half into the high half, which
// then reads as one more nohdr skb and one sharer fewer, and the data is
// released while skbs still point at it.
const (
	// MaxDatarefSkbs is the largest low half of dataref, the number of
	// skbs sharing a shared info: SKB_DATAREF_MASK, 65535.
	MaxDatarefSkbs = DatarefMask
	// MaxDatarefNohdr is the largest high half of dataref, the number of
	// nohdr skbs sharing a shared info: 32767. The half is 16 bits, but
	// atomic_t is a signed int: with bit 31 set, skb_header_cloned's
	// "dataref >> SKB_DATAREF_SHIFT" sign-extends to a negative count
	// (and the model's int32 dataref would read negative). The high half
	// never exceeds the low half, so it only binds in 2.6.26, where
	// skb_header_release may mark clones nohdr too.
	MaxDatarefNohdr = math.MaxInt16
	// MaxUsers is the largest skb->users: INT_MAX, in both flavours. 6.18's
	// users is a refcount_t (since 4.13): refcount_inc past REFCOUNT_MAX
	// (INT_MAX) WARNs "refcount_t: saturated; leaking memory" and pins the
	// count at REFCOUNT_SATURATED (INT_MIN / 2), so the skb is never freed;
	// 2.6.26's users is a plain atomic_t, whose atomic_inc wraps to INT_MIN.
	MaxUsers = math.MaxInt32
)

// datarefRoom is the one rule for dataref increments: it returns an error
// wrapping ErrCounterLimit if adding skbs to the low half and nohdr to the
// high half of sh's dataref would take either past its limit, naming the
// Linux function (site), the skb b the operation was called on and the
// limit. Every increment checks it: the operations (Clone, HeaderRelease)
// call it before changing any state and return its error; the primitives
// that raise dataref (shinfoRef, nohdrRef) assert it, so an operation that
// forgot to check is a model bug, not a silent overflow.
func datarefRoom(sh *SharedInfo, b *Buff, skbs, nohdr int32, site Site) error {
	lo, hi := sh.dataref&DatarefMask, sh.dataref>>DatarefShift
	if skbs > 0 && lo > MaxDatarefSkbs-skbs {
		return fmt.Errorf("%w: %s on b%d would take s%d's dataref past %d skbs (the kernel's 16-bit half, SKB_DATAREF_MASK)",
			ErrCounterLimit, site, b.ID, sh.ID, MaxDatarefSkbs)
	}
	if nohdr > 0 && hi > MaxDatarefNohdr-nohdr {
		return fmt.Errorf("%w: %s on b%d would take s%d's dataref past %d nohdr skbs (the kernel's 16-bit high half of a signed atomic_t, dataref >> SKB_DATAREF_SHIFT)",
			ErrCounterLimit, site, b.ID, sh.ID, MaxDatarefNohdr)
	}
	return nil
}

// usersRoom is the rule for skb->users increments (skb_get): an error
// wrapping ErrCounterLimit if b's users is already MaxUsers.
func usersRoom(b *Buff, site Site) error {
	if b.users >= MaxUsers {
		return fmt.Errorf("%w: %s would take b%d's users past %d (INT_MAX: 6.18 refcount_t saturates, 2.6.26 atomic_t wraps)",
			ErrCounterLimit, site, b.ID, int32(MaxUsers))
	}
	return nil
}
