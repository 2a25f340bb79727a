package sim

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/zcsim/zcsim/strategies"
	"github.com/zcsim/zcsim/tcp"
)

// Report is what `zcsim run` writes as JSON: the version, every parameter
// of the scenario, and one result per design × kernel.
type Report struct {
	Zcsim    string      `json:"zcsim"`
	Scenario ScenarioDoc `json:"scenario"`
	Results  []Result    `json:"results"`
}

// ScenarioDoc is every parameter of a run, in the units its JSON names say.
type ScenarioDoc struct {
	Name     string               `json:"name"`
	Seed     uint64               `json:"seed"`
	Kernels  []string             `json:"kernels"`
	Designs  []string             `json:"designs"`
	Conns    int                  `json:"conns"`
	Workload WorkloadDoc          `json:"workload"`
	TCP      TCPDoc               `json:"tcp"`
	Path     PathDoc              `json:"path"`
	Costs    strategies.CostModel `json:"cost_model"`
	RAMPages int64                `json:"ram_pages"`
	Limits   LimitsDoc            `json:"limits"`
}

// WorkloadDoc is the workload's parameters (the iscsi-read ones are zero
// for bulk and the other way round).
type WorkloadDoc struct {
	Kind        string  `json:"kind"`
	CmdBytes    int     `json:"cmd_B"`
	Commands    int     `json:"commands"`
	Outstanding int     `json:"outstanding"`
	Pool        int     `json:"pool"`
	Share       bool    `json:"share"`
	ShareConns  bool    `json:"share_conns"`
	Mapped      bool    `json:"mapped"`
	Remap       float64 `json:"remap"`
	Bytes       int64   `json:"bytes_B"`
	SndBuf      int     `json:"sndbuf_B"`
}

// TCPDoc is the stack's, the device's and the receiver's parameters.
type TCPDoc struct {
	CC           string  `json:"cc"`
	MSS          int     `json:"mss_B"`
	SizeGoal     int     `json:"size_goal_B"`
	InitCwnd     int     `json:"init_cwnd_segs"`
	Nodelay      bool    `json:"nodelay"`
	SACK         bool    `json:"sack"`
	RTOMinMs     float64 `json:"rto_min_ms"`
	RTOMaxMs     float64 `json:"rto_max_ms"`
	TSO          bool    `json:"tso"`
	SG           bool    `json:"sg"`
	Loopback     bool    `json:"loopback"`
	CompletionUs float64 `json:"tx_completion_us"`
	RecvWindow   int     `json:"rwnd_B"`
	DelAckSegs   int     `json:"delack_segs"`
	DelAckMs     float64 `json:"delack_ms"`
}

// PathDoc is the path's parameters; loss, reordering and duplication
// apply to data packets, ack_loss to ACKs.
type PathDoc struct {
	RateBps        int64   `json:"rate_bps"`
	DelayUs        float64 `json:"delay_us"`
	Loss           float64 `json:"loss"`
	Reorder        float64 `json:"reorder"`
	ReorderDelayUs float64 `json:"reorder_delay_us"`
	Dup            float64 `json:"dup"`
	AckLoss        float64 `json:"ack_loss"`
	// QueueB is the bottleneck queue shared by the connections (drop-tail).
	QueueB int64 `json:"queue_B"`
}

// LimitsDoc is the run's limits.
type LimitsDoc struct {
	Events uint64 `json:"max_events"`
	Memory int64  `json:"max_mem_B"`
}

