package sim

import (
	"slices"
	"strings"

	"github.com/zcsim/zcsim/strategies"
)

// Properties are the five properties every result reports, in order.
var Properties = []strategies.Property{strategies.P1, strategies.P2, strategies.P3, strategies.P4, P5}

// P5 is the stream property: the receiver gets exactly the bytes sent, in
// order. It is judged by the connection, not by the design checker.
const P5 strategies.Property = "P5"

// Verdicts of a result.
const (
	VerdictOK      = "ok"      // every property held and all the work was done
	VerdictFlawed  = "FLAWED"  // a property was violated
	VerdictStalled = "STALLED" // no property violated, but the run ended with work left undone
	VerdictError   = "ERROR"   // the run could not be completed (a limit, a refused operation)
)

// Count is how often one property was violated: the distinct commands
// (sends) affected, and the violation events seen (one command may be
// signalled early once but put stale bytes on the wire many times).
type Count struct {
	Commands int    `json:"commands"`
	Events   int    `json:"events"`
	First    string `json:"first,omitempty"` // the first violation, as the checker words it
}

// Stats is a sample's order statistics; nil fields (JSON null) mean no
// samples.
type Stats struct {
	N   int      `json:"n"`
	Min *float64 `json:"min"`
	P50 *float64 `json:"p50"`
	P99 *float64 `json:"p99"`
	Max *float64 `json:"max"`
}

// Result is one design's outcome on one kernel. Units are in the JSON
// names: _us microseconds, _ms milliseconds, _B bytes, ticks CPU cycles of
// the cost model, per_MB per 10^6 bytes delivered.
type Result struct {
	Design string `json:"design"`
	Kernel string `json:"kernel"`
	// DeclaredSound is the design's own claim (strategies.Info.Sound): a
	// violation or stall of a design declared sound fails the run.
	DeclaredSound bool `json:"declared_sound"`
	// Hypothetical is true when the design did not exist in this kernel
	// and runs as a backport (strategies.Info.Backport says how).
	Hypothetical bool `json:"hypothetical"`
	// Verdict is VerdictOK, VerdictFlawed, VerdictStalled or VerdictError.
	Verdict string `json:"verdict"`
	// Violated lists the properties violated, in order.
	Violated   []string         `json:"violated"`
	Violations map[string]Count `json:"violations"`
	// Stalled is true when the run ended (no event left) with work undone;
	// Stall says what is missing.
	Stalled bool   `json:"stalled"`
	Stall   string `json:"stall,omitempty"`
	// ConnsTimedOut counts connections that gave up retransmitting
	// (tcp_write_err after tcp_retries2): a path that loses everything.
	ConnsTimedOut int `json:"conns_timed_out"`
	// Quiescent is true when no skb was left and every send was closed at
	// the end; NotQuiescent says why not.
	Quiescent    bool   `json:"quiescent"`
	NotQuiescent string `json:"not_quiescent,omitempty"`
	Error        string `json:"error,omitempty"`

	CommandsTotal     int `json:"commands_total"`     // commands the workload asks for (bulk: 1)
	CommandsIssued    int `json:"commands_issued"`    // commands the application submitted
	CommandsSignalled int `json:"commands_signalled"` // commands signalled at least once
	Signals           int `json:"signals"`            // completion events (P1 makes this exceed the commands)
	SignalsCopied     int `json:"signals_copied"`     // MSG_ZEROCOPY completions with the COPIED code

	// Bytes of the application's stream (iSCSI headers included).
	BytesTotal     int64 `json:"bytes_total"`     // bytes the workload asks for
	BytesQueued    int64 `json:"bytes_queued"`    // bytes the application queued
	BytesDelivered int64 `json:"bytes_delivered"` // bytes delivered in order to the peer

	// LatencyUs is the time from T(c) to a correct signal, microseconds.
	LatencyUs Stats `json:"latency_us"`
	// Ticks is the design's CPU cost; TicksPerMB per 10^6 payload bytes
	// delivered (null when nothing was delivered).
	Ticks      int64    `json:"ticks"`
	TicksPerMB *float64 `json:"ticks_per_MB"`
	// RefsPerTx: page reference events per application page per transmit
	// of its bytes, over the pages that were transmitted.
	RefsPerTx Stats `json:"refs_per_tx"`
	// StaticB is struct page growth for the scenario's RAM; PeakDynB the
	// most design objects alive at once, times their size.
	StaticB  int64 `json:"static_B"`
	PeakDynB int64 `json:"peak_dyn_B"`

	// SimMs is the virtual time when the engine ran out of events: it
	// includes what follows the last useful work (a final delayed ACK, TX
	// completions, timers). The work itself spans FirstSendMs (the first
	// byte the application queued) to LastDeliveryMs (the last byte the
	// peer got in order) and LastSignalMs (the last completion); null when
	// it never happened.
	SimMs          float64  `json:"sim_ms"`
	FirstSendMs    *float64 `json:"first_send_ms"`
	LastDeliveryMs *float64 `json:"last_delivery_ms"`
	LastSignalMs   *float64 `json:"last_signal_ms"`
	// GoodputBps is the bytes delivered in order, in bits, per second from
	// the first send to the last delivery, over every connection.
	GoodputBps *float64 `json:"goodput_bps"`
	Events     uint64   `json:"events"` // engine events fired

	// TCP is what the transport did, summed over the connections;
	// PerConn the same for each connection when there are several.
	TCP     TCPStats   `json:"tcp"`
	PerConn []TCPStats `json:"per_conn,omitempty"`

	// SimTime is SimMs in virtual ns (not in the JSON).
	SimTime Time `json:"-"`
}

