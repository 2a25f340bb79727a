package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
	"github.com/zcsim/zcsim/tcp"
)

// stepper is a step-by-step TCP scenario: one connection, one design, one
// kernel, manual wires. Commands (after connection/path):
//
//	start design=msg-zerocopy kernel=6.18
//	send cmd=c1 bytes=8192       the application sends a command (reused at its signal)
//	deliver pkt=d1,d2|all        data packets reach the receiver
//	drop pkt=d3|all              data packets are lost
//	ack pkt=a1|all               ACKs reach the sender (ack drop=a2 loses one)
//	advance by=10ms              virtual time passes: TX completion, delayed ACKs, RTO
//	reset                        the connection is reset: every queue purged (tcp_write_queue_purge)
//	wire                         the packets held on both wires
//	check                        P3 at quiescence
//
// Every step prints the packets it put on the wires and the design's
// signals and violations.
type stepper struct {
	eng        *Engine
	st         *skb.Stack
	chk        *Checker
	d          strategies.Design
	c          *Conn
	data, acks *ManualWire
	names      map[string]skb.SendID
	bufs       map[skb.SendID][]*skb.Page
	seenD      int
	seenA      int
	lim        Limits
}

func (t *tcpScript) start(a *args) (string, error) {
	name := a.str("design", true)
	k := skb.Linux618
	if v := a.str("kernel", false); v != "" {
		kk, err := skb.ParseKernel(v)
		if err != nil {
			a.fail("start: kernel=%q: want 2.6.26 or 6.18", v)
		}
		k = kk
	}
	if err := a.done(); err != nil {
		return "", err
	}
	e, ok := strategies.Lookup(name)
	if !ok {
		return "", a.d.Errorf("start: unknown design %q", name)
	}
	s := &stepper{eng: NewEngine(t.sc.Limits.Events), lim: t.sc.Limits, names: map[string]skb.SendID{}, bufs: map[skb.SendID][]*skb.Page{}}
	s.st = skb.NewStack(k)
	s.chk = NewChecker(s.st, nil)
	s.d = e.New(strategies.Env{Kernel: k, Model: strategies.DefaultCosts, Notify: func(id skb.SendID, copied bool) {
		s.chk.Notify(id, copied)
		s.eng.After(0, func() { // the application reuses the buffer at once
			for _, p := range s.bufs[id] {
				s.st.Rewrite(p)
			}
		})
	}})
	s.st.AddObserver(s.d)
	s.chk.AddReader(s.d)
	cfg := t.sc.Conn
	cfg.TCP.Kernel = k
	c, err := NewConn(s.eng, s.st, NewStreams(t.sc.Seed), "c0", cfg, s.chk, s.d)
	if err != nil {
		return "", a.d.Errorf("start: %v", err)
	}
	s.c = c
	s.data, s.acks = c.UseManualWires()
	t.steps = s
	return fmt.Sprintf("started: design %s, kernel %s, manual wires\n", name, k), nil
}

