package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/zcsim/zcsim/sim"
	"github.com/zcsim/zcsim/strategies"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/run-default.txt with the fresh default table")

// TestRunDefault: `zcsim run` prints the comparison table of the default
// scenario, byte for byte the golden table (regenerate with -rewrite and
// read the diff), whatever GOMAXPROCS.
func TestRunDefault(t *testing.T) {
	const golden = "../../testdata/run-default.txt"
	code, out, errOut := runCLI("run")
	require.Equal(t, 0, code, errOut)
	assert.Empty(t, errOut)
	if *rewrite {
		require.NoError(t, os.WriteFile(golden, []byte(out), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), out)
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		_, again, _ := runCLI("run")
		runtime.GOMAXPROCS(old)
		assert.Equal(t, out, again, "GOMAXPROCS=%d", procs)
	}
	// Each row's verdict, read from the JSON of the same run: every design
	// declared sound is ok on each kernel, every flawed one is caught.
	_, js, _ := runCLI("run", "-format", "json")
	var rep sim.Report
	require.NoError(t, json.Unmarshal([]byte(js), &rep))
	require.Len(t, rep.Results, 2*len(strategies.Names()))
	// Flawed designs whose flaw needs operations the default workload does
	// not make; explore (and -remap) show them.
	notInDefault := map[string]string{
		"token-literal":    "no command is appended whole onto an older command's skb",
		"last-put-holders": "no mapping changes while a page is in flight (-remap)",
	}
	for _, r := range rep.Results {
		switch {
		case r.DeclaredSound:
			assert.Equal(t, sim.VerdictOK, r.Verdict, "%s on %s: %s", r.Design, r.Kernel, r.Summary())
			assert.Equal(t, r.CommandsTotal, r.CommandsSignalled, "%s on %s", r.Design, r.Kernel)
		case notInDefault[r.Design] != "":
			assert.Equal(t, sim.VerdictOK, r.Verdict, "%s on %s: %s", r.Design, r.Kernel, notInDefault[r.Design])
		default:
			assert.Equal(t, sim.VerdictFlawed, r.Verdict, "%s on %s is caught", r.Design, r.Kernel)
		}
	}
}

func TestRunFormats(t *testing.T) {
	code, _, errOut := runCLI("run", "-design", "token", "-commands", "20", "-timing")
	require.Equal(t, 0, code)
	assert.Contains(t, errOut, "real-time factor")
	code, out, _ := runCLI("run", "-workload", "bulk", "-bytes", "4MiB", "-rate", "10Gbit", "-delay", "50us", "-design", "msg-zerocopy", "-kernel", "6.18", "-format", "json")
	require.Equal(t, 0, code)
	var rep sim.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Results, 1)
	assert.Equal(t, sim.VerdictOK, rep.Results[0].Verdict)
	assert.Equal(t, int64(4<<20), rep.Results[0].BytesDelivered)
	assert.Equal(t, "bulk", rep.Scenario.Workload.Kind)
	assert.Equal(t, int64(10_000_000_000), rep.Scenario.Path.RateBps)
	code, out, _ = runCLI("run", "-design", "copy,hashed", "-kernel", "6.18", "-commands", "20", "-wide")
	require.Equal(t, 0, code)
	head := strings.Split(out, "\n")[2]
	for _, c := range []string{"declared_sound", "violations.P2.events", "commands_signalled", "latency_us.p99", "refs_per_tx.max", "sim_ms", "events"} {
		assert.Contains(t, head, " "+c, "-wide has every column")
	}
	assert.NotContains(t, head, ".first", "free text goes to the notes")
}

func TestRunBadFlags(t *testing.T) {
	for _, bad := range [][]string{
		{"run", "-loss", "1.5"}, {"run", "-cmd-bytes", "-3"}, {"run", "-mss", "0"}, {"run", "-design", "nope"},
		{"run", "-rate", "fast"}, {"run", "-delay", "-1ms"}, {"run", "-format", "xml"}, {"run", "-workload", "web"},
		{"run", "-kernel", "4.0"}, {"run", "-outstanding", "0"}, {"run", "-conns", "0"},
	} {
		code, out, errOut := runCLI(bad...)
		assert.Equal(t, 2, code, "%v", bad)
		assert.Empty(t, out)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), "%v: %q", bad, errOut)
		assert.True(t, strings.HasPrefix(errOut, "zcsim: -"), "%v: %q", bad, errOut)
	}
}

