package skb

import (
	"testing"
)

// counter is an observer that counts page reference events.
type counter struct {
	NopObserver
	refs int
}

func (c *counter) PageGet(RefEvent) { c.refs++ }
func (c *counter) PagePut(RefEvent) { c.refs++ }

// BenchmarkMixed runs a TCP-like mixed sequence per iteration: a 64 KiB
// send of 16 pages appended to a fast-clone skb, header release, transmit
// clone, software GSO of the clone at MSS 1448, TX completion, tso_fragment
// split, partial ACK (tcp_trim_head), a retransmit pskb_copy, and the final
// frees. SetBytes reports simulated bytes per second; refs/op counts page
// reference events.
func BenchmarkMixed(b *testing.B) {
	for _, k := range Kernels {
		b.Run(k.String(), func(b *testing.B) {
			obs := &counter{}
			s := NewStack(k, obs)
			var pages []*Page
			for range 16 {
				pages = append(pages, s.NewUserPage())
			}
			b.SetBytes(16 * PageSize)
			b.ReportAllocs()
			for b.Loop() {
				c := s.OpenSend()
				a := s.Alloc(128, 0, true)
				for _, p := range pages {
					if err := s.AppendPage(a, c, p, 0, PageSize); err != nil {
						b.Fatal(err)
					}
				}
				_ = s.HeaderRelease(a)
				_ = s.CloseSend(c)
				tx, _ := s.Clone(a)
				segs, err := s.Segment(tx, 1448, true)
				if err != nil {
					b.Fatal(err)
				}
				s.Free(tx)
				for _, g := range segs {
					s.Free(g)
				}
				rest, err := s.Split(a, 30000)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.TrimHead(a, 5000); err != nil {
					b.Fatal(err)
				}
				pc, _ := s.PskbCopy(rest)
				s.Free(pc)
				s.Free(rest)
				s.Free(a)
			}
			b.ReportMetric(float64(obs.refs)/float64(b.N), "refs/op")
		})
	}
}

// BenchmarkRefPath is the bare reference path: one page get and one put
// through the Stack (ledger, one observer, no trace). It must not allocate.
func BenchmarkRefPath(b *testing.B) {
	s, sh := refPathStack(b)
	b.ReportAllocs()
	for b.Loop() {
		s.fragGet(sh, 0, "bench")
		s.fragPut(sh, 0, "bench")
	}
	b.ReportMetric(2, "refs/op")
}

// TestRefPathDoesNotAllocate pins the benchmark's promise as a test.
func TestRefPathDoesNotAllocate(t *testing.T) {
	s, sh := refPathStack(t)
	allocs := testing.AllocsPerRun(1000, func() {
		s.fragGet(sh, 0, "test")
		s.fragPut(sh, 0, "test")
	})
	if allocs != 0 {
		t.Fatalf("reference path allocates %.1f times per get/put", allocs)
	}
}

// refPathStack is a stack with one counting observer and one frag whose
// reference the reference-path measurements take and drop.
func refPathStack(tb testing.TB) (*Stack, *SharedInfo) {
	s := NewStack(Linux618, &counter{})
	p := s.NewUserPage()
	c := s.OpenSend()
	a := s.Alloc(0, 0, false)
	if err := s.AppendPage(a, c, p, 0, PageSize); err != nil {
		tb.Fatal(err)
	}
	return s, a.sh
}