// judge sets Violated and Verdict from the counts, the stall and the error.
func (r *Result) judge() {
	r.Violated = make([]string, 0, len(Properties))
	for _, p := range Properties {
		if r.Violations[string(p)].Events > 0 {
			r.Violated = append(r.Violated, string(p))
		}
	}
	switch {
	case r.Error != "":
		r.Verdict = VerdictError
	case len(r.Violated) > 0:
		r.Verdict = VerdictFlawed
	case r.Stalled:
		r.Verdict = VerdictStalled
	default:
		r.Verdict = VerdictOK
	}
}

// Summary is the verdict in one phrase: "ok", "FLAWED P2,P3", "STALLED
// 16/200 commands", "FLAWED P3; STALLED 16/200 commands issued", "ERROR: …".
func (r Result) Summary() string {
	var parts []string
	if r.Error != "" {
		return VerdictError + ": " + r.Error
	}
	if len(r.Violated) > 0 {
		parts = append(parts, VerdictFlawed+" "+strings.Join(r.Violated, ","))
	}
	if r.Stalled {
		parts = append(parts, VerdictStalled+" "+r.Stall)
	}
	if len(parts) == 0 {
		return VerdictOK
	}
	return strings.Join(parts, "; ")
}

// Failed reports whether the result fails the run: an error, or a design
// declared sound that violated a property or stalled; with strict, any
// violation or stall.
func (r Result) Failed(strict bool) bool {
	bad := len(r.Violated) > 0 || r.Stalled
	return r.Error != "" || bad && (strict || r.DeclaredSound)
}

// stats computes order statistics of xs (nearest rank), scaled by 1/div.
func stats(xs []float64) Stats {
	s := Stats{N: len(xs)}
	if len(xs) == 0 {
		return s
	}
	slices.Sort(xs)
	at := func(p int) *float64 {
		i := (len(xs)*p + 99) / 100
		v := xs[max(0, min(len(xs)-1, i-1))]
		return &v
	}
	lo := xs[0]
	s.Min, s.P50, s.P99, s.Max = &lo, at(50), at(99), at(100)
	return s
}

// TCPStats is what one connection's transport did (or the sum over the
// connections), counted in segments (tcp_skb_pcount) unless named
// otherwise.
type TCPStats struct {
	// Conn is the connection's index (-1 for the sum).
	Conn int `json:"conn"`
	// SegmentsSent counts segments handed to the device, retransmissions
	// included; RetransSegments those retransmitted (TCP_MIB_RETRANSSEGS).
	SegmentsSent    int `json:"segments_sent"`
	RetransSegments int `json:"retrans_segments"`
	// SpuriousRetrans counts segments (or parts) the receiver already had.
	SpuriousRetrans int `json:"spurious_retrans"`
	RTOs            int `json:"rtos"`
	// RecoveryEpisodes counts loss recovery episodes (one ssthresh
	// reduction each); Fragments tso_fragment and tcp_fragment calls.
	RecoveryEpisodes int `json:"recovery_episodes"`
	Fragments        int `json:"tcp_fragment_calls"`
	// BytesDelivered, GoodputBps: as the result's, for this connection.
	BytesDelivered int64    `json:"bytes_delivered"`
	GoodputBps     *float64 `json:"goodput_bps"`
	TimedOut       bool     `json:"timed_out"`
	// QueueDrops (in the sum only) counts data packets the shared
	// bottleneck dropped from a full queue: losses from congestion.
	QueueDrops uint64 `json:"queue_drops"`
}

// add sums o into t.
func (t *TCPStats) add(o TCPStats) {
	t.SegmentsSent += o.SegmentsSent
	t.RetransSegments += o.RetransSegments
	t.SpuriousRetrans += o.SpuriousRetrans
	t.RTOs += o.RTOs
	t.RecoveryEpisodes += o.RecoveryEpisodes
	t.Fragments += o.Fragments
	t.BytesDelivered += o.BytesDelivered
	t.TimedOut = t.TimedOut || o.TimedOut
}