// TestDeterminism: every script run twice gives byte-identical output.
func TestDeterminism(t *testing.T) {
	files, err := filepath.Glob("../../testdata/ops/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		c1, out1, _ := runCLI("run", f)
		c2, out2, _ := runCLI("run", f)
		require.Equal(t, 0, c1, f)
		require.Equal(t, 0, c2, f)
		require.Equal(t, out1, out2, f)
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		require.Equal(t, string(src), out1, "%s: zcsim run output equals the golden file", f)
	}
}

// TestBadInput: every kind of bad script stops with one line
// "file:line: what is wrong" on stderr, nothing on stdout, and status 2.
func TestBadInput(t *testing.T) {
	const k = "kernel version=2.6.26\n\nbuffer name=A pages=2\n\nsend send=c1 buf=A as=a\n\n"
	cases := []struct {
		name, script, want string
	}{
		{"unknown command", k + "frobnicate skb=a\n", "x.txt:7: unknown command \"frobnicate\""},
		{"missing argument", k + "clone skb=a\n", "x.txt:7: clone: missing argument as="},
		{"invalid number", "kernel version=6.18\n\nbuffer name=A pages=lots\n", "x.txt:3: buffer: pages=\"lots\" is not a whole number"},
		{"number out of range", "kernel version=6.18\n\nbuffer name=A pages=0\n", "x.txt:3: buffer: pages=0 is outside 1..4096"},
		{"unknown argument", k + "alloc as=b colour=red\n", "x.txt:7: alloc: unknown argument \"colour\""},
		{"bad flag value", k + "alloc as=b fclone=maybe\n", "x.txt:7: alloc: fclone=\"maybe\" is not true or false"},
		{"unknown skb", k + "free skb=zz\n", "x.txt:7: free: unknown skb zz"},
		{"freed skb", k + "free skb=a\n\nclone skb=a as=b\n", "x.txt:9: clone: skb a was freed"},
		{"name reused", k + "alloc as=a\n", "x.txt:7: alloc: name a is already used"},
		{"expand-head on a shared skb", k + "get skb=a\n\nexpand-head skb=a\n", "x.txt:9: expand-head: skb is shared (users > 1): pskb_expand_head on a with users 2"},
		{"split of a cloned skb", k + "clone skb=a as=t\n\nsplit skb=a at=10 as=b\n", "x.txt:9: split: skb is cloned: skb_split on a (tcp_fragment unclones first)"},
		{"pull beyond paged data", k + "pull-tail skb=a len=9000\n", "x.txt:7: pull-tail: length out of range: pull 9000 of 8192 paged bytes"},
		{"send outside the buffer", k + "send send=c1 buf=A off=8000 len=500 skb=a\n", "x.txt:7: send: bytes [8000,8500) are outside buffer A of 8192 bytes"},
		{"unknown buffer", k + "reuse buf=B\n", "x.txt:7: reuse: unknown buffer B"},
		{"no kernel", "buffer name=A pages=1\n", "x.txt:1: buffer: no kernel yet: a script starts with 'kernel version=2.6.26|6.18'"},
		{"bad kernel", "kernel version=5.4\n", "x.txt:1: kernel: version=\"5.4\": want 2.6.26 or 6.18"},
		{"kernel twice", "kernel version=6.18\n\nkernel version=6.18\n", "x.txt:3: kernel: given twice"},
		{"text after a command", "kernel version=6.18\nbuffer name=A pages=1\n", "x.txt:2: sim: script: expected '----' or a blank line after the command, got \"buffer name=A pages=1\""},
		{"separator without command", "----\n", "x.txt:1: sim: script: '----' without a command"},
		{"no commands", "# only a comment\n", "x.txt:1: sim: script: no commands"},
		{"bad name", k + "alloc as=a/b\n", "x.txt:7: alloc: as=\"a/b\" is not a name (letters, digits, _ - .)"},
		{"close twice", k + "close send=c1\n\nclose send=c1\n", "x.txt:9: close: c1 is already closed"},
		{"tcp: unknown command", "connection kernel=6.18\n\nclone skb=a as=b\n", "x.txt:3: unknown command \"clone\" (a TCP scenario has connection, path, workload, run, start, send, deliver, drop, ack, advance, reset, wire, check)"},
		{"tcp: bad loss", "connection kernel=6.18\n\npath loss=1.5\n", "x.txt:3: path: loss=\"1.5\" is not a probability in [0, 1] (0.01, 1e-3)"},
		{"tcp: bad rate", "connection\n\npath rate=fast\n", "x.txt:3: path: rate=\"fast\" is not a rate between 1Kbit and 10000Gbit"},
		{"tcp: bad workload", "connection\n\nworkload kind=iscsi-read pool=2 outstanding=4\n", "x.txt:3: workload: a pool of 2 buffers cannot serve 4 outstanding commands"},
		{"tcp: unknown design", "connection\n\nrun design=nope\n", "x.txt:3: run: design=unknown design \"nope\" (known: copy, frag-destructor, hashed, last-put, last-put-holders, msg-zerocopy, net-priv, shinfo-destructor, shinfo-destructor-refcheck, token, token-literal)"},
		{"tcp: zero mss", "connection mss=0\n", "x.txt:1: connection: mss=0 is outside 64..65000"},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(dir, "x.txt")
			require.NoError(t, os.WriteFile(f, []byte(tc.script), 0o644))
			code, out, errOut := runCLI("run", f)
			assert.Equal(t, 2, code)
			assert.Empty(t, out, "no partial result")
			assert.Equal(t, strings.ReplaceAll(tc.want, "x.txt", f)+"\n", errOut)
		})
	}
}

