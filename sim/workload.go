package sim

import (
	"errors"
	"fmt"

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
	// bulk: one send of Bytes, written while less than SndBuf bytes are
	// unacknowledged.
	Bytes  int64
	SndBuf int
}

// Validate reports the first impossible value.
func (w Workload) Validate() error {
	switch w.Kind {
	case "iscsi-read":
		switch {
		case w.CmdBytes <= 0 || w.CmdBytes > 1<<24:
			return fmt.Errorf("%w: command size %d outside 1..16 MiB", ErrWorkload, w.CmdBytes)
		case w.Commands <= 0:
			return fmt.Errorf("%w: %d commands", ErrWorkload, w.Commands)
		case w.Outstanding <= 0:
			return fmt.Errorf("%w: %d outstanding commands", ErrWorkload, w.Outstanding)
		case w.Pool < w.Outstanding:
			return fmt.Errorf("%w: a pool of %d buffers cannot serve %d outstanding commands", ErrWorkload, w.Pool, w.Outstanding)
		}
	case "bulk":
		if w.Bytes <= 0 {
			return fmt.Errorf("%w: %d bytes", ErrWorkload, w.Bytes)
		}
		if w.SndBuf < skb.PageSize {
			return fmt.Errorf("%w: send buffer %d below one page", ErrWorkload, w.SndBuf)
		}
	default:
		return fmt.Errorf("%w: unknown kind %q (iscsi-read or bulk)", ErrWorkload, w.Kind)
	}
	return nil
}

// app is the application side of one connection under one design.
type app struct {
	w      Workload
	eng    *Engine
	st     *skb.Stack
	c      *Conn
	d      strategies.Design
	chk    *Checker
	header *skb.Page
	bufs   []*appBuf
	free   []*appBuf
	cmds   map[skb.SendID]*appCmd
	order  []skb.SendID       // commands whose response is not yet delivered, in issue order
	use    map[skb.PageID]int // in-flight commands per page
	issued int
	wanted int // requests the initiator has sent and the target not yet served
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
}

// newApp builds the application's buffers on st.
func newApp(w Workload, eng *Engine, st *skb.Stack, c *Conn, d strategies.Design, chk *Checker) *app {
	a := &app{w: w, eng: eng, st: st, c: c, d: d, chk: chk, cmds: map[skb.SendID]*appCmd{}, use: map[skb.PageID]int{}}
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
			if w.Share && i%2 == 1 && j == 0 {
				shared := a.bufs[i-1].pages[pages-1]
				st.HoldPage(shared, false)
				b.pages = append(b.pages, shared)
				continue
			}
			p := st.NewUserPage()
			if w.Mapped && j == pages/2 {
				st.HoldPage(p, true)
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
// page no other in-flight command uses.
func (a *app) reuse(id skb.SendID) {
	cmd := a.cmds[id]
	if cmd == nil || cmd.buf == nil {
		return
	}
	a.st.SetNow(int64(a.eng.Now()))
	for _, p := range cmd.buf.pages {
		a.use[p.ID]--
		if a.use[p.ID] == 0 {
			a.st.Rewrite(p)
		}
	}
	a.free = append(a.free, cmd.buf)
	cmd.buf = nil
	a.serve()
}

// serve answers outstanding requests while buffers are free.
func (a *app) serve() {
	for a.wanted > 0 && len(a.free) > 0 && a.issued < a.w.Commands && a.err == nil {
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
	if err := a.c.QueueMore(hid, []*skb.Page{a.header}, 0, 48, true); err != nil {
		a.err = err
		return
	}
	_ = a.st.CloseSend(hid)
	id := a.st.OpenSend()
	a.cmds[id] = &appCmd{buf: buf}
	for _, p := range buf.pages {
		a.use[p.ID]++
	}
	a.d.Submit(id, buf.pages, a.w.CmdBytes)
	a.st.SetSendTag(id, a.d.SendTag(id))
	if err := a.c.Queue(id, buf.pages, 0, a.w.CmdBytes, a.d.Copies()); err != nil {
		a.err = err
		return
	}
	a.cmds[id].end = a.c.Sender().WriteSeq()
	a.order = append(a.order, id)
	_ = a.st.CloseSend(id)
	a.d.Queued(id)
}

// progress: a response fully delivered makes the initiator send the next
// request (it arrives one reverse-path delay later).
func (a *app) progress() {
	rcv := a.c.Receiver().RcvNxt()
	for len(a.order) > 0 && !tcp.After(a.cmds[a.order[0]].end, rcv) {
		a.order = a.order[1:]
		a.eng.After(a.c.cfg.Rev.Delay, func() {
			a.wanted++
			a.serve()
		})
	}
}

// fillBulk writes the bulk send while the send buffer has room.
func (a *app) fillBulk() {
	s := a.c.Sender()
	for a.bulkSent < a.w.Bytes && int(s.WriteSeq()-s.SndUna()) < a.w.SndBuf {
		n := int(min(a.w.Bytes-a.bulkSent, int64(a.w.SndBuf)))
		n = min(n, a.w.SndBuf-int(s.WriteSeq()-s.SndUna()))
		off := int(a.bulkSent % int64(len(a.bulkBuf)*skb.PageSize))
		n = min(n, len(a.bulkBuf)*skb.PageSize-off)
		if err := a.c.Queue(a.bulkID, a.bulkBuf, off, n, a.d.Copies()); err != nil {
			a.err = err
			return
		}
		a.bulkSent += int64(n)
	}
	if a.bulkSent >= a.w.Bytes && !a.st.Ledger().Closed(a.bulkID) {
		_ = a.st.CloseSend(a.bulkID)
		a.d.Queued(a.bulkID)
	}
}
