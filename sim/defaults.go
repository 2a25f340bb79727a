package sim

import (
	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
	"github.com/zcsim/zcsim/tcp"
)

// DefaultConn is the default connection: MSS 1448 with a 64 KiB GSO size
// goal, TSO and scatter-gather on, SACK, Nagle off (iSCSI sets
// TCP_NODELAY), initial window 10, RTO 200 ms..120 s; 1 Gbit/s each way
// with 100 µs one-way delay; a 1 MiB receive window, delayed ACKs every
// two segments or 40 ms.
func DefaultConn() ConnConfig {
	return ConnConfig{
		TCP: tcp.Config{Kernel: skb.Linux618, MSS: 1448, SizeGoal: 65536, InitCwnd: 10,
			RTOMin: int64(200 * Millisecond), RTOInit: int64(Second), RTOMax: int64(120 * Second),
			SACK: true, Headroom: 128, Nodelay: true},
		Dev:  tcp.DevConfig{TSO: true, SG: true, MSS: 1448, CompletionDelay: int64(20 * Microsecond)},
		Recv: tcp.RecvConfig{Window: 1 << 20, DelAckSegs: 2, DelAckTimeout: int64(40 * Millisecond), MSS: 1448, SACK: true},
		Fwd:  PathConfig{RateBps: 1_000_000_000, Delay: 100 * Microsecond},
		Rev:  PathConfig{RateBps: 1_000_000_000, Delay: 100 * Microsecond},
	}
}

// DefaultScenario is what `zcsim run` runs with no file: an iSCSI target
// serving 200 READ commands of 64 KiB, 8 outstanding, from 16 buffers in
// which neighbouring buffers share a page-cache page and one page of each
// is mapped by a user process, over a path losing 1 % of packets each way
// and reordering 1 %, under every design on both kernels, seed 1.
func DefaultScenario() Scenario {
	all, _ := strategies.Parse("all")
	c := DefaultConn()
	c.Fwd.Loss, c.Rev.Loss = 0.01, 0.01
	c.Fwd.Reorder, c.Fwd.ReorderDelay = 0.01, 300*Microsecond
	return Scenario{
		Name:     "default",
		Seed:     1,
		Kernels:  skb.Kernels,
		Designs:  all,
		Conn:     c,
		Workload: Workload{Kind: "iscsi-read", CmdBytes: 65536, Commands: 200, Outstanding: 8, Pool: 16, Share: true, Mapped: true},
		Conns:    1,
		Limits:   DefaultLimits,
		// 1 GiB of RAM sizes struct page growth.
		RAMPages: 1 << 18,
	}
}
