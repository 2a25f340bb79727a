package sim

import (
	"fmt"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// Scenario is one run: a workload on one or more connections over a path,
// under every selected design and kernel, each on the identical schedule
// (the same seed gives the same network events).
type Scenario struct {
	// Name says where the scenario came from ("default", a file:line).
	Name     string
	Seed     uint64
	Kernels  []skb.Kernel
	Designs  []strategies.Entry
	Conn     ConnConfig
	Workload Workload
	Conns    int
	Limits   Limits
	// RAMPages sizes static per-page overheads (struct page growth).
	RAMPages int64
	// Progress, if set, is called after each design × kernel run with the
	// runs done and the total, and during a run as it advances.
	Progress func(Progress)
}

// Progress is how far a scenario has got: Run of Runs design × kernel
// runs, and within the current one the virtual time, the commands (bulk:
// bytes) done and asked for, and the events fired.
type Progress struct {
	Run, Runs      int
	Design, Kernel string
	SimTime        Time
	Done, Total    int64
	Unit           string // "commands" or "bytes"
	Events         uint64
}

// progressEvery is how many engine events pass between budget checks and
// progress reports.
const progressEvery = 1 << 14

// Validate reports the first impossible value of the scenario.
func (sc Scenario) Validate() error {
	if err := sc.Workload.Validate(); err != nil {
		return err
	}
	if sc.Conns < 1 || sc.Conns > MaxConns {
		return fmt.Errorf("%w: %d connections outside 1..%d", ErrWorkload, sc.Conns, MaxConns)
	}
	if len(sc.Kernels) == 0 || len(sc.Designs) == 0 {
		return fmt.Errorf("%w: no kernel or no design", ErrWorkload)
	}
	if err := sc.Conn.Validate(); err != nil {
		return err
	}
	if err := sc.Limits.Validate(); err != nil {
		return err
	}
	if n := int64(sc.Conns) * sc.Workload.pages(); n > sc.Limits.Memory/skb.PageBytes() {
		return fmt.Errorf("%w: the workload needs %d application pages (%s), over the memory limit of %s (raise it with -max-mem)",
			ErrLimit, n, fmtMiB(n*skb.PageBytes()), fmtMiB(sc.Limits.Memory))
	}
	return nil
}

// MaxConns is the most connections a scenario may have.
const MaxConns = 1024

// Run runs the scenario under every design and kernel. A run that cannot
// be completed (a limit reached, an operation refused) is reported in its
// Result's Error; the error returned is for a scenario that cannot run at
// all.
func Run(sc Scenario) ([]Result, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	var out []Result
	total := len(sc.Kernels) * len(sc.Designs)
	for _, k := range sc.Kernels {
		for _, e := range sc.Designs {
			out = append(out, runOne(sc, k, e, len(out)+1, total))
		}
	}
	return out, nil
}

// sockRun is one connection of a run with its design instance and its
// application.
type sockRun struct {
	c *Conn
	d strategies.Design
	a *app
}

func runOne(sc Scenario, k skb.Kernel, e strategies.Entry, run, runs int) Result {
	res := Result{Design: e.Info.Name, Kernel: k.String(), DeclaredSound: e.Info.Sound, Hypothetical: e.Info.HypotheticalOn(k),
		Violations: map[string]Count{}}
	cmdTotal, bytesTotal := sc.Workload.total()
	res.CommandsTotal, res.BytesTotal = cmdTotal*sc.Conns, bytesTotal*int64(sc.Conns)
	eng := NewEngine(sc.Limits.Events)
	refs := &refCounter{}
	st := skb.NewStack(k, refs)
	st.SetRecycling(true)
	chk := NewChecker(st, nil)
	chk.SetCompact(true)
	streams := NewStreams(sc.Seed)
	global := strategies.NewGlobal()
	fwd, rev := sc.Conn.Fwd, sc.Conn.Rev
	if fwd.QueueBytes == 0 {
		fwd.QueueBytes = DefaultQueue(fwd)
	}
	if rev.QueueBytes == 0 {
		rev.QueueBytes = DefaultQueue(rev)
	}
	links, err := NewLinks(eng, streams, fwd, rev)
	if err != nil {
		res.Error = err.Error()
		res.judge()
		return res
	}
	t := newTarget(streams.Fork("remap"))
	socks := make([]sockRun, sc.Conns)
	for i := range socks {
		s := &socks[i]
		sock := skb.SockID(i + 1)
		cfg := sc.Conn
		cfg.TCP.Kernel = k
		cfg.TCP.Sock = sock
		s.d = e.New(strategies.Env{Kernel: k, Model: strategies.DefaultCosts, Global: global,
			Notify: func(id skb.SendID, copied bool) { s.a.signal(id, copied) }})
		st.AddSockObserver(sock, s.d)
		chk.AddReader(s.d)
		c, err := NewConn(eng, st, streams, fmt.Sprintf("c%d", i), cfg, chk, s.d)
		if err != nil {
			res.Error = err.Error()
			res.judge()
			return res
		}
		c.Tap = refs.transmitted
		links.Attach(c)
		s.c = c
		s.a = newApp(sc.Workload, eng, st, c, s.d, chk, t)
	}
	eng.SetCheck(progressEvery, func() error {
		if sc.Progress != nil {
			p := Progress{Run: run, Runs: runs, Design: res.Design, Kernel: res.Kernel, SimTime: eng.Now(), Events: eng.Fired(), Unit: "commands", Total: int64(res.CommandsTotal)}
			for _, s := range socks {
				p.Done += int64(s.a.issued)
			}
			if sc.Workload.Kind == "bulk" {
				p.Unit, p.Total, p.Done = "bytes", res.BytesTotal, 0
				for _, s := range socks {
					p.Done += s.c.Delivered()
				}
			}
			sc.Progress(p)
		}
		return sc.Limits.check(st, eng, 0)
	})
	for _, s := range socks {
		s.a.start()
	}
	err = eng.Run(-1)
	for _, s := range socks {
		if err == nil && s.a.err != nil {
			err = s.a.err
		}
	}
	if err != nil {
		res.Error = err.Error()
	}
	collect(&res, sc, st, chk, refs, socks, links, err == nil)
	res.SimTime = eng.Now()
	res.SimMs = float64(res.SimTime) / 1e6
	res.Events = eng.Fired()
	res.judge()
	if sc.Progress != nil {
		sc.Progress(Progress{Run: run, Runs: runs, Design: res.Design, Kernel: res.Kernel, SimTime: eng.Now(), Events: eng.Fired()})
	}
	return res
}

// collect fills the result's counts and statistics from a finished run.
// finished is false when the run was stopped (then nothing is judged
// about quiescence or stalls: the Error says why it stopped).
func collect(res *Result, sc Scenario, st *skb.Stack, chk *Checker, refs *refCounter, socks []sockRun, links *Links, finished bool) {
	p5 := Count{}
	p5Sends := map[skb.SendID]bool{}
	for _, s := range socks {
		s.c.Sender().ReleasePageFrag()
		res.BytesDelivered += s.c.Delivered()
		res.BytesQueued += s.a.queued
		res.CommandsIssued += s.a.issued
		if s.c.Sender().TimedOut {
			res.ConnsTimedOut++
		}
		for _, v := range s.c.P5 {
			if p5.Events == 0 {
				p5.First = v.Detail
			}
			p5.Events++
			if !p5Sends[v.Send] {
				p5Sends[v.Send] = true
				p5.Commands++
			}
		}
	}
	if finished {
		res.Quiescent = chk.Quiesce()
		res.NotQuiescent = chk.NotQuiescent()
	}
	for p, n := range chk.Counts() {
		res.Violations[string(p)] = Count{Commands: n.Sends, Events: n.Events, First: n.First.String()}
	}
	res.Violations[string(P5)] = p5
	for _, p := range Properties {
		if _, ok := res.Violations[string(p)]; !ok {
			res.Violations[string(p)] = Count{}
		}
	}
	ss := chk.Stats()
	res.Signals, res.SignalsCopied, res.CommandsSignalled = ss.Signals, ss.Copied, ss.Commands
	if ss.Last >= 0 {
		res.LastSignalMs = msPtr(Time(ss.Last))
	}
	first, last, any := Time(-1), Time(-1), false
	for _, s := range socks {
		if f, l, ok := s.c.Span(); ok {
			if !any || f < first {
				first = f
			}
			last, any = max(last, l), true
		}
	}
	if any {
		res.FirstSendMs, res.LastDeliveryMs = msPtr(first), msPtr(last)
		res.GoodputBps = goodput(res.BytesDelivered, first, last)
	}
	res.TCP = TCPStats{Conn: -1, GoodputBps: res.GoodputBps}
	for i, s := range socks {
		st := s.c.Sender().Stats
		cs := TCPStats{Conn: i, SegmentsSent: st.SegmentsSent, RetransSegments: st.RetransSegments,
			SpuriousRetrans: s.c.Receiver().Duplicates, RTOs: st.RTOs, RecoveryEpisodes: st.RecoveryEpisodes,
			Fragments: st.Fragments, BytesDelivered: s.c.Delivered(), TimedOut: s.c.Sender().TimedOut}
		if f, l, ok := s.c.Span(); ok {
			cs.GoodputBps = goodput(cs.BytesDelivered, f, l)
		}
		res.TCP.add(cs)
		if len(socks) > 1 {
			res.PerConn = append(res.PerConn, cs)
		}
	}
	res.TCP.QueueDrops, _ = links.Drops()
	res.LatencyUs = stats(ss.LatencyUs)
	var peak int64
	for _, s := range socks {
		c := s.d.Costs()
		res.Ticks += c.Ticks
		peak += c.PeakObjects
	}
	if res.BytesDelivered > 0 {
		v := float64(res.Ticks) / (float64(res.BytesDelivered) / 1e6)
		res.TicksPerMB = &v
	}
	mem := socks[0].d.Info().Memory
	res.StaticB = mem.StaticBytes(sc.RAMPages)
	res.PeakDynB = peak * int64(mem.ObjectLen)
	res.RefsPerTx = stats(refs.perTransmit())
	if finished {
		res.Stall = stall(res)
		res.Stalled = res.Stall != ""
	}
}

// stall says what work a finished run left undone, or "".
func stall(r *Result) string {
	why := ""
	switch {
	case r.CommandsIssued < r.CommandsTotal:
		why = fmt.Sprintf("%d/%d commands", r.CommandsIssued, r.CommandsTotal)
	case r.BytesDelivered < r.BytesQueued || r.BytesQueued < r.BytesTotal:
		why = fmt.Sprintf("%d/%d bytes delivered", r.BytesDelivered, r.BytesTotal)
	default:
		return ""
	}
	if r.ConnsTimedOut > 0 {
		why += fmt.Sprintf(", %d connection(s) timed out", r.ConnsTimedOut)
	}
	return why
}

// refCounter counts page reference events and transmits per application
// page (page IDs are dense, so slices indexed by ID).
type refCounter struct {
	skb.NopObserver
	n  []int
	tx []int
}

// transmitted counts, per page, the skbs that carried its bytes.
func (r *refCounter) transmitted(rep skb.TxReport) {
	last := skb.PageID(0)
	for _, p := range rep.Pieces {
		if p.Page == 0 || p.Page == last || p.Snap != skb.Live {
			continue
		}
		last = p.Page
		for int(p.Page) >= len(r.tx) {
			r.tx = append(r.tx, 0)
		}
		r.tx[p.Page]++
	}
}

func (r *refCounter) count(p *skb.Page) {
	if !p.User() {
		return
	}
	for int(p.ID) >= len(r.n) {
		r.n = append(r.n, 0)
	}
	r.n[p.ID]++
}

func (r *refCounter) PageGet(e skb.RefEvent) { r.count(e.Page) }
func (r *refCounter) PagePut(e skb.RefEvent) { r.count(e.Page) }

// perTransmit is, per transmitted application page, its reference events
// per transmit.
func (r *refCounter) perTransmit() []float64 {
	var per []float64
	for id, n := range r.n {
		if n > 0 && id < len(r.tx) && r.tx[id] > 0 {
			per = append(per, float64(n)/float64(r.tx[id]))
		}
	}
	return per
}

// msPtr is t in milliseconds, for an optional result field.
func msPtr(t Time) *float64 {
	v := float64(t) / 1e6
	return &v
}

// goodput is bytes in bits per second of [first, last], or nil for an
// empty span.
func goodput(bytes int64, first, last Time) *float64 {
	if last <= first {
		return nil
	}
	g := float64(bytes) * 8 / (float64(last-first) / 1e9)
	return &g
}
