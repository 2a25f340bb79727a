package tcp

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcsim/zcsim/skb"
)

// ccNet drives one Sender, Device and Receiver the way runBulk does, over
// a path with a one-way delay, an optional bottleneck (rateBps > 0: packets
// queue behind each other, none is dropped) and an optional drop rule for
// data segments (n counts the segments put on the wire, from 1). The
// application keeps the send buffer full until total bytes are queued.
type ccNet struct {
	st *skb.Stack
	s  *Sender
	d  *Device
	r  *Receiver

	delay, rateBps, busy, now int64
	drop                      func(n int, seg Segment) bool
	wire                      int
	fwd, rev                  []ccFlight

	pages                   []*skb.Page
	id                      skb.SendID
	total, queued, sndbuf   int
	write                   int
	delivered, mss, maxCwnd int
}

type ccFlight struct {
	at  int64
	seg Segment
}

type ccOpts struct {
	cc                     string
	mss, sizeGoal, initCwn int
	rwnd, delAck           int
	delay, rateBps         int64
	total                  int
	write                  int // bytes per write (one Push each); 0: a page
}

func newCCNet(t *testing.T, k skb.Kernel, o ccOpts) *ccNet {
	t.Helper()
	st := skb.NewStack(k)
	s, err := NewSender(st, Config{Kernel: k, MSS: o.mss, SizeGoal: o.sizeGoal, InitCwnd: o.initCwn,
		RTOMin: 200e6, RTOInit: 1e9, RTOMax: 120e9, SACK: true, Headroom: 128, Nodelay: true, CC: o.cc}, 1, o.rwnd)
	require.NoError(t, err)
	n := &ccNet{st: st, s: s, delay: o.delay, rateBps: o.rateBps, total: o.total, sndbuf: 8 << 20, mss: o.mss,
		write: max(o.write, skb.PageSize),
		d:     NewDevice(st, DevConfig{TSO: true, SG: true, MSS: o.mss, CompletionDelay: 20_000}, st.Transmit),
		r:     NewReceiver(RecvConfig{Window: o.rwnd, DelAckSegs: o.delAck, DelAckTimeout: 40e6, MSS: o.mss, SACK: true}, 1)}
	for range 16 {
		n.pages = append(n.pages, st.NewUserPage())
	}
	n.id = st.OpenSend()
	return n
}

// run processes events until the virtual time passes until or none is
// left; each, if not nil, runs after every step.
func (n *ccNet) run(t *testing.T, until int64, each func()) {
	t.Helper()
	for steps := 0; ; steps++ {
		require.Less(t, steps, 10_000_000, "the run ends")
		for n.queued < n.total && int(n.s.WriteSeq()-n.s.SndUna()) < n.sndbuf {
			for end := min(n.queued+n.write, n.total); n.queued < end; {
				c := min(skb.PageSize, end-n.queued)
				require.NoError(t, n.s.Append(n.id, n.pages[(n.queued/skb.PageSize)%len(n.pages)], 0, c, false))
				n.queued += c
			}
			n.s.Push(n.now)
		}
		n.flush()
		n.maxCwnd = max(n.maxCwnd, n.s.Cwnd())
		if each != nil {
			each()
		}
		next := int64(-1)
		consider := func(at int64, ok bool) {
			if ok && (next < 0 || at < next) {
				next = at
			}
		}
		if len(n.fwd) > 0 {
			consider(n.fwd[0].at, true)
		}
		if len(n.rev) > 0 {
			consider(n.rev[0].at, true)
		}
		consider(n.s.Timer())
		consider(n.d.Timer())
		consider(n.r.Timer())
		if next < 0 || next > until {
			return
		}
		n.now = max(n.now, next)
		n.st.SetNow(n.now)
		for len(n.fwd) > 0 && n.fwd[0].at <= n.now {
			n.r.OnData(n.fwd[0].seg, n.now)
			n.fwd = n.fwd[1:]
		}
		for len(n.rev) > 0 && n.rev[0].at <= n.now {
			n.s.OnAck(n.rev[0].seg, n.now)
			n.rev = n.rev[1:]
		}
		n.s.OnTimer(n.now)
		n.d.OnTimer(n.now)
		n.r.OnTimer(n.now)
	}
}

