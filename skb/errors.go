package skb

import "errors"

// Errors returned by operations whose precondition fails. They are values a
// caller can test with errors.Is; each is wrapped with the detail of the
// failing call. A violated precondition is the caller's mistake, reported;
// a broken model invariant is zcsim's bug, and panics instead.
var (
	ErrUnknownKernel = errors.New("skb: unknown kernel")
	ErrNotInKernel   = errors.New("skb: operation does not exist in this kernel")
	ErrShared        = errors.New("skb: skb is shared (users > 1)")
	ErrCloned        = errors.New("skb: skb is cloned")
	ErrRange         = errors.New("skb: length out of range")
	ErrFragsFull     = errors.New("skb: MAX_SKB_FRAGS reached")
	ErrNotLinear     = errors.New("skb: skb has paged data")
	ErrHasLinear     = errors.New("skb: skb has linear data")
	ErrRefused       = errors.New("skb: refused")
	ErrNoRoom        = errors.New("skb: not enough tailroom")
	ErrSendClosed    = errors.New("skb: send already closed")
	ErrPage          = errors.New("skb: bad page range")
	ErrState         = errors.New("skb: wrong state")
	// ErrCounterLimit: the operation would push a counter past the range
	// the kernel keeps it in (dataref's 16-bit halves, skb->users); see
	// MaxDatarefSkbs, MaxDatarefNohdr and MaxUsers. The operation changed
	// nothing.
	ErrCounterLimit = errors.New("skb: counter limit")
)