func TestUsage(t *testing.T) {
	code, _, errOut := runCLI()
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "usage: zcsim")
	code, _, errOut = runCLI("fly")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `zcsim: unknown command "fly"`)
	code, _, errOut = runCLI("run", "a", "b")
	assert.Equal(t, 2, code)
	assert.Equal(t, "zcsim: run: one FILE at most, got 2 (a b)\n", errOut)
	code, _, errOut = runCLI("run", filepath.Join(t.TempDir(), "missing.txt"))
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "zcsim: run: open ")
	code, _, errOut = runCLI("run", "-bogus")
	assert.Equal(t, 2, code)
	assert.Equal(t, "zcsim: run: -bogus: no such flag (zcsim help run lists them)\n", errOut)
	code, out, _ := runCLI("help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "run FILE")
}

// TestExplore: a flawed design exits 1 with a short pasteable script that
// reproduces when run; a sound design exits 0; bad flags exit 2.
func TestExplore(t *testing.T) {
	code, out, errOut := runCLI("explore", "-design", "shinfo-destructor", "-seeds", "1-200", "-steps", "60")
	require.Equal(t, 1, code, errOut)
	assert.Contains(t, out, "VIOLATION P2 premature completion")
	assert.Less(t, strings.Count(out, "\n----\n"), 20, "shrunk to a short script")
	f := filepath.Join(t.TempDir(), "cx.txt")
	require.NoError(t, os.WriteFile(f, []byte(out), 0o644))
	code, again, _ := runCLI("run", f)
	require.Equal(t, 0, code)
	assert.Equal(t, out, again, "pasteable: zcsim run reproduces it byte for byte")

	code, out, _ = runCLI("explore", "-design", "token", "-seeds", "1-50", "-steps", "40")
	require.Equal(t, 0, code)
	assert.Equal(t, "no violation: design token, kernel all, seeds 1-50, 40 steps each\n", out)

	for _, bad := range [][]string{
		{"explore"},
		{"explore", "-design", "nope"},
		{"explore", "-design", "token", "-seeds", "9-1"},
		{"explore", "-design", "token", "-seeds", "x"},
		{"explore", "-design", "token", "-steps", "0"},
		{"explore", "-design", "token", "-kernel", "3.0"},
		{"explore", "-design", "token", "extra"},
	} {
		code, out, errOut := runCLI(bad...)
		assert.Equal(t, 2, code, "%v", bad)
		assert.Empty(t, out)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
		assert.True(t, strings.HasPrefix(errOut, "zcsim: "), errOut)
	}
}

func TestStrategies(t *testing.T) {
	code, out, _ := runCLI("strategies")
	require.Equal(t, 0, code)
	for _, n := range []string{"copy", "net-priv", "hashed", "shinfo-destructor", "shinfo-destructor-refcheck", "token", "frag-destructor", "msg-zerocopy", "last-put"} {
		assert.Contains(t, "\n"+out, "\n"+n+" (expected ")
	}
	assert.True(t, strings.HasPrefix(out, "copy (expected sound)\n"))
	code, _, _ = runCLI("strategies", "x")
	assert.Equal(t, 2, code)
}
