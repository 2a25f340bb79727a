package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
	"github.com/zcsim/zcsim/tcp"
)

// ErrWorkload is wrapped by every invalid workload.
var ErrWorkload = errors.New("sim: workload")

// Workload is what the application does.
type Workload struct {
	// Kind is "iscsi-read" or "bulk".
	Kind string
	// iscsi-read: Commands READ commands of CmdBytes each, Outstanding
	// at a time (the initiator's queue depth), data from a pool of Pool
	// buffers. Share serves one page-cache page in two neighbouring
	// buffers; Mapped maps one page of every buffer into a user process.
	CmdBytes, Commands, Outstanding, Pool int
	Share, Mapped                         bool
	// ShareConns serves one page-cache page on every connection: the
	// first page of buffer i of every connection is the same page (the
	// target is one process; a page-cache page may be in flight on several
	// connections at once).
	ShareConns bool
	// Remap is the probability, per issued command, that at a random
	// moment while the command is in flight another process maps one page
	// of its buffer, or unmaps it if this knob mapped it before
	// (Bolkhovitin, netdev, 23 Dec 2008: "a page can be mmaped to another
	// process, while it's being transmitted"). 0 never.
	Remap float64
	// bulk: one send of Bytes, written while less than SndBuf bytes are
	// unacknowledged.
	Bytes  int64
	SndBuf int
}

// Ranges of the workload's values.
const (
	MaxCmdBytes    = 16 << 20
	MaxCommands    = 10_000_000
	MaxOutstanding = 4096
	MaxPool        = 1 << 20
	MaxBulkBytes   = 1 << 40
	MaxSndBuf      = 1 << 30
)

// Validate reports the first impossible value.
func (w Workload) Validate() error {
	switch w.Kind {
	case "iscsi-read":
		switch {
		case w.CmdBytes <= 0 || w.CmdBytes > MaxCmdBytes:
			return fmt.Errorf("%w: command size %d outside 1 B..16 MiB", ErrWorkload, w.CmdBytes)
		case w.Commands <= 0 || w.Commands > MaxCommands:
			return fmt.Errorf("%w: %d commands outside 1..%d", ErrWorkload, w.Commands, MaxCommands)
		case w.Outstanding <= 0 || w.Outstanding > MaxOutstanding:
			return fmt.Errorf("%w: %d outstanding commands outside 1..%d", ErrWorkload, w.Outstanding, MaxOutstanding)
		case w.Pool > MaxPool:
			return fmt.Errorf("%w: a pool of %d buffers is over %d", ErrWorkload, w.Pool, MaxPool)
		case w.Pool < w.Outstanding:
			return fmt.Errorf("%w: a pool of %d buffers cannot serve %d outstanding commands", ErrWorkload, w.Pool, w.Outstanding)
		case !(w.Remap >= 0 && w.Remap <= 1):
			return fmt.Errorf("%w: remap probability %v outside 0..1", ErrWorkload, w.Remap)
		}
	case "bulk":
		if w.Bytes <= 0 || w.Bytes > MaxBulkBytes {
			return fmt.Errorf("%w: %d bytes outside 1 B..1 TiB", ErrWorkload, w.Bytes)
		}
		if w.SndBuf < skb.PageSize || w.SndBuf > MaxSndBuf {
			return fmt.Errorf("%w: send buffer %d outside one page..1 GiB", ErrWorkload, w.SndBuf)
		}
	default:
		return fmt.Errorf("%w: unknown kind %q (iscsi-read or bulk)", ErrWorkload, w.Kind)
	}
	return nil
}

// target is the application process serving every connection of a run:
// it knows which of its pages are in flight on any connection (a
// page-cache page may be), so it rewrites a page only when no command on
// any connection still uses it.
type target struct {
	use map[skb.PageID]int // in-flight commands per page, over all connections
	// cache is the page-cache page of each buffer index that every
	// connection serves (Workload.ShareConns).
	cache []*skb.Page
	// remap draws Workload.Remap's choices; remapped holds the pages it
	// has mapped into another process and not yet unmapped.
	remap    *rand.Rand
	remapped map[skb.PageID]bool
}

func newTarget(remap *rand.Rand) *target {
	return &target{use: map[skb.PageID]int{}, remap: remap, remapped: map[skb.PageID]bool{}}
}

// app is the application side of one connection under one design.
type app struct {
	w      Workload
	eng    *Engine
	st     *skb.Stack
	c      *Conn
	d      strategies.Design
	chk    *Checker
	t      *target
	header *skb.Page
	bufs   []*appBuf
	free   []*appBuf
	cmds   map[skb.SendID]*appCmd
	order  []skb.SendID // commands whose response is not yet delivered, in issue order
	issued int
	queued int64 // payload bytes queued
	wanted int   // requests the initiator has sent and the target not yet served
	err    error

	// bulk
	bulkID   skb.SendID
	bulkSent int64
	bulkBuf  []*skb.Page
}

