package skb

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stateOf renders every piece of state an operation may change: the
// operation counter and identifier counters, every live skb, shared info
// and page, and the ledger. Two equal snapshots mean nothing changed.
func stateOf(s *Stack) string {
	var w strings.Builder
	fmt.Fprintf(&w, "op=%d next=%d/%d/%d trace=%d\n", s.op, s.nextPage, s.nextShinfo, s.nextBuff, len(s.trace))
	for _, b := range s.Buffs() {
		ref, child := int32(0), BuffID(0)
		if b.pair != nil {
			ref = b.pair.ref
			if b.pair.child != nil {
				child = b.pair.child.ID
			}
		}
		fmt.Fprintf(&w, "b%d s%d users=%d cloned=%t nohdr=%t fclone=%s/%d/%d len=%d\n",
			b.ID, b.sh.ID, b.users, b.cloned, b.nohdr, b.fclone, ref, child, b.len)
	}
	for _, sh := range s.Shinfos() {
		fmt.Fprintf(&w, "s%d dataref=%s flags=%d frags=%d\n", sh.ID, FormatDataref(sh.dataref), sh.Flags, sh.nrFrags)
	}
	for _, p := range s.Pages() {
		fmt.Fprintf(&w, "p%d refs=%d\n", p.ID, p.refs)
	}
	for id := range s.ledger.sends {
		fmt.Fprintf(&w, "c%d %+v\n", s.ledger.First()+SendID(id), s.ledger.sends[id])
	}
	return w.String()
}

// refused requires err to be an ErrCounterLimit refusal with message msg
// that left the stack exactly as before (stateOf), called no observer,
// recorded no trace event, and kept Check passing.
func refused(t *testing.T, f *fix, before string, err error, msg string) {
	t.Helper()
	require.Error(t, err)
	require.True(t, errors.Is(err, ErrCounterLimit), "errors.Is(%v, ErrCounterLimit)", err)
	assert.EqualError(t, err, msg)
	assert.Equal(t, before, stateOf(f.s), "a refused operation changes nothing")
	assert.Empty(t, f.hooks(), "a refused operation calls no observer")
	assert.Empty(t, f.s.TakeTrace(), "a refused operation records nothing")
	require.NoError(t, f.s.Check())
}

// TestCloneDatarefLimit: dataref's low half is 16 bits (SKB_DATAREF_MASK);
// skb_clone's atomic_inc never checks it. Cloning up to MaxDatarefSkbs
// sharers succeeds; one more clone is refused with ErrCounterLimit and
// changes nothing; once a sharer goes, cloning works again; freeing every
// skb releases the data (the count was never corrupted).
func TestCloneDatarefLimit(t *testing.T) {
	cases := []struct {
		name   string
		k      Kernel
		queued bool // header-released (dataref 1+1<<16) rather than fresh (1)
		zc     bool // 6.18 zerocopy with SKBFL_DONT_ORPHAN: clones share the user pages
	}{
		{"2.6.26/fresh", Linux2626, false, false},
		{"2.6.26/queued", Linux2626, true, false},
		{"6.18/fresh", Linux618, false, false},
		{"6.18/queued", Linux618, true, false},
		{"6.18/zerocopy", Linux618, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFix(t, tc.k, 1)
			var a *Buff
			if tc.queued {
				a = f.queued(0)
			} else {
				a = f.s.Alloc(128, 0, true)
				require.NoError(t, f.s.AppendPage(a, f.c, f.pages[0], 0, PageSize))
			}
			if tc.zc {
				require.NoError(t, f.s.SetZerocopy(a, "ubuf", false))
			}
			require.NoError(t, f.s.CloseSend(f.c))
			hi := a.sh.dataref >> DatarefShift
			clones := make([]*Buff, 0, MaxDatarefSkbs-1)
			for len(clones) < MaxDatarefSkbs-1 {
				n, err := f.s.Clone(a)
				require.NoError(t, err, "clone %d", len(clones)+1)
				clones = append(clones, n)
			}
			assert.Equal(t, int32(MaxDatarefSkbs)+hi<<DatarefShift, a.sh.dataref, "low half full, high half untouched")
			assert.Equal(t, "p1=2", f.refs(), "clones take no page reference")
			require.NoError(t, f.s.Check())
			f.s.SetTracing(true)
			f.reset()

			before := stateOf(f.s)
			n, err := f.s.Clone(a)
			assert.Nil(t, n)
			refused(t, f, before, err, "skb: counter limit: skb_clone on b1 would take s1's dataref past 65535 skbs (the kernel's 16-bit half, SKB_DATAREF_MASK)")
			// A clone of a clone shares the same shared info: refused too.
			before = stateOf(f.s)
			_, err = f.s.Clone(clones[7])
			refused(t, f, before, err, fmt.Sprintf("skb: counter limit: skb_clone on b%d would take s1's dataref past 65535 skbs (the kernel's 16-bit half, SKB_DATAREF_MASK)", clones[7].ID))
			if tc.zc {
				assert.True(t, a.sh.Zerocopy(), "the refusal comes before skb_orphan_frags")
			}

			// The refusal is not sticky: one sharer fewer, one clone more.
			f.s.Free(clones[0])
			n, err = f.s.Clone(a)
			require.NoError(t, err)
			clones[0] = n
			require.NoError(t, f.s.Check())

			// Every sharer goes: the data is released exactly at the last.
			f.s.SetTracing(false)
			for _, c := range clones {
				f.s.Free(c)
			}
			assert.Equal(t, int32(1), f.s.ledger.st(f.c).refs, "the original still holds the page")
			f.s.Free(a)
			assert.Equal(t, "p1=1", f.refs())
			assert.Empty(t, f.s.Buffs())
			assert.Empty(t, f.s.Shinfos())
			require.NoError(t, f.s.Check())
		})
	}
}

