package sim

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// TestConnections runs every design with 1, 2, 4 and 16 connections on a
// lossless and a lossy path. Each connection has its own design instance
// (its own MSG_ZEROCOPY ids, token order, command counts), so a sound
// design stays ok and issues and signals every command; a flawed design
// violates only what its profile says, as with one connection: net-priv and
// hashed early (P2) through a page two commands share, the shinfo
// destructors never (P3) for pages that leave with a shared info built
// without the destructor, last-put never (P3) for pages someone else holds.
func TestConnections(t *testing.T) {
	expect := map[string]strategies.Property{
		"net-priv": strategies.P2, "hashed": strategies.P2, "shinfo-destructor": strategies.P3,
		"shinfo-destructor-refcheck": strategies.P3, "last-put": strategies.P3,
	}
	all, err := strategies.Parse("all")
	require.NoError(t, err)
	// found counts, per flawed design and kernel, the runs that showed its
	// expected property; every run of every design is held to its profile.
	found := map[string]int{}
	for _, conns := range []int{1, 2, 4, 16} {
		for _, lossy := range []bool{false, true} {
			t.Run(fmt.Sprintf("conns=%d/lossy=%t", conns, lossy), func(t *testing.T) {
				sc := DefaultScenario()
				sc.Designs, sc.Conns = all, conns
				sc.Workload.Commands = 24
				if !lossy {
					sc.Conn.Fwd.Loss, sc.Conn.Rev.Loss, sc.Conn.Fwd.Reorder = 0, 0, 0
				}
				rs, err := Run(sc)
				require.NoError(t, err)
				require.Len(t, rs, len(all)*len(skb.Kernels))
				for _, r := range rs {
					if r.DeclaredSound {
						assert.Equal(t, VerdictOK, r.Verdict, "%s on %s: %s", r.Design, r.Kernel, r.Summary())
						assert.Equal(t, 24*conns, r.CommandsIssued, "%s on %s", r.Design, r.Kernel)
						assert.Equal(t, 24*conns, r.CommandsSignalled, "%s on %s", r.Design, r.Kernel)
						assert.Equal(t, r.BytesTotal, r.BytesDelivered, "%s on %s", r.Design, r.Kernel)
						assert.True(t, r.Quiescent, "%s on %s: %s", r.Design, r.Kernel, r.NotQuiescent)
						continue
					}
					e, _ := strategies.Lookup(r.Design)
					for _, v := range r.Violated {
						p := strategies.Property(v)
						ok := slices.Contains(e.Info.Violates, p) || p == P5 && slices.Contains(e.Info.Violates, strategies.P4)
						assert.True(t, ok, "%s on %s: %s is outside its expected profile %v", r.Design, r.Kernel, p, e.Info.Violates)
					}
					if r.Violations[string(expect[r.Design])].Commands > 0 {
						found[r.Design+" "+r.Kernel]++
					}
				}
			})
		}
	}
	// Pages a pool shares or a process maps are in every run: net-priv,
	// hashed and last-put fail in each; tso_fragment splits skbs in every
	// run, and the new halves carry no destructor, so both shinfo
	// destructors lose commands in each (P3). token-literal and
	// last-put-holders need operations the default workload does not make
	// (a whole command appended onto an older one's skb; mappings changing
	// in flight): explore and -remap show them.
	for d := range expect {
		for _, k := range skb.Kernels {
			assert.Equal(t, 8, found[d+" "+k.String()], "%s on %s: runs showing %s", d, k, expect[d])
		}
	}
}