type appBuf struct{ pages []*skb.Page }

type appCmd struct {
	buf *appBuf
	end uint32 // sequence after the command's last byte
	// delivered and signalled: the command's state is dropped when both
	// are true, so that a run's memory follows what is in flight.
	delivered, signalled bool
}

// pages is the number of application pages the workload makes per
// connection (charged against the memory limit before they are made).
func (w Workload) pages() int64 {
	if w.Kind == "bulk" {
		return 1 + min((w.Bytes+skb.PageSize-1)/skb.PageSize, int64(w.SndBuf/skb.PageSize*2+2))
	}
	return 1 + int64(w.Pool)*int64((w.CmdBytes+skb.PageSize-1)/skb.PageSize)
}

// newApp builds the application's buffers on st.
func newApp(w Workload, eng *Engine, st *skb.Stack, c *Conn, d strategies.Design, chk *Checker, t *target) *app {
	a := &app{w: w, eng: eng, st: st, c: c, d: d, chk: chk, t: t, cmds: map[skb.SendID]*appCmd{}}
	a.header = st.NewUserPage()
	if w.Kind == "bulk" {
		n := min(int((w.Bytes+skb.PageSize-1)/skb.PageSize), w.SndBuf/skb.PageSize*2+2)
		for range n {
			a.bulkBuf = append(a.bulkBuf, st.NewUserPage())
		}
		return a
	}
	pages := (w.CmdBytes + skb.PageSize - 1) / skb.PageSize
	for i := range w.Pool {
		b := &appBuf{}
		for j := range pages {
			switch {
			case w.ShareConns && j == 0 && i < len(t.cache):
				st.HoldPage(t.cache[i], false)
				b.pages = append(b.pages, t.cache[i])
				continue
			case w.Share && i%2 == 1 && j == 0:
				shared := a.bufs[i-1].pages[pages-1]
				st.HoldPage(shared, false)
				b.pages = append(b.pages, shared)
				continue
			}
			p := st.NewUserPage()
			if w.Mapped && j == pages/2 {
				st.HoldPage(p, true)
			}
			if w.ShareConns && j == 0 && i == len(t.cache) {
				t.cache = append(t.cache, p)
			}
			b.pages = append(b.pages, p)
		}
		a.bufs = append(a.bufs, b)
		a.free = append(a.free, b)
	}
	return a
}

// start issues the initiator's first requests.
func (a *app) start() {
	if a.w.Kind == "bulk" {
		a.bulkID = a.st.OpenSend()
		a.issued = 1
		a.d.Submit(a.bulkID, a.bulkBuf, int(min(a.w.Bytes, int64(len(a.bulkBuf))*skb.PageSize)))
		a.st.SetSendTag(a.bulkID, a.d.SendTag(a.bulkID))
		a.c.OnProgress = a.fillBulk
		a.fillBulk()
		return
	}
	a.c.OnProgress = a.progress
	a.wanted = min(a.w.Outstanding, a.w.Commands)
	a.serve()
}

// signal is the design's Notify: the application reacts right after the
// operation that signalled (an engine event at the same instant).
func (a *app) signal(id skb.SendID, copied bool) {
	a.chk.Notify(id, copied)
	a.eng.After(0, func() { a.reuse(id) })
}

// reuse returns a signalled command's buffer to the pool and rewrites every
// page no in-flight command on any connection uses.
func (a *app) reuse(id skb.SendID) {
	cmd := a.cmds[id]
	if cmd == nil || cmd.buf == nil {
		return
	}
	a.st.SetNow(int64(a.eng.Now()))
	for _, p := range cmd.buf.pages {
		a.t.use[p.ID]--
		if a.t.use[p.ID] == 0 {
			delete(a.t.use, p.ID)
			a.st.Rewrite(p)
		}
	}
	a.free = append(a.free, cmd.buf)
	cmd.buf = nil
	cmd.signalled = true
	a.forget(id, cmd)
	a.serve()
}

// forget drops a command the application is done with.
func (a *app) forget(id skb.SendID, cmd *appCmd) {
	if cmd.signalled && cmd.delivered {
		delete(a.cmds, id)
	}
}

// serve answers outstanding requests while buffers are free.
func (a *app) serve() {
	for a.wanted > 0 && len(a.free) > 0 && a.issued < a.w.Commands && a.err == nil && !a.c.Sender().TimedOut {
		a.wanted--
		a.issue()
	}
}