// TestHeaderReleaseNohdrLimit: 2.6.26 skb_header_release adds 1<<16 to
// dataref for any skb, clones included; the high half is refused past
// MaxDatarefNohdr (bit 31 of the signed atomic_t). 6.18 writes a constant
// and refuses cloned skbs, so only 2.6.26 can get there.
func TestHeaderReleaseNohdrLimit(t *testing.T) {
	cases := []struct {
		name string
		k    Kernel
		want error
	}{
		{"2.6.26", Linux2626, ErrCounterLimit},
		{"6.18", Linux618, ErrCloned},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFix(t, tc.k, 1)
			a := f.s.Alloc(128, 0, true)
			require.NoError(t, f.s.AppendPage(a, f.c, f.pages[0], 0, PageSize))
			skbs := []*Buff{a}
			for len(skbs) < MaxDatarefNohdr+1 {
				n, err := f.s.Clone(a)
				require.NoError(t, err)
				skbs = append(skbs, n)
			}
			last := skbs[MaxDatarefNohdr]
			if tc.k.Old() {
				for _, b := range skbs[:MaxDatarefNohdr] {
					require.NoError(t, f.s.HeaderRelease(b))
				}
				assert.Equal(t, "32768+32767<<16", FormatDataref(a.sh.dataref))
				assert.Positive(t, a.sh.dataref)
				assert.False(t, a.HeaderCloned(), "low 32768 - high 32767 = 1")
			}
			require.NoError(t, f.s.Check())
			f.s.SetTracing(true)
			f.reset()

			before := stateOf(f.s)
			err := f.s.HeaderRelease(last)
			if !tc.k.Old() {
				require.ErrorIs(t, err, tc.want)
				assert.Equal(t, before, stateOf(f.s))
				return
			}
			refused(t, f, before, err, fmt.Sprintf("skb: counter limit: skb_header_release on b%d would take s1's dataref past 32767 nohdr skbs (the kernel's 16-bit high half of a signed atomic_t, dataref >> SKB_DATAREF_SHIFT)", last.ID))
			assert.False(t, last.Nohdr())

			f.s.SetTracing(false)
			for _, b := range skbs {
				f.s.Free(b)
			}
			assert.Equal(t, "p1=1", f.refs())
			require.NoError(t, f.s.Check())
		})
	}
}

// TestGetUsersLimit: skb->users (atomic_t in 2.6.26, refcount_t in 6.18)
// is refused past MaxUsers (INT_MAX). Two billion skb_get calls would take
// seconds, so the count is set one below the limit directly.
func TestGetUsersLimit(t *testing.T) {
	for _, k := range Kernels {
		t.Run(k.String(), func(t *testing.T) {
			f := newFix(t, k, 1)
			a := f.queued(0)
			require.NoError(t, f.s.Get(a))
			assert.Equal(t, 2, a.Users())
			a.users = MaxUsers - 1
			require.NoError(t, f.s.Get(a), "up to the limit")
			assert.Equal(t, MaxUsers, a.Users())
			require.NoError(t, f.s.Check())
			f.s.SetTracing(true)
			f.reset()

			before := stateOf(f.s)
			refused(t, f, before, f.s.Get(a), "skb: counter limit: skb_get would take b1's users past 2147483647 (INT_MAX: 6.18 refcount_t saturates, 2.6.26 atomic_t wraps)")

			a.users = 1
			f.s.Free(a)
			assert.Equal(t, "p1=1", f.refs())
			require.NoError(t, f.s.Check())
		})
	}
}

// TestUncheckedDatarefIsModelBug: the primitives that raise dataref assert
// the limit, so an operation that forgot to check panics instead of
// wrapping the count.
func TestUncheckedDatarefIsModelBug(t *testing.T) {
	f := newFix(t, Linux2626, 0)
	a := f.s.Alloc(0, 0, false)
	a.sh.dataref = MaxDatarefSkbs
	require.PanicsWithError(t, "skb: model bug: unchecked skb: counter limit: test on b1 would take s1's dataref past 65535 skbs (the kernel's 16-bit half, SKB_DATAREF_MASK)",
		func() { f.s.shinfoRef(a, "test") })
	a.sh.dataref = MaxDatarefSkbs | MaxDatarefNohdr<<DatarefShift
	require.PanicsWithError(t, "skb: model bug: unchecked skb: counter limit: test on b1 would take s1's dataref past 32767 nohdr skbs (the kernel's 16-bit high half of a signed atomic_t, dataref >> SKB_DATAREF_SHIFT)",
		func() { f.s.nohdrRef(a, "test") })
}
