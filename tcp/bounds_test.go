package tcp

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcsim/zcsim/skb"
)

// lossyStream feeds r n new segments of mss bytes starting at isn, the way
// a sender under periodic loss does: every period-th segment is lost and
// arrives delay segments later (its retransmission), so about delay/period
// holes are open at once and the out-of-order queue never holds more than
// delay segments. ACKs and deliveries are taken after every arrival, as
// package sim does; each, if not nil, sees the receiver then. It returns
// the bytes delivered.
func lossyStream(r *Receiver, isn uint32, n, mss, period, delay int, each func()) int {
	type late struct {
		due int
		seg Segment
	}
	var pend []late
	delivered := 0
	arrive := func(s Segment, now int64) {
		r.OnData(s, now)
		r.TakeAcks()
		for _, d := range r.TakeDelivered() {
			for _, c := range d.Data {
				delivered += c.N
			}
		}
		if each != nil {
			each()
		}
	}
	for i := 0; i < n || len(pend) > 0; i++ {
		now := int64(i) * 10_000
		for len(pend) > 0 && (pend[0].due <= i || i >= n) {
			arrive(pend[0].seg, now)
			pend = pend[1:]
		}
		if i >= n {
			continue
		}
		seq := isn + uint32(i*mss)
		s := Segment{Seq: seq, Len: mss, Data: []Chunk{{Send: 1, Off: int64(i * mss), N: mss}}}
		if i%period == period-1 {
			pend = append(pend, late{due: i + delay, seg: s})
			continue
		}
		arrive(s, now)
	}
	return delivered
}

// TestReceiverBounded: after 100,000 segment arrivals under periodic loss
// (about six holes open at once, so SACK blocks are also forgotten), the
// receiver's slices are as large as the data in flight needs, not as the
// stream: the out-of-order queue holds at most the segments behind the
// oldest hole, the SACK blocks are TCP_NUM_SACKS, the ACK and delivery
// slices what one arrival produces.
func TestReceiverBounded(t *testing.T) {
	const n, mss, period, delay = 100_000, 1000, 7, 40
	isn := uint32(1<<32 - 5_000_000) // wraps around 2^32
	r := NewReceiver(RecvConfig{Window: 1 << 20, DelAckSegs: 2, DelAckTimeout: 40e6, MSS: mss, SACK: true}, isn)
	maxOOO, maxSacks := 0, 0
	got := lossyStream(r, isn, n, mss, period, delay, func() {
		maxOOO = max(maxOOO, len(r.ooo))
		maxSacks = max(maxSacks, r.numSacks)
		if len(r.ooo) > 0 && !After(r.ooo[0].seq, r.rcvNxt) {
			t.Fatalf("queued segment %d-%d is not above rcv_nxt %d", r.ooo[0].seq, r.ooo[0].end, r.rcvNxt)
		}
	})
	assert.Equal(t, n*mss, got, "every byte delivered once")
	assert.Equal(t, isn+uint32(n*mss), r.RcvNxt())
	assert.Zero(t, r.Duplicates)
	assert.LessOrEqual(t, maxOOO, delay, "the queue holds the segments behind one hole")
	assert.Equal(t, NumSacks, maxSacks, "more holes than blocks: the list is full, no longer")
	assert.LessOrEqual(t, cap(r.ooo), 2*delay, "the queue's backing array")
	assert.Empty(t, r.ooo)
	assert.Zero(t, r.numSacks)
	assert.LessOrEqual(t, cap(r.acks), 4, "one ACK per arrival")
	assert.LessOrEqual(t, cap(r.delivery), 2*delay, "one arrival delivers at most the queue")
}

// TestSenderDeviceBounded: a sender, device and receiver through a path
// that drops every 50th segment put on the wire (fast retransmits, partial
// ACKs, SACK shifting, RTOs when a retransmission is dropped too). The
// write queue, its RTT map, the device ring and the output slices stay as
// large as the window needs (about 725 segments of 1448 bytes in 1 MiB),
// whatever the length of the stream.
func TestSenderDeviceBounded(t *testing.T) {
	for _, k := range []skb.Kernel{skb.Linux2626, skb.Linux618} {
		t.Run(k.String(), func(t *testing.T) {
			short := runBulk(t, k, 2_000)
			long := runBulk(t, k, 40_000)
			t.Logf("2,000 segments: %+v", short)
			t.Logf("40,000 segments: %+v", long)
			assert.Positive(t, long.retransmits)
			const window = 1<<20/1448 + 1
			for _, p := range []struct {
				name        string
				short, long int
			}{{"cap(q)", short.q, long.q}, {"len(sentAt)", short.sentAt, long.sentAt}, {"cap(ring)", short.ring, long.ring},
				{"cap(xmit)", short.xmit, long.xmit}, {"cap(out)", short.out, long.out}, {"cap(ooo)", short.ooo, long.ooo}} {
				assert.LessOrEqual(t, p.long, 2*window, p.name)
				assert.LessOrEqual(t, p.long, 2*p.short, "%s grows with the stream", p.name)
			}
		})
	}
}

// peaks are the largest sizes seen during a bulk run.
type peaks struct{ q, sentAt, ring, xmit, out, ooo, retransmits int }

