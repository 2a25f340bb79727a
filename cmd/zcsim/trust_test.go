package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcsim/zcsim/sim"
	"github.com/zcsim/zcsim/strategies"
)

// oneLine asserts the status and that stderr is exactly one line that
// starts with prefix.
func oneLine(t *testing.T, args []string, wantCode int, prefix string) {
	t.Helper()
	code, out, errOut := runCLI(args...)
	assert.Equal(t, wantCode, code, "%q: %s", args, errOut)
	if wantCode == exitUsage {
		assert.Empty(t, out, "%q: no partial result", args)
	}
	assert.Equal(t, 1, strings.Count(errOut, "\n"), "%q: one line: %q", args, errOut)
	assert.True(t, strings.HasPrefix(errOut, prefix), "%q: %q does not start with %q", args, errOut, prefix)
}

// TestBadFlagValues: NaN, infinities, trailing garbage, out-of-range and
// impossible values are refused with one line naming the flag, status 2;
// nothing is clamped or read as zero.
func TestBadFlagValues(t *testing.T) {
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"-loss", "NaN"}, "loss"}, {[]string{"-reorder", "NaN"}, "reorder"}, {[]string{"-dup", "NaN"}, "dup"},
		{[]string{"-ack-loss", "NaN"}, "ack-loss"}, {[]string{"-rate", "NaN"}, "rate"}, {[]string{"-rate", "Inf"}, "rate"},
		{[]string{"-loss", "Inf"}, "loss"}, {[]string{"-loss", "0.5abc"}, "loss"}, {[]string{"-loss", "1.5"}, "loss"}, {[]string{"-remap", "NaN"}, "remap"},
		{[]string{"-rate", "1Gbitx"}, "rate"}, {[]string{"-delay", "10"}, "delay"}, {[]string{"-mss", "12x"}, "mss"},
		{[]string{"-cmd-bytes", "2GiB"}, "cmd-bytes"}, {[]string{"-cmd-bytes", "-3"}, "cmd-bytes"},
		{[]string{"-rwnd", "1"}, "rwnd"}, {[]string{"-rwnd", "3GiB"}, "rwnd"}, {[]string{"-conns", "0"}, "conns"},
		{[]string{"-conns", "100000"}, "conns"}, {[]string{"-pool", "10000000"}, "pool"}, {[]string{"-pool", "4"}, "pool"},
		{[]string{"-seed", "-1"}, "seed"}, {[]string{"-seed", "18446744073709551616"}, "seed"},
		{[]string{"-design", "copy,copy"}, "design"}, {[]string{"-design", "nope"}, "design"}, {[]string{"-kernel", "4.0"}, "kernel"},
		{[]string{"-format", "xml"}, "format"}, {[]string{"-format", "json", "-wide"}, "wide"}, {[]string{"-workload", "web"}, "workload"},
		{[]string{"-tso", "maybe"}, "tso"}, {[]string{"-cc", "vegas"}, "cc"}, {[]string{"-size-goal", "100"}, "size-goal"}, {[]string{"-max-events", "0"}, "max-events"},
		{[]string{"-pool", "100000", "-cmd-bytes", "16MiB"}, "max-mem"}, {[]string{"-max-mem", "1KiB"}, "max-mem"},
	} {
		oneLine(t, append([]string{"run"}, c.args...), exitUsage, "zcsim: -"+c.flag+": ")
	}
}

// TestBadFlagOrder: with several bad flags the first on the command line
// is reported, the same every time.
func TestBadFlagOrder(t *testing.T) {
	args := []string{"run", "-rate", "NaN", "-loss", "NaN", "-dup", "2"}
	first := ""
	for range 20 {
		_, _, errOut := runCLI(args...)
		if first == "" {
			first = errOut
		}
		require.Equal(t, first, errOut)
	}
	assert.True(t, strings.HasPrefix(first, "zcsim: -rate: "), first)
}

// TestFlagsWithFile: a flag that does not apply to a FILE is refused,
// never silently ignored; the limits and -fail-on-violation apply.
func TestFlagsWithFile(t *testing.T) {
	f := "../../testdata/ops/lifecycle.txt"
	for _, fl := range [][]string{{"-format", "json"}, {"-design", "nope"}, {"-seed", "2"}, {"-conns", "2"}} {
		oneLine(t, append(append([]string{"run"}, fl...), f), exitUsage, "zcsim: "+fl[0]+": does not apply to a FILE")
	}
	code, _, errOut := runCLI("run", "-max-events", "1000", "-fail-on-violation", f)
	assert.Equal(t, exitOK, code, errOut)
}