// Doc describes the scenario.
func (sc Scenario) Doc() ScenarioDoc {
	d := ScenarioDoc{Name: sc.Name, Seed: sc.Seed, Conns: sc.Conns, Costs: strategies.DefaultCosts, RAMPages: sc.RAMPages,
		Limits: LimitsDoc{Events: sc.Limits.Events, Memory: sc.Limits.Memory}}
	for _, k := range sc.Kernels {
		d.Kernels = append(d.Kernels, k.String())
	}
	for _, e := range sc.Designs {
		d.Designs = append(d.Designs, e.Info.Name)
	}
	w := sc.Workload
	d.Workload = WorkloadDoc{Kind: w.Kind}
	if w.Kind == "bulk" {
		d.Workload.Bytes, d.Workload.SndBuf = w.Bytes, w.SndBuf
	} else {
		d.Workload.CmdBytes, d.Workload.Commands, d.Workload.Outstanding, d.Workload.Pool = w.CmdBytes, w.Commands, w.Outstanding, w.Pool
		d.Workload.Share, d.Workload.ShareConns, d.Workload.Mapped = w.Share, w.ShareConns, w.Mapped
		d.Workload.Remap = w.Remap
	}
	c := sc.Conn
	cc := c.TCP.CC
	if cc == "" {
		cc = tcp.CCCubic
	}
	d.TCP = TCPDoc{CC: cc, MSS: c.TCP.MSS, SizeGoal: c.TCP.SizeGoal, InitCwnd: c.TCP.InitCwnd, Nodelay: c.TCP.Nodelay, SACK: c.TCP.SACK,
		RTOMinMs: float64(c.TCP.RTOMin) / 1e6, RTOMaxMs: float64(c.TCP.RTOMax) / 1e6,
		TSO: c.Dev.TSO, SG: c.Dev.SG, Loopback: c.Dev.Loopback, CompletionUs: float64(c.Dev.CompletionDelay) / 1e3,
		RecvWindow: c.Recv.Window, DelAckSegs: c.Recv.DelAckSegs, DelAckMs: float64(c.Recv.DelAckTimeout) / 1e6}
	d.Path = PathDoc{RateBps: c.Fwd.RateBps, DelayUs: float64(c.Fwd.Delay) / 1e3, Loss: c.Fwd.Loss, Reorder: c.Fwd.Reorder,
		ReorderDelayUs: float64(c.Fwd.ReorderDelay) / 1e3, Dup: c.Fwd.Dup, AckLoss: c.Rev.Loss, QueueB: c.Fwd.QueueBytes}
	if d.Path.QueueB == 0 {
		d.Path.QueueB = DefaultQueue(c.Fwd)
	}
	return d
}

// Describe says in one line what the scenario runs: "iscsi-read: 200
// commands of 64 KiB, 8 outstanding, pool 16 (shared, mapped); 1 conn;
// 1 Gbit/s, 100 µs one way, loss 1 %, ACK loss 1 %, reorder 1 %; seed 1".
func (sc Scenario) Describe() string {
	w := sc.Workload
	var b strings.Builder
	if w.Kind == "bulk" {
		fmt.Fprintf(&b, "bulk: %s, send buffer %s", fmtBytes(w.Bytes), fmtBytes(int64(w.SndBuf)))
	} else {
		fmt.Fprintf(&b, "iscsi-read: %d commands of %s, %d outstanding, pool %d", w.Commands, fmtBytes(int64(w.CmdBytes)), w.Outstanding, w.Pool)
		var opts []string
		for _, o := range []struct {
			on   bool
			name string
		}{{w.Share, "shared"}, {w.ShareConns, "shared across conns"}, {w.Mapped, "mapped"}} {
			if o.on {
				opts = append(opts, o.name)
			}
		}
		if w.Remap > 0 {
			opts = append(opts, "remap "+pctStr(w.Remap))
		}
		if len(opts) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(opts, ", "))
		}
	}
	p := sc.Conn.Fwd
	cc := sc.Conn.TCP.CC
	if cc == "" {
		cc = tcp.CCCubic
	}
	fmt.Fprintf(&b, "; %d conn(s), %s; %s, %s one way, loss %s, ACK loss %s", sc.Conns, cc, fmtRate(p.RateBps), fmtTime(p.Delay),
		pctStr(p.Loss), pctStr(sc.Conn.Rev.Loss))
	if p.Reorder > 0 {
		fmt.Fprintf(&b, ", reorder %s", pctStr(p.Reorder))
	}
	if p.Dup > 0 {
		fmt.Fprintf(&b, ", dup %s", pctStr(p.Dup))
	}
	if sc.Conn.Dev.Loopback {
		b.WriteString(", loopback")
	}
	fmt.Fprintf(&b, "; seed %d", sc.Seed)
	return b.String()
}

func pctStr(p float64) string { return strconv.FormatFloat(p*100, 'g', 4, 64) + "%" }

func fmtRate(bps int64) string {
	switch {
	case bps%1e9 == 0:
		return fmt.Sprintf("%d Gbit/s", bps/1e9)
	case bps%1e6 == 0:
		return fmt.Sprintf("%d Mbit/s", bps/1e6)
	}
	return fmt.Sprintf("%d bit/s", bps)
}

func fmtTime(t Time) string {
	switch {
	case t%Second == 0 && t > 0:
		return fmt.Sprintf("%d s", t/Second)
	case t%Millisecond == 0 && t > 0:
		return fmt.Sprintf("%d ms", t/Millisecond)
	case t%Microsecond == 0:
		return fmt.Sprintf("%d µs", t/Microsecond)
	}
	return fmt.Sprintf("%d ns", t)
}

func fmtBytes(n int64) string {
	for _, u := range []struct {
		suf string
		mul int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.mul && n%u.mul == 0 {
			return fmt.Sprintf("%d %s", n/u.mul, u.suf)
		}
	}
	return fmt.Sprintf("%d B", n)
}

