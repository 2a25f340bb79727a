package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/tcp"
)

// testConnConfig is a 1 Gbit/s, 100 µs path with TSO and SACK.
func testConnConfig(k skb.Kernel) ConnConfig {
	return ConnConfig{
		TCP: tcp.Config{Kernel: k, MSS: 1448, SizeGoal: 65536, InitCwnd: 10, RTOMin: 200e6, RTOInit: 1e9, RTOMax: 120e9,
			SACK: true, Headroom: 128, Nodelay: true},
		Dev:  tcp.DevConfig{TSO: true, SG: true, MSS: 1448, CompletionDelay: 20e3},
		Recv: tcp.RecvConfig{Window: 1 << 20, DelAckSegs: 2, DelAckTimeout: 40e6, MSS: 1448, SACK: true},
		Fwd:  PathConfig{RateBps: 1e9, Delay: 100 * Microsecond},
		Rev:  PathConfig{RateBps: 1e9, Delay: 100 * Microsecond},
	}
}

// bulk sends n pages of one buffer as one send and runs to the end.
func bulk(t require.TestingT, cfg ConnConfig, seed uint64, pages int) (*Conn, *skb.Stack) {
	eng := NewEngine(5_000_000)
	st := skb.NewStack(cfg.TCP.Kernel)
	c, err := NewConn(eng, st, NewStreams(seed), "c0", cfg, nil, nil)
	require.NoError(t, err)
	var buf []*skb.Page
	for range pages {
		buf = append(buf, st.NewUserPage())
	}
	id := st.OpenSend()
	require.NoError(t, c.Queue(id, buf, 0, pages*skb.PageSize, false))
	require.NoError(t, st.CloseSend(id))
	require.NoError(t, eng.Run(-1))
	require.NoError(t, st.Check())
	return c, st
}

func TestConnCleanPath(t *testing.T) {
	for _, k := range skb.Kernels {
		c, st := bulk(t, testConnConfig(k), 1, 64)
		assert.Empty(t, c.P5)
		assert.Equal(t, int64(64*skb.PageSize), c.Delivered())
		assert.True(t, c.Complete())
		assert.Empty(t, st.Buffs(), "every skb freed: write queue and device")
		_, done := st.Ledger().Truth(1)
		assert.True(t, done)
		assert.Zero(t, c.Sender().Stats.Retransmits, k)
		assert.Positive(t, c.Sender().Stats.TSOSplits, "cwnd-limited sends cut skbs")
	}
}

// TestConnLossyPaths: the stream arrives intact (P5) under loss up to 10 %,
// reordering, duplication and ACK loss, over random path schedules.
func TestConnLossyPaths(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		k := rapid.SampledFrom(skb.Kernels).Draw(rt, "kernel")
		cfg := testConnConfig(k)
		cfg.Fwd.Loss = float64(rapid.IntRange(0, 10).Draw(rt, "loss%")) / 100
		cfg.Fwd.Reorder = float64(rapid.IntRange(0, 10).Draw(rt, "reorder%")) / 100
		cfg.Fwd.ReorderDelay = 300 * Microsecond
		cfg.Fwd.Dup = float64(rapid.IntRange(0, 5).Draw(rt, "dup%")) / 100
		cfg.Rev.Loss = float64(rapid.IntRange(0, 10).Draw(rt, "ackloss%")) / 100
		cfg.Dev.TSO = rapid.Bool().Draw(rt, "tso")
		cfg.Dev.SG = rapid.Bool().Draw(rt, "sg")
		cfg.TCP.SACK = rapid.Bool().Draw(rt, "sack")
		cfg.Recv.SACK = cfg.TCP.SACK
		seed := rapid.Uint64().Draw(rt, "seed")
		c, st := bulk(rt, cfg, seed, rapid.IntRange(1, 48).Draw(rt, "pages"))
		if len(c.P5) > 0 {
			rt.Fatalf("P5: %v", c.P5)
		}
		if !c.Complete() || len(st.Buffs()) != 0 {
			rt.Fatalf("not complete: %d skbs left, delivered %d", len(st.Buffs()), c.Delivered())
		}
	})
}

// TestConnRecovery: losses are repaired by fast retransmit (three duplicate
// ACKs) and by RTO.
func TestConnRecovery(t *testing.T) {
	cfg := testConnConfig(skb.Linux618)
	cfg.Fwd.Loss = 0.05
	fast, rto := 0, 0
	for seed := uint64(1); seed <= 20; seed++ {
		c, _ := bulk(t, cfg, seed, 48)
		require.Empty(t, c.P5)
		fast += c.Sender().Stats.FastRetransmits
		rto += c.Sender().Stats.RTOs
	}
	assert.Positive(t, fast)
	assert.Positive(t, rto)
}