// issue sends one READ response: a 48-byte header (copied with MSG_MORE,
// not the design's business) and the data from a pool buffer.
func (a *app) issue() {
	buf := a.free[0]
	a.free = a.free[1:]
	a.issued++
	hid := a.st.OpenSend()
	a.chk.Ignore(hid)
	if err := a.c.QueueMore(hid, []*skb.Page{a.header}, 0, iscsiHeader, true); err != nil {
		a.err = err
		return
	}
	a.queued += iscsiHeader
	_ = a.st.CloseSend(hid)
	a.c.Closed(hid)
	id := a.st.OpenSend()
	cmd := &appCmd{buf: buf}
	a.cmds[id] = cmd
	for _, p := range buf.pages {
		a.t.use[p.ID]++
	}
	a.d.Submit(id, buf.pages, a.w.CmdBytes)
	a.st.SetSendTag(id, a.d.SendTag(id))
	if err := a.c.Queue(id, buf.pages, 0, a.w.CmdBytes, a.d.Copies()); err != nil {
		a.err = err
		return
	}
	a.queued += int64(a.w.CmdBytes)
	cmd.end = a.c.Sender().WriteSeq()
	a.order = append(a.order, id)
	_ = a.st.CloseSend(id)
	a.c.Closed(id)
	a.d.Queued(id)
	if a.w.Remap > 0 {
		a.remapLater(cmd)
	}
}

// remapLater is Workload.Remap: with that probability, another process
// maps one page of the command's buffer (or unmaps it, if it mapped it
// before) at a moment drawn uniformly over the time the command may be in
// flight: one round trip plus the time the outstanding commands take to
// cross the bottleneck. Nothing happens if the application has been
// signalled by then (the buffer is back in the pool).
func (a *app) remapLater(cmd *appCmd) {
	r := a.t.remap
	if r.Float64() >= a.w.Remap {
		return
	}
	buf := cmd.buf
	p := buf.pages[r.IntN(len(buf.pages))]
	fwd, rev := a.c.cfg.Fwd, a.c.cfg.Rev
	bits := float64(a.w.Outstanding) * float64(a.w.CmdBytes) * 8
	flight := fwd.Delay + rev.Delay + Time(math.Ceil(bits*float64(Second)/float64(fwd.RateBps)))
	a.eng.After(Time(r.Int64N(int64(max(flight, 1)))), func() {
		if cmd.buf != buf || p.Freed() {
			return
		}
		a.st.SetNow(int64(a.eng.Now()))
		if a.t.remapped[p.ID] {
			delete(a.t.remapped, p.ID)
			a.st.UnholdPage(p, true)
			return
		}
		a.t.remapped[p.ID] = true
		a.st.HoldPage(p, true)
	})
}

// progress: a response fully delivered makes the initiator send the next
// request (it arrives one reverse-path delay later).
func (a *app) progress() {
	rcv := a.c.Receiver().RcvNxt()
	for len(a.order) > 0 && !tcp.After(a.cmds[a.order[0]].end, rcv) {
		id := a.order[0]
		a.order = a.order[1:]
		cmd := a.cmds[id]
		cmd.delivered = true
		a.forget(id, cmd)
		a.eng.After(a.c.cfg.Rev.Delay, a.request)
	}
}

// request is the initiator's next READ arriving at the target.
func (a *app) request() {
	a.wanted++
	a.serve()
}

// fillBulk writes the bulk send while the send buffer has room.
func (a *app) fillBulk() {
	s := a.c.Sender()
	for a.bulkSent < a.w.Bytes && int(s.WriteSeq()-s.SndUna()) < a.w.SndBuf && !s.TimedOut {
		n := int(min(a.w.Bytes-a.bulkSent, int64(a.w.SndBuf)))
		n = min(n, a.w.SndBuf-int(s.WriteSeq()-s.SndUna()))
		off := int(a.bulkSent % int64(len(a.bulkBuf)*skb.PageSize))
		n = min(n, len(a.bulkBuf)*skb.PageSize-off)
		if err := a.c.Queue(a.bulkID, a.bulkBuf, off, n, a.d.Copies()); err != nil {
			a.err = err
			return
		}
		a.bulkSent += int64(n)
		a.queued += int64(n)
	}
	if a.bulkSent >= a.w.Bytes && !a.st.Ledger().Closed(a.bulkID) {
		_ = a.st.CloseSend(a.bulkID)
		a.c.Closed(a.bulkID)
		a.d.Queued(a.bulkID)
	}
}

// total is the number of commands and payload bytes the workload asks for.
func (w Workload) total() (cmds int, bytes int64) {
	if w.Kind == "bulk" {
		return 1, w.Bytes
	}
	return w.Commands, int64(w.Commands) * int64(w.CmdBytes+iscsiHeader)
}

// iscsiHeader is the bytes of the iSCSI Data-In header (BHS) that precede
// each READ response's data.
const iscsiHeader = 48