// --- the compact table -------------------------------------------------------

// tableColumns are the compact table's columns; the legend explains them.
var tableColumns = []string{"kernel", "design", "verdict", "P1", "P2", "P3", "P4", "P5", "sig/issued", "p50_us", "p99_us", "ticks/MB", "refs/tx", "peak_B", "Mbit/s"}

// tableLegend is printed under the compact table.
const tableLegend = `P1-P5: commands violating each property: P1 signalled twice, P2 signalled before the stack
  dropped its last reference to the command's pages (T), P3 never signalled, P4 stale bytes of a
  reused buffer on the wire, P5 the receiver got other bytes than were sent. sig/issued: commands
  signalled / issued. p50_us, p99_us: microseconds from T to the signal, over commands. ticks/MB:
  the design's CPU cost in cost-model ticks (~cycles) per 10^6 payload bytes delivered. refs/tx:
  page reference events per page per transmit, median over pages. peak_B: the design's peak
  dynamic memory, bytes. Mbit/s: goodput, first send to last delivery. -: no samples.
  zcsim run -wide prints every column.
`

func optF(v *float64, prec int) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', prec, 64)
}

// compact renders a result's compact-table cells.
func (r Result) compact() []string {
	name := r.Design
	if r.Hypothetical {
		name += "*"
	}
	cells := []string{r.Kernel, name, r.Verdict}
	for _, p := range Properties {
		cells = append(cells, strconv.Itoa(r.Violations[string(p)].Commands))
	}
	return append(cells, fmt.Sprintf("%d/%d", r.CommandsSignalled, r.CommandsIssued),
		optF(r.LatencyUs.P50, 1), optF(r.LatencyUs.P99, 1), optF(r.TicksPerMB, 0), optF(r.RefsPerTx.P50, 1),
		strconv.FormatInt(r.PeakDynB, 10), optF(scale(r.GoodputBps, 1e-6), 1))
}