// TestSharedAcrossConnections: a page-cache page in flight on several
// connections at once. net-priv's tag lives in struct page, global to the
// machine, so two connections sending the page defeat it, as in the
// thread; the sound designs, whose state is per socket, stay ok.
func TestSharedAcrossConnections(t *testing.T) {
	all, err := strategies.Parse("net-priv,hashed,copy,token,frag-destructor,msg-zerocopy")
	require.NoError(t, err)
	sc := DefaultScenario()
	sc.Designs, sc.Conns, sc.Kernels = all, 4, []skb.Kernel{skb.Linux618}
	sc.Workload.Commands, sc.Workload.Share, sc.Workload.Mapped, sc.Workload.ShareConns = 24, false, false, true
	sc.Conn.Fwd.Loss, sc.Conn.Rev.Loss, sc.Conn.Fwd.Reorder = 0, 0, 0
	rs, err := Run(sc)
	require.NoError(t, err)
	for _, r := range rs {
		if r.DeclaredSound {
			assert.Equal(t, VerdictOK, r.Verdict, "%s: %s", r.Design, r.Summary())
			assert.Equal(t, 96, r.CommandsSignalled, r.Design)
			continue
		}
		assert.Equal(t, VerdictFlawed, r.Verdict, "%s: the page shared across connections defeats it", r.Design)
	}
	// Without the cross-connection sharing (and no sharing inside one),
	// net-priv has nothing to trip over.
	sc.Workload.ShareConns = false
	rs, err = Run(sc)
	require.NoError(t, err)
	for _, r := range rs {
		assert.Equal(t, VerdictOK, r.Verdict, "%s without shared pages: %s", r.Design, r.Summary())
	}
}

// TestStalled: a design that never signals drains the pool; the run says
// what is missing instead of passing for a finished one.
func TestStalled(t *testing.T) {
	e, _ := strategies.Lookup("last-put")
	sc := DefaultScenario()
	sc.Designs, sc.Kernels = []strategies.Entry{e}, []skb.Kernel{skb.Linux618}
	rs, err := Run(sc)
	require.NoError(t, err)
	r := rs[0]
	assert.True(t, r.Stalled)
	assert.Equal(t, "16/200 commands", r.Stall)
	assert.Equal(t, "FLAWED P3; STALLED 16/200 commands", r.Summary())
	assert.False(t, r.Failed(false), "a design declared flawed: a finding")
	assert.True(t, r.Failed(true), "-fail-on-violation")
}

// TestTimedOut: on a path that loses every packet the connection gives up
// as Linux does (tcp_write_timeout: 15 timeouts in 2.6.26, 924.6 s of them
// in 6.18) instead of retransmitting until the event limit; the run is
// STALLED and says why.
func TestTimedOut(t *testing.T) {
	e, _ := strategies.Lookup("copy")
	sc := DefaultScenario()
	sc.Designs = []strategies.Entry{e}
	sc.Workload.Commands = 10
	sc.Conn.Fwd.Loss, sc.Conn.Rev.Loss = 1, 1
	rs, err := Run(sc)
	require.NoError(t, err)
	for _, r := range rs {
		assert.Equal(t, VerdictStalled, r.Verdict, r.Kernel)
		assert.Equal(t, 1, r.ConnsTimedOut, r.Kernel)
		assert.Equal(t, "8/10 commands, 1 connection(s) timed out", r.Stall, r.Kernel)
		assert.Less(t, r.Events, uint64(10_000), r.Kernel)
	}
	// 6.18 gives up at the first timeout at least 924.6 s after the first
	// one (at RTOInit, 1 s: no RTT was ever measured); timeouts are at most
	// 120 s apart.
	assert.GreaterOrEqual(t, rs[1].SimMs, 925_600.0)
	assert.Less(t, rs[1].SimMs, 925_600.0+120_000)
}

