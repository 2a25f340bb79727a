package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/zcsim/zcsim/sim"
	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
	"github.com/zcsim/zcsim/tcp"
)

// runFlags are the flags of `zcsim run`.
type runFlags struct {
	seed                                 uint64
	cc, queue                            string
	design, kernel, workload, format     string
	cmdBytes, bytes, sndbuf, rwnd, rate  int64
	sizeGoal                             int64
	delay, reorderD                      sim.Time
	commands, outstanding, pool, conns   int
	mss                                  int
	loss, reorder, dup, ackLoss, remap   float64
	share, shareConns, mapped, tso, sg   bool
	timing, wide, failOnViolation, quiet bool
	maxEvents                            uint64
	maxMem                               int64
	maxLine                              int
	maxScript                            int64
}

const runUsage = `usage: zcsim run [flags]        run a scenario (by default the built-in one: iscsi-read over a
                               lossy path, every design, both kernels) and print the results
       zcsim run [flags] FILE   run a script: an op-level script (it starts with kernel) or a
                               TCP scenario (it starts with connection), printed with fresh outputs

Exit status: 0 when every design declared sound is ok and no run errored (the violations
and stalls of designs declared flawed are findings); 1 when a design declared sound shows a
violation or stalls, a run errors (a limit was hit), or output cannot be written; 2 for bad
usage or input. -fail-on-violation makes any violation or stall exit 1.
With FILE only -fail-on-violation and the limits (-max-*) apply: the script sets its scenario.
`

// fileFlags are the flags that apply with a FILE.
var fileFlags = []string{"fail-on-violation", "max-events", "max-mem", "max-line", "max-script"}

func (f *runFlags) register(fs *flagSet) {
	d := sim.DefaultScenario()
	w, c := d.Workload, d.Conn
	lim := sim.DefaultLimits
	fs.seed(&f.seed, "seed", d.Seed, "seed of every random stream")
	fs.str(&f.design, "design", "all", "designs: NAME[,NAME…] or all (zcsim strategies lists them)")
	fs.str(&f.kernel, "kernel", "all", "kernel flavour: 2.6.26, 6.18 or all")
	fs.str(&f.workload, "workload", w.Kind, "iscsi-read or bulk")
	fs.str(&f.format, "format", "table", "output: table, json or csv")
	fs.boolean(&f.wide, "wide", false, "table: every column")
	fs.bytes(&f.cmdBytes, "cmd-bytes", "64KiB", "iscsi-read: bytes per READ command (1 B..16 MiB)")
	fs.int(&f.commands, "commands", w.Commands, 1, sim.MaxCommands, "iscsi-read: commands served per connection")
	fs.int(&f.outstanding, "outstanding", w.Outstanding, 1, sim.MaxOutstanding, "iscsi-read: commands outstanding at once")
	fs.int(&f.pool, "pool", w.Pool, 1, sim.MaxPool, "iscsi-read: buffers in the pool of each connection")
	fs.boolean(&f.share, "share", w.Share, "iscsi-read: neighbouring buffers share a page-cache page")
	fs.boolean(&f.shareConns, "share-conns", false, "iscsi-read: buffer i of every connection shares one page-cache page")
	fs.boolean(&f.mapped, "mapped", w.Mapped, "iscsi-read: one page per buffer is mapped by a user process")
	fs.prob(&f.remap, "remap", w.Remap, "iscsi-read: probability per command that another process maps or unmaps a page of its buffer in flight")
	fs.bytes(&f.bytes, "bytes", "64MiB", "bulk: bytes sent per connection")
	fs.bytes(&f.sndbuf, "sndbuf", "4MiB", "bulk: bytes the application keeps unacknowledged")
	fs.rate(&f.rate, "rate", "1Gbit", "bottleneck rate each way (100Mbit, 10Gbit, …)")
	fs.dur(&f.delay, "delay", "100us", "one-way delay")
	fs.prob(&f.loss, "loss", c.Fwd.Loss, "data packet loss probability")
	fs.prob(&f.reorder, "reorder", c.Fwd.Reorder, "probability a data packet is held back")
	fs.dur(&f.reorderD, "reorder-delay", "300us", "how long a reordered packet is held back")
	fs.prob(&f.dup, "dup", 0, "data packet duplication probability")
	fs.prob(&f.ackLoss, "ack-loss", c.Rev.Loss, "ACK loss probability")
	fs.int(&f.mss, "mss", c.TCP.MSS, 64, 65000, "maximum segment size in bytes")
	fs.str(&f.queue, "queue", "bdp", "bottleneck queue shared by the connections, drop-tail: bytes (256KiB), packets (100pkt) or bdp (rate × round trip, at least two 64 KiB skbs)")
	fs.str(&f.cc, "cc", "cubic", "congestion control: cubic (both kernels' default) or reno")
	fs.bytes(&f.rwnd, "rwnd", "1MiB", "receive window (one MSS..1 GiB)")
	fs.bytes(&f.sizeGoal, "size-goal", "64KiB", "most payload one skb carries (TSO/GSO), rounded down to whole segments; the MSS for no TSO at all")
	fs.boolean(&f.tso, "tso", true, "the NIC segments (false: software GSO)")
	fs.boolean(&f.sg, "sg", true, "the NIC does scatter-gather (false: linearize)")
	fs.int(&f.conns, "conns", 1, 1, sim.MaxConns, "connections, each with its own application and design instance")
	fs.boolean(&f.timing, "timing", false, "print wall time and real-time factor on stderr")
	fs.boolean(&f.failOnViolation, "fail-on-violation", false, "exit 1 on any violation or stall, also of designs declared flawed")
	def(fs, &f.maxEvents, "max-events", fmt.Sprint(lim.Events), "limit: engine events per design × kernel run", func(s string) (uint64, error) {
		n, err := sim.ParseInt(s, 1, 1<<62)
		return uint64(n), err
	})
	f.maxEvents = lim.Events
	fs.bytes(&f.maxMem, "max-mem", "1GiB", "limit: modelled state alive at once (pages, skbs, events), bytes")
	fs.int(&f.maxLine, "max-line", lim.LineBytes, 1, 1<<30, "limit: bytes in one script line")
	fs.bytes(&f.maxScript, "max-script", "64MiB", "limit: bytes in a script file")
}