// flush moves what the sender, device and receiver produced onto the wires.
func (n *ccNet) flush() {
	for _, b := range n.s.TakeXmit() {
		n.d.Xmit(b, n.now)
	}
	for _, seg := range n.d.TakeSegments() {
		n.wire++
		if n.drop != nil && n.drop(n.wire, seg) {
			continue
		}
		at := n.now
		if n.rateBps > 0 {
			n.busy = max(n.busy, n.now) + int64(seg.Len+66)*8*1e9/n.rateBps
			at = n.busy
		}
		n.fwd = append(n.fwd, ccFlight{at + n.delay, seg})
	}
	for _, a := range n.r.TakeAcks() {
		n.rev = append(n.rev, ccFlight{n.now + n.delay, a})
	}
	for _, dl := range n.r.TakeDelivered() {
		for _, c := range dl.Data {
			n.delivered += c.N
		}
	}
}

// TestCCConfig: Config.CC is "cubic" (the default, also "") or "reno".
func TestCCConfig(t *testing.T) {
	base := Config{Kernel: skb.Linux618, MSS: 1448, SizeGoal: 65536, InitCwnd: 10, RTOMin: 200e6, RTOInit: 1e9, RTOMax: 120e9}
	for _, name := range []string{"", CCCubic, CCReno} {
		c := base
		c.CC = name
		assert.NoError(t, c.Validate(), name)
	}
	c := base
	c.CC = "bbr"
	assert.True(t, errors.Is(c.Validate(), ErrConfig))
	s, err := NewSender(skb.NewStack(skb.Linux618), base, 1, 1<<20)
	require.NoError(t, err)
	assert.False(t, s.reno(), "CUBIC by default")
}

// TestRenoSsthreshFromCwnd: tcp_reno_ssthresh is max(cwnd/2, 2) of the
// congestion window, not of the data in flight. The receive window holds
// the flight at 8 segments while cwnd stays 20 (not cwnd-limited, so it
// does not grow); a loss gives ssthresh 10, not 4.
func TestRenoSsthreshFromCwnd(t *testing.T) {
	for _, k := range skb.Kernels {
		n, ss := ssthreshAfterOneLoss(t, k, CCReno)
		assert.Equal(t, 10, ss, k)
		assert.Equal(t, 20, n.maxCwnd, "%v: cwnd does not grow while the receive window limits", k)
		assert.Equal(t, 1<<20, n.delivered)

		n.s.cwnd = 3
		assert.Equal(t, 2, n.s.caSsthresh(), "at least 2")
		n.s.cwnd = 41
		assert.Equal(t, 20, n.s.caSsthresh())
	}
}

// TestCubicSsthresh: bictcp_recalc_ssthresh: ssthresh = max(cwnd*717/1024,
// 2); Wmax = cwnd, or with fast convergence, a loss below the last Wmax,
// cwnd*(1024+717)/2048. Through a real loss with the flight held at 8
// segments by the receive window: from cwnd 20, ssthresh 13 (not 4).
func TestCubicSsthresh(t *testing.T) {
	for _, k := range skb.Kernels {
		s, err := NewSender(skb.NewStack(k), Config{Kernel: k, MSS: 1448, SizeGoal: 65536, InitCwnd: 10,
			RTOMin: 200e6, RTOInit: 1e9, RTOMax: 120e9, CC: CCCubic}, 1, 1<<20)
		require.NoError(t, err)
		for _, c := range []struct{ cwnd, ssthresh, wmax int }{
			{100, 70, 100}, // first loss: Wmax = cwnd
			{80, 56, 68},   // below Wmax 100: fast convergence, 80*1741/2048
			{90, 63, 90},   // above Wmax 68
			{2, 2, 1},      // ssthresh at least 2; Wmax 2*1741/2048
		} {
			s.cwnd = c.cwnd
			assert.Equal(t, c.ssthresh, s.recoverySsthresh(), "%v cwnd %d", k, c.cwnd)
			assert.Equal(t, uint32(c.wmax), s.cc.bic.lastMaxCwnd, "%v cwnd %d", k, c.cwnd)
			assert.Zero(t, s.cc.bic.epochStart, "the epoch ends")
		}

		n, ss := ssthreshAfterOneLoss(t, k, CCCubic)
		assert.Equal(t, 20*717/1024, ss, k)
		assert.Equal(t, uint32(20), n.s.cc.bic.lastMaxCwnd, k)
	}
}

