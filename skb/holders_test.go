package skb

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnholdPage: dropping an outside holder is HoldPage's inverse, in
// flight or not: the count, the outside holders and the mappings go back,
// the stack's frag references stay, Check holds, and no observer hears of
// it (the network stack takes no part).
func TestUnholdPage(t *testing.T) {
	for _, k := range Kernels {
		f := newFix(t, k, 1)
		p := f.pages[0]
		a := f.queued(0) // the stack holds one frag reference
		f.reset()
		f.s.HoldPage(p, true) // a process maps the page while it is in flight
		f.s.HoldPage(p, false)
		assert.Equal(t, [3]int32{4, 3, 1}, [3]int32{p.Refs(), p.Extern(), p.Mapped()}, k)
		require.NoError(t, f.s.Check())
		f.s.UnholdPage(p, true) // … and unmaps it
		assert.Equal(t, [3]int32{3, 2, 0}, [3]int32{p.Refs(), p.Extern(), p.Mapped()}, k)
		require.NoError(t, f.s.Check())
		f.s.UnholdPage(p, false) // the page cache drops it
		assert.Equal(t, [3]int32{2, 1, 0}, [3]int32{p.Refs(), p.Extern(), p.Mapped()}, k)
		require.NoError(t, f.s.Check())
		assert.Empty(t, f.hooks(), "observers are not called")
		f.s.Free(a)
		assert.Equal(t, int32(1), p.Refs(), "only the owner's reference is left")
		assert.False(t, p.Freed())
		require.NoError(t, f.s.Check())
	}
}

// TestUnholdPageModelBugs: a holder that does not exist cannot be dropped:
// the owner's own reference, a mapping of a page with none, a second owner
// of a page only mapped besides its owner.
func TestUnholdPageModelBugs(t *testing.T) {
	s := NewStack(Linux618)
	p := s.NewUserPage()
	require.PanicsWithError(t, "skb: model bug: UnholdPage on p1: only its owner holds it (extern 1)", func() { s.UnholdPage(p, false) })
	require.PanicsWithError(t, "skb: model bug: UnholdPage on p1: only its owner holds it (extern 1)", func() { s.UnholdPage(p, true) })
	s.HoldPage(p, false)
	require.PanicsWithError(t, "skb: model bug: UnholdPage on p1: no user mapping to drop", func() { s.UnholdPage(p, true) })
	s.UnholdPage(p, false)
	s.HoldPage(p, true)
	require.PanicsWithError(t, "skb: model bug: UnholdPage on p1: no holder besides its owner and 1 mapping(s)", func() { s.UnholdPage(p, false) })
	s.UnholdPage(p, true)
	assert.Equal(t, [3]int32{1, 1, 0}, [3]int32{p.Refs(), p.Extern(), p.Mapped()})
	require.NoError(t, s.Check())

	f := newFix(t, Linux618, 1)
	f.s.HoldPage(f.pages[0], true)
	f.s.Free(f.queued(0))
	f.pages[0].freed = true // corrupt: a freed page
	require.PanicsWithError(t, "skb: model bug: UnholdPage on freed page p1", func() { f.s.UnholdPage(f.pages[0], true) })
}

// TestHoldersDoNotAllocate: mapping and unmapping a page allocates nothing.
func TestHoldersDoNotAllocate(t *testing.T) {
	s := NewStack(Linux618)
	p := s.NewUserPage()
	allocs := testing.AllocsPerRun(1000, func() {
		s.HoldPage(p, true)
		s.UnholdPage(p, true)
	})
	if allocs != 0 {
		t.Fatalf("HoldPage/UnholdPage allocate %.1f times", allocs)
	}
}