// step runs a step command.
func (t *tcpScript) step(a *args) (string, error) {
	s := t.steps
	if s == nil {
		return "", a.d.Errorf("%s: no connection started (start design=NAME)", a.d.Cmd)
	}
	var out strings.Builder
	switch a.d.Cmd {
	case "send":
		cmd := a.name("cmd", true)
		n := int(t.size(a, "bytes", 0))
		if err := a.done(); err != nil {
			return "", err
		}
		if _, dup := s.names[cmd]; dup {
			return "", a.d.Errorf("send: command %s already sent", cmd)
		}
		if n <= 0 || n > 1<<22 {
			return "", a.d.Errorf("send: bytes=%d outside 1..4MiB", n)
		}
		if err := s.lim.pagesFit(s.st, int64((n+skb.PageSize-1)/skb.PageSize)); err != nil {
			return "", a.d.Errorf("send: %v", err)
		}
		id := s.st.OpenSend()
		s.names[cmd] = id
		var pages []*skb.Page
		for range (n + skb.PageSize - 1) / skb.PageSize {
			pages = append(pages, s.st.NewUserPage())
		}
		s.bufs[id] = pages
		s.d.Submit(id, pages, n)
		s.st.SetSendTag(id, s.d.SendTag(id))
		if err := s.c.Queue(id, pages, 0, n, s.d.Copies()); err != nil {
			return "", a.d.Errorf("send: %v", err)
		}
		_ = s.st.CloseSend(id)
		s.d.Queued(id)
	case "deliver", "drop", "ack":
		list := a.str("pkt", true)
		if err := a.done(); err != nil {
			return "", err
		}
		w, prefix := s.data, "d"
		if a.d.Cmd == "ack" {
			w, prefix = s.acks, "a"
		}
		ids, err := pickPackets(w, prefix, list)
		if err != nil {
			return "", a.d.Errorf("%s: %v", a.d.Cmd, err)
		}
		for _, id := range ids {
			seg, _ := w.Take(id)
			switch a.d.Cmd {
			case "deliver":
				s.c.DeliverData(seg)
			case "ack":
				s.c.DeliverAck(seg)
			}
		}
	case "advance":
		by := t.dur(a, "by", 0)
		if err := a.done(); err != nil {
			return "", err
		}
		if err := s.eng.RunFor(by); err != nil {
			return "", a.d.Errorf("advance: %v", err)
		}
	case "reset":
		if err := a.done(); err != nil {
			return "", err
		}
		s.st.SetNow(int64(s.eng.Now()))
		s.c.Sender().Reset()
		s.chk.Settle()
	case "wire":
		if err := a.done(); err != nil {
			return "", err
		}
		for _, p := range s.data.Held() {
			fmt.Fprintf(&out, "held d%d %s\n", p.ID, s.fmtSeg(p.Seg))
		}
		for _, p := range s.acks.Held() {
			fmt.Fprintf(&out, "held a%d %s\n", p.ID, s.fmtSeg(p.Seg))
		}
	case "check":
		if err := a.done(); err != nil {
			return "", err
		}
		out.WriteString(s.chk.Report() + "\n")
	}
	s.news(&out)
	return out.String(), nil
}

// news prints the packets put on the wires since the last step, then the
// design's signals and violations.
func (s *stepper) news(out *strings.Builder) {
	for _, p := range s.data.Held() {
		if p.ID > s.seenD {
			fmt.Fprintf(out, "-> d%d %s\n", p.ID, s.fmtSeg(p.Seg))
			s.seenD = p.ID
		}
	}
	for _, p := range s.acks.Held() {
		if p.ID > s.seenA {
			fmt.Fprintf(out, "<- a%d %s\n", p.ID, s.fmtSeg(p.Seg))
			s.seenA = p.ID
		}
	}
	for _, l := range s.chk.TakeEvents() {
		out.WriteString("  " + l + "\n")
	}
	snd := s.c.Sender()
	fmt.Fprintf(out, "  t=%dus snd_una=%d cwnd=%d queue=%d device=%d skbs=%d rtx=%d busy=%d rto=%d\n",
		s.eng.Now()/Microsecond, snd.SndUna(), snd.Cwnd(), len(snd.Queue()), s.c.Device().Held(), len(s.st.Buffs()),
		snd.Stats.Retransmits, snd.Stats.Busy, snd.Stats.RTOs)
}

func (s *stepper) fmtSeg(seg tcp.Segment) string {
	if seg.IsAck {
		b := fmt.Sprintf("ack=%d", seg.Ack)
		for _, k := range seg.Sacks {
			b += fmt.Sprintf(" sack=%d-%d", k.Start, k.End)
		}
		return b
	}
	b := fmt.Sprintf("seq=%d len=%d", seg.Seq, seg.Len)
	for _, ch := range seg.Data {
		b += fmt.Sprintf(" c%d[%d,%d)", ch.Send, ch.Off, ch.Off+int64(ch.N))
		if ch.Stale {
			b += "STALE"
		}
	}
	return b
}

// pickPackets resolves "d1,d3" or "all" against a wire.
func pickPackets(w *ManualWire, prefix, list string) ([]int, error) {
	if list == "all" {
		var ids []int
		for _, p := range w.Held() {
			ids = append(ids, p.ID)
		}
		return ids, nil
	}
	var ids []int
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimPrefix(f, prefix))
		if err != nil || !strings.HasPrefix(f, prefix) {
			return nil, fmt.Errorf("%q is not a packet name (%s1, %s2, …)", f, prefix, prefix)
		}
		found := false
		for _, p := range w.Held() {
			if p.ID == n {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("packet %s is not on the wire", f)
		}
		if slices.Contains(ids, n) {
			return nil, fmt.Errorf("packet %s is named twice", f)
		}
		ids = append(ids, n)
	}
	return ids, nil
}
