package sim

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// BenchmarkBulk1GiB is issue 4's performance case: bulk 1 GiB at 10 Gbit/s
// with 50 µs one-way delay, MSS 1448, TSO with a 64 KiB size goal, one
// design (msg-zerocopy, 6.18). It reports simulated seconds, simulated
// bytes per wall second, engine events per second and allocations per event.
func BenchmarkBulk1GiB(b *testing.B) {
	e, _ := strategies.Lookup("msg-zerocopy")
	c := DefaultConn()
	c.Fwd.RateBps, c.Rev.RateBps = 10_000_000_000, 10_000_000_000
	c.Fwd.Delay, c.Rev.Delay = 50*Microsecond, 50*Microsecond
	sc := Scenario{Seed: 1, Kernels: []skb.Kernel{skb.Linux618}, Designs: []strategies.Entry{e}, Conn: c, Conns: 1,
		Workload: Workload{Kind: "bulk", Bytes: 1 << 30, SndBuf: 4 << 20}, Limits: Limits{Events: 1 << 32, Memory: 1 << 30, LineBytes: 1 << 16, ScriptBytes: 1 << 20}, RAMPages: 1 << 18}
	b.ReportAllocs()
	var r Result
	for b.Loop() {
		rs, err := Run(sc)
		if err != nil {
			b.Fatal(err)
		}
		r = rs[0]
	}
	if r.BytesDelivered != 1<<30 || r.Verdict != VerdictOK {
		b.Fatalf("delivered %d, verdict %s", r.BytesDelivered, r.Summary())
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(r.SimTime)/1e9, "sim-s/op")
	b.ReportMetric(float64(r.BytesDelivered)/sec, "sim-B/s")
	b.ReportMetric(float64(r.Events)/sec, "events/s")
}

// BenchmarkIscsiScaling is issue 7's linearity case: the default iSCSI
// workload (64 KiB READs, 8 outstanding, pool 16, 1 % loss each way, 1 %
// reordering), msg-zerocopy on 6.18, at 1,000, 10,000 and 100,000
// commands. CPU per command (ns/cmd) and allocations per command must be
// flat, and the live heap measured late in the run (live-heap-KiB) must
// not grow with the number of commands: a run's memory follows what is in
// flight, not what was sent.
func BenchmarkIscsiScaling(b *testing.B) {
	e, _ := strategies.Lookup("msg-zerocopy")
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("commands=%d", n), func(b *testing.B) {
			sc := DefaultScenario()
			sc.Designs, sc.Kernels = []strategies.Entry{e}, []skb.Kernel{skb.Linux618}
			sc.Workload.Commands = n
			sc.Limits.Events = 1 << 40
			var heap uint64
			sc.Progress = func(p Progress) {
				if p.Total > 0 && p.Done*10 >= p.Total*9 && heap == 0 {
					var ms runtime.MemStats
					runtime.GC()
					runtime.ReadMemStats(&ms)
					heap = ms.HeapAlloc
				}
			}
			b.ReportAllocs()
			var r Result
			for b.Loop() {
				heap = 0
				rs, err := Run(sc)
				if err != nil {
					b.Fatal(err)
				}
				r = rs[0]
			}
			if r.Verdict != VerdictOK || r.CommandsSignalled != n {
				b.Fatalf("%s, %d signalled", r.Summary(), r.CommandsSignalled)
			}
			per := b.Elapsed().Seconds() / float64(b.N) / float64(n)
			b.ReportMetric(per*1e9, "ns/cmd")
			b.ReportMetric(float64(r.BytesDelivered)/(b.Elapsed().Seconds()/float64(b.N)), "sim-B/s")
			b.ReportMetric(float64(heap)/1024, "live-heap-KiB")
		})
	}
}
