package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/zcsim/zcsim/strategies"
)

// reportColumns are the result table's columns, in order.
var reportColumns = []string{"kernel", "design", "verdict", "P1", "P2", "P3", "P4", "P5", "cmds", "signals", "copied",
	"lat_p50_us", "lat_p99_us", "lat_max_us", "ticks_per_MB", "refs_per_tx_min", "refs_per_tx_med", "refs_per_tx_p99", "refs_per_tx_max",
	"static_B", "peak_dyn_B", "delivered_B", "sim_ms", "events"}

func us(ns int64) string { return strconv.FormatFloat(float64(ns)/1e3, 'f', 1, 64) }

// row renders a result's fields in column order.
func (r Result) row() []string {
	v := func(p strategies.Property) string { return strconv.Itoa(r.Violations[p]) }
	return []string{r.Kernel.String(), r.Design, r.Verdict(), v(strategies.P1), v(strategies.P2), v(strategies.P3), v(strategies.P4),
		strconv.Itoa(len(r.P5)), strconv.Itoa(r.Commands), strconv.Itoa(r.Signals), strconv.Itoa(r.Copied),
		us(r.LatP50), us(r.LatP99), us(r.LatMax), strconv.FormatFloat(r.TicksPerMB, 'f', 0, 64),
		strconv.FormatFloat(r.RefsMin, 'f', 1, 64), strconv.FormatFloat(r.RefsMed, 'f', 1, 64),
		strconv.FormatFloat(r.RefsP99, 'f', 1, 64), strconv.FormatFloat(r.RefsMax, 'f', 1, 64),
		strconv.FormatInt(r.StaticBytes, 10), strconv.FormatInt(r.PeakDynBytes, 10),
		strconv.FormatInt(r.Delivered, 10), strconv.FormatFloat(float64(r.SimTime)/1e6, 'f', 3, 64),
		strconv.FormatUint(r.Events, 10)}
}

// WriteTable writes the results as an aligned table, then the first
// example of every violation found.
func WriteTable(w io.Writer, header string, rs []Result) error {
	if _, err := fmt.Fprintln(w, header); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(reportColumns, "\t")+"\t")
	for _, r := range rs {
		fmt.Fprintln(tw, strings.Join(r.row(), "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rs {
		for _, p := range []strategies.Property{strategies.P1, strategies.P2, strategies.P3, strategies.P4} {
			if ex, ok := r.First[p]; ok {
				fmt.Fprintf(w, "%s %s: first %s\n", r.Kernel, r.Design, ex)
			}
		}
		if len(r.P5) > 0 {
			fmt.Fprintf(w, "%s %s: first P5 stream corruption: %s\n", r.Kernel, r.Design, r.P5[0])
		}
	}
	return nil
}

// WriteCSV writes the results as CSV with a header row.
func WriteCSV(w io.Writer, rs []Result) error {
	if _, err := fmt.Fprintln(w, strings.Join(reportColumns, ",")); err != nil {
		return err
	}
	for _, r := range rs {
		if _, err := fmt.Fprintln(w, strings.Join(r.row(), ",")); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON writes the results as a JSON array of objects keyed by column,
// plus the first example of each violation.
func WriteJSON(w io.Writer, rs []Result) error {
	type obj struct {
		Fields   map[string]string `json:"fields"`
		Examples []string          `json:"examples,omitempty"`
	}
	out := make([]obj, 0, len(rs))
	for _, r := range rs {
		o := obj{Fields: map[string]string{}}
		for i, v := range r.row() {
			o.Fields[reportColumns[i]] = v
		}
		for _, p := range []strategies.Property{strategies.P1, strategies.P2, strategies.P3, strategies.P4} {
			if ex, ok := r.First[p]; ok {
				o.Examples = append(o.Examples, ex)
			}
		}
		if len(r.P5) > 0 {
			o.Examples = append(o.Examples, "P5 stream corruption: "+r.P5[0])
		}
		out = append(out, o)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
