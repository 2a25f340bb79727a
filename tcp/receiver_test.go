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