// TestCubicFollowsCubicFunction: after one loss from cwnd Wmax = 400 on a
// 100 ms path with no other limit, cwnd follows W(t) = C(t-K)^3 + Wmax
// with C = 0.4 and K = cbrt((Wmax - cwnd0)/C), cwnd0 = 400*717/1024 = 280,
// K = cbrt(300) = 6.69 s, within a segment, where t is bictcp_update's: the
// time since the epoch began plus the minimum RTT. Both flavours (2.6.26
// grows per ACK and scales by its delayed-ACK estimate, 6.18 per segment).
func TestCubicFollowsCubicFunction(t *testing.T) {
	const wmax, c = 400.0, 0.4
	for _, k := range skb.Kernels {
		n := newCCNet(t, k, ccOpts{mss: 1448, sizeGoal: 65536, initCwn: wmax, rwnd: 64 << 20, delAck: 2,
			delay: 50e6, total: 1 << 40})
		n.drop = func(i int, _ Segment) bool { return i == 1 }
		type sample struct {
			at   int64
			cwnd int
		}
		var got []sample
		n.run(t, 11e9, func() {
			if n.s.Stats.FastRetransmits == 1 && !n.s.inRecovery && n.s.cc.bic.epochStart != 0 {
				got = append(got, sample{n.now, n.s.Cwnd()})
			}
		})
		require.NotEmpty(t, got, k)
		assert.Zero(t, n.s.Stats.RTOs, k)
		assert.Equal(t, 1, n.s.Stats.FastRetransmits, k)
		b := n.s.cc.bic
		assert.Equal(t, uint32(wmax), b.originPoint, k)
		cwnd0 := wmax * cubicBeta / bictcpBetaScale
		kSec := math.Cbrt((wmax - math.Floor(cwnd0)) / c)
		assert.InEpsilon(t, kSec, float64(b.bicK)/1024, 0.005, "%v: K (cubic_root's error is ~0.2 %%)", k)
		epoch := int64(b.epochStart-initialJiffies) * 1e6
		dmin := float64(usecsToJiffies(b.delayMin)) / ccHZ // 6.18: µs
		if k.Old() {
			dmin = float64(b.delayMin>>3) / ccHZ // 2.6.26: jiffies << 3
		}
		assert.InDelta(t, 0.1, dmin, 0.002, "%v: the minimum RTT", k)
		W := func(t float64) float64 { return c*math.Pow(t-kSec, 3) + wmax }
		for _, f := range []float64{0.25, 0.5, 0.75, 1, 1.25, 1.5} {
			at := epoch + int64((f*kSec-dmin)*1e9)
			i := len(got) - 1
			for i > 0 && got[i].at > at {
				i--
			}
			tt := float64(got[i].at-epoch)/1e9 + dmin
			// cwnd moves towards W once per round trip (the ACKs of a
			// window arrive together here): within a segment, or where W
			// climbs faster than a segment per RTT, within that climb.
			tol := max(1, W(tt)-W(tt-dmin))
			t.Logf("%v t=%.3fs (%.2fK): cwnd %d, W(t) %.2f, tolerance %.1f", k, tt, tt/kSec, got[i].cwnd, W(tt), tol)
			assert.InDelta(t, W(tt), float64(got[i].cwnd), tol, "%v: at %.2f K", k, f)
		}
	}
}

