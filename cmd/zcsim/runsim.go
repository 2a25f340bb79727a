package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/zcsim/zcsim/sim"
	"github.com/zcsim/zcsim/strategies"
)

// simFlags are the flags of `zcsim run` without a file.
type simFlags struct {
	seed                                   uint64
	design, kernel, workload, format       string
	cmdBytes, bytes, rate, delay, reorderD string
	commands, outstanding, pool, conns     int
	mss                                    int
	loss, reorder, dup, ackLoss            float64
	share, mapped, tso, sg, timing         bool
}

func (f *simFlags) register(fs *flag.FlagSet) {
	d := sim.DefaultScenario()
	fs.Uint64Var(&f.seed, "seed", d.Seed, "seed of every random stream")
	fs.StringVar(&f.design, "design", "all", "designs: NAME[,NAME…] or all")
	fs.StringVar(&f.kernel, "kernel", "all", "kernel flavour: 2.6.26, 6.18 or all")
	fs.StringVar(&f.workload, "workload", d.Workload.Kind, "iscsi-read or bulk")
	fs.StringVar(&f.format, "format", "table", "output: table, json or csv")
	fs.StringVar(&f.cmdBytes, "cmd-bytes", "64KiB", "iscsi-read: bytes per READ command")
	fs.IntVar(&f.commands, "commands", d.Workload.Commands, "iscsi-read: commands served")
	fs.IntVar(&f.outstanding, "outstanding", d.Workload.Outstanding, "iscsi-read: commands outstanding at once")
	fs.IntVar(&f.pool, "pool", d.Workload.Pool, "iscsi-read: buffers in the pool")
	fs.BoolVar(&f.share, "share", d.Workload.Share, "iscsi-read: neighbouring buffers share a page-cache page")
	fs.BoolVar(&f.mapped, "mapped", d.Workload.Mapped, "iscsi-read: one page per buffer is mapped by a user process")
	fs.StringVar(&f.bytes, "bytes", "64MiB", "bulk: bytes sent")
	fs.StringVar(&f.rate, "rate", "1Gbit", "bottleneck rate each way (bit/s: 100Mbit, 10Gbit, …)")
	fs.StringVar(&f.delay, "delay", "100us", "one-way delay")
	fs.Float64Var(&f.loss, "loss", d.Conn.Fwd.Loss, "data packet loss probability")
	fs.Float64Var(&f.reorder, "reorder", d.Conn.Fwd.Reorder, "probability a data packet is held back")
	fs.StringVar(&f.reorderD, "reorder-delay", "300us", "how long a reordered packet is held back")
	fs.Float64Var(&f.dup, "dup", 0, "data packet duplication probability")
	fs.Float64Var(&f.ackLoss, "ack-loss", d.Conn.Rev.Loss, "ACK loss probability")
	fs.IntVar(&f.mss, "mss", d.Conn.TCP.MSS, "maximum segment size in bytes")
	fs.BoolVar(&f.tso, "tso", true, "the NIC segments (off: software GSO)")
	fs.BoolVar(&f.sg, "sg", true, "the NIC does scatter-gather (off: linearize)")
	fs.IntVar(&f.conns, "conns", 1, "connections")
	fs.BoolVar(&f.timing, "timing", false, "print wall time and real-time factor on stderr")
}

