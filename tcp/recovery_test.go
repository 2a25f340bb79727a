package tcp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcsim/zcsim/skb"
)

// stepNet is a Sender, Device and Receiver joined by wires that hold every
// packet until the test delivers (or drops) it, as `zcsim run` step scripts
// do: time passes only in advance.
type stepNet struct {
	t    *testing.T
	st   *skb.Stack
	s    *Sender
	d    *Device
	r    *Receiver
	now  int64
	data []Segment // on the forward wire, not yet delivered
	acks []Segment // on the reverse wire, not yet delivered
	sent []Segment // every data segment ever put on the wire, in order
	// sentAt is when each of sent went on the wire.
	sentAt []int64
	pages  []*skb.Page
	id     skb.SendID
	queued int
}

func newStepNet(t *testing.T, k skb.Kernel, completion int64, loopback bool, obs ...skb.Observer) *stepNet {
	t.Helper()
	st := skb.NewStack(k, obs...)
	s, err := NewSender(st, Config{Kernel: k, MSS: 1448, SizeGoal: 65536, InitCwnd: 10, RTOMin: 200e6, RTOInit: 1e9,
		RTOMax: 120e9, SACK: true, Headroom: 128, Nodelay: true}, 1, 1<<20)
	require.NoError(t, err)
	n := &stepNet{t: t, st: st, s: s,
		d: NewDevice(st, DevConfig{TSO: true, SG: true, MSS: 1448, CompletionDelay: completion, Loopback: loopback}, st.Transmit),
		r: NewReceiver(RecvConfig{Window: 1 << 20, DelAckSegs: 2, DelAckTimeout: 40e6, MSS: 1448, SACK: true}, 1)}
	for range 16 {
		n.pages = append(n.pages, st.NewUserPage())
	}
	n.id = st.OpenSend()
	return n
}

// send queues bytes (zero copy, from the next pages) and pushes.
func (n *stepNet) send(bytes int) {
	for bytes > 0 {
		c := min(skb.PageSize, bytes)
		require.NoError(n.t, n.s.Append(n.id, n.pages[(n.queued/skb.PageSize)%len(n.pages)], 0, c, false))
		n.queued += c
		bytes -= c
	}
	n.s.Push(n.now)
	n.flush()
}

// flush moves what the machines produced onto the wires.
func (n *stepNet) flush() {
	for _, b := range n.s.TakeXmit() {
		n.d.Xmit(b, n.now)
	}
	for _, seg := range n.d.TakeSegments() {
		n.data = append(n.data, seg)
		n.sent = append(n.sent, seg)
		n.sentAt = append(n.sentAt, n.now)
	}
	n.acks = append(n.acks, n.r.TakeAcks()...)
	n.r.TakeDelivered()
}

// deliver hands the held data segments to the receiver, except those
// drop says are lost.
func (n *stepNet) deliver(drop func(Segment) bool) {
	data := n.data
	n.data = nil
	for _, seg := range data {
		if drop == nil || !drop(seg) {
			n.r.OnData(seg, n.now)
			n.flush()
		}
	}
}

// ackAll hands the held ACKs to the sender, one by one.
func (n *stepNet) ackAll() {
	acks := n.acks
	n.acks = nil
	for _, a := range acks {
		n.s.OnAck(a, n.now)
		n.flush()
	}
}

// advance runs the timers due up to to.
func (n *stepNet) advance(to int64) {
	for {
		next := int64(-1)
		for _, tm := range []func() (int64, bool){n.s.Timer, n.d.Timer, n.r.Timer} {
			if at, ok := tm(); ok && (next < 0 || at < next) {
				next = at
			}
		}
		if next < 0 || next > to {
			break
		}
		n.now = max(n.now, next)
		n.st.SetNow(n.now)
		n.s.OnTimer(n.now)
		n.d.OnTimer(n.now)
		n.r.OnTimer(n.now)
		n.flush()
	}
	n.now = to
	n.st.SetNow(to)
}

// retransmitted are the data segments put on the wire more than once
// (by sequence number), after the first transmission of each.
func (n *stepNet) retransmitted() (segs []Segment, at []int64) {
	seen := map[uint32]bool{}
	for i, seg := range n.sent {
		if seen[seg.Seq] {
			segs = append(segs, seg)
			at = append(at, n.sentAt[i])
		}
		seen[seg.Seq] = true
	}
	return segs, at
}

