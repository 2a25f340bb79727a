package sim

import (
	"fmt"
	"strings"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
	"github.com/zcsim/zcsim/tcp"
)

// tcpScript interprets TCP-level scenario files:
//
//	connection kernel=all mss=1448 size-goal=64KiB tso=true sg=true sack=true nodelay=true loopback=false completion=20us rwnd=1MiB init-cwnd=10 conns=1
//	path rate=1Gbit delay=100us loss=0.01 reorder=0.01 reorder-delay=300us dup=0 ack-loss=0.01
//	workload kind=iscsi-read cmd-bytes=64KiB commands=200 outstanding=8 pool=16 share=true mapped=true remap=0
//	workload kind=bulk bytes=64MiB sndbuf=4MiB
//	run seed=1 design=all
//
// Every command but run prints the setting it made; run runs the scenario
// under the designs and kernels given and prints the results table.
// Unspecified values keep DefaultScenario's.
type tcpScript struct {
	sc    Scenario
	steps *stepper
	// results are every run's results, in order.
	results []Result
}

func newTCPScript() *tcpScript { return &tcpScript{sc: DefaultScenario()} }

func (t *tcpScript) exec(d *Directive) (string, error) {
	a := newArgs(d)
	switch d.Cmd {
	case "connection":
		return t.connection(a)
	case "path":
		return t.path(a)
	case "workload":
		return t.workload(a)
	case "run":
		return t.run(a)
	case "start":
		return t.start(a)
	case "send", "deliver", "drop", "ack", "advance", "reset", "wire", "check":
		return t.step(a)
	}
	return "", d.Errorf("unknown command %q (a TCP scenario has connection, path, workload, run, start, send, deliver, drop, ack, advance, reset, wire, check)", d.Cmd)
}

// argParsed reads argument key with parse, keeping def when it is absent.
func argParsed[T any](a *args, key string, def T, parse func(string) (T, error)) T {
	v, ok := a.lookup(key)
	if !ok {
		return def
	}
	n, err := parse(v)
	if err != nil {
		a.fail("%s: %s=%v", a.d.Cmd, key, err)
	}
	return n
}

// size and dur read a size (64KiB) and a duration (50us).
func (t *tcpScript) size(a *args, key string, def int64) int64 {
	return argParsed(a, key, def, ParseBytes)
}
func (t *tcpScript) dur(a *args, key string, def Time) Time {
	return argParsed(a, key, def, ParseDuration)
}

func (t *tcpScript) prob(a *args, key string, def float64) float64 {
	return argParsed(a, key, def, ParseProb)
}

func (t *tcpScript) connection(a *args) (string, error) {
	c := &t.sc.Conn
	if k := a.str("kernel", false); k != "" {
		switch k {
		case "all":
			t.sc.Kernels = skb.Kernels
		default:
			kk, err := skb.ParseKernel(k)
			if err != nil {
				a.fail("connection: kernel=%q: want 2.6.26, 6.18 or all", k)
			}
			t.sc.Kernels = []skb.Kernel{kk}
		}
	}
	mss := a.num("mss", c.TCP.MSS, false, 64, 65000)
	c.TCP.MSS, c.Dev.MSS, c.Recv.MSS = mss, mss, mss
	c.TCP.SizeGoal = int(t.size(a, "size-goal", int64(max(c.TCP.SizeGoal, mss))))
	c.Dev.TSO = a.flag("tso", c.Dev.TSO)
	c.Dev.SG = a.flag("sg", c.Dev.SG)
	c.TCP.SACK = a.flag("sack", c.TCP.SACK)
	c.Recv.SACK = c.TCP.SACK
	c.TCP.Nodelay = a.flag("nodelay", c.TCP.Nodelay)
	c.Dev.Loopback = a.flag("loopback", c.Dev.Loopback)
	c.Dev.CompletionDelay = int64(t.dur(a, "completion", Time(c.Dev.CompletionDelay)))
	c.Recv.Window = int(t.size(a, "rwnd", int64(c.Recv.Window)))
	c.TCP.InitCwnd = a.num("init-cwnd", c.TCP.InitCwnd, false, 1, 1000)
	if cc := a.str("cc", false); cc != "" {
		if cc != tcp.CCCubic && cc != tcp.CCReno {
			a.fail("connection: cc=%q: want cubic or reno", cc)
		}
		c.TCP.CC = cc
	}
	t.sc.Conns = a.num("conns", t.sc.Conns, false, 1, 64)
	if err := a.done(); err != nil {
		return "", err
	}
	if c.TCP.SizeGoal < mss {
		return "", a.d.Errorf("connection: size-goal %d is below the MSS %d", c.TCP.SizeGoal, mss)
	}
	if err := c.Validate(); err != nil {
		return "", a.d.Errorf("connection: %s", strings.TrimPrefix(err.Error(), "tcp: config: "))
	}
	var ks []string
	for _, k := range t.sc.Kernels {
		ks = append(ks, k.String())
	}
	return fmt.Sprintf("connection: kernels %s, %d conn(s), MSS %d, size goal %d, TSO %t, SG %t, SACK %t, loopback %t\n",
		strings.Join(ks, " "), t.sc.Conns, mss, c.TCP.SizeGoal, c.Dev.TSO, c.Dev.SG, c.TCP.SACK, c.Dev.Loopback), nil
}

