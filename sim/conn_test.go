package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
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

// TestSackShiftingOnly618 and partial ACKs: under loss with SACK, 6.18
// shifts SACKed skbs together (skb_shift) and 2.6.26 never does; both trim
// partly ACKed TSO skbs (tcp_trim_head).
func TestSackShiftingOnly618(t *testing.T) {
	shifts := map[skb.Kernel]int{}
	partial := map[skb.Kernel]int{}
	for _, k := range skb.Kernels {
		cfg := testConnConfig(k)
		cfg.Fwd.Loss = 0.03
		for seed := uint64(1); seed <= 10; seed++ {
			c, _ := bulk(t, cfg, seed, 48)
			require.Empty(t, c.P5)
			shifts[k] += c.Sender().Stats.Shifts
			partial[k] += c.Sender().Stats.PartialAcks
		}
	}
	assert.Zero(t, shifts[skb.Linux2626], "skb_shift does not exist in 2.6.26")
	assert.Positive(t, shifts[skb.Linux618])
	assert.Positive(t, partial[skb.Linux2626])
	assert.Positive(t, partial[skb.Linux618])
}

// TestSoundDesignsUnderTCP: the sound designs show no violation of P1-P5
// over random path schedules with the iSCSI workload (sharing, mapped
// pages, reuse at the signal): 2 × RAPID_CHECKS cases (200 by default).
func TestSoundDesignsUnderTCP(t *testing.T) {
	var sound []strategies.Entry
	for _, n := range strategies.Names() {
		if e, _ := strategies.Lookup(n); e.Info.Sound {
			sound = append(sound, e)
		}
	}
	// Two rounds: 200 cases by default, as CI asks, with `go test ./...`.
	for range 2 {
		rapid.Check(t, soundUnderTCP(sound))
	}
}

func soundUnderTCP(sound []strategies.Entry) func(*rapid.T) {
	return func(rt *rapid.T) {
		c := DefaultConn()
		c.Fwd.Loss = float64(rapid.IntRange(0, 8).Draw(rt, "loss%")) / 100
		c.Rev.Loss = float64(rapid.IntRange(0, 8).Draw(rt, "ackloss%")) / 100
		c.Fwd.Reorder, c.Fwd.ReorderDelay = float64(rapid.IntRange(0, 5).Draw(rt, "reorder%"))/100, 300*Microsecond
		c.Fwd.Dup = float64(rapid.IntRange(0, 3).Draw(rt, "dup%")) / 100
		c.Dev.TSO = rapid.Bool().Draw(rt, "tso")
		c.Dev.SG = rapid.Bool().Draw(rt, "sg")
		c.Dev.Loopback = rapid.Bool().Draw(rt, "loopback")
		c.TCP.CC = rapid.SampledFrom([]string{tcp.CCCubic, tcp.CCReno}).Draw(rt, "cc")
		sc := Scenario{Seed: rapid.Uint64().Draw(rt, "seed"), Kernels: skb.Kernels, Designs: sound, Conn: c, Conns: 1,
			Limits: DefaultLimits, RAMPages: 1 << 18,
			Workload: Workload{Kind: "iscsi-read", CmdBytes: rapid.SampledFrom([]int{4096, 20000, 65536}).Draw(rt, "cmd"),
				Commands: 24, Outstanding: rapid.IntRange(1, 6).Draw(rt, "outstanding"), Pool: 8, Share: true, Mapped: true}}
		rs, err := Run(sc)
		if err != nil {
			rt.Fatal(err)
		}
		for _, r := range rs {
			if r.Verdict != VerdictOK || r.Signals != r.CommandsTotal || r.CommandsSignalled != r.CommandsTotal {
				rt.Fatalf("%s on %s: %s, %d signals for %d commands %v", r.Design, r.Kernel, r.Summary(), r.Signals, r.CommandsTotal, r.Violations)
			}
		}
	}
}
