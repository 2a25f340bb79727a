package sim

import (
	"errors"
	"fmt"

	"github.com/zcsim/zcsim/skb"
)

// ErrLimit is wrapped by every error that says a run would exceed one of
// its Limits. The message names the limit and the flag that raises it.
var ErrLimit = errors.New("sim: limit")

// Limits bound what one run may use. Every documented scenario runs within
// DefaultLimits; a user raises a limit with the flag named in brackets.
type Limits struct {
	// Events bounds the engine events of one design × kernel run, and so
	// its wall time (-max-events).
	Events uint64
	// Memory bounds the modelled state alive at once, in bytes of this
	// process's memory: application pages, live skbs and shared infos,
	// the ledger, pending engine events and packets held on manual wires
	// (-max-mem). Application pages are charged before they are made, so
	// an oversized pool is refused before anything runs.
	Memory int64
	// LineBytes bounds one line of a script, in bytes (-max-line).
	LineBytes int
	// ScriptBytes bounds a script file, in bytes (-max-script).
	ScriptBytes int64
}

// DefaultLimits let every scenario in the README and testdata run.
var DefaultLimits = Limits{Events: 50_000_000, Memory: 1 << 30, LineBytes: 64 << 10, ScriptBytes: 64 << 20}

// Validate reports a limit that is not positive.
func (l Limits) Validate() error {
	switch {
	case l.Events == 0:
		return fmt.Errorf("%w: the event limit must be positive", ErrLimit)
	case l.Memory <= 0:
		return fmt.Errorf("%w: the memory limit must be positive", ErrLimit)
	case l.LineBytes <= 0:
		return fmt.Errorf("%w: the line limit must be positive", ErrLimit)
	case l.ScriptBytes <= 0:
		return fmt.Errorf("%w: the script limit must be positive", ErrLimit)
	}
	return nil
}

// Bytes of this process's memory per pending engine event and per packet
// held on a manual wire (estimates: an event with its closure, a segment
// with its chunk list).
const (
	eventBytes  = 96
	packetBytes = 256
)

// pagesFit reports whether n more application pages fit the memory limit
// next to what st already holds.
func (l Limits) pagesFit(st *skb.Stack, n int64) error {
	need := st.Footprint() + n*skb.PageBytes()
	if n < 0 || need > l.Memory || n > l.Memory/skb.PageBytes() {
		return fmt.Errorf("%w: %d application pages need %s, over the memory limit of %s (raise it with -max-mem)",
			ErrLimit, n, fmtMiB(n*skb.PageBytes()), fmtMiB(l.Memory))
	}
	return nil
}

// check reports whether the live state of a run exceeds the memory limit.
func (l Limits) check(st *skb.Stack, eng *Engine, held int) error {
	use := st.Footprint() + int64(eng.Pending())*eventBytes + int64(held)*packetBytes
	if use > l.Memory {
		return fmt.Errorf("%w: the run holds %s of modelled state, over the memory limit of %s (raise it with -max-mem)",
			ErrLimit, fmtMiB(use), fmtMiB(l.Memory))
	}
	return nil
}

// fmtMiB renders bytes as "12.5 MiB".
func fmtMiB(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