// runBulk streams segs segments of 1448 bytes from a 1 MiB send buffer
// over a 100 µs path that drops every 50th segment, to the end, and
// returns the peak sizes of the connection's slices and map.
func runBulk(t *testing.T, k skb.Kernel, segs int) peaks {
	const mss, delay, sndbuf = 1448, 100_000, 1 << 20
	st := skb.NewStack(k)
	s, err := NewSender(st, Config{Kernel: k, MSS: mss, SizeGoal: 65536, InitCwnd: 10, RTOMin: 200e6, RTOInit: 1e9,
		RTOMax: 120e9, SACK: true, Headroom: 128, Nodelay: true}, 1, 1<<20)
	require.NoError(t, err)
	d := NewDevice(st, DevConfig{TSO: true, SG: true, MSS: mss, CompletionDelay: 20_000}, st.Transmit)
	r := NewReceiver(RecvConfig{Window: 1 << 20, DelAckSegs: 2, DelAckTimeout: 40e6, MSS: mss, SACK: true}, 1)
	var pages []*skb.Page
	for range 16 {
		pages = append(pages, st.NewUserPage())
	}
	id := st.OpenSend()
	total := segs * mss
	type flight struct {
		at  int64
		seg Segment
	}
	var fwd, rev []flight
	var pk peaks
	now, queued, delivered, wire := int64(0), 0, 0, 0
	flush := func() {
		pk.xmit = max(pk.xmit, cap(s.xmit))
		for _, b := range s.TakeXmit() {
			d.Xmit(b, now)
		}
		pk.out = max(pk.out, cap(d.out))
		for _, seg := range d.TakeSegments() {
			if wire++; wire%50 != 0 {
				fwd = append(fwd, flight{now + delay, seg})
			}
		}
		for _, a := range r.TakeAcks() {
			rev = append(rev, flight{now + delay, a})
		}
		for _, dl := range r.TakeDelivered() {
			for _, c := range dl.Data {
				delivered += c.N
			}
		}
		pk.q = max(pk.q, cap(s.q))
		pk.sentAt = max(pk.sentAt, len(s.sentAt))
		pk.ring = max(pk.ring, cap(d.ring))
		pk.ooo = max(pk.ooo, cap(r.ooo))
	}
	for steps := 0; ; steps++ { // until no event is left
		require.Less(t, steps, 100*segs, "the run ends")
		for queued < total && int(s.WriteSeq()-s.SndUna()) < sndbuf {
			n := min(skb.PageSize, total-queued)
			require.NoError(t, s.Append(id, pages[(queued/skb.PageSize)%len(pages)], 0, n, false))
			queued += n
			s.Push(now)
		}
		flush()
		next := int64(-1)
		consider := func(at int64, ok bool) {
			if ok && (next < 0 || at < next) {
				next = at
			}
		}
		if len(fwd) > 0 {
			consider(fwd[0].at, true)
		}
		if len(rev) > 0 {
			consider(rev[0].at, true)
		}
		consider(s.Timer())
		consider(d.Timer())
		consider(r.Timer())
		if next < 0 {
			break
		}
		now = max(now, next)
		st.SetNow(now)
		for len(fwd) > 0 && fwd[0].at <= now {
			r.OnData(fwd[0].seg, now)
			fwd = fwd[1:]
		}
		for len(rev) > 0 && rev[0].at <= now {
			s.OnAck(rev[0].seg, now)
			rev = rev[1:]
		}
		s.OnTimer(now)
		d.OnTimer(now)
		r.OnTimer(now)
	}
	require.Equal(t, total, delivered)
	require.True(t, s.Idle())
	require.Empty(t, s.sentAt, "nothing kept about freed skbs")
	require.Empty(t, s.lastTx, "nothing kept about freed skbs")
	require.NoError(t, st.CloseSend(id))
	s.ReleasePageFrag()
	require.NoError(t, st.Check())
	require.Empty(t, st.Buffs(), "every skb freed")
	pk.retransmits = s.Stats.Retransmits
	return pk
}

// BenchmarkReceiverLossy: one op is a whole stream of segs segments under
// periodic loss (1 in 7, retransmitted 40 segments later: about six holes,
// more than the SACK blocks). ns/seg, B/seg and allocs/seg stay flat as the
// stream grows; before the SACK history was bounded they grew with it.
func BenchmarkReceiverLossy(b *testing.B) {
	for _, segs := range []int{10_000, 160_000} {
		b.Run(fmt.Sprintf("segs=%d", segs), func(b *testing.B) {
			b.ReportAllocs()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			for b.Loop() {
				r := NewReceiver(RecvConfig{Window: 1 << 20, DelAckSegs: 2, DelAckTimeout: 40e6, MSS: 1000, SACK: true}, 1)
				if got := lossyStream(r, 1, segs, 1000, 7, 40, nil); got != segs*1000 {
					b.Fatalf("delivered %d", got)
				}
			}
			runtime.ReadMemStats(&m1)
			n := float64(b.N) * float64(segs)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/seg")
			b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/n, "B/seg")
			b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/n, "allocs/seg")
		})
	}
}