// TestCwndNotGrownWhenRwndLimited: tcp_is_cwnd_limited. With the receive
// window at 4 segments cwnd stays at its initial 10 (2.6.26: 6 segments
// left is neither under a third of cwnd nor within tcp_max_burst; 6.18: 10
// is not below twice the 4 packets out); at 64 segments it grows to at most
// twice that, never without bound as it did.
func TestCwndNotGrownWhenRwndLimited(t *testing.T) {
	for _, k := range skb.Kernels {
		for _, cc := range []string{CCCubic, CCReno} {
			for _, segs := range []int{4, 64} {
				n := newCCNet(t, k, ccOpts{cc: cc, mss: 1448, sizeGoal: 65536, initCwn: 10, rwnd: segs * 1448, delAck: 2,
					delay: 100_000, total: 64 << 20})
				n.run(t, 2e9, nil)
				require.Positive(t, n.delivered)
				if segs == 4 {
					assert.Equal(t, 10, n.maxCwnd, "%v %s", k, cc)
				} else {
					// 6.18 tests cwnd < 2*max_packets_out before adding the
					// ACK's segments (2 with delayed ACKs).
					assert.LessOrEqual(t, n.maxCwnd, 2*segs+1, "%v %s", k, cc)
					assert.Greater(t, n.maxCwnd, 10, "%v %s: it grows while cwnd-limited", k, cc)
				}
			}
		}
	}
}

// TestSizeGoalWholeSegments: tcp_xmit_size_goal rounds the 64 KiB GSO size
// down to whole segments (45 × 1448 = 65160), so 256 KiB queued at once go
// out as segments of 1448 bytes but for the last of the stream (56 bytes),
// not with a 376-byte runt at the end of every 65536-byte skb.
func TestSizeGoalWholeSegments(t *testing.T) {
	for _, k := range skb.Kernels {
		const total = 4 * 65536
		n := newCCNet(t, k, ccOpts{mss: 1448, sizeGoal: 65536, initCwn: 10, rwnd: 1 << 20, delAck: 2,
			delay: 100_000, total: total, write: total})
		assert.Equal(t, 65160, n.s.sizeGoal())
		var lens []int
		n.drop = func(_ int, seg Segment) bool { lens = append(lens, seg.Len); return false }
		n.run(t, 10e9, func() {
			for i, b := range n.s.Queue() {
				if i < len(n.s.Queue())-1 {
					assert.Zero(t, b.Len()%1448, "%v: skbs hold whole segments", k)
				}
			}
		})
		require.Equal(t, total, n.delivered)
		require.NotEmpty(t, lens)
		for i, l := range lens[:len(lens)-1] {
			assert.Equal(t, 1448, l, "%v: segment %d", k, i)
		}
		assert.Equal(t, total%1448, lens[len(lens)-1], "%v: the last of the stream", k)
		assert.Len(t, lens, total/1448+1)
	}
}

