package tcp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dataSeg(seq uint32, n int) Segment {
	return Segment{Seq: seq, Len: n, Data: []Chunk{{Send: 1, Off: int64(seq - 1000), N: n}}}
}

func newRecv() *Receiver {
	return NewReceiver(RecvConfig{Window: 65535, DelAckSegs: 2, DelAckTimeout: 40e6, MSS: 1000, SACK: true}, 1000)
}

func TestReceiverDelayedAck(t *testing.T) {
	r := newRecv()
	r.OnData(dataSeg(1000, 1000), 0)
	assert.Empty(t, r.TakeAcks(), "one full segment waits")
	at, ok := r.Timer()
	require.True(t, ok)
	assert.Equal(t, int64(40e6), at)
	r.OnData(dataSeg(2000, 1000), 1)
	acks := r.TakeAcks()
	require.Len(t, acks, 1, "two full segments are acknowledged together")
	assert.Equal(t, uint32(3000), acks[0].Ack)
	_, ok = r.Timer()
	assert.False(t, ok)
	r.OnData(dataSeg(3000, 500), 2)
	r.OnTimer(2 + 40e6 - 1)
	assert.Empty(t, r.TakeAcks())
	r.OnTimer(2 + 40e6)
	acks = r.TakeAcks()
	require.Len(t, acks, 1, "the delayed-ACK timer")
	assert.Equal(t, uint32(3500), acks[0].Ack)
	d := r.TakeDelivered()
	require.Len(t, d, 3)
	assert.Equal(t, uint32(3000), d[2].Seq)
}

func TestReceiverOutOfOrderAndSack(t *testing.T) {
	r := newRecv()
	r.OnData(dataSeg(1000, 1000), 0)
	r.OnData(dataSeg(3000, 1000), 0) // 2000 is lost
	acks := r.TakeAcks()
	require.Len(t, acks, 1, "out of order: an immediate duplicate ACK")
	assert.Equal(t, uint32(2000), acks[0].Ack)
	assert.Equal(t, []SackBlock{{3000, 4000}}, acks[0].Sacks)
	r.OnData(dataSeg(5000, 1000), 0)
	acks = r.TakeAcks()
	assert.Equal(t, []SackBlock{{5000, 6000}, {3000, 4000}}, acks[0].Sacks, "most recent first")
	r.OnData(dataSeg(4000, 1000), 0)
	acks = r.TakeAcks()
	assert.Equal(t, []SackBlock{{3000, 6000}}, acks[0].Sacks, "merged")
	r.OnData(dataSeg(2000, 1000), 0)
	acks = r.TakeAcks()
	require.Len(t, acks, 1)
	assert.Equal(t, uint32(6000), acks[0].Ack, "the hole filled: everything delivered")
	assert.Empty(t, acks[0].Sacks)
	var seqs []uint32
	for _, d := range r.TakeDelivered() {
		seqs = append(seqs, d.Seq)
	}
	assert.Equal(t, []uint32{1000, 2000, 3000, 4000, 5000}, seqs)
}

func TestReceiverDuplicates(t *testing.T) {
	r := newRecv()
	r.OnData(dataSeg(1000, 1000), 0)
	r.OnData(dataSeg(1000, 1000), 0)
	assert.Equal(t, 1, r.Duplicates)
	require.Len(t, r.TakeAcks(), 1, "a duplicate is acknowledged at once")
	r.OnData(Segment{Seq: 1500, Len: 1000, Data: []Chunk{{Send: 1, Off: 500, N: 1000}}}, 0)
	d := r.TakeDelivered()
	require.Len(t, d, 2)
	assert.Equal(t, []Chunk{{Send: 1, Off: 1000, N: 500}}, d[1].Data, "only the new part of an overlapping segment")
	r.OnData(dataSeg(3000, 1000), 0)
	r.OnData(dataSeg(3000, 1000), 0)
	assert.Equal(t, 3, r.Duplicates)
	assert.Equal(t, uint32(2500), r.RcvNxt())
}

// ackSacks feeds r the segments and returns the SACK blocks of the last
// ACK it sent.
func ackSacks(t *testing.T, r *Receiver, segs ...Segment) []SackBlock {
	t.Helper()
	for _, s := range segs {
		r.OnData(s, 0)
	}
	acks := r.TakeAcks()
	require.NotEmpty(t, acks)
	return acks[len(acks)-1].Sacks
}

// TestReceiverSackAtMostFour: tcp_sack_new_ofo_skb keeps TCP_NUM_SACKS
// blocks; a fifth range pushes out the least recently reported one, which
// the kernel does not report again until a new segment extends it.
func TestReceiverSackAtMostFour(t *testing.T) {
	r := newRecv()
	r.OnData(dataSeg(1000, 1000), 0)
	got := ackSacks(t, r, dataSeg(3000, 1000), dataSeg(5000, 1000), dataSeg(7000, 1000), dataSeg(9000, 1000))
	assert.Equal(t, []SackBlock{{9000, 10000}, {7000, 8000}, {5000, 6000}, {3000, 4000}}, got)
	got = ackSacks(t, r, dataSeg(11000, 1000))
	assert.Equal(t, []SackBlock{{11000, 12000}, {9000, 10000}, {7000, 8000}, {5000, 6000}}, got, "the oldest block is forgotten")
	got = ackSacks(t, r, dataSeg(4000, 1000))
	assert.Equal(t, []SackBlock{{4000, 6000}, {11000, 12000}, {9000, 10000}, {7000, 8000}}, got,
		"4000 extends the block it abuts; the forgotten 3000-4000 is not merged back")
	assert.Len(t, r.ooo, 6, "the queue still holds every byte")
	got = ackSacks(t, r, dataSeg(2000, 1000))
	assert.Equal(t, []SackBlock{{11000, 12000}, {9000, 10000}, {7000, 8000}}, got, "the block below rcv_nxt is removed")
	assert.Equal(t, uint32(6000), r.RcvNxt())
}