func (t *tcpScript) path(a *args) (string, error) {
	c := &t.sc.Conn
	rate := argParsed(a, "rate", c.Fwd.RateBps, ParseRate)
	c.Fwd.RateBps, c.Rev.RateBps = rate, rate
	delay := t.dur(a, "delay", c.Fwd.Delay)
	c.Fwd.Delay, c.Rev.Delay = delay, delay
	c.Fwd.Loss = t.prob(a, "loss", c.Fwd.Loss)
	c.Fwd.Reorder = t.prob(a, "reorder", c.Fwd.Reorder)
	c.Fwd.ReorderDelay = t.dur(a, "reorder-delay", c.Fwd.ReorderDelay)
	c.Fwd.Dup = t.prob(a, "dup", c.Fwd.Dup)
	c.Rev.Loss = t.prob(a, "ack-loss", c.Rev.Loss)
	c.Fwd.QueueBytes = argParsed(a, "queue", c.Fwd.QueueBytes, func(s string) (int64, error) { return ParseQueue(s, c.TCP.MSS) })
	if err := a.done(); err != nil {
		return "", err
	}
	if err := c.Validate(); err != nil {
		return "", a.d.Errorf("path: %s", strings.TrimPrefix(err.Error(), "sim: path: "))
	}
	q := ""
	if c.Fwd.QueueBytes > 0 {
		q = fmt.Sprintf(", queue %d B", c.Fwd.QueueBytes)
	}
	return fmt.Sprintf("path: %d bit/s, %d ns one way, loss %g, reorder %g, dup %g, ACK loss %g%s\n",
		c.Fwd.RateBps, c.Fwd.Delay, c.Fwd.Loss, c.Fwd.Reorder, c.Fwd.Dup, c.Rev.Loss, q), nil
}

func (t *tcpScript) workload(a *args) (string, error) {
	w := &t.sc.Workload
	w.Kind = a.str("kind", true)
	w.CmdBytes = int(t.size(a, "cmd-bytes", int64(max(w.CmdBytes, 1))))
	w.Commands = a.num("commands", w.Commands, false, 1, 1_000_000)
	w.Outstanding = a.num("outstanding", w.Outstanding, false, 1, 4096)
	w.Pool = a.num("pool", w.Pool, false, 1, 1<<16)
	w.Share = a.flag("share", w.Share)
	w.Mapped = a.flag("mapped", w.Mapped)
	w.ShareConns = a.flag("share-conns", w.ShareConns)
	w.Remap = t.prob(a, "remap", w.Remap)
	w.Bytes = t.size(a, "bytes", max(w.Bytes, 64<<20))
	w.SndBuf = int(t.size(a, "sndbuf", int64(max(w.SndBuf, 4<<20))))
	if err := a.done(); err != nil {
		return "", err
	}
	if err := w.Validate(); err != nil {
		return "", a.d.Errorf("workload: %s", strings.TrimPrefix(err.Error(), "sim: workload: "))
	}
	if err := t.sc.Validate(); err != nil {
		return "", a.d.Errorf("workload: %s", strings.TrimPrefix(err.Error(), "sim: "))
	}
	if w.Kind == "bulk" {
		return fmt.Sprintf("workload: bulk, %d bytes\n", w.Bytes), nil
	}
	out := fmt.Sprintf("workload: iscsi-read, %d commands of %d bytes, %d outstanding, pool %d, share %t, mapped %t",
		w.Commands, w.CmdBytes, w.Outstanding, w.Pool, w.Share, w.Mapped)
	if w.ShareConns {
		out += ", shared across connections"
	}
	if w.Remap > 0 {
		out += fmt.Sprintf(", remap %g", w.Remap)
	}
	return out + "\n", nil
}

func (t *tcpScript) run(a *args) (string, error) {
	seed := argParsed(a, "seed", t.sc.Seed, ParseSeed)
	designs := a.str("design", false)
	if err := a.done(); err != nil {
		return "", err
	}
	sc := t.sc
	sc.Seed = seed
	sc.Name = a.d.Pos()
	if designs != "" {
		es, err := strategies.Parse(designs)
		if err != nil {
			return "", a.d.Errorf("run: design=%s", strings.TrimPrefix(err.Error(), "strategies: "))
		}
		sc.Designs = es
	}
	rs, err := Run(sc)
	if err != nil {
		return "", a.d.Errorf("run: %v", err)
	}
	t.results = append(t.results, rs...)
	var b strings.Builder
	if err := WriteTable(&b, sc.Describe(), rs, false); err != nil {
		return "", err
	}
	return b.String(), nil
}
