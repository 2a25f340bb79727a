package tcp

import (
	"slices"
	"sort"
)

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
	// SACK enables SACK blocks: up to NumSacks, the most recent first,
	// kept as tcp_sack_new_ofo_skb and tcp_sack_remove keep them.
	SACK bool
}

// NumSacks is TCP_NUM_SACKS: the most SACK blocks the receiver remembers
// (tp->selective_acks[4]) and reports. Without TCP timestamps, which the
// model does not have, all four fit in the option space.
const NumSacks = 4

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
//
// Its state is bounded by the data in flight: the out-of-order queue holds
// only bytes above rcv_nxt (within the window), the SACK blocks are a fixed
// array of NumSacks, and the ACK and delivery slices are emptied by
// TakeAcks and TakeDelivered.
type Receiver struct {
	cfg      RecvConfig
	rcvNxt   uint32
	ooo      []oooSeg // sorted by seq, non-overlapping, all above rcvNxt
	unacked  int      // full segments received since the last ACK
	ackTimer int64    // delayed-ACK deadline, 0 when not armed
	// sacks[:numSacks] are tp->selective_acks[] and tp->rx_opt.num_sacks:
	// the SACK blocks in the order they are reported, the most recent
	// first.
	sacks    [NumSacks]SackBlock
	numSacks int
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

// OnData takes a data segment arriving at time now (ns): tcp_data_queue.
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
	if r.numSacks > 0 {
		r.sackRemove()
	}
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

// oooAtOrAfter is the index of the first queued segment whose end is not
// before seq (the queue is sorted and non-overlapping, so the ends are
// sorted too).
func (r *Receiver) oooAtOrAfter(seq uint32) int {
	return sort.Search(len(r.ooo), func(i int) bool { return !Before(r.ooo[i].end, seq) })
}

// queueOOO is tcp_data_queue_ofo: it inserts a segment into the
// out-of-order queue, dropping the bytes the queue already holds, and
// records its range in the SACK blocks (an empty queue starts them afresh
// with this one block; otherwise tcp_sack_new_ofo_skb, also for a segment
// whose bytes are all present, as the kernel's add_sack label does).
func (r *Receiver) queueOOO(s oooSeg) {
	if len(r.ooo) == 0 {
		if r.cfg.SACK { // initial out-of-order segment: build 1 SACK
			r.sacks[0] = SackBlock{s.seq, s.end}
			r.numSacks = 1
		}
		r.ooo = append(r.ooo, s)
		return
	}
	defer r.sackNewOfo(s.seq, s.end)
	// The segments that touch s are ooo[i:j]: the first whose end is not
	// before s.seq up to the first that starts after s.end.
	i := r.oooAtOrAfter(s.seq)
	j := i
	for j < len(r.ooo) && !After(r.ooo[j].seq, s.end) {
		j++
	}
	for _, q := range r.ooo[i:j] {
		if !Before(s.seq, q.seq) && !After(s.end, q.end) {
			r.Duplicates++ // all the bytes are present: drop
			return
		}
	}
	if s.seq == s.end { // no bytes (not sent by the Device): kept as is
		r.ooo = slices.Insert(r.ooo, j, s)
		return
	}
	// The new bytes are the gaps of s between the queued segments it
	// overlaps; each gap goes in at its place in sequence order.
	cur := s.seq
	for k := i; k < len(r.ooo) && Before(cur, s.end); k++ {
		q := r.ooo[k]
		if !Before(q.seq, s.end) {
			break
		}
		if !After(q.end, cur) {
			continue
		}
		if Before(cur, q.seq) {
			r.ooo = slices.Insert(r.ooo, k, oooSeg{seq: cur, end: q.seq, data: cutChunks(s.data, int(cur-s.seq), int(q.seq-s.seq))})
			k++
		}
		cur = q.end
	}
	if Before(cur, s.end) {
		data := s.data
		if cur != s.seq {
			data = cutChunks(s.data, int(cur-s.seq), int(s.end-s.seq))
		}
		r.ooo = slices.Insert(r.ooo, r.oooAtOrAfter(s.end), oooSeg{seq: cur, end: s.end, data: data})
	}
}

// drainOOO is tcp_ofo_queue: it delivers queued segments that have become
// in order and drops those rcv_nxt has passed, so the queue holds only
// bytes above rcv_nxt. The entries are removed by shifting the rest down
// (slices.Delete clears the vacated tail), so the queue's backing array
// stays as large as the most data ever queued at once.
func (r *Receiver) drainOOO() {
	n := 0
	for _, q := range r.ooo {
		if After(q.seq, r.rcvNxt) {
			break
		}
		n++
		if !After(q.end, r.rcvNxt) {
			continue
		}
		data := q.data
		if Before(q.seq, r.rcvNxt) {
			data = cutChunks(data, int(r.rcvNxt-q.seq), int(q.end-q.seq))
		}
		r.deliver(r.rcvNxt, q.end, data)
	}
	r.ooo = slices.Delete(r.ooo, 0, n)
}

// sackExtend is tcp_sack_extend: a range that overlaps or abuts block sp
// widens it.
func sackExtend(sp *SackBlock, seq, end uint32) bool {
	if !After(seq, sp.End) && !After(sp.Start, end) {
		if Before(seq, sp.Start) {
			sp.Start = seq
		}
		if After(end, sp.End) {
			sp.End = end
		}
		return true
	}
	return false
}

// sackMaybeCoalesce is tcp_sack_maybe_coalesce: after the first block
// changed, every later block it now overlaps or abuts is folded into it.
func (r *Receiver) sackMaybeCoalesce() {
	sp := &r.sacks[0]
	for i := 1; i < r.numSacks; {
		if sackExtend(sp, r.sacks[i].Start, r.sacks[i].End) {
			r.numSacks--
			copy(r.sacks[i:r.numSacks], r.sacks[i+1:r.numSacks+1])
			continue
		}
		i++
	}
}

// sackNewOfo is tcp_sack_new_ofo_skb: the range of an out-of-order segment
// extends the first block it overlaps or abuts, which moves to the front
// (then coalesced with the others); otherwise it becomes a new first
// block, the others shift down and, with TCP_NUM_SACKS already held, the
// last (least recently reported) is forgotten. (The SACK compression the
// kernel triggers here, tcp_sack_compress_send_ack, is not modelled.)
func (r *Receiver) sackNewOfo(seq, end uint32) {
	if !r.cfg.SACK {
		return
	}
	for i := 0; i < r.numSacks; i++ {
		if sackExtend(&r.sacks[i], seq, end) {
			for ; i > 0; i-- { // rotate it to the first slot
				r.sacks[i], r.sacks[i-1] = r.sacks[i-1], r.sacks[i]
			}
			if r.numSacks > 1 {
				r.sackMaybeCoalesce()
			}
			return
		}
	}
	n := r.numSacks
	if n >= NumSacks {
		n--
		r.numSacks--
	}
	copy(r.sacks[1:n+1], r.sacks[:n])
	r.sacks[0] = SackBlock{seq, end}
	r.numSacks++
}

// sackRemove is tcp_sack_remove: once rcv_nxt advances, the blocks it
// covers are dropped (all of them when the out-of-order queue is empty),
// the rest keep their order.
func (r *Receiver) sackRemove() {
	if len(r.ooo) == 0 {
		r.numSacks = 0
		return
	}
	n := 0
	for _, b := range r.sacks[:r.numSacks] {
		if !Before(r.rcvNxt, b.Start) {
			continue // rcv_nxt covers the block (its end too: the bytes are contiguous)
		}
		r.sacks[n] = b
		n++
	}
	r.numSacks = n
}

// sackBlocks are the blocks an ACK carries (tcp_established_options: all
// num_sacks of them, no timestamps to share the option space), copied: the
// ACK outlives the receiver's next change.
func (r *Receiver) sackBlocks() []SackBlock {
	if !r.cfg.SACK || r.numSacks == 0 {
		return nil
	}
	return slices.Clone(r.sacks[:r.numSacks])
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
