package sim

import (
	"fmt"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
	"github.com/zcsim/zcsim/tcp"
)

// HeaderBytes is the bytes of Ethernet, IP and TCP headers (with
// timestamps) a segment adds on the wire.
const HeaderBytes = 66

// ConnConfig is one connection: the stack, its device, the peer, and the
// path between them.
type ConnConfig struct {
	TCP      tcp.Config
	Dev      tcp.DevConfig
	Recv     tcp.RecvConfig
	Fwd, Rev PathConfig
}

// expected is a stretch of the byte stream as the application queued it.
type expected struct {
	send skb.SendID
	off  int64
	n    int
	gen  uint32
}

// wire is what carries segments: a Path, or a ManualWire that holds them
// until a script delivers or drops them.
type wire interface {
	Send(seg tcp.Segment, bytes int)
}

// Conn drives one TCP connection on the engine: the application's sends go
// into the Sender; its skbs go to the Device, whose segments cross the
// forward Path to the Receiver, whose ACKs cross the reverse Path back.
// Every timer is an engine event. P5 (the receiver gets exactly the bytes
// sent, in order) is checked on every delivery.
type Conn struct {
	eng  *Engine
	st   *skb.Stack
	chk  *Checker
	d    strategies.Design
	snd  *tcp.Sender
	dev  *tcp.Device
	rcv  *tcp.Receiver
	fwd  wire
	rev  wire
	cfg  ConnConfig
	tSnd Timer
	tDev Timer
	tRcv Timer
	// The timers' callbacks, bound once (flush runs for every event).
	fireSnd, fireDev, fireRcv func()

	want      []expected
	sendOff   map[skb.SendID]int64
	delivered int64
	// firstSend is when the application first queued bytes, lastDelivery
	// when the receiver last got bytes in order (virtual ns; -1: never).
	firstSend, lastDelivery Time
	// P5 holds the first stream violations (gaps, reordering, duplicates,
	// corrupt bytes) the receiver saw, at most maxP5 of them; P5Events
	// counts them all.
	P5       []StreamViolation
	P5Events int
	// OnProgress, if set, runs after every ACK or delivery: the
	// application sees what was acknowledged and delivered.
	OnProgress func()
	// Tap, if set, sees every skb the device reads.
	Tap func(skb.TxReport)
}

// NewConn builds a connection on eng whose skbs live in st, over private
// paths of its own (streams name/fwd and name/rev fork their randomness);
// a scenario run replaces them by the shared bottleneck (Links.Attach),
// a step script by manual wires. design may be nil.
func NewConn(eng *Engine, st *skb.Stack, s Streams, name string, cfg ConnConfig, chk *Checker, design strategies.Design) (*Conn, error) {
	c := &Conn{eng: eng, st: st, chk: chk, d: design, cfg: cfg, sendOff: map[skb.SendID]int64{}, firstSend: -1, lastDelivery: -1}
	snd, err := tcp.NewSender(st, cfg.TCP, 1, cfg.Recv.Window)
	if err != nil {
		return nil, err
	}
	c.snd = snd
	read := st.Transmit
	if chk != nil {
		read = chk.Transmit
	}
	c.dev = tcp.NewDevice(st, cfg.Dev, func(b *skb.Buff) skb.TxReport {
		rep := read(b)
		if c.Tap != nil {
			c.Tap(rep)
		}
		return rep
	})
	c.rcv = tcp.NewReceiver(cfg.Recv, 1)
	fwd, err := NewPath(eng, s, name+"/fwd", cfg.Fwd, c.arriveData)
	if err != nil {
		return nil, err
	}
	rev, err := NewPath(eng, s, name+"/rev", cfg.Rev, c.arriveAck)
	if err != nil {
		return nil, err
	}
	c.fwd, c.rev = fwd, rev
	c.fireSnd = c.fired(func(now int64) { c.snd.OnTimer(now) })
	c.fireDev = c.fired(func(now int64) { c.dev.OnTimer(now) })
	c.fireRcv = c.fired(func(now int64) { c.rcv.OnTimer(now) })
	return c, nil
}

// Sender, Receiver and Device expose the state machines.
func (c *Conn) Sender() *tcp.Sender     { return c.snd }
func (c *Conn) Receiver() *tcp.Receiver { return c.rcv }
func (c *Conn) Device() *tcp.Device     { return c.dev }

