package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// The checker's semantics, one property at a time: for each, a case that
// must be flagged and a near miss that must not. These are what stand
// between a mutant checker (P2 judged one operation early or lazily, P3
// off, stale copies not reported) and a wrong verdict, without golden
// bytes.

// rig is one send of one page on an skb, with a checker.
type rig struct {
	st  *skb.Stack
	chk *Checker
	p   *skb.Page
	b   *skb.Buff
	c   skb.SendID
}

func newRig(t *testing.T, k skb.Kernel) *rig {
	t.Helper()
	r := &rig{st: skb.NewStack(k)}
	r.chk = NewChecker(r.st, nil)
	r.p = r.st.NewUserPage()
	r.b = r.st.Alloc(128, 0, true)
	r.c = r.st.OpenSend()
	require.NoError(t, r.st.AppendPage(r.b, r.c, r.p, 0, 1000))
	require.NoError(t, r.st.CloseSend(r.c))
	return r
}

func props(chk *Checker) []strategies.Property {
	var out []strategies.Property
	for _, v := range chk.Violations() {
		out = append(out, v.Property)
	}
	return out
}

func TestCheckerP1(t *testing.T) {
	r := newRig(t, skb.Linux618)
	r.st.Free(r.b)
	r.chk.Notify(r.c, false)
	assert.Empty(t, props(r.chk), "near miss: one signal")
	r.chk.Notify(r.c, false)
	assert.Equal(t, []strategies.Property{strategies.P1}, props(r.chk))
}

// A signal raised during the operation that reaches T is on time; one
// raised an operation earlier is premature, even when it is settled only
// after T (a lazy checker would miss it).
func TestCheckerP2(t *testing.T) {
	r := newRig(t, skb.Linux618)
	r.st.Free(r.b) // T(c) is this operation
	r.chk.Notify(r.c, false)
	r.chk.Settle()
	assert.Empty(t, props(r.chk), "near miss: signalled at the operation of T")

	r = newRig(t, skb.Linux618)
	tx, err := r.st.Clone(r.b)
	require.NoError(t, err)
	r.st.Free(r.b)
	r.chk.Notify(r.c, false) // tx still holds the page
	r.st.Free(tx)            // T(c): one operation later
	r.chk.Settle()
	assert.Equal(t, []strategies.Property{strategies.P2}, props(r.chk), "premature by one operation, settled late")
	assert.Contains(t, r.chk.Violations()[0].Detail, "1 frag reference to its bytes remained")

	r = newRig(t, skb.Linux618)
	r.chk.Notify(r.c, false) // the skb still holds the page
	r.chk.Settle()
	assert.Equal(t, []strategies.Property{strategies.P2}, props(r.chk), "settled at once")
	assert.Contains(t, r.chk.Violations()[0].Holders, "b1", "names the skb still holding the bytes")
}

// P3 is judged per send: a never-closed send does not excuse an older
// closed one, and a closed send younger than an open one waits (an
// in-order design may hold it).
func TestCheckerP3(t *testing.T) {
	r := newRig(t, skb.Linux618)
	r.st.Free(r.b)
	r.chk.Notify(r.c, false)
	assert.True(t, r.chk.Quiesce())
	assert.Empty(t, props(r.chk), "near miss: signalled")

	r = newRig(t, skb.Linux618)
	open := r.st.OpenSend() // never closed
	r.st.Free(r.b)
	assert.False(t, r.chk.Quiesce(), "not quiescent: a send is open")
	assert.Equal(t, []strategies.Property{strategies.P3}, props(r.chk), "the older closed send is lost all the same")
	assert.Equal(t, "c2 still open", r.chk.NotQuiescent())
	assert.False(t, r.chk.Quiesce())
	assert.Len(t, props(r.chk), 1, "reported once")

	r = newRig(t, skb.Linux618)
	r.st.Free(r.b)
	r.chk.Notify(r.c, false)
	_ = r.st.OpenSend() // c2 open
	young := r.st.OpenSend()
	require.NoError(t, r.st.CloseSend(young))
	r.chk.Quiesce()
	assert.Empty(t, props(r.chk), "near miss: c3 waits behind the open c2")
	_ = open
}

// P4: bytes of a rewritten page on the wire, read live or from a copy the
// deferred copy took after the rewrite; a copy taken before is clean.
func TestCheckerP4(t *testing.T) {
	r := newRig(t, skb.Linux618)
	r.chk.Transmit(r.b)
	assert.Empty(t, props(r.chk), "near miss: nothing rewritten")
	r.st.Rewrite(r.p)
	r.chk.Transmit(r.b)
	assert.Equal(t, []strategies.Property{strategies.P4}, props(r.chk), "live bytes of an old generation")

	for _, late := range []bool{false, true} {
		r = newRig(t, skb.Linux618)
		require.NoError(t, r.st.SetZerocopy(r.b, nil, false))
		if late {
			r.st.Rewrite(r.p)
		}
		require.NoError(t, r.st.CopyUbufs(r.b)) // the deferred copy
		if !late {
			r.st.Rewrite(r.p) // after the copy: the copy is still good
		}
		r.chk.Transmit(r.b)
		if late {
			require.Equal(t, []strategies.Property{strategies.P4}, props(r.chk), "a copy taken after the rewrite")
			assert.Contains(t, r.chk.Violations()[0].Detail, "from a copy taken after the page was rewritten")
		} else {
			assert.Empty(t, props(r.chk), "near miss: copied before the rewrite")
		}
	}
}

// TestCheckerJudgesWhatTheApplicationReads: for MSG_ZEROCOPY the checker
// holds against T what the application reads from the error queue. Two
// commands complete before the application reads; the one between them is
// still held: the ranges read must not cover it (an error queue that
// merged non-adjacent ids would complete it early, and this test would
// see P2).
func TestCheckerJudgesWhatTheApplicationReads(t *testing.T) {
	st := skb.NewStack(skb.Linux618)
	chk := NewChecker(st, nil)
	e, _ := strategies.Lookup("msg-zerocopy")
	d := e.New(strategies.Env{Kernel: skb.Linux618, Notify: chk.Notify, Model: strategies.DefaultCosts})
	st.AddObserver(d)
	chk.AddReader(d)
	var bs []*skb.Buff
	var cs []skb.SendID
	for range 3 {
		p := st.NewUserPage()
		c := st.OpenSend()
		d.Submit(c, []*skb.Page{p}, 100)
		b := st.Alloc(128, 0, true)
		require.NoError(t, st.AppendPage(b, c, p, 0, 100))
		require.NoError(t, st.CloseSend(c))
		d.Queued(c)
		cs, bs = append(cs, c), append(bs, b)
	}
	st.Free(bs[0])
	st.Free(bs[2])
	chk.Settle() // the application reads now: both completions at once
	assert.Empty(t, props(chk))
	assert.Equal(t, 2, chk.Stats().Commands)
	assert.Zero(t, chk.Signals(cs[1]), "id 1 is still held")
	st.Free(bs[1])
	chk.Settle()
	assert.Equal(t, 1, chk.Signals(cs[1]))
	assert.True(t, chk.Quiesce())
	assert.Empty(t, props(chk))
}
