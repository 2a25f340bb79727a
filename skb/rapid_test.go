package skb

import (
	"errors"
	"testing"

	"pgregory.net/rapid"
)

// sm is a rapid state machine over the skb operations on three application
// buffers: buffer 1 shares a page with buffer 0 (a page-cache page served
// twice) and buffer 2 is mapped by a user process. Sends are opened on
// demand (at least three). After every step Check() and the ledger checks
// run. A buffer is rewritten only once every send that used its pages has
// reached T, so a transmit must never see corruption: that checks the ground
// truth against the model.
type sm struct {
	s      *Stack
	bufs   [][]*Page
	sends  []SendID
	open   []bool
	onPage map[PageID][]SendID
	skbs   []*Buff
}

func newSM(t *rapid.T) *sm {
	k := rapid.SampledFrom(Kernels).Draw(t, "kernel")
	m := &sm{s: NewStack(k), onPage: map[PageID][]SendID{}}
	m.s.SetTracing(false)
	for b := range 3 {
		var pages []*Page
		for range 4 {
			pages = append(pages, m.s.NewUserPage())
		}
		m.bufs = append(m.bufs, pages)
		if b == 1 {
			shared := m.bufs[0][3]
			m.s.HoldPage(shared, false)
			m.bufs[1][0] = shared
		}
		if b == 2 {
			m.s.HoldPage(pages[1], true)
			m.s.HoldPage(pages[2], true)
		}
	}
	for range 3 {
		m.sends = append(m.sends, m.s.OpenSend())
		m.open = append(m.open, true)
	}
	return m
}

func (m *sm) prune() {
	live := m.skbs[:0]
	for _, b := range m.skbs {
		if !b.Freed() {
			live = append(live, b)
		}
	}
	m.skbs = live
}

func (m *sm) pick(t *rapid.T, label string) *Buff {
	m.prune()
	if len(m.skbs) == 0 {
		t.Skip("no skb")
	}
	return rapid.SampledFrom(m.skbs).Draw(t, label)
}

func (m *sm) add(bs ...*Buff) { m.skbs = append(m.skbs, bs...) }

// expected filters the precondition errors an operation may legitimately
// return for a random choice; anything else fails the test.
func expected(t *rapid.T, err error) {
	if err == nil {
		return
	}
	for _, e := range []error{ErrShared, ErrCloned, ErrRange, ErrFragsFull, ErrNotInKernel, ErrHasLinear, ErrRefused, ErrState, ErrSendClosed} {
		if errors.Is(err, e) {
			return
		}
	}
	t.Fatalf("unexpected error: %v", err)
}

func (m *sm) Alloc(t *rapid.T) {
	m.add(m.s.Alloc(128, rapid.SampledFrom([]int{0, 0, 2048}).Draw(t, "size"), rapid.Bool().Draw(t, "fclone")))
}

func (m *sm) Send(t *rapid.T) {
	i := rapid.IntRange(0, len(m.sends)-1).Draw(t, "send")
	if !m.open[i] {
		if len(m.sends) >= 8 {
			t.Skip("send closed")
		}
		m.sends = append(m.sends, m.s.OpenSend())
		m.open = append(m.open, true)
		i = len(m.sends) - 1
	}
	m.prune()
	var b *Buff
	if len(m.skbs) == 0 || rapid.Bool().Draw(t, "new") {
		b = m.s.Alloc(128, 0, true)
		m.add(b)
	} else {
		b = m.pick(t, "skb")
	}
	buf := m.bufs[rapid.IntRange(0, 2).Draw(t, "buf")]
	off := rapid.IntRange(0, 4*PageSize-1).Draw(t, "off")
	n := rapid.IntRange(1, 4*PageSize-off).Draw(t, "len")
	for n > 0 {
		p := buf[off/PageSize]
		chunk := min(PageSize-off%PageSize, n)
		err := m.s.AppendPage(b, m.sends[i], p, off%PageSize, chunk)
		if err != nil {
			expected(t, err)
			return
		}
		m.onPage[p.ID] = append(m.onPage[p.ID], m.sends[i])
		off += chunk
		n -= chunk
	}
}

func (m *sm) Close(t *rapid.T) {
	i := rapid.IntRange(0, len(m.sends)-1).Draw(t, "send")
	if !m.open[i] {
		t.Skip("closed")
	}
	m.open[i] = false
	if err := m.s.CloseSend(m.sends[i]); err != nil {
		t.Fatal(err)
	}
}

func (m *sm) HeaderRelease(t *rapid.T) { expected(t, m.s.HeaderRelease(m.pick(t, "skb"))) }

func (m *sm) Clone(t *rapid.T) {
	n, err := m.s.Clone(m.pick(t, "skb"))
	expected(t, err)
	if n != nil {
		m.add(n)
	}
}

func (m *sm) Get(t *rapid.T) {
	b := m.pick(t, "skb")
	if b.Users() > 2 {
		t.Skip("enough users")
	}
	if err := m.s.Get(b); err != nil {
		t.Fatal(err)
	}
}