// TestHyStartDelay: 6.18's HyStart ends slow start when the RTT of a round
// rises above the minimum by max(4 ms, minimum/8): a 4 Mbit/s bottleneck
// on a 100 ms path queues the slow-start bursts; ACKs come about 6 ms apart,
// more than hystart_ack_delta_us, so the ACK-train detection stays out.
// A round's RTT is the least of its samples, and the first packets of a
// round find the queue empty until the window is a few times the path's
// 33 packets; slow start ends with no loss, ssthresh = cwnd. 2.6.26's
// CUBIC has no HyStart: the same path leaves it in slow start.
func TestHyStartDelay(t *testing.T) {
	var cwnd618, cwnd2626 int
	for _, k := range skb.Kernels {
		// Two segments per skb, as TSO autosizing (tcp_tso_autosize, not
		// modelled) makes them at this rate: an skb's RTT sample is then
		// not inflated by the serialization of a 64 KiB skb.
		n := newCCNet(t, k, ccOpts{mss: 1448, sizeGoal: 2 * 1448, initCwn: 10, rwnd: 64 << 20, delAck: 2,
			delay: 50e6, rateBps: 4e6, total: 1 << 40})
		exitAt, exitCwnd := int64(-1), 0
		n.run(t, 3e9, func() {
			if exitAt < 0 && n.s.ssthresh < 1<<30 {
				exitAt, exitCwnd = n.now, n.s.Cwnd()
			}
		})
		assert.Zero(t, n.s.Stats.FastRetransmits+n.s.Stats.RTOs, k)
		if k.Old() {
			assert.Negative(t, exitAt, "2.6.26: no HyStart")
			cwnd2626 = n.s.Cwnd()
			continue
		}
		require.GreaterOrEqual(t, exitAt, int64(0), "6.18: HyStart ends slow start")
		assert.Equal(t, hystartDelay, n.s.cc.foundBy, "by the delay detection")
		assert.GreaterOrEqual(t, exitCwnd, hystartLowWindow)
		assert.Equal(t, exitCwnd, n.s.ssthresh, "ssthresh = cwnd at the exit")
		// The minimum RTT, µs: 100 ms and the serialization of one segment
		// at 4 Mbit/s, 1514 B: tcp_tso_should_defer sends a one-segment
		// piece of a 2-segment skb when the head of the retransmit queue
		// went out less than srtt/2 ago.
		assert.InDelta(t, 103_028, n.s.cc.bic.delayMin, 10, "delay_min")
		t.Logf("6.18: HyStart at %.3f s, cwnd %d; at 3 s cwnd %d", float64(exitAt)/1e9, exitCwnd, n.s.Cwnd())
		cwnd618 = n.s.Cwnd()
	}
	t.Logf("2.6.26 at 3 s: cwnd %d", cwnd2626)
	assert.Greater(t, cwnd2626, 2*cwnd618, "2.6.26 keeps doubling")
}

// TestLossSsthreshOncePerWindow: tcp_enter_loss reduces ssthresh at the
// first RTO (from cwnd: Reno 20/2, CUBIC 20*717/1024) but not at the
// backed-off ones that follow without progress (state Loss,
// icsk_retransmits > 0), and TCP_CA_Loss resets CUBIC (bictcp_reset: Wmax
// forgotten).
func TestLossSsthreshOncePerWindow(t *testing.T) {
	for _, k := range skb.Kernels {
		for _, c := range []struct {
			cc string
			ss int
		}{{CCReno, 10}, {CCCubic, 20 * 717 / 1024}} {
			n := newCCNet(t, k, ccOpts{cc: c.cc, mss: 1448, sizeGoal: 65536, initCwn: 20, rwnd: 1 << 20, delAck: 2,
				delay: 100_000, total: 1 << 20})
			n.drop = func(int, Segment) bool { return true }
			var ss []int
			n.run(t, 10e9, func() {
				if len(ss) < n.s.Stats.RTOs {
					ss = append(ss, n.s.ssthresh)
					assert.Zero(t, n.s.cc.bic.lastMaxCwnd, "%v %s: CUBIC reset", k, c.cc)
				}
			})
			require.GreaterOrEqual(t, len(ss), 2, "%v %s", k, c.cc)
			for i, v := range ss {
				assert.Equal(t, c.ss, v, "%v %s: RTO %d", k, c.cc, i+1)
			}
		}
	}
}

// ssthreshAfterOneLoss runs cwnd 20 with the flight held at 8 segments by
// the receive window, loses segment 3, and returns the net and the
// ssthresh set when fast recovery begins.
func ssthreshAfterOneLoss(t *testing.T, k skb.Kernel, cc string) (*ccNet, int) {
	t.Helper()
	n := newCCNet(t, k, ccOpts{cc: cc, mss: 1448, sizeGoal: 65536, initCwn: 20, rwnd: 8 * 1448, delAck: 2,
		delay: 100_000, total: 1 << 20})
	n.drop = func(i int, _ Segment) bool { return i == 3 }
	ss := 0
	n.run(t, 10e9, func() {
		if ss == 0 && n.s.Stats.FastRetransmits == 1 {
			ss = n.s.ssthresh
		}
	})
	return n, ss
}
