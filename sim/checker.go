package sim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// Violation is one breach of P1-P4 by a design.
type Violation struct {
	Send     skb.SendID
	Property strategies.Property
	Op       uint64   // the model operation at which it was seen
	Detail   string   // what happened
	Holders  []string // skbs still holding the send's bytes, by name
}

// Signal is one completion a design signalled.
type Signal struct {
	Send   skb.SendID
	At     skb.Instant
	Copied bool
	// Latency is At.Op - T(send).Op, or -1 when T had not been reached.
	Latency int64
	// refs and open are the send's live frag references and whether it
	// was still open when signalled (what a P2 report says).
	refs int32
	open bool
}

// Checker holds a design's signals against the ground truth of one Stack
// and reports every violation of P1-P4 (DESIGN.md §3). The CLI's explore,
// the scripts and the tests all use it.
type Checker struct {
	st    *skb.Stack
	names skb.Namer
	// flags per send, by SendID: the signals so far (saturating at
	// countMax) and, in the top bit, whether the send is ignored.
	flags      []uint16
	signals    []Signal
	pending    int // signals[pending:] are not yet held against T
	violations []Violation
	// since marks what TakeEvents has returned already.
	sinceSig, sinceViol int
	// compact: signals are folded into stats once held against T, and
	// the ledger drops every send that is closed, reached T and was
	// signalled or ignored: memory follows what is in flight (SetCompact).
	compact bool
	stats   SignalStats
	readers []strategies.Reader
	// counts are, in compact mode, the violations by property; only the
	// first of each property is kept in violations.
	counts map[strategies.Property]*ViolationCount
}

// ViolationCount is how often one property was violated: the distinct
// sends affected and the violation events, and the first.
type ViolationCount struct {
	Sends, Events int
	First         Violation
}

// SignalStats sums up the signals a checker has held against T.
type SignalStats struct {
	Signals   int // completions signalled
	Copied    int // of which with MSG_ZEROCOPY's COPIED code
	Commands  int // distinct sends signalled
	LatencyUs []float64
	// Last is the virtual time of the last signal (ns; -1: none).
	Last int64
}

const (
	countMax    = 0x3f // signals counted per send, saturating
	settledFlag = 0x40 // the send's first signal was held against T
	ignoredFlag = 0x80 // the send is not the design's business
	// violatedFlag<<k: the send violated property P(k+1) (compact mode).
	violatedFlag = 0x100
	lostFlag     = 0x1000 // P3 was reported for the send
)

// AddReader makes Settle first let d's application read its notification
// queue, if d is a strategies.Reader: the signals the checker judges are
// then the ones the application acts on.
func (c *Checker) AddReader(d strategies.Design) {
	if r, ok := d.(strategies.Reader); ok {
		c.readers = append(c.readers, r)
	}
}

// SetCompact makes the checker keep no per-signal record (AllSignals and
// TakeEvents then return only what is not yet settled) and drop settled
// sends from the ledger; Stats sums the signals up. Long runs use it.
func (c *Checker) SetCompact(on bool) { c.compact = on }

// Stats sums up the signals held against T so far.
func (c *Checker) Stats() SignalStats {
	c.Settle()
	return c.stats
}

func (c *Checker) flag(id skb.SendID) *uint16 {
	for int(id) >= len(c.flags) {
		c.flags = append(c.flags, 0)
	}
	return &c.flags[id]
}

// NewChecker checks signals against st; names, if not nil, names skbs and
// sends in details.
func NewChecker(st *skb.Stack, names skb.Namer) *Checker {
	if names == nil {
		names = skb.IDNamer{}
	}
	return &Checker{st: st, names: names, stats: SignalStats{Last: -1}}
}

// Notify is the strategies.Notify to give the design. The signal is held
// against T(id) by Settle, once the operation during which it came is over:
// ground truth is kept at operation granularity, so a signal raised during
// the operation that reaches T is on time.
func (c *Checker) Notify(id skb.SendID, copied bool) {
	f := c.flag(id)
	if *f&countMax < countMax {
		*f++
	}
	n := int(*f & countMax)
	now := skb.Instant{Op: c.st.Op(), Time: c.st.Now()}
	sig := Signal{Send: id, At: now, Copied: copied, Latency: -1}
	if l := c.st.Ledger(); id > 0 && int(id) <= l.NumSends() {
		sig.refs, sig.open = int32(l.Refs(id)), !l.Closed(id)
	}
	c.signals = append(c.signals, sig)
	if n > 1 {
		times := fmt.Sprintf("%d times", n)
		if n == countMax {
			times = fmt.Sprintf("%d times or more", n)
		}
		c.add(Violation{Send: id, Property: strategies.P1, Op: now.Op,
			Detail: fmt.Sprintf("%s signalled %s", c.names.SendName(id), times)})
	}
}