func (m *sm) Copy(t *rapid.T) { m.add(m.s.Copy(m.pick(t, "skb"))) }

func (m *sm) PskbCopy(t *rapid.T) {
	n, err := m.s.PskbCopy(m.pick(t, "skb"))
	expected(t, err)
	if n != nil {
		m.add(n)
	}
}

func (m *sm) ExpandHead(t *rapid.T) {
	expected(t, m.s.ExpandHead(m.pick(t, "skb"), rapid.IntRange(0, 64).Draw(t, "head"), rapid.IntRange(0, 4096).Draw(t, "tail")))
}

func (m *sm) PullTail(t *rapid.T) {
	b := m.pick(t, "skb")
	expected(t, m.s.PullTail(b, rapid.IntRange(0, b.DataLen()+1).Draw(t, "n")))
}

func (m *sm) Trim(t *rapid.T) {
	b := m.pick(t, "skb")
	expected(t, m.s.Trim(b, rapid.IntRange(0, b.Len()).Draw(t, "n")))
}

func (m *sm) TrimHead(t *rapid.T) {
	b := m.pick(t, "skb")
	expected(t, m.s.TrimHead(b, rapid.IntRange(0, b.Len()).Draw(t, "n")))
}

func (m *sm) Split(t *rapid.T) {
	b := m.pick(t, "skb")
	n, err := m.s.Split(b, rapid.IntRange(0, b.Len()).Draw(t, "at"))
	expected(t, err)
	if n != nil {
		m.add(n)
	}
}

func (m *sm) Shift(t *rapid.T) {
	a, b := m.pick(t, "to"), m.pick(t, "from")
	_, err := m.s.Shift(a, b, rapid.IntRange(0, b.Len()+1).Draw(t, "n"))
	expected(t, err)
}

func (m *sm) Segment(t *rapid.T) {
	b := m.pick(t, "skb")
	segs, err := m.s.Segment(b, rapid.SampledFrom([]int{500, 1448, 4096}).Draw(t, "mss"), rapid.Bool().Draw(t, "sg"))
	expected(t, err)
	m.add(segs...)
	if err == nil && rapid.Bool().Draw(t, "free-source") {
		m.s.Free(b)
	}
}

func (m *sm) Coalesce(t *rapid.T) {
	_, err := m.s.TryCoalesce(m.pick(t, "to"), m.pick(t, "from"))
	expected(t, err)
}

func (m *sm) Collapse(t *rapid.T) {
	expected(t, m.s.CollapseRetrans(m.pick(t, "skb"), m.pick(t, "next"), rapid.SampledFrom([]int{0, 1448, 65536}).Draw(t, "mss")))
}

func (m *sm) Linearize(t *rapid.T) { expected(t, m.s.Linearize(m.pick(t, "skb"))) }

func (m *sm) CopyUbufs(t *rapid.T) { expected(t, m.s.CopyUbufs(m.pick(t, "skb"))) }

func (m *sm) Zerocopy(t *rapid.T) {
	expected(t, m.s.SetZerocopy(m.pick(t, "skb"), "u", rapid.Bool().Draw(t, "orphan")))
}

func (m *sm) Free(t *rapid.T) { m.s.Free(m.pick(t, "skb")) }

// Reuse rewrites a buffer whose every send is past T (the application's
// correct behaviour under a perfect notification).
func (m *sm) Reuse(t *rapid.T) {
	buf := m.bufs[rapid.IntRange(0, 2).Draw(t, "buf")]
	for _, p := range buf {
		for _, id := range m.onPage[p.ID] {
			if _, done := m.s.Ledger().Truth(id); !done {
				t.Skip("a send on this buffer is not past T")
			}
		}
	}
	for _, p := range buf {
		m.s.Rewrite(p)
	}
}

// Transmit must never read corrupt bytes: buffers are reused only after T.
func (m *sm) Transmit(t *rapid.T) {
	b := m.pick(t, "skb")
	if rep := m.s.Transmit(b); len(rep.Corrupt) > 0 {
		t.Fatalf("corruption after reuse past T: %+v", rep.Corrupt)
	}
}

// Check is the invariant run after every step.
func (m *sm) Check(t *rapid.T) {
	if err := m.s.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestStateMachine runs random sequences of 20 operation kinds on 3+ sends
// with shared and mapped pages, checking the invariants and the ledger after
// every step. Deep run: RAPID_CHECKS=2000 go test ./skb -run TestStateMachine.
func TestStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newSM(t)
		t.Repeat(rapid.StateMachineActions(m))
		// Quiescence: free everything; every closed send reaches T.
		m.prune()
		for len(m.skbs) > 0 {
			m.s.Free(m.skbs[0])
			m.prune()
		}
		for i, id := range m.sends {
			if !m.open[i] {
				if _, done := m.s.Ledger().Truth(id); !done {
					t.Fatalf("c%d closed and unreferenced at quiescence, but T not reached", id)
				}
			}
			if r := m.s.Ledger().Refs(id); r != 0 {
				t.Fatalf("c%d has %d references at quiescence", id, r)
			}
		}
		m.Check(t)
	})
}