// limits are the limits the flags set.
func (f *runFlags) limits() sim.Limits {
	return sim.Limits{Events: f.maxEvents, Memory: f.maxMem, LineBytes: f.maxLine, ScriptBytes: f.maxScript}
}

// scenario turns the flags into a scenario, or says which flag is wrong
// (flags are checked in the order they are listed by -h).
func (f *runFlags) scenario() (sim.Scenario, string, error) {
	sc := sim.DefaultScenario()
	sc.Seed = f.seed
	entries, err := strategies.Parse(f.design)
	if err != nil {
		return sc, "design", fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "strategies: "))
	}
	sc.Designs = entries
	if sc.Kernels, err = parseKernels(f.kernel); err != nil {
		return sc, "kernel", err
	}
	if f.workload != "iscsi-read" && f.workload != "bulk" {
		return sc, "workload", fmt.Errorf("%q: want iscsi-read or bulk", f.workload)
	}
	if f.format != "table" && f.format != "json" && f.format != "csv" {
		return sc, "format", fmt.Errorf("%q: want table, json or csv", f.format)
	}
	if f.wide && f.format != "table" {
		return sc, "wide", fmt.Errorf("applies to -format table only")
	}
	if f.cmdBytes > sim.MaxCmdBytes {
		return sc, "cmd-bytes", fmt.Errorf("%d bytes is over the 16 MiB a command may have", f.cmdBytes)
	}
	if f.pool < f.outstanding {
		return sc, "pool", fmt.Errorf("a pool of %d buffers cannot serve %d outstanding commands (-outstanding)", f.pool, f.outstanding)
	}
	if f.sndbuf < skb.PageSize || f.sndbuf > sim.MaxSndBuf {
		return sc, "sndbuf", fmt.Errorf("%d bytes is outside one page..1 GiB", f.sndbuf)
	}
	sc.Workload = sim.Workload{Kind: f.workload, CmdBytes: int(f.cmdBytes), Commands: f.commands, Outstanding: f.outstanding,
		Pool: f.pool, Share: f.share, ShareConns: f.shareConns, Mapped: f.mapped, Remap: f.remap, Bytes: f.bytes, SndBuf: int(f.sndbuf)}
	c := &sc.Conn
	c.Fwd = sim.PathConfig{RateBps: f.rate, Delay: f.delay, Loss: f.loss, Reorder: f.reorder, ReorderDelay: f.reorderD, Dup: f.dup}
	c.Rev = sim.PathConfig{RateBps: f.rate, Delay: f.delay, Loss: f.ackLoss}
	q, err := sim.ParseQueue(f.queue, f.mss)
	if err != nil {
		return sc, "queue", err
	}
	c.Fwd.QueueBytes = q
	if f.cc != tcp.CCCubic && f.cc != tcp.CCReno {
		return sc, "cc", fmt.Errorf("%q: want cubic or reno", f.cc)
	}
	c.TCP.CC = f.cc
	c.TCP.MSS, c.Dev.MSS, c.Recv.MSS = f.mss, f.mss, f.mss
	if f.sizeGoal < int64(f.mss) || f.sizeGoal > 1<<20 {
		return sc, "size-goal", fmt.Errorf("%d bytes is outside one MSS (%d)..1 MiB", f.sizeGoal, f.mss)
	}
	c.TCP.SizeGoal = int(f.sizeGoal)
	if f.rwnd < int64(f.mss) || f.rwnd > sim.MaxWindow {
		return sc, "rwnd", fmt.Errorf("%d bytes is outside one MSS (%d)..%d (the largest scaled window)", f.rwnd, f.mss, sim.MaxWindow)
	}
	c.Recv.Window = int(f.rwnd)
	c.Dev.TSO, c.Dev.SG = f.tso, f.sg
	sc.Conns = f.conns
	sc.Limits = f.limits()
	if err := sc.Validate(); err != nil {
		name := "max-mem"
		if !strings.Contains(err.Error(), "-max-mem") {
			name = "workload"
		}
		return sc, name, err
	}
	return sc, "", nil
}