// finish delivers and acknowledges until everything is acknowledged and
// checks the stack.
func (n *stepNet) finish() {
	for range 50 {
		if n.s.Idle() && len(n.data) == 0 && len(n.acks) == 0 {
			break
		}
		n.deliver(nil)
		n.ackAll()
		n.advance(n.now + 1e6)
	}
	n.advance(n.now + 100e6)
	require.True(n.t, n.s.Idle())
	require.Equal(n.t, uint32(1+n.queued), n.r.RcvNxt(), "every byte delivered")
	require.NoError(n.t, n.st.CloseSend(n.id))
	require.NoError(n.t, n.st.Check())
	require.Empty(n.t, n.st.Buffs(), "every skb freed")
}

// seqOf is the sequence number of the i-th segment of 1448 bytes (from 1).
func seqOf(i int) uint32 { return uint32(1 + (i-1)*1448) }

// expandCounter counts pskb_expand_head's shared-info duplications.
type expandCounter struct {
	skb.NopObserver
	n int
}

func (e *expandCounter) ShinfoDup(ev skb.ShinfoEvent) {
	if ev.Site == "pskb_expand_head" {
		e.n++
	}
}

// TestSackSplitsTSOSkbOneRetransmission: segment 3 of a 10-segment TSO skb
// is lost (TX completion first, as oneloss-*.txt). SACK tagging splits the
// skb at the block edges (tcp_match_skb_to_sack → tcp_fragment), the
// SACKed segments are tagged, and recovery resends exactly one segment,
// the lost one: the receiver sees no duplicate.
func TestSackSplitsTSOSkbOneRetransmission(t *testing.T) {
	for _, k := range skb.Kernels {
		t.Run(k.String(), func(t *testing.T) {
			n := newStepNet(t, k, 20_000, false)
			n.send(10 * 1448)
			require.Len(t, n.sent, 10)
			require.Len(t, n.s.Queue(), 1, "one TSO skb")
			n.advance(500_000)
			n.deliver(lost(3))
			n.ackAll()
			segs, _ := n.retransmitted()
			require.Len(t, segs, 1, "%v: one segment retransmitted", k)
			assert.Equal(t, seqOf(3), segs[0].Seq)
			assert.Equal(t, 1448, segs[0].Len)
			assert.Equal(t, 1, n.s.Stats.RetransSegments)
			assert.Positive(t, n.s.Stats.SackSplits)
			assert.Equal(t, 1, n.s.Stats.RecoveryEpisodes)
			// The split is at the block edge: the lost segment is an skb
			// of its own, the SACKed ones are tagged.
			q := n.s.Queue()
			require.NotEmpty(t, q)
			assert.Equal(t, seqOf(3), q[0].CB.Seq)
			assert.Equal(t, seqOf(4), q[0].CB.EndSeq)
			for _, b := range q[1:] {
				assert.NotZero(t, b.CB.Sacked&SackedAcked, "%v: [%d,%d) SACKed", k, b.CB.Seq, b.CB.EndSeq)
			}
			if k.Old() {
				assert.Len(t, q, 8, "2.6.26: one skb per SACKed segment")
				assert.Zero(t, n.s.Stats.Shifts)
			} else {
				// tcp_shift_skb_data moves each newly SACKed segment
				// into the SACKed skb before it.
				assert.Len(t, q, 2, "6.18: the SACKed segments in one skb")
				assert.Equal(t, seqOf(11), q[1].CB.EndSeq)
				assert.Positive(t, n.s.Stats.Shifts)
			}
			n.finish()
			assert.Zero(t, n.r.Duplicates, "no spurious retransmission")
			assert.Equal(t, 1, n.s.Stats.RetransSegments)
			assert.Equal(t, 11, n.s.Stats.SegmentsSent)
			assert.Equal(t, n.d.Segs, n.s.Stats.SegmentsSent, "segments by pcount = segments on the wire (TSO)")
			assert.GreaterOrEqual(t, n.s.Stats.Fragments, n.s.Stats.SackSplits)
		})
	}
}

