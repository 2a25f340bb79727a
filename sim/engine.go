package sim

import (
	"container/heap"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
)

// Time is virtual time in nanoseconds since the start of a run.
type Time int64

// Common durations in virtual nanoseconds.
const (
	Nanosecond  Time = 1
	Microsecond      = 1000 * Nanosecond
	Millisecond      = 1000 * Microsecond
	Second           = 1000 * Millisecond
)

// ErrEventLimit is returned by Run when a run schedules more events than
// the engine's limit allows.
var ErrEventLimit = fmt.Errorf("%w: event limit reached", ErrLimit)

// event is one scheduled callback; index is its place in the heap (-1 once
// fired or cancelled).
type event struct {
	at    Time
	seq   uint64
	fn    func()
	index int
}

// Events are recycled once fired or cancelled; a Timer remembers the
// sequence number of the event it was made for, so a handle on a recycled
// event is recognised as stale.

// eventHeap orders events by (time, sequence number): ties fire in the
// order they were scheduled.
type eventHeap []*event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *eventHeap) Push(x any) {
	e := x.(*event)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.index = -1
	return e
}

// Engine is the deterministic discrete-event engine: a virtual clock and a
// heap of callbacks ordered by (time, sequence). It has no goroutines and
// reads no wall clock; the same schedule always runs in the same order.
type Engine struct {
	now       Time
	seq       uint64
	events    eventHeap
	fired     uint64
	maxEvents uint64
	free      []*event
	// check, if set, runs every checkEvery events; its error stops Run.
	check      func() error
	checkEvery uint64
}

// SetCheck makes Run call fn every `every` events (every > 0) and stop
// with fn's error: a run's resource budget is enforced so.
func (e *Engine) SetCheck(every uint64, fn func() error) { e.check, e.checkEvery = fn, every }

// NewEngine returns an engine at time 0 that refuses to fire more than
// maxEvents events in one run (0: no limit).
func NewEngine(maxEvents uint64) *Engine { return &Engine{maxEvents: maxEvents} }

// Now is the virtual time.
func (e *Engine) Now() Time { return e.now }

// Fired is the number of events fired so far.
func (e *Engine) Fired() uint64 { return e.fired }

// Pending is the number of events scheduled and not yet fired.
func (e *Engine) Pending() int { return len(e.events) }

// Timer is a handle on a scheduled event.
type Timer struct {
	ev  *event
	seq uint64
}

// At schedules fn at virtual time t (not before now).
func (e *Engine) At(t Time, fn func()) Timer {
	if t < e.now {
		panic(fmt.Sprintf("sim: event scheduled in the past: %d < %d", t, e.now))
	}
	e.seq++
	var ev *event
	if n := len(e.free); n > 0 {
		ev = e.free[n-1]
		e.free = e.free[:n-1]
		ev.at, ev.seq, ev.fn = t, e.seq, fn
	} else {
		ev = &event{at: t, seq: e.seq, fn: fn}
	}
	heap.Push(&e.events, ev)
	return Timer{ev: ev, seq: e.seq}
}

// After schedules fn d nanoseconds from now (d >= 0).
func (e *Engine) After(d Time, fn func()) Timer { return e.At(e.now+d, fn) }

// Stop cancels the timer's event; it reports whether the event was still
// pending.
func (e *Engine) Stop(t Timer) bool {
	if !t.Pending() {
		return false
	}
	heap.Remove(&e.events, t.ev.index)
	t.ev.index = -1
	t.ev.fn = nil
	e.free = append(e.free, t.ev)
	return true
}

// Pending reports whether the timer's event is still scheduled.
func (t Timer) Pending() bool { return t.ev != nil && t.ev.seq == t.seq && t.ev.index >= 0 }

// When is the timer's scheduled time.
func (t Timer) When() Time { return t.ev.at }

// Step fires the next event, advancing the clock to it; it returns false
// when none is left.
func (e *Engine) Step() bool {
	if len(e.events) == 0 {
		return false
	}
	ev := heap.Pop(&e.events).(*event)
	e.now = ev.at
	e.fired++
	fn := ev.fn
	ev.fn = nil
	e.free = append(e.free, ev)
	fn()
	return true
}

// Run fires events in order until none is left or the next one lies after
// until (until < 0: no bound). The clock ends at the last event fired (or
// at until, if events remain beyond it).
func (e *Engine) Run(until Time) error {
	for len(e.events) > 0 {
		if until >= 0 && e.events[0].at > until {
			e.now = until
			return nil
		}
		if e.maxEvents > 0 && e.fired >= e.maxEvents {
			return fmt.Errorf("%w: %d events by virtual time %.3f s (raise it with -max-events)", ErrEventLimit, e.fired, float64(e.now)/1e9)
		}
		if e.check != nil && e.fired%e.checkEvery == 0 {
			if err := e.check(); err != nil {
				return err
			}
		}
		e.Step()
	}
	return nil
}

// RunFor fires every event up to now+d and leaves the clock at now+d.
func (e *Engine) RunFor(d Time) error {
	target := e.now + d
	if err := e.Run(target); err != nil {
		return err
	}
	e.now = max(e.now, target)
	return nil
}

// Streams hands out independent PCG streams derived from one seed, each
// forked by name: adding a stream (a new component) never changes the
// values another stream draws.
type Streams struct{ seed uint64 }

// NewStreams returns the streams of seed.
func NewStreams(seed uint64) Streams { return Streams{seed: seed} }

// Fork returns the stream named name: the same seed and name always give
// the same sequence.
func (s Streams) Fork(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(s.seed, h.Sum64()))
}
