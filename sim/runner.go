package sim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// Scenario is one run: a workload on one or more connections over a path,
// under every selected design and kernel, each on the identical schedule
// (the same seed gives the same network events).
type Scenario struct {
	Name      string
	Seed      uint64
	Kernels   []skb.Kernel
	Designs   []strategies.Entry
	Conn      ConnConfig
	Workload  Workload
	Conns     int
	MaxEvents uint64
	// RAMPages sizes static per-page overheads (struct page growth).
	RAMPages int64
	// Progress, if set, is called after each design × kernel run with the
	// runs done and the total.
	Progress func(done, total int)
}

// Result is one design's outcome on one kernel.
type Result struct {
	Design     string
	Kernel     skb.Kernel
	Violations map[strategies.Property]int
	First      map[strategies.Property]string
	P5         []string
	Commands   int
	Signals    int
	Copied     int // signals with MSG_ZEROCOPY's COPIED code
	// Latency of correct signals after T(c), virtual ns.
	LatP50, LatP99, LatMax int64
	TicksPerMB             float64
	// Refs*: page reference events per application page per transmit of
	// its bytes, over the pages that were transmitted.
	RefsMin, RefsMed, RefsP99, RefsMax float64
	StaticBytes, PeakDynBytes          int64
	Delivered                          int64
	SimTime                            Time
	Events                             uint64
	Err                                string
}

// Verdict summarises a result: "ok", or the properties violated.
func (r Result) Verdict() string {
	if r.Err != "" {
		return "ERROR"
	}
	var ps []string
	for _, p := range []strategies.Property{strategies.P1, strategies.P2, strategies.P3, strategies.P4} {
		if r.Violations[p] > 0 {
			ps = append(ps, string(p))
		}
	}
	if len(r.P5) > 0 {
		ps = append(ps, "P5")
	}
	if len(ps) == 0 {
		return "ok"
	}
	return "FLAWED " + strings.Join(ps, ",")
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

// Run runs the scenario under every design and kernel.
func Run(sc Scenario) ([]Result, error) {
	if err := sc.Workload.Validate(); err != nil {
		return nil, err
	}
	if sc.Conns <= 0 {
		return nil, fmt.Errorf("%w: %d connections", ErrWorkload, sc.Conns)
	}
	var out []Result
	total := len(sc.Kernels) * len(sc.Designs)
	for _, k := range sc.Kernels {
		for _, e := range sc.Designs {
			r, err := runOne(sc, k, e)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
			if sc.Progress != nil {
				sc.Progress(len(out), total)
			}
		}
	}
	return out, nil
}

func runOne(sc Scenario, k skb.Kernel, e strategies.Entry) (Result, error) {
	res := Result{Design: e.Info.Name, Kernel: k, Violations: map[strategies.Property]int{}, First: map[strategies.Property]string{}}
	eng := NewEngine(sc.MaxEvents)
	refs := &refCounter{}
	st := skb.NewStack(k, refs)
	st.SetRecycling(true)
	chk := NewChecker(st, nil)
	streams := NewStreams(sc.Seed)
	var apps []*app
	var conns []*Conn
	var designs []strategies.Design
	for i := range sc.Conns {
		cfg := sc.Conn
		cfg.TCP.Kernel = k
		var a *app
		d := e.New(strategies.Env{Kernel: k, Model: strategies.DefaultCosts, Notify: func(id skb.SendID, copied bool) { a.signal(id, copied) }})
		st.AddObserver(d)
		c, err := NewConn(eng, st, streams, fmt.Sprintf("c%d", i), cfg, chk, d)
		if err != nil {
			return res, err
		}
		c.Tap = refs.transmitted
		a = newApp(sc.Workload, eng, st, c, d, chk)
		apps, conns, designs = append(apps, a), append(conns, c), append(designs, d)
	}
	for _, a := range apps {
		a.start()
	}
	if err := eng.Run(-1); err != nil {
		return res, err
	}
	for _, a := range apps {
		if a.err != nil {
			return res, a.err
		}
	}
	for _, c := range conns {
		c.Sender().ReleasePageFrag()
		res.P5 = append(res.P5, c.P5...)
		res.Delivered += c.Delivered()
	}
	chk.Quiesce()
	for _, v := range chk.Violations() {
		res.Violations[v.Property]++
		if _, ok := res.First[v.Property]; !ok {
			res.First[v.Property] = v.String()
		}
	}
	var lat []int64
	l := st.Ledger()
	for _, s := range chk.AllSignals() {
		res.Signals++
		if s.Copied {
			res.Copied++
		}
		if t, ok := l.Truth(s.Send); ok && t.Op <= s.At.Op {
			lat = append(lat, s.At.Time-t.Time)
		}
	}
	res.LatP50, res.LatP99, res.LatMax = pct(lat, 50), pct(lat, 99), pct(lat, 100)
	var ticks, peak int64
	for _, d := range designs {
		c := d.Costs()
		ticks += c.Ticks
		peak += c.PeakObjects
	}
	if res.Delivered > 0 {
		res.TicksPerMB = float64(ticks) / (float64(res.Delivered) / 1e6)
	}
	mem := e.Info.Memory
	res.StaticBytes = mem.StaticBytes(sc.RAMPages)
	res.PeakDynBytes = peak * int64(mem.ObjectLen)
	uses := 0
	for _, a := range apps {
		uses += a.issued
	}
	res.Commands = uses
	var per []float64
	for id, n := range refs.n {
		if n > 0 && id < len(refs.tx) && refs.tx[id] > 0 {
			per = append(per, float64(n)/float64(refs.tx[id]))
		}
	}
	slices.Sort(per)
	if len(per) > 0 {
		res.RefsMin, res.RefsMed, res.RefsP99, res.RefsMax = per[0], per[len(per)/2], per[min(len(per)-1, len(per)*99/100)], per[len(per)-1]
	}
	res.SimTime = eng.Now()
	res.Events = eng.Fired()
	return res, nil
}

// pct is the p-th percentile of xs (nearest rank), 0 for none.
func pct(xs []int64, p int) int64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}