// Delivered is the number of bytes delivered in order to the peer.
func (c *Conn) Delivered() int64 { return c.delivered }

// Span is when the application first queued bytes and when the peer last
// got bytes in order (virtual ns); ok is false if nothing was delivered.
func (c *Conn) Span() (first, last Time, ok bool) {
	return c.firstSend, c.lastDelivery, c.firstSend >= 0 && c.lastDelivery >= 0
}

// Queue hands bytes [off, off+n) of the buffer's pages to the connection
// as part of send id (zero copy unless copyData), and pushes.
func (c *Conn) Queue(id skb.SendID, pages []*skb.Page, off, n int, copyData bool) error {
	return c.queue(id, pages, off, n, copyData, false)
}

// QueueMore is Queue with MSG_MORE: the bytes wait for the next send
// instead of being pushed (tcp_push with TCP_NAGLE_CORK).
func (c *Conn) QueueMore(id skb.SendID, pages []*skb.Page, off, n int, copyData bool) error {
	return c.queue(id, pages, off, n, copyData, true)
}

func (c *Conn) queue(id skb.SendID, pages []*skb.Page, off, n int, copyData, more bool) error {
	c.st.SetNow(int64(c.eng.Now()))
	if c.firstSend < 0 {
		c.firstSend = c.eng.Now()
	}
	for n > 0 {
		p := pages[off/skb.PageSize]
		po := off % skb.PageSize
		chunk := min(skb.PageSize-po, n)
		c.want = append(c.want, expected{send: id, off: c.sendOff[id], n: chunk, gen: p.Gen()})
		c.sendOff[id] += int64(chunk)
		if err := c.snd.Append(id, p, po, chunk, copyData); err != nil {
			return err
		}
		off += chunk
		n -= chunk
	}
	if !more {
		c.snd.Push(int64(c.eng.Now()))
	}
	c.flush()
	return nil
}

// Closed tells the connection that send id is complete: its byte offset is
// no longer needed (the stream oracle keeps what is still to be delivered).
func (c *Conn) Closed(id skb.SendID) { delete(c.sendOff, id) }

// flush moves what the state machines produced: skbs to the device,
// segments and ACKs onto the paths, and reschedules the timers.
func (c *Conn) flush() {
	c.settle()
	now := int64(c.eng.Now())
	for _, b := range c.snd.TakeXmit() {
		c.dev.Xmit(b, now)
	}
	for _, seg := range c.dev.TakeSegments() {
		c.fwd.Send(seg, seg.Len+HeaderBytes)
	}
	for _, a := range c.rcv.TakeAcks() {
		c.rev.Send(a, HeaderBytes)
	}
	for _, dl := range c.rcv.TakeDelivered() {
		c.verify(dl)
	}
	at, ok := c.snd.Timer()
	c.tSnd = c.resched(c.tSnd, at, ok, c.fireSnd)
	at, ok = c.dev.Timer()
	c.tDev = c.resched(c.tDev, at, ok, c.fireDev)
	at, ok = c.rcv.Timer()
	c.tRcv = c.resched(c.tRcv, at, ok, c.fireRcv)
}

// fired wraps a state machine's timer input as an engine callback.
func (c *Conn) fired(on func(now int64)) func() {
	return func() {
		c.st.SetNow(int64(c.eng.Now()))
		on(int64(c.eng.Now()))
		c.flush()
	}
}

// resched keeps one engine event at the machine's deadline at (if ok).
func (c *Conn) resched(t Timer, at int64, ok bool, fire func()) Timer {
	if t.Pending() && ok && int64(t.When()) == at {
		return t
	}
	c.eng.Stop(t)
	if !ok {
		return Timer{}
	}
	return c.eng.At(max(Time(at), c.eng.Now()), fire)
}

func (c *Conn) settle() {
	if c.chk != nil {
		c.chk.Settle()
	}
}

func (c *Conn) arriveData(seg tcp.Segment) {
	c.st.SetNow(int64(c.eng.Now()))
	c.rcv.OnData(seg, int64(c.eng.Now()))
	c.flush()
	if c.OnProgress != nil {
		c.OnProgress()
	}
}