// Settle holds the signals raised since the last call against the ground
// truth (P2). Call it after every operation; the other methods call it too.
func (c *Checker) Settle() {
	for _, r := range c.readers {
		r.ReadNotifications()
	}
	l := c.st.Ledger()
	for i := c.pending; i < len(c.signals); i++ {
		sig := &c.signals[i]
		c.stats.Signals++
		if sig.Copied {
			c.stats.Copied++
		}
		c.stats.Last = max(c.stats.Last, sig.At.Time)
		f := c.flag(sig.Send)
		first := *f&settledFlag == 0
		*f |= settledFlag
		if first {
			c.stats.Commands++
		}
		if l.Dropped(sig.Send) {
			continue // signalled before (P1 is reported), long after T
		}
		if t, ok := l.Truth(sig.Send); ok && t.Op <= sig.At.Op {
			sig.Latency = int64(sig.At.Op - t.Op)
			if first {
				c.stats.LatencyUs = append(c.stats.LatencyUs, float64(sig.At.Time-t.Time)/1e3)
			}
			continue
		}
		name := c.names.SendName(sig.Send)
		why := plural(int(sig.refs), "frag reference") + " to its bytes remained"
		if sig.open {
			why = "the application has not queued all of it"
		}
		v := Violation{Send: sig.Send, Property: strategies.P2, Op: sig.At.Op,
			Detail: fmt.Sprintf("%s signalled before T(%s): %s", name, name, why)}
		if !c.compact || c.counts[strategies.P2] == nil { // kept: name the skbs still holding the bytes
			v.Holders = c.holders(sig.Send)
		}
		c.add(v)
	}
	c.pending = len(c.signals)
	if c.compact {
		c.signals, c.pending, c.sinceSig = c.signals[:0], 0, 0
		for l.First() <= skb.SendID(l.NumSends()) && c.settled(l.First()) {
			l.DropFirst()
		}
	}
}

// settled reports whether nothing more is to be learnt about send id: it
// is closed, reached T, and was signalled or is ignored.
func (c *Checker) settled(id skb.SendID) bool {
	l := c.st.Ledger()
	_, done := l.Truth(id)
	return done && l.Closed(id) && (int(id) < len(c.flags) && c.flags[id]&settledFlag != 0 || c.untracked(id))
}

// plural renders "1 frag reference", "2 frag references".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func (c *Checker) add(v Violation) {
	if !c.compact {
		c.violations = append(c.violations, v)
		return
	}
	if c.counts == nil {
		c.counts = map[strategies.Property]*ViolationCount{}
	}
	n := c.counts[v.Property]
	if n == nil {
		n = &ViolationCount{First: v}
		c.counts[v.Property] = n
		c.violations = append(c.violations, v)
	}
	n.Events++
	bit := uint16(violatedFlag) << (propIndex(v.Property))
	if f := c.flag(v.Send); *f&bit == 0 {
		*f |= bit
		n.Sends++
	}
}

// propIndex is 0 for P1 … 3 for P4.
func propIndex(p strategies.Property) int {
	switch p {
	case strategies.P1:
		return 0
	case strategies.P2:
		return 1
	case strategies.P3:
		return 2
	}
	return 3
}

// Counts returns the violations by property: in compact mode counted as
// they came, otherwise counted from the full list.
func (c *Checker) Counts() map[strategies.Property]ViolationCount {
	c.Settle()
	out := map[strategies.Property]ViolationCount{}
	if c.compact {
		for p, n := range c.counts {
			out[p] = *n
		}
		return out
	}
	seen := map[strategies.Property]map[skb.SendID]bool{}
	for _, v := range c.violations {
		n, ok := out[v.Property]
		if !ok {
			n.First = v
			seen[v.Property] = map[skb.SendID]bool{}
		}
		n.Events++
		if !seen[v.Property][v.Send] {
			seen[v.Property][v.Send] = true
			n.Sends++
		}
		out[v.Property] = n
	}
	return out
}

// holders names the live skbs whose frags hold bytes of send id.
func (c *Checker) holders(id skb.SendID) []string {
	var out []string
	var runs []skb.Run
	for _, b := range c.st.Buffs() {
		sh := b.Shinfo()
		held := false
		for i := 0; i < sh.NumFrags() && !held; i++ {
			f := sh.Frag(i)
			runs = f.Provenance(runs[:0])
			for _, r := range runs {
				if r.Send == id && r.Snap == skb.Live {
					held = true
				}
			}
		}
		if held {
			out = append(out, c.names.BuffName(b.ID))
		}
	}
	return out
}

