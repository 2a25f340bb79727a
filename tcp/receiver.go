package tcp

import "slices"

// RecvConfig configures a Receiver.
type RecvConfig struct {
	// Window is the receive window in bytes (the application reads at
	// once, so it stays constant).
	Window int
	// DelAckSegs is how many full segments are acknowledged together
	// (2 in Linux: __tcp_ack_snd_check's "more than one full frame").
	DelAckSegs int
	// DelAckTimeout is the delayed-ACK timer in ns (TCP_DELACK_MIN 40 ms).
	DelAckTimeout int64
	// MSS is the receiver's view of a full segment, in bytes.
	MSS int
	// SACK enables SACK blocks (up to 4, the most recent first).
	SACK bool
}

// Delivery is in-order data handed to the application: the bytes starting
// at sequence Seq.
type Delivery struct {
	Seq  uint32
	Data []Chunk
}

// oooSeg is a segment held in the out-of-order queue.
type oooSeg struct {
	seq  uint32
	end  uint32
	data []Chunk
}

// Receiver is the peer: it queues out-of-order data, delivers in-order data,
// and acknowledges with delayed ACKs and SACK blocks.
type Receiver struct {
	cfg      RecvConfig
	rcvNxt   uint32
	ooo      []oooSeg // sorted by seq, non-overlapping
	unacked  int      // full segments received since the last ACK
	ackTimer int64    // delayed-ACK deadline, 0 when not armed
	recent   []SackBlock
	acks     []Segment
	delivery []Delivery

	// Duplicates counts segments (or parts) received twice.
	Duplicates int
}

// NewReceiver returns a receiver expecting sequence isn first.
func NewReceiver(cfg RecvConfig, isn uint32) *Receiver {
	return &Receiver{cfg: cfg, rcvNxt: isn}
}

// RcvNxt is the next sequence number expected in order.
func (r *Receiver) RcvNxt() uint32 { return r.rcvNxt }

// OnData takes a data segment arriving at time now (ns).
func (r *Receiver) OnData(seg Segment, now int64) {
	end := seg.Seq + uint32(seg.Len)
	if !After(end, r.rcvNxt) {
		r.Duplicates++
		r.ackNow() // a duplicate is acknowledged at once (tcp_send_dupack)
		return
	}
	data, seq := seg.Data, seg.Seq
	if Before(seq, r.rcvNxt) { // partly old: keep the new part
		data = cutChunks(data, int(r.rcvNxt-seq), seg.Len)
		seq = r.rcvNxt
		r.Duplicates++
	}
	if seq != r.rcvNxt {
		r.queueOOO(oooSeg{seq: seq, end: end, data: data})
		r.ackNow() // out of order: immediate (dup)ACK with SACK
		return
	}
	r.deliver(seq, end, data)
	hadOOO := len(r.ooo) > 0
	r.drainOOO()
	if hadOOO {
		r.ackNow() // filled a hole: ACK at once
		return
	}
	if seg.Len >= r.cfg.MSS {
		r.unacked++
	}
	if r.unacked >= r.cfg.DelAckSegs {
		r.ackNow()
		return
	}
	if r.ackTimer == 0 {
		r.ackTimer = now + r.cfg.DelAckTimeout
	}
}

// OnTimer fires the delayed ACK if its deadline (ns) has come.
func (r *Receiver) OnTimer(now int64) {
	if r.ackTimer != 0 && now >= r.ackTimer {
		r.ackNow()
	}
}

// Timer is the delayed-ACK deadline to schedule, if armed.
func (r *Receiver) Timer() (int64, bool) { return r.ackTimer, r.ackTimer != 0 }

// TakeAcks returns the ACKs to send and forgets them. The slice is
// reused: consume it before calling the receiver again.
func (r *Receiver) TakeAcks() []Segment {
	out := r.acks
	r.acks = r.acks[:0]
	return out
}

// TakeDelivered returns the in-order data delivered since the last call.
// The slice is reused: consume it before calling the receiver again.
func (r *Receiver) TakeDelivered() []Delivery {
	out := r.delivery
	r.delivery = r.delivery[:0]
	return out
}

