package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
)

// ErrPath is wrapped by every invalid path configuration.
var ErrPath = errors.New("sim: path")

// PathConfig describes one direction of a network path.
type PathConfig struct {
	// RateBps is the bottleneck bandwidth in bits per second (> 0).
	RateBps int64
	// Delay is the one-way propagation delay (>= 0).
	Delay Time
	// Loss is the probability that a packet is dropped, in [0, 1].
	Loss float64
	// Reorder is the probability that a packet is held back by
	// ReorderDelay more, so that later packets overtake it, in [0, 1].
	Reorder      float64
	ReorderDelay Time
	// Dup is the probability that a packet is delivered twice, in [0, 1].
	Dup float64
	// QueueBytes bounds the bytes waiting for the bottleneck (the packet
	// being sent not counted): a packet that finds more is dropped
	// (drop-tail). 0: no bound.
	QueueBytes int64
}

// Validate reports the first impossible value.
func (c PathConfig) Validate() error {
	switch {
	case c.RateBps <= 0:
		return fmt.Errorf("%w: rate %d bit/s must be positive", ErrPath, c.RateBps)
	case c.Delay < 0:
		return fmt.Errorf("%w: delay %d ns is negative", ErrPath, c.Delay)
	case !(c.Loss >= 0 && c.Loss <= 1):
		return fmt.Errorf("%w: loss %g is outside [0, 1]", ErrPath, c.Loss)
	case !(c.Reorder >= 0 && c.Reorder <= 1):
		return fmt.Errorf("%w: reorder %g is outside [0, 1]", ErrPath, c.Reorder)
	case c.ReorderDelay < 0:
		return fmt.Errorf("%w: reorder delay %d ns is negative", ErrPath, c.ReorderDelay)
	case !(c.Dup >= 0 && c.Dup <= 1):
		return fmt.Errorf("%w: duplication %g is outside [0, 1]", ErrPath, c.Dup)
	case c.QueueBytes < 0:
		return fmt.Errorf("%w: queue %d bytes is negative", ErrPath, c.QueueBytes)
	}
	return nil
}

// Path carries packets of type T in one direction over the engine: a FIFO
// bottleneck of RateBps, then Delay of propagation. Loss, reordering and
// duplication each draw from their own stream forked from the run's seed
// under the path's name, so that enabling one never changes the others'
// draws.
type Path[T any] struct {
	cfg     PathConfig
	eng     *Engine
	deliver func(T)
	loss    *rand.Rand
	reorder *rand.Rand
	dup     *rand.Rand
	busy    Time // when the bottleneck is free again

	Sent, Dropped, Duplicated, Reordered uint64
	// QueueDrops counts packets dropped from a full queue (drop-tail).
	QueueDrops uint64
}

// NewPath returns a path named name (its streams are name/loss,
// name/reorder, name/dup) that calls deliver at each arrival.
func NewPath[T any](eng *Engine, s Streams, name string, cfg PathConfig, deliver func(T)) (*Path[T], error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Path[T]{cfg: cfg, eng: eng, deliver: deliver,
		loss: s.Fork(name + "/loss"), reorder: s.Fork(name + "/reorder"), dup: s.Fork(name + "/dup")}, nil
}

// TxTime is the time bytes take to cross the bottleneck.
func (p *Path[T]) TxTime(bytes int) Time {
	return Time((int64(bytes)*8*int64(Second) + p.cfg.RateBps - 1) / p.cfg.RateBps)
}

// Send puts a packet of bytes on the wire now. Every draw is made for every
// packet, whether or not it is used, so the streams stay aligned.
func (p *Path[T]) Send(pkt T, bytes int) {
	p.Sent++
	lost := p.loss.Float64() < p.cfg.Loss
	late := p.reorder.Float64() < p.cfg.Reorder
	twice := p.dup.Float64() < p.cfg.Dup
	now := p.eng.Now()
	if q := p.cfg.QueueBytes; q > 0 && p.busy > now && float64(p.busy-now)/1e9*float64(p.cfg.RateBps)/8 > float64(q) {
		p.QueueDrops++
		return
	}
	start := max(now, p.busy)
	p.busy = start + p.TxTime(bytes)
	if lost {
		p.Dropped++
		return
	}
	at := p.busy + p.cfg.Delay
	if late {
		p.Reordered++
		at += p.cfg.ReorderDelay
	}
	p.eng.At(at, func() { p.deliver(pkt) })
	if twice {
		p.Duplicated++
		p.eng.At(at, func() { p.deliver(pkt) })
	}
}