// Transmit reads b on the wire and reports wire corruption (P4).
func (c *Checker) Transmit(b *skb.Buff) skb.TxReport {
	rep := c.st.Transmit(b)
	for _, x := range rep.Corrupt {
		what := fmt.Sprintf("read from p%d at gen %d, sent at gen %d", x.Page, x.Now, x.Gen)
		if x.Copy {
			what = "from a copy taken after the page was rewritten"
		}
		c.add(Violation{Send: x.Send, Property: strategies.P4, Op: c.st.Op(),
			Detail: fmt.Sprintf("%s bytes [%d,%d) on the wire %s", c.names.SendName(x.Send), x.Off, x.Off+int64(x.Len), what)})
	}
	return rep
}

// Quiesce checks P3. Once no skb is left, every closed send must have
// been signalled — judged per send: a send still open does not excuse the
// others. A closed send younger than a send still open is not judged yet:
// a design that completes in order (token) may rightly hold it behind the
// open one. Each lost send is reported once. Quiesce returns whether the
// system is fully quiescent (no skb left and every send closed).
func (c *Checker) Quiesce() bool {
	c.Settle()
	if len(c.st.Buffs()) > 0 {
		return false
	}
	l := c.st.Ledger()
	for id := int(l.First()); id <= l.NumSends(); id++ {
		sid := skb.SendID(id)
		if !l.Closed(sid) {
			return false // this send and every younger one wait
		}
		if c.untracked(sid) || c.Signals(sid) > 0 {
			continue
		}
		if f := c.flag(sid); *f&lostFlag == 0 {
			*f |= lostFlag
			c.add(Violation{Send: sid, Property: strategies.P3, Op: c.st.Op(),
				Detail: fmt.Sprintf("%s never signalled, and no skb is left", c.names.SendName(sid))})
		}
	}
	return true
}

// Report is the check's one-line verdict: "quiescent; N violations in
// all", or why the system is not quiescent yet. It runs Quiesce.
func (c *Checker) Report() string {
	if !c.Quiesce() {
		return "not quiescent: " + c.NotQuiescent()
	}
	return fmt.Sprintf("quiescent; %d violations in all", len(c.Violations()))
}

// NotQuiescent says why the system is not quiescent ("2 skbs left", "c1
// still open"), or returns "".
func (c *Checker) NotQuiescent() string {
	if n := len(c.st.Buffs()); n > 0 {
		return plural(n, "skb") + " left"
	}
	l := c.st.Ledger()
	for id := int(l.First()); id <= l.NumSends(); id++ {
		if !l.Closed(skb.SendID(id)) {
			return c.names.SendName(skb.SendID(id)) + " still open"
		}
	}
	return ""
}

// Ignore tells the checker that send id is not the design's business (a
// protocol header the application copies itself): P3 does not expect a
// signal for it.
func (c *Checker) Ignore(id skb.SendID) { *c.flag(id) |= ignoredFlag }

func (c *Checker) untracked(id skb.SendID) bool {
	return int(id) < len(c.flags) && c.flags[id]&ignoredFlag != 0
}

// Signals is the number of completions signalled for id (at most 127 are
// counted).
func (c *Checker) Signals(id skb.SendID) int {
	if int(id) < len(c.flags) {
		return int(c.flags[id] & countMax)
	}
	return 0
}

// Violations returns every violation so far, in the order seen (in
// compact mode only the first of each property).
func (c *Checker) Violations() []Violation {
	c.Settle()
	return c.violations
}

// AllSignals returns every signal so far, in order.
func (c *Checker) AllSignals() []Signal {
	c.Settle()
	return c.signals
}

// First returns the first violation of property p, if any.
func (c *Checker) First(p strategies.Property) (Violation, bool) {
	for _, v := range c.Violations() {
		if v.Property == p {
			return v, true
		}
	}
	return Violation{}, false
}

// TakeEvents returns the lines for the signals and violations since the
// last call: "notify c1", "VIOLATION P2 premature completion: …".
func (c *Checker) TakeEvents() []string {
	c.Settle()
	var out []string
	for _, s := range c.signals[c.sinceSig:] {
		line := "notify " + c.names.SendName(s.Send)
		if s.Copied {
			line += " (COPIED)"
		}
		if s.Latency > 0 {
			line += fmt.Sprintf(", %d ops after T(%s)", s.Latency, c.names.SendName(s.Send))
		}
		out = append(out, line)
	}
	for _, v := range c.violations[c.sinceViol:] {
		out = append(out, v.String())
	}
	c.sinceSig, c.sinceViol = len(c.signals), len(c.violations)
	return out
}

// String renders the violation as one line.
func (v Violation) String() string {
	s := fmt.Sprintf("VIOLATION %s %s: %s", v.Property, strategies.PropertyName(v.Property), v.Detail)
	if len(v.Holders) > 0 {
		h := slices.Clone(v.Holders)
		s += "; still held by " + strings.Join(h, ", ")
	}
	return s
}