// WriteTable writes the compact table (wide: every result column but the
// free text), the legend, and for each result its stall, error and first
// violation of each property, wrapped to 120 columns.
func WriteTable(w io.Writer, header string, rs []Result, wide bool) error {
	ew := &strings.Builder{}
	for _, l := range wrap(header, "; ", 118) {
		fmt.Fprintln(ew, "# "+l)
	}
	tw := tabwriter.NewWriter(ew, 0, 0, 1, ' ', tabwriter.AlignRight)
	cols := tableColumns
	var keep []int // wide: the columns shown (free text goes to the notes)
	if wide {
		cols = nil
		for i, c := range resultColumns() {
			if !strings.HasSuffix(c, ".first") && c != "stall" && c != "not_quiescent" && c != "error" {
				cols = append(cols, c)
				keep = append(keep, i)
			}
		}
	}
	fmt.Fprintln(tw, strings.Join(cols, "\t")+"\t")
	for _, r := range rs {
		cells := r.compact()
		if wide {
			all := flatten(reflect.ValueOf(r), nil)
			cells = cells[:0]
			for _, i := range keep {
				cells = append(cells, all[i])
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	_ = tw.Flush() // into a strings.Builder: cannot fail
	if !wide {
		fmt.Fprint(ew, tableLegend)
		if slices.ContainsFunc(rs, func(r Result) bool { return r.Hypothetical }) {
			fmt.Fprintln(ew, "*: a hypothetical backport: the design did not exist in that kernel (zcsim strategies says how it runs).")
		}
	}
	for _, r := range rs {
		var notes []string
		if r.Error != "" {
			notes = append(notes, fmt.Sprintf("%s %s: ERROR %s", r.Kernel, r.Design, r.Error))
		}
		if r.Stalled {
			notes = append(notes, fmt.Sprintf("%s %s: STALLED %s (%d/%d commands issued, %d signalled; %s)", r.Kernel, r.Design, r.Stall,
				r.CommandsIssued, r.CommandsTotal, r.CommandsSignalled, orQuiescent(r)))
		} else if !r.Quiescent && r.Error == "" {
			notes = append(notes, fmt.Sprintf("%s %s: the run ended not quiescent: %s", r.Kernel, r.Design, r.NotQuiescent))
		}
		for _, p := range Properties {
			if c := r.Violations[string(p)]; c.Events > 0 {
				notes = append(notes, fmt.Sprintf("%s %s: %s %s in %d command(s), %d event(s); first: %s", r.Kernel, r.Design, p,
					propertyName(p), c.Commands, c.Events, c.First))
			}
		}
		for _, n := range notes {
			fmt.Fprintln(ew, strings.Join(wrap(n, " ", 118), "\n  "))
		}
	}
	_, err := io.WriteString(w, ew.String())
	return err
}

func orQuiescent(r Result) string {
	if r.Quiescent {
		return "no skb left"
	}
	return "not quiescent: " + r.NotQuiescent
}

// --- CSV and JSON ------------------------------------------------------------

// WriteCSV writes one row per result: the scenario's parameters, then the
// result's fields, flattened with dotted names (violations.P2.commands).
func WriteCSV(w io.Writer, rep Report) error {
	cw := csv.NewWriter(w)
	scen := flatten(reflect.ValueOf(rep.Scenario), nil)
	head := append([]string{"zcsim"}, prefixed("scenario.", columns(reflect.TypeOf(rep.Scenario), reflect.ValueOf(rep.Scenario)))...)
	if err := cw.Write(append(head, resultColumns()...)); err != nil {
		return err
	}
	for _, r := range rep.Results {
		row := append([]string{rep.Zcsim}, scen...)
		if err := cw.Write(append(row, flatten(reflect.ValueOf(r), nil)...)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the report as one indented JSON object.
func WriteJSON(w io.Writer, rep Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// resultColumns are a Result's flattened column names.
func resultColumns() []string {
	var r Result
	r.Violations = map[string]Count{}
	for _, p := range Properties {
		r.Violations[string(p)] = Count{}
	}
	return columns(reflect.TypeOf(r), reflect.ValueOf(r))
}

func prefixed(pre string, xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = pre + x
	}
	return out
}

// jsonName is a struct field's JSON name, or "" when it is not encoded.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" || !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name
}

// columns lists the leaf names of v (of type t) in field order, maps by
// sorted key, joined with dots.
func columns(t reflect.Type, v reflect.Value) []string {
	var out []string
	var walk func(prefix string, t reflect.Type, v reflect.Value)
	walk = func(prefix string, t reflect.Type, v reflect.Value) {
		switch t.Kind() {
		case reflect.Struct:
			for i := range t.NumField() {
				if n := jsonName(t.Field(i)); n != "" && !structList(t.Field(i).Type) {
					walk(prefix+n+".", t.Field(i).Type, v.Field(i))
				}
			}
		case reflect.Map:
			for _, k := range sortedKeys(v) {
				walk(prefix+k.String()+".", t.Elem(), v.MapIndex(k))
			}
		default:
			out = append(out, strings.TrimSuffix(prefix, "."))
		}
	}
	walk("", t, v)
	return out
}

// flatten renders the leaves of v in the order columns lists them: numbers
// as Go formats them, nil pointers as "", lists joined with spaces.
func flatten(v reflect.Value, out []string) []string {
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if jsonName(t.Field(i)) != "" && !structList(t.Field(i).Type) {
				out = flatten(v.Field(i), out)
			}
		}
		return out
	case reflect.Map:
		for _, k := range sortedKeys(v) {
			out = flatten(v.MapIndex(k), out)
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return append(out, "")
		}
		return flatten(v.Elem(), out)
	case reflect.Slice:
		var parts []string
		for i := range v.Len() {
			parts = append(parts, fmt.Sprint(v.Index(i).Interface()))
		}
		return append(out, strings.Join(parts, " "))
	case reflect.Float64:
		return append(out, strconv.FormatFloat(v.Float(), 'g', -1, 64))
	}
	return append(out, fmt.Sprint(v.Interface()))
}

// structList reports a list of records (per-connection results): JSON
// carries it; a flat row cannot, so CSV and the wide table leave it out.
func structList(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct
}

func sortedKeys(v reflect.Value) []reflect.Value {
	ks := v.MapKeys()
	slices.SortFunc(ks, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	return ks
}

// propertyName names P1-P5 as a violation of them is called.
func propertyName(p strategies.Property) string {
	if p == P5 {
		return "stream corruption"
	}
	return strategies.PropertyName(p)
}

// wrap breaks s after each sep so that no line is longer than width (a
// part longer than width stays whole); lines lose their trailing space.
func wrap(s, sep string, width int) []string {
	var lines []string
	cur := ""
	for _, part := range strings.SplitAfter(s, sep) {
		if cur != "" && len(cur)+len(strings.TrimSuffix(part, " ")) > width {
			lines = append(lines, strings.TrimSuffix(cur, " "))
			cur = ""
		}
		cur += part
	}
	return append(lines, strings.TrimSuffix(cur, " "))
}

// scale is *v times k, or nil.
func scale(v *float64, k float64) *float64 {
	if v == nil {
		return nil
	}
	x := *v * k
	return &x
}