// runScenario runs a scenario and writes the results in the format asked.
func runScenario(f *runFlags, sc sim.Scenario, stdout, stderr io.Writer) int {
	start := time.Now()
	prog := newProgress(stderr, start)
	sc.Progress = prog.report
	rs, err := sim.Run(sc)
	prog.clear()
	if err != nil {
		fmt.Fprintf(stderr, "zcsim: run: %v\n", err)
		return exitUsage
	}
	rep := sim.Report{Zcsim: version(), Scenario: sc.Doc(), Results: rs}
	switch f.format {
	case "json":
		err = sim.WriteJSON(stdout, rep)
	case "csv":
		err = sim.WriteCSV(stdout, rep)
	default:
		err = sim.WriteTable(stdout, "zcsim run: "+sc.Describe(), rs, f.wide)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zcsim: run: writing the results: %v\n", err)
		return exitCheck
	}
	if f.timing {
		wall := time.Since(start).Seconds()
		var simT float64
		for _, r := range rs {
			simT += r.SimMs / 1e3
		}
		fmt.Fprintf(stderr, "zcsim: %.3f s wall for %.3f s simulated (real-time factor %.2f)\n", wall, simT, simT/wall)
	}
	return status(rs, f.failOnViolation)
}

// status is the exit status of a finished run (see runUsage).
func status(rs []sim.Result, strict bool) int {
	if slices.ContainsFunc(rs, func(r sim.Result) bool { return r.Failed(strict) }) {
		return exitCheck
	}
	return exitOK
}

// runFile runs a script file.
func runFile(f *runFlags, fs *flagSet, name string, stdout, stderr io.Writer) int {
	for _, s := range fs.set() {
		if !slices.Contains(fileFlags, s) {
			return fail(stderr, s, "does not apply to a FILE: a script sets its own scenario (with FILE: -%s)", strings.Join(fileFlags, ", -"))
		}
	}
	lim := f.limits()
	st, err := os.Stat(name)
	if err == nil && st.Size() > lim.ScriptBytes {
		fmt.Fprintf(stderr, "%s:1: the file has %d bytes, over the limit of %d (raise it with -max-script)\n", name, st.Size(), lim.ScriptBytes)
		return exitUsage
	}
	data, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintf(stderr, "zcsim: run: %v\n", err)
		return exitUsage
	}
	out, res, err := sim.RunFile(name, string(data), lim)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if _, err := io.WriteString(stdout, out); err != nil {
		fmt.Fprintf(stderr, "zcsim: run: writing the output: %v\n", err)
		return exitCheck
	}
	return status(res, f.failOnViolation)
}

// progress shows, on a terminal only, one line on stderr updated at most
// once a second: which run, virtual time, work done, events per second and
// the time left.
type progress struct {
	w     io.Writer
	on    bool
	start time.Time
	last  time.Time
	shown bool
	// run and events are the run and event count of the last line.
	run    int
	events uint64
}

func newProgress(w io.Writer, start time.Time) *progress {
	return &progress{w: w, on: isTerminal(w), start: start, last: start}
}

func (p *progress) report(pr sim.Progress) {
	if !p.on {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < time.Second {
		return
	}
	dt := now.Sub(p.last).Seconds()
	if pr.Run != p.run {
		p.run, p.events = pr.Run, 0
	}
	rate := float64(pr.Events-p.events) / dt
	p.last, p.events = now, pr.Events
	p.shown = true
	el := now.Sub(p.start).Seconds()
	frac := float64(pr.Run-1) / float64(pr.Runs)
	if pr.Total > 0 {
		frac += float64(pr.Done) / float64(pr.Total) / float64(pr.Runs)
	}
	eta := "?"
	if frac > 0.001 {
		eta = fmt.Sprintf("%.0f s", el*(1-frac)/frac)
	}
	fmt.Fprintf(p.w, "\r\033[Kzcsim: run %d/%d %s %s: sim %.3f s, %d/%d %s, %.2f M events/s, ETA %s",
		pr.Run, pr.Runs, pr.Design, pr.Kernel, float64(pr.SimTime)/1e9, pr.Done, pr.Total, pr.Unit,
		rate/1e6, eta)
}

// clear removes the progress line.
func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