func (c *Conn) arriveAck(a tcp.Segment) {
	c.st.SetNow(int64(c.eng.Now()))
	c.snd.OnAck(a, int64(c.eng.Now()))
	c.flush()
	if c.OnProgress != nil {
		c.OnProgress()
	}
}

// verify holds a delivery against the stream the application queued (P5).
func (c *Conn) verify(dl tcp.Delivery) {
	for _, ch := range dl.Data {
		left := ch
		for left.N > 0 {
			if len(c.want) == 0 {
				c.p5(skb.SendID(left.Send), "delivered %d bytes beyond the end of the stream", left.N)
				return
			}
			w := &c.want[0]
			if left.Send != int32(w.send) || left.Off != w.off {
				c.p5(w.send, "at byte %d expected c%d[%d], got c%d[%d]", c.delivered, w.send, w.off, left.Send, left.Off)
				return
			}
			if left.Stale || left.Gen != w.gen {
				c.p5(w.send, "bytes c%d[%d,+%d) delivered with the wrong content", w.send, w.off, min(left.N, w.n))
			}
			k := min(left.N, w.n)
			left.N -= k
			left.Off += int64(k)
			w.n -= k
			w.off += int64(k)
			c.delivered += int64(k)
			c.lastDelivery = c.eng.Now()
			if w.n == 0 {
				c.want = c.want[1:]
			}
		}
	}
}

// StreamViolation is one breach of P5 and the send whose bytes it concerns.
type StreamViolation struct {
	Send   skb.SendID
	Detail string
}

// maxP5 is how many stream violations a connection keeps in full.
const maxP5 = 16

func (c *Conn) p5(send skb.SendID, format string, args ...any) {
	c.P5Events++
	if len(c.P5) < maxP5 {
		c.P5 = append(c.P5, StreamViolation{Send: send, Detail: fmt.Sprintf(format, args...)})
	}
}

// Validate reports the first impossible value of the connection.
func (c ConnConfig) Validate() error {
	if err := c.Fwd.Validate(); err != nil {
		return err
	}
	if err := c.Rev.Validate(); err != nil {
		return err
	}
	if err := c.TCP.Validate(); err != nil {
		return err
	}
	switch w := c.Recv.Window; {
	case w < c.TCP.MSS:
		return fmt.Errorf("%w: receive window %d is below one MSS (%d): no full segment could ever be sent", tcp.ErrConfig, w, c.TCP.MSS)
	case w > MaxWindow:
		return fmt.Errorf("%w: receive window %d is over %d, the largest window scaling allows (RFC 7323)", tcp.ErrConfig, w, MaxWindow)
	}
	return nil
}

// MaxWindow is the largest receive window TCP can advertise: 65535 << 14
// (window scale 14, RFC 7323 §2.3).
const MaxWindow = 65535 << 14

// Complete reports whether every queued byte was delivered and ACKed.
func (c *Conn) Complete() bool { return len(c.want) == 0 && c.snd.Idle() }

// Packet is a segment a ManualWire holds.
type Packet struct {
	ID  int
	Seg tcp.Segment
}

// ManualWire holds every segment until it is delivered or dropped by name.
type ManualWire struct {
	next int
	held []Packet
}

// Send holds the segment.
func (w *ManualWire) Send(seg tcp.Segment, _ int) {
	w.next++
	w.held = append(w.held, Packet{ID: w.next, Seg: seg})
}

// Take removes and returns packet id, if held.
func (w *ManualWire) Take(id int) (tcp.Segment, bool) {
	for i, p := range w.held {
		if p.ID == id {
			w.held = append(w.held[:i], w.held[i+1:]...)
			return p.Seg, true
		}
	}
	return tcp.Segment{}, false
}

// Held returns the packets held, in order.
func (w *ManualWire) Held() []Packet { return w.held }

// UseManualWires replaces both paths by manual wires (step-by-step
// scenarios) and returns them.
func (c *Conn) UseManualWires() (data, acks *ManualWire) {
	data, acks = &ManualWire{}, &ManualWire{}
	c.fwd, c.rev = data, acks
	return data, acks
}

// DeliverData hands a data segment to the receiver now.
func (c *Conn) DeliverData(seg tcp.Segment) { c.arriveData(seg) }

// DeliverAck hands an ACK to the sender now.
func (c *Conn) DeliverAck(seg tcp.Segment) { c.arriveAck(seg) }