// TestHelpAndVersion: every command answers -h and `zcsim help CMD` on
// stdout with status 0; version prints the module version.
func TestHelpAndVersion(t *testing.T) {
	for _, c := range []string{"run", "explore", "strategies", "version"} {
		code, out, errOut := runCLI(c, "-h")
		assert.Equal(t, exitOK, code, c)
		assert.Empty(t, errOut, c)
		assert.True(t, strings.HasPrefix(out, "usage: zcsim "+c), "%s: %q", c, out)
		code, out2, _ := runCLI("help", c)
		assert.Equal(t, exitOK, code, c)
		assert.Equal(t, out, out2, c)
	}
	code, out, _ := runCLI("version")
	assert.Equal(t, exitOK, code)
	assert.Regexp(t, `^zcsim \S+.* \(go1\.\d+`, out)
	oneLine(t, []string{"help", "nope"}, exitUsage, "zcsim: help: unknown command")
	oneLine(t, []string{"version", "x"}, exitUsage, "zcsim: version: takes no arguments")
}

// failWriter fails every write, as /dev/full does.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestWriteErrors: output that cannot be written is status 1 with a
// message, for a scenario and for a script.
func TestWriteErrors(t *testing.T) {
	for _, args := range [][]string{
		{"run", "-design", "copy", "-kernel", "6.18", "-commands", "5"},
		{"run", "-design", "copy", "-kernel", "6.18", "-commands", "5", "-format", "json"},
		{"run", "../../testdata/ops/lifecycle.txt"},
		{"strategies"},
	} {
		var errb bytes.Buffer
		code := run(args, failWriter{}, &errb)
		assert.Equal(t, exitCheck, code, "%q", args)
		assert.Contains(t, errb.String(), "no space left on device", "%q", args)
	}
	if full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0); err == nil {
		defer full.Close()
		var errb bytes.Buffer
		assert.Equal(t, exitCheck, run([]string{"run", "../../testdata/ops/lifecycle.txt"}, full, &errb), errb.String())
	}
}

// TestEncodings: a script with a UTF-8 byte order mark or CRLF line ends
// runs, is printed back in its own encoding byte for byte, and errors
// blame the right line.
func TestEncodings(t *testing.T) {
	src, err := os.ReadFile("../../testdata/ops/lifecycle.txt")
	require.NoError(t, err)
	dir := t.TempDir()
	for name, text := range map[string]string{
		"bom.txt":      "\ufeff" + string(src),
		"crlf.txt":     strings.ReplaceAll(string(src), "\n", "\r\n"),
		"bom-crlf.txt": "\ufeff" + strings.ReplaceAll(string(src), "\n", "\r\n"),
	} {
		f := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(f, []byte(text), 0o644))
		code, out, errOut := runCLI("run", f)
		require.Equal(t, exitOK, code, "%s: %s", name, errOut)
		assert.Equal(t, text, out, "%s: diff FILE <(zcsim run FILE) is empty", name)
	}
	f := filepath.Join(dir, "bad.txt")
	require.NoError(t, os.WriteFile(f, []byte("\ufeff# comment\r\nkernel version=6.18\r\n\r\nfrobnicate\r\n"), 0o644))
	oneLine(t, []string{"run", f}, exitUsage, f+":4: unknown command \"frobnicate\"")
}

// TestScriptNames: script names and model identifiers are separate name
// spaces: an skb named b1 is printed as b1, never as the model's b1.
func TestScriptNames(t *testing.T) {
	f := filepath.Join(t.TempDir(), "n.txt")
	require.NoError(t, os.WriteFile(f, []byte("kernel version=6.18\n\nbuffer name=A pages=1\n\nalloc as=x fclone\n\nalloc as=b1\n\nshow\n"), 0o644))
	code, out, _ := runCLI("run", f)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "alloc as=b1\n----\nb1: new skb, shinfo s2")
	assert.Contains(t, out, "skb x: len 0 headlen 0 users 1 cloned 0 nohdr 0 fclone orig shinfo s1\nskb b1: len 0")
}