func (r *Receiver) deliver(seq, end uint32, data []Chunk) {
	r.delivery = append(r.delivery, Delivery{Seq: seq, Data: data})
	r.rcvNxt = end
}

// queueOOO inserts a segment into the out-of-order queue, dropping the
// bytes it already holds.
func (r *Receiver) queueOOO(s oooSeg) {
	for _, q := range r.ooo {
		if !Before(s.seq, q.seq) && !After(s.end, q.end) {
			r.Duplicates++
			r.noteSack(q.seq, q.end)
			return
		}
	}
	// Keep it simple and exact: split s around the ranges already held.
	pieces := []oooSeg{s}
	for _, q := range r.ooo {
		var next []oooSeg
		for _, p := range pieces {
			if !Before(p.seq, q.end) || !After(p.end, q.seq) {
				next = append(next, p)
				continue
			}
			if Before(p.seq, q.seq) {
				next = append(next, oooSeg{seq: p.seq, end: q.seq, data: cutChunks(p.data, 0, int(q.seq-p.seq))})
			}
			if After(p.end, q.end) {
				next = append(next, oooSeg{seq: q.end, end: p.end, data: cutChunks(p.data, int(q.end-p.seq), int(p.end-p.seq))})
			}
		}
		pieces = next
	}
	r.ooo = append(r.ooo, pieces...)
	slices.SortFunc(r.ooo, func(a, b oooSeg) int {
		if Before(a.seq, b.seq) {
			return -1
		}
		if After(a.seq, b.seq) {
			return 1
		}
		return 0
	})
	r.noteSack(s.seq, s.end)
}

// drainOOO delivers queued segments that have become in order.
func (r *Receiver) drainOOO() {
	for len(r.ooo) > 0 {
		q := r.ooo[0]
		if After(q.seq, r.rcvNxt) {
			return
		}
		r.ooo = r.ooo[1:]
		if !After(q.end, r.rcvNxt) {
			continue
		}
		data := q.data
		if Before(q.seq, r.rcvNxt) {
			data = cutChunks(data, int(r.rcvNxt-q.seq), int(q.end-q.seq))
		}
		r.deliver(r.rcvNxt, q.end, data)
	}
}

// noteSack records a received out-of-order range for the SACK blocks (the
// most recent first, as tcp_sack_new_ofo_skb keeps them).
func (r *Receiver) noteSack(start, end uint32) {
	r.recent = slices.DeleteFunc(r.recent, func(b SackBlock) bool { return b.Start == start && b.End == end })
	r.recent = append([]SackBlock{{start, end}}, r.recent...)
}

// sackBlocks are the out-of-order ranges, merged, the most recently
// received first, at most 4.
func (r *Receiver) sackBlocks() []SackBlock {
	if !r.cfg.SACK || len(r.ooo) == 0 {
		return nil
	}
	var merged []SackBlock
	for _, q := range r.ooo {
		if n := len(merged); n > 0 && merged[n-1].End == q.seq {
			merged[n-1].End = q.end
			continue
		}
		merged = append(merged, SackBlock{q.seq, q.end})
	}
	var out []SackBlock
	for _, rb := range r.recent {
		for _, m := range merged {
			if !Before(rb.Start, m.Start) && !After(rb.End, m.End) && !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	for _, m := range merged {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out[:min(len(out), 4)]
}

func (r *Receiver) ackNow() {
	r.acks = append(r.acks, Segment{IsAck: true, Ack: r.rcvNxt, Wnd: r.cfg.Window, Sacks: r.sackBlocks()})
	r.unacked = 0
	r.ackTimer = 0
}

// cutChunks returns bytes [from, to) of a payload.
func cutChunks(data []Chunk, from, to int) []Chunk {
	var out []Chunk
	pos := 0
	for _, c := range data {
		lo, hi := max(pos, from), min(pos+c.N, to)
		if lo < hi {
			out = append(out, Chunk{Send: c.Send, Off: c.Off + int64(lo-pos), N: hi - lo, Gen: c.Gen, Stale: c.Stale})
		}
		pos += c.N
	}
	return out
}