// TestSackSplitOfClonedSkbExpandsHead: the same loss (segment 2) with the
// ACKs arriving while the transmit clone is still in the device: the first
// ACK carries a SACK for segment 3 and tcp_fragment splits a skb that is
// still cloned, so it unclones it first (skb_unclone → pskb_expand_head:
// the private copy of the shared info Herbert Xu pointed at). 6.18 then
// refuses to retransmit until the clone's TX completion (TSQ), 2.6.26
// retransmits at once; both send the one lost segment once.
func TestSackSplitOfClonedSkbExpandsHead(t *testing.T) {
	for _, k := range skb.Kernels {
		t.Run(k.String(), func(t *testing.T) {
			ex := &expandCounter{}
			n := newStepNet(t, k, 1_000_000, false, ex)
			n.send(10 * 1448)
			n.deliver(lost(2))
			require.NotEmpty(t, n.acks)
			require.NotEmpty(t, n.acks[0].Sacks, "the first ACK carries a SACK block")
			head := n.s.Queue()[0]
			require.True(t, head.Cloned(), "the transmit clone is in the device")
			before := ex.n
			n.s.OnAck(n.acks[0], n.now)
			n.acks = n.acks[1:]
			n.flush()
			assert.Positive(t, ex.n-before, "%v: tcp_fragment unclones with pskb_expand_head", k)
			assert.Positive(t, n.s.Stats.SackSplits)
			var sacked *skb.Buff
			for _, b := range n.s.Queue() {
				if b.CB.Seq == seqOf(3) {
					sacked = b
				}
			}
			require.NotNil(t, sacked, "an skb starts at the SACK block's edge")
			assert.Equal(t, seqOf(4), sacked.CB.EndSeq)
			assert.NotZero(t, sacked.CB.Sacked&SackedAcked)
			n.ackAll()
			segs, at := n.retransmitted()
			if k.Old() {
				require.Len(t, segs, 1)
			} else {
				assert.Empty(t, segs, "6.18: the fast clone is busy")
				assert.Positive(t, n.s.Stats.Busy)
				n.advance(1_000_000)
				segs, at = n.retransmitted()
				require.Len(t, segs, 1, "retried at the clone's TX completion")
				assert.Equal(t, int64(1_000_000), at[0])
			}
			assert.Equal(t, seqOf(2), segs[0].Seq)
			n.finish()
			assert.Zero(t, n.r.Duplicates)
			assert.Equal(t, 1, n.s.Stats.RetransSegments)
		})
	}
}

// TestTwoHolesRepairedInOneRTT: segments 2 and 6 of one window are lost
// (multiloss-*.txt): both are marked lost from the scoreboard (2.6.26 FACK:
// tcp_update_scoreboard; 6.18 RACK) and retransmitted while the first
// round of ACKs is processed, before any retransmission is acknowledged.
func TestTwoHolesRepairedInOneRTT(t *testing.T) {
	for _, k := range skb.Kernels {
		t.Run(k.String(), func(t *testing.T) {
			n := newStepNet(t, k, 20_000, false)
			n.send(10 * 1448)
			n.advance(500_000)
			n.deliver(lost(2, 6))
			n.ackAll()
			segs, at := n.retransmitted()
			require.Len(t, segs, 2, "%v: both holes in the same round", k)
			assert.Equal(t, seqOf(2), segs[0].Seq)
			assert.Equal(t, seqOf(6), segs[1].Seq)
			assert.Equal(t, at[0], at[1])
			assert.Equal(t, 1, n.s.Stats.RecoveryEpisodes)
			n.advance(1_000_000)
			n.deliver(nil)
			n.ackAll()
			assert.True(t, n.s.Idle(), "repaired after one round trip")
			n.finish()
			assert.Equal(t, 2, n.s.Stats.RetransSegments)
			assert.Zero(t, n.r.Duplicates)
		})
	}
}