// TestBadScriptInput: values, lists and limits in scripts: one line
// "file:line: what is wrong", status 2.
func TestBadScriptInput(t *testing.T) {
	dir := t.TempDir()
	long := "kernel version=6.18\n\n# " + strings.Repeat("x", 70_000) + "\n"
	var sends strings.Builder
	sends.WriteString("connection kernel=6.18\n\nstart design=copy kernel=6.18\n")
	for i := range 300 {
		fmt.Fprintf(&sends, "\nsend cmd=c%d bytes=4MiB\n", i)
	}
	for _, c := range []struct {
		name, script string
		args         []string
		line         int
		want         string
	}{
		{"loss NaN", "connection kernel=6.18\n\npath loss=NaN\n", nil, 3, `path: loss="NaN" is not a probability`},
		{"loss trailing", "connection kernel=6.18\n\npath loss=0.5abc\n", nil, 3, `path: loss="0.5abc" is not a probability`},
		{"rate NaN", "connection kernel=6.18\n\npath rate=NaN\n", nil, 3, `path: rate="NaN" is not a rate`},
		{"number trailing", "connection mss=1448x\n", nil, 1, `connection: mss="1448x" is not a whole number`},
		{"rwnd 1", "connection kernel=6.18 rwnd=1\n", nil, 1, "connection: receive window 1 is below one MSS"},
		{"rwnd 4GiB", "connection kernel=6.18 rwnd=4GiB\n", nil, 1, "connection: receive window 4294967296 is over"},
		{"designs twice", "connection kernel=6.18\n\nrun seed=1 design=copy,copy\n", nil, 3, `run: design=duplicate design: "copy" is named twice`},
		{"seed huge", "connection kernel=6.18\n\nrun seed=18446744073709551616\n", nil, 3, `run: seed="18446744073709551616" is not a seed`},
		{"packet twice", "connection kernel=6.18\n\nstart design=copy kernel=6.18\n\nsend cmd=c1 bytes=4096\n\ndeliver pkt=d1,d1\n", nil, 7, "deliver: packet d1 is named twice"},
		{"huge pool", "connection kernel=6.18\n\nworkload kind=iscsi-read cmd-bytes=16MiB pool=65536 outstanding=4096 commands=10\n", nil, 3, "workload: limit: the workload needs 268435457 application pages"},
		{"step sends", sends.String(), []string{"-max-mem", "8MiB"}, 0, "send: sim: limit: 1024 application pages need"},
		{"stray CR", "kernel version=6.18\n\n# a\rb\n", nil, 3, "sim: script: a carriage return inside a line"},
		{"long line", long, nil, 3, "sim: script: the line has 70002 bytes, over the limit of 65536 (raise it with -max-line)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := filepath.Join(dir, "x.txt")
			require.NoError(t, os.WriteFile(f, []byte(c.script), 0o644))
			code, out, errOut := runCLI(append(append([]string{"run"}, c.args...), f)...)
			assert.Equal(t, exitUsage, code, errOut)
			assert.Empty(t, out)
			assert.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
			pos := f + ":"
			if c.line > 0 {
				pos = fmt.Sprintf("%s:%d: ", f, c.line)
			}
			assert.True(t, strings.HasPrefix(errOut, pos), "%q does not start with %q", errOut, pos)
			assert.Contains(t, errOut, c.want)
			if c.name == "step sends" {
				assert.Contains(t, errOut, "(raise it with -max-mem)")
			}
		})
	}
}

// TestExploreLastSeed: the largest seeds end (the loop does not wrap).
func TestExploreLastSeed(t *testing.T) {
	code, out, errOut := runCLI("explore", "-design", "token", "-seeds", "18446744073709551614-18446744073709551615", "-steps", "20")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, "no violation: design token, kernel all, seeds 18446744073709551614-18446744073709551615, 20 steps each\n", out)
}

// TestExitStatus: 0 when every design declared sound is ok (the flaws of
// designs declared flawed are findings); 1 on -fail-on-violation with a
// violation or stall, on a stall of a sound design, and when a run hits a
// limit (from the CLI and from a script alike); 2 for bad input.
func TestExitStatus(t *testing.T) {
	small := []string{"run", "-kernel", "6.18", "-commands", "20"}
	code, _, _ := runCLI(append(small, "-design", "last-put,copy")...)
	assert.Equal(t, exitOK, code, "a flawed design's findings")
	code, _, _ = runCLI(append(small, "-design", "last-put,copy", "-fail-on-violation")...)
	assert.Equal(t, exitCheck, code)
	code, _, _ = runCLI(append(small, "-design", "copy", "-fail-on-violation")...)
	assert.Equal(t, exitOK, code)
	code, out, errOut := runCLI(append(small, "-design", "copy", "-max-events", "1000")...)
	assert.Equal(t, exitCheck, code, errOut)
	assert.Regexp(t, `6\.18 +copy +ERROR `, out)
	assert.Contains(t, out, "6.18 copy: ERROR sim: limit: event limit reached: 1000 events")
	assert.Contains(t, out, "(raise it with -max-events)")
	f := filepath.Join(t.TempDir(), "s.txt")
	require.NoError(t, os.WriteFile(f, []byte("connection kernel=6.18\n\nworkload kind=iscsi-read commands=20\n\nrun seed=1 design=copy\n"), 0o644))
	code, _, errOut = runCLI("run", "-max-events", "1000", f)
	assert.Equal(t, exitCheck, code, "the same status from a script: %s", errOut)
	code, _, _ = runCLI("run", f)
	assert.Equal(t, exitOK, code)
}