// TestMsgZerocopyCodes: MSG_ZEROCOPY's completion code tells the truth.
// Over a real NIC the pages are never copied (SKBFL_DONT_ORPHAN keeps the
// clones TCP transmits from copying them), so no completion says COPIED;
// over loopback every skb is copied before delivery (skb_orphan_frags_rx),
// so every completion says COPIED. A design that loses the COPIED code, or
// forgets DONT_ORPHAN and copies at every clone, fails here.
func TestMsgZerocopyCodes(t *testing.T) {
	e, _ := strategies.Lookup("msg-zerocopy")
	sc := DefaultScenario()
	sc.Designs, sc.Workload.Commands = []strategies.Entry{e}, 40
	rs, err := Run(sc)
	require.NoError(t, err)
	for _, r := range rs {
		assert.Equal(t, VerdictOK, r.Verdict, r.Kernel)
		assert.Equal(t, 40, r.CommandsSignalled, r.Kernel)
		assert.Zero(t, r.SignalsCopied, "%s: nothing was copied", r.Kernel)
	}
	sc.Kernels = []skb.Kernel{skb.Linux618}
	sc.Conn.Dev.Loopback = true
	rs, err = Run(sc)
	require.NoError(t, err)
	assert.Equal(t, VerdictOK, rs[0].Verdict)
	assert.Equal(t, 40, rs[0].Signals)
	assert.Equal(t, 40, rs[0].SignalsCopied, "loopback copies every skb: every completion says COPIED")
}

// TestSharedBottleneck: four connections share one 1 Gbit/s bottleneck.
// Together they deliver at most the link's payload rate, and each gets a
// share; the bottleneck's drop-tail queue drops packets when their windows
// outgrow it (losses from congestion: the random loss is off), and TCP
// repairs each drop exactly once.
func TestSharedBottleneck(t *testing.T) {
	e, _ := strategies.Lookup("msg-zerocopy")
	sc := DefaultScenario()
	sc.Designs, sc.Kernels, sc.Conns = []strategies.Entry{e}, []skb.Kernel{skb.Linux618}, 4
	sc.Workload = Workload{Kind: "bulk", Bytes: 8 << 20, SndBuf: 4 << 20}
	sc.Conn.Fwd.Loss, sc.Conn.Rev.Loss, sc.Conn.Fwd.Reorder = 0, 0, 0
	payloadRate := 1e9 * 1448 / (1448 + HeaderBytes)
	for _, q := range []int64{0, 20 * (1448 + HeaderBytes)} {
		sc.Conn.Fwd.QueueBytes = q
		rs, err := Run(sc)
		require.NoError(t, err)
		r := rs[0]
		require.Equal(t, VerdictOK, r.Verdict, r.Summary())
		require.Equal(t, int64(4*8<<20), r.BytesDelivered)
		require.NotNil(t, r.GoodputBps)
		t.Logf("queue %d B: %.1f Mbit/s together, %d queue drops, %d segments retransmitted", q, *r.GoodputBps/1e6, r.TCP.QueueDrops, r.TCP.RetransSegments)
		assert.LessOrEqual(t, *r.GoodputBps, payloadRate*1.001, "queue %d: the four together", q)
		assert.Greater(t, *r.GoodputBps, payloadRate/4, "queue %d", q)
		require.Len(t, r.PerConn, 4)
		var sum int64
		for _, c := range r.PerConn {
			sum += c.BytesDelivered
			require.NotNil(t, c.GoodputBps)
			assert.Less(t, *c.GoodputBps, payloadRate, "one connection cannot exceed the link")
		}
		assert.Equal(t, r.BytesDelivered, sum)
		assert.Positive(t, r.TCP.QueueDrops, "queue %d: the windows outgrow it", q)
		assert.Equal(t, int(r.TCP.QueueDrops), r.TCP.RetransSegments, "queue %d: each drop repaired once, nothing resent spuriously", q)
		assert.Zero(t, r.TCP.SpuriousRetrans, "queue %d", q)
	}
	// One connection alone: its NIC spaces its packets at the link's rate,
	// so the queue never fills.
	sc.Conns, sc.Conn.Fwd.QueueBytes = 1, 0
	rs, err := Run(sc)
	require.NoError(t, err)
	assert.Zero(t, rs[0].TCP.QueueDrops)
}