// TestOneReductionPerEpisode: three holes in one window and more data
// queued behind it (dupack-cascade-6.18.txt with more losses): one recovery
// episode, one ssthresh reduction, however many ACKs and retransmissions
// the episode takes; the episode ends when snd_una passes high_seq.
func TestOneReductionPerEpisode(t *testing.T) {
	for _, k := range skb.Kernels {
		t.Run(k.String(), func(t *testing.T) {
			n := newStepNet(t, k, 20_000, false)
			n.send(40 * 1448)
			n.advance(500_000)
			n.deliver(lost(3, 5, 8))
			changes, last := 0, n.s.ssthresh
			for round := 0; round < 8; round++ {
				acks := n.acks
				n.acks = nil
				for _, a := range acks {
					n.s.OnAck(a, n.now)
					n.flush()
					if n.s.ssthresh != last {
						changes++
						last = n.s.ssthresh
					}
				}
				n.advance(n.now + 500_000)
				n.deliver(nil)
			}
			n.finish()
			assert.Equal(t, 1, changes, "%v: ssthresh reduced once", k)
			assert.Equal(t, 1, n.s.Stats.RecoveryEpisodes)
			assert.Equal(t, 1, n.s.Stats.FastRetransmits)
			assert.Zero(t, n.s.Stats.RTOs)
			assert.Equal(t, 3, n.s.Stats.RetransSegments)
			assert.Zero(t, n.r.Duplicates)
		})
	}
}

// TestBusyRetransmitRetriedAtCompletion (6.18): a retransmission refused
// because the fast clone is still in the host queue (skb_still_in_host_queue
// sets TSQ_THROTTLED) goes when that clone's TX completion comes
// (tcp_wfree → tcp_tsq_handler), not at the next RTO (busy-noretry-6.18.txt).
// On loopback the driver orphans the clone, which then no longer belongs to
// the socket: skb_fclone_busy is false and the retransmission goes at once.
func TestBusyRetransmitRetriedAtCompletion(t *testing.T) {
	for _, loopback := range []bool{false, true} {
		n := newStepNet(t, skb.Linux618, 2_000_000, loopback)
		n.send(10 * 1448)
		n.deliver(lost(2))
		n.ackAll()
		segs, at := n.retransmitted()
		if loopback {
			assert.Zero(t, n.s.Stats.Busy, "loopback: the orphaned clone is not busy")
			require.Len(t, segs, 1)
			assert.Equal(t, int64(0), at[0])
		} else {
			assert.Positive(t, n.s.Stats.Busy)
			assert.Empty(t, segs)
			n.advance(1_999_999)
			segs, _ = n.retransmitted()
			assert.Empty(t, segs, "nothing before the TX completion")
			n.advance(2_000_000)
			segs, at = n.retransmitted()
			require.Len(t, segs, 1, "retried at the TX completion")
			assert.Equal(t, int64(2_000_000), at[0])
			assert.Less(t, at[0], int64(200e6), "long before any RTO")
		}
		assert.Equal(t, seqOf(2), segs[0].Seq)
		n.finish()
		assert.Zero(t, n.s.Stats.RTOs)
		assert.Equal(t, 1, n.s.Stats.RetransSegments)
	}
}

// TestRetransmitSegmentsCwndAllows: two adjacent segments of a TSO skb are
// lost, and of the ACKs only the first and the last arrive (the last
// SACKs five segments at once, so PRR lets cwnd allow several). After SACK
// tagging the two lost segments form one skb: 6.18 retransmits it whole,
// as many segments as cwnd allows (__tcp_retransmit_skb's segs), 2.6.26
// one MSS per skb (tcp_fragment to cur_mss), two skbs.
func TestRetransmitSegmentsCwndAllows(t *testing.T) {
	for _, k := range skb.Kernels {
		t.Run(k.String(), func(t *testing.T) {
			n := newStepNet(t, k, 20_000, false)
			n.send(10 * 1448)
			n.advance(500_000)
			n.deliver(lost(4, 5))
			require.Greater(t, len(n.acks), 2)
			n.acks = []Segment{n.acks[0], n.acks[len(n.acks)-1]}
			n.ackAll()
			segs, _ := n.retransmitted()
			require.Len(t, segs, 2, "%v: the two lost segments", k)
			assert.Equal(t, 2, n.s.Stats.RetransSegments)
			if k.Old() {
				assert.Equal(t, 2, n.s.Stats.Retransmits, "one skb per segment")
			} else {
				assert.Equal(t, 1, n.s.Stats.Retransmits, "one skb of two segments")
			}
			n.finish()
			assert.Zero(t, n.r.Duplicates)
		})
	}
}

// lost is a deliver filter that loses the segments numbered ns (seqOf).
func lost(ns ...int) func(Segment) bool {
	return func(seg Segment) bool {
		for _, n := range ns {
			if seg.Seq == seqOf(n) {
				return true
			}
		}
		return false
	}
}
