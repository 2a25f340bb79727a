// Package tcp models the Linux TCP transmit path, and the receiver that
// acknowledges it, as pure state machines over the skb model: no clock, no
// randomness, no I/O. Inputs are application sends, segments and ACKs
// arriving, timer expiry and TX completion, each with the current virtual
// time; outputs are segments to put on the wire and timer requests, which
// the caller (package sim) drains and schedules.
//
// Sequence numbers are uint32 and compared modulo 2^32 (Before, After), as
// the kernel's before()/after() do.
package tcp