// TestCSVReadBack: CSV has as many fields in every row as in its header,
// read back with encoding/csv; verdicts with commas are quoted.
func TestCSVReadBack(t *testing.T) {
	code, out, _ := runCLI("run", "-commands", "30", "-format", "csv")
	require.Equal(t, exitOK, code)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 1+2*len(strategies.Names()))
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, name := range []string{"zcsim", "scenario.seed", "scenario.path.loss", "scenario.workload.kind", "design", "kernel", "verdict",
		"violated", "violations.P2.commands", "violations.P4.events", "stall", "latency_us.p99", "ticks_per_MB", "refs_per_tx.p50"} {
		require.Contains(t, col, name)
	}
	flawed := 0
	for _, r := range rows[1:] {
		require.Len(t, r, len(rows[0]))
		assert.Equal(t, "1", r[col["scenario.seed"]])
		assert.Equal(t, r[col["verdict"]] == sim.VerdictFlawed, r[col["violated"]] != "", "%v", r)
		if r[col["verdict"]] == sim.VerdictFlawed {
			flawed++
		}
	}
	assert.GreaterOrEqual(t, flawed, 8)
}

// jsonReport is the documented JSON schema, written out independently of
// sim.Report: a renamed or retyped field fails to decode.
type jsonReport struct {
	Zcsim    string `json:"zcsim"`
	Scenario struct {
		Seed     uint64   `json:"seed"`
		Kernels  []string `json:"kernels"`
		Designs  []string `json:"designs"`
		Conns    int      `json:"conns"`
		Workload struct {
			Kind     string `json:"kind"`
			CmdBytes int    `json:"cmd_B"`
			Commands int    `json:"commands"`
		} `json:"workload"`
		Path struct {
			RateBps int64   `json:"rate_bps"`
			Loss    float64 `json:"loss"`
			AckLoss float64 `json:"ack_loss"`
		} `json:"path"`
		Costs struct {
			CopyPage int64 `json:"copy_page_ticks"`
		} `json:"cost_model"`
	} `json:"scenario"`
	Results []struct {
		Design        string   `json:"design"`
		Kernel        string   `json:"kernel"`
		DeclaredSound bool     `json:"declared_sound"`
		Verdict       string   `json:"verdict"`
		Violated      []string `json:"violated"`
		Violations    map[string]struct {
			Commands int    `json:"commands"`
			Events   int    `json:"events"`
			First    string `json:"first"`
		} `json:"violations"`
		Stalled           bool     `json:"stalled"`
		CommandsIssued    int      `json:"commands_issued"`
		CommandsSignalled int      `json:"commands_signalled"`
		BytesDelivered    int64    `json:"bytes_delivered"`
		TicksPerMB        *float64 `json:"ticks_per_MB"`
		LatencyUs         struct {
			N   int      `json:"n"`
			P99 *float64 `json:"p99"`
		} `json:"latency_us"`
		SimMs float64 `json:"sim_ms"`
	} `json:"results"`
}

// TestJSONTyped: the JSON decodes into the documented schema with numbers
// as numbers, and its means are sane (no string concatenation).
func TestJSONTyped(t *testing.T) {
	code, out, _ := runCLI("run", "-commands", "30", "-format", "json")
	require.Equal(t, exitOK, code)
	var rep jsonReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Results, 2*len(strategies.Names()))
	assert.Equal(t, []string{"2.6.26", "6.18"}, rep.Scenario.Kernels)
	assert.Equal(t, 0.01, rep.Scenario.Path.Loss)
	var sum float64
	for _, r := range rep.Results {
		require.NotNil(t, r.TicksPerMB)
		sum += *r.TicksPerMB
		require.Len(t, r.Violations, 5)
		if r.Verdict == sim.VerdictOK {
			assert.Empty(t, r.Violated)
			assert.Equal(t, r.LatencyUs.N > 0, r.LatencyUs.P99 != nil)
		}
	}
	mean := sum / float64(len(rep.Results))
	assert.Greater(t, mean, 100.0)
	assert.Less(t, mean, 1e6)
}

// TestJSONSchemaGolden: the field names and types of the default run's
// JSON, one "path: type" line each, against testdata/run-default.schema.txt
// (rewrite with -rewrite and read the diff).
func TestJSONSchemaGolden(t *testing.T) {
	const golden = "../../testdata/run-default.schema.txt"
	code, out, _ := runCLI("run", "-format", "json")
	require.Equal(t, exitOK, code)
	var v any
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	seen := map[string]bool{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(path+"."+k, e)
			}
			return
		case []any:
			for _, e := range x {
				walk(path+"[]", e)
			}
			return
		}
		seen[fmt.Sprintf("%s: %T", strings.TrimPrefix(path, "."), v)] = true
	}
	walk("", v)
	var lines []string
	for l := range seen {
		lines = append(lines, l)
	}
	sort.Strings(lines)
	got := strings.Join(lines, "\n") + "\n"
	if *rewrite {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), got)
}