// TestReceiverSackMostRecentFirst: the block the newest segment extends (or
// duplicates) moves to the front, the others keep their order (RFC 2018
// §4; tcp_sack_new_ofo_skb's rotation).
func TestReceiverSackMostRecentFirst(t *testing.T) {
	r := newRecv()
	got := ackSacks(t, r, dataSeg(3000, 1000), dataSeg(5000, 1000), dataSeg(7000, 1000))
	assert.Equal(t, []SackBlock{{7000, 8000}, {5000, 6000}, {3000, 4000}}, got)
	got = ackSacks(t, r, dataSeg(4000, 500))
	assert.Equal(t, []SackBlock{{3000, 4500}, {7000, 8000}, {5000, 6000}}, got, "the extended block comes first")
	got = ackSacks(t, r, dataSeg(7000, 1000))
	assert.Equal(t, []SackBlock{{7000, 8000}, {3000, 4500}, {5000, 6000}}, got, "a duplicate out-of-order segment too")
	assert.Equal(t, 1, r.Duplicates)
	got = ackSacks(t, r, dataSeg(1000, 500))
	assert.Equal(t, []SackBlock{{7000, 8000}, {3000, 4500}, {5000, 6000}}, got, "in-order data below the blocks leaves them")
}

// TestReceiverSackCoalesce: a segment that fills the gap between blocks
// widens the first block it touches, which then absorbs every block it
// overlaps or abuts (tcp_sack_extend, tcp_sack_maybe_coalesce).
func TestReceiverSackCoalesce(t *testing.T) {
	r := newRecv()
	got := ackSacks(t, r, dataSeg(3000, 1000), dataSeg(5000, 1000), dataSeg(7000, 1000), dataSeg(9000, 1000))
	assert.Equal(t, []SackBlock{{9000, 10000}, {7000, 8000}, {5000, 6000}, {3000, 4000}}, got)
	got = ackSacks(t, r, dataSeg(4000, 1000))
	assert.Equal(t, []SackBlock{{3000, 6000}, {9000, 10000}, {7000, 8000}}, got, "adjacent blocks coalesce")
	got = ackSacks(t, r, Segment{Seq: 5500, Len: 2000, Data: []Chunk{{Send: 1, Off: 4500, N: 2000}}})
	assert.Equal(t, []SackBlock{{3000, 8000}, {9000, 10000}}, got, "an overlapping segment too")
	assert.Zero(t, r.Duplicates, "it brought new bytes")
	got = ackSacks(t, r, dataSeg(8000, 1000))
	assert.Equal(t, []SackBlock{{3000, 10000}}, got)
	require.Len(t, r.ooo, 7)
	for i, q := range r.ooo[1:] {
		assert.Equal(t, r.ooo[i].end, q.seq, "the queue holds 3000-10000 once")
	}
}

// TestReceiverSackRemovedByRcvNxt: tcp_sack_remove drops the blocks rcv_nxt
// covers and keeps the order of the rest; an empty out-of-order queue
// clears them all.
func TestReceiverSackRemovedByRcvNxt(t *testing.T) {
	r := newRecv()
	r.OnData(dataSeg(1000, 1000), 0)
	got := ackSacks(t, r, dataSeg(3000, 1000), dataSeg(9000, 1000), dataSeg(6000, 1000))
	assert.Equal(t, []SackBlock{{6000, 7000}, {9000, 10000}, {3000, 4000}}, got)
	acks := r.TakeAcks()
	require.Empty(t, acks)
	r.OnData(dataSeg(2000, 1000), 0)
	acks = r.TakeAcks()
	require.Len(t, acks, 1)
	assert.Equal(t, uint32(4000), acks[0].Ack)
	assert.Equal(t, []SackBlock{{6000, 7000}, {9000, 10000}}, acks[0].Sacks)
	got = ackSacks(t, r, dataSeg(4000, 1000))
	assert.Equal(t, []SackBlock{{6000, 7000}, {9000, 10000}}, got, "rcv_nxt 5000 covers no block")
	got = ackSacks(t, r, dataSeg(5000, 1000))
	assert.Equal(t, []SackBlock{{9000, 10000}}, got)
	got = ackSacks(t, r, dataSeg(7000, 1000), dataSeg(8000, 1000))
	assert.Empty(t, got)
	assert.Zero(t, r.numSacks)
	assert.Empty(t, r.ooo)
	assert.Equal(t, uint32(10000), r.RcvNxt())
	got = ackSacks(t, r, dataSeg(12000, 1000))
	assert.Equal(t, []SackBlock{{12000, 13000}}, got, "a new out-of-order episode starts afresh")
}

// TestReceiverSackCopies: an ACK's blocks are its own; without SACK there
// are none.
func TestReceiverSackCopies(t *testing.T) {
	r := newRecv()
	first := ackSacks(t, r, dataSeg(3000, 1000))
	ackSacks(t, r, dataSeg(4000, 1000), dataSeg(7000, 1000))
	assert.Equal(t, []SackBlock{{3000, 4000}}, first, "later changes do not reach an ACK already sent")

	r = NewReceiver(RecvConfig{Window: 65535, DelAckSegs: 2, DelAckTimeout: 40e6, MSS: 1000}, 1000)
	assert.Empty(t, ackSacks(t, r, dataSeg(3000, 1000), dataSeg(5000, 1000)))
	assert.Zero(t, r.numSacks)
	assert.Len(t, r.ooo, 2)
}