// scenario turns the flags into a scenario, or says which flag is wrong.
func (f *simFlags) scenario() (sim.Scenario, error) {
	sc := sim.DefaultScenario()
	sc.Seed = f.seed
	entries, err := strategies.Parse(f.design)
	if err != nil {
		return sc, fmt.Errorf("-design: %s", strings.TrimPrefix(err.Error(), "strategies: "))
	}
	sc.Designs = entries
	if sc.Kernels, err = parseKernels(f.kernel); err != nil {
		return sc, fmt.Errorf("-kernel: %w", err)
	}
	w := sim.Workload{Kind: f.workload, Commands: f.commands, Outstanding: f.outstanding, Pool: f.pool,
		Share: f.share, Mapped: f.mapped, SndBuf: 4 << 20}
	cb, err := sim.ParseBytes(f.cmdBytes)
	if err != nil {
		return sc, fmt.Errorf("-cmd-bytes: %w", err)
	}
	w.CmdBytes = int(min(cb, 1<<30))
	if w.Bytes, err = sim.ParseBytes(f.bytes); err != nil {
		return sc, fmt.Errorf("-bytes: %w", err)
	}
	if err := w.Validate(); err != nil {
		return sc, fmt.Errorf("-workload: %s", strings.TrimPrefix(err.Error(), "sim: workload: "))
	}
	sc.Workload = w
	rate, err := sim.ParseRate(f.rate)
	if err != nil {
		return sc, fmt.Errorf("-rate: %w", err)
	}
	delay, err := sim.ParseDuration(f.delay)
	if err != nil {
		return sc, fmt.Errorf("-delay: %w", err)
	}
	rd, err := sim.ParseDuration(f.reorderD)
	if err != nil {
		return sc, fmt.Errorf("-reorder-delay: %w", err)
	}
	for name, p := range map[string]float64{"-loss": f.loss, "-reorder": f.reorder, "-dup": f.dup, "-ack-loss": f.ackLoss} {
		if p < 0 || p > 1 {
			return sc, fmt.Errorf("%s: %g is outside [0, 1]", name, p)
		}
	}
	if f.mss < 64 || f.mss > 65000 {
		return sc, fmt.Errorf("-mss: %d is outside 64..65000", f.mss)
	}
	if f.conns < 1 || f.conns > 64 {
		return sc, fmt.Errorf("-conns: %d is outside 1..64", f.conns)
	}
	c := &sc.Conn
	c.Fwd = sim.PathConfig{RateBps: rate, Delay: delay, Loss: f.loss, Reorder: f.reorder, ReorderDelay: rd, Dup: f.dup}
	c.Rev = sim.PathConfig{RateBps: rate, Delay: delay, Loss: f.ackLoss}
	c.TCP.MSS, c.Dev.MSS, c.Recv.MSS = f.mss, f.mss, f.mss
	c.TCP.SizeGoal = max(c.TCP.SizeGoal, f.mss)
	c.Dev.TSO, c.Dev.SG = f.tso, f.sg
	sc.Conns = f.conns
	if f.format != "table" && f.format != "json" && f.format != "csv" {
		return sc, fmt.Errorf("-format: %q: want table, json or csv", f.format)
	}
	return sc, nil
}

// runScenario runs a scenario and writes the results in the format asked.
func runScenario(f *simFlags, stdout, stderr io.Writer) int {
	sc, err := f.scenario()
	if err != nil {
		fmt.Fprintf(stderr, "zcsim: %v\n", err)
		return exitUsage
	}
	start := time.Now()
	if isTerminal(stderr) {
		shown := false
		sc.Progress = func(done, total int) {
			if time.Since(start) < 2*time.Second && !shown {
				return
			}
			shown = true
			fmt.Fprintf(stderr, "\rzcsim: %d/%d runs, %.0f s", done, total, time.Since(start).Seconds())
			if done == total {
				fmt.Fprint(stderr, "\r\033[K")
			}
		}
	}
	rs, err := sim.Run(sc)
	if err != nil {
		fmt.Fprintf(stderr, "zcsim: run: %v\n", err)
		return exitCheck
	}
	header := fmt.Sprintf("# zcsim run: %s; %s workload, seed %d, %d connection(s); designs %s; kernels %s",
		sc.Name, sc.Workload.Kind, sc.Seed, sc.Conns, f.design, f.kernel)
	switch f.format {
	case "json":
		err = sim.WriteJSON(stdout, rs)
	case "csv":
		err = sim.WriteCSV(stdout, rs)
	default:
		err = sim.WriteTable(stdout, header, rs)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zcsim: run: %v\n", err)
		return exitCheck
	}
	if f.timing {
		wall := time.Since(start).Seconds()
		var simT float64
		for _, r := range rs {
			simT += float64(r.SimTime) / 1e9
		}
		fmt.Fprintf(stderr, "zcsim: %.3f s wall for %.3f s simulated (real-time factor %.2f)\n", wall, simT, simT/wall)
	}
	return exitOK
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
