package strategies_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// dtorRig drives a shared-info destructor design on one stack: the
// application submits and appends, the test plays the stack's operations.
type dtorRig struct {
	t       *testing.T
	s       *skb.Stack
	d       strategies.Design
	signals []skb.SendID
}

func newDtorRig(t *testing.T, name string, k skb.Kernel) *dtorRig {
	r := &dtorRig{t: t, s: skb.NewStack(k)}
	e, ok := strategies.Lookup(name)
	require.True(t, ok)
	r.d = e.New(strategies.Env{Kernel: k, Model: strategies.DefaultCosts,
		Notify: func(c skb.SendID, _ bool) { r.signals = append(r.signals, c) }})
	r.s.AddObserver(r.d)
	return r
}

// send submits whole pages as command c onto b (a new fast-clone skb if b
// is nil), closing c if close is set.
func (r *dtorRig) send(c skb.SendID, b *skb.Buff, close bool, pages ...*skb.Page) *skb.Buff {
	if c == 0 {
		c = r.s.OpenSend()
	}
	r.d.Submit(c, pages, len(pages)*skb.PageSize)
	if b == nil {
		b = r.s.Alloc(128, 0, true)
	}
	for _, p := range pages {
		require.NoError(r.t, r.s.AppendPage(b, c, p, 0, skb.PageSize))
	}
	if close {
		require.NoError(r.t, r.s.CloseSend(c))
		r.d.Queued(c)
	}
	return b
}

func (r *dtorRig) pages(n int) []*skb.Page {
	var ps []*skb.Page
	for range n {
		ps = append(ps, r.s.NewUserPage())
	}
	return ps
}

// TestShinfoDtorOneDestructor: the destructor is the application's, not a
// command's: every shared info the application appends to gets the same
// one, pskb_expand_head copies it bit for bit, and a shared info skb_split
// builds does not have it.
func TestShinfoDtorOneDestructor(t *testing.T) {
	for _, name := range []string{"shinfo-destructor", "shinfo-destructor-refcheck"} {
		r := newDtorRig(t, name, skb.Linux2626)
		ps := r.pages(3)
		a := r.send(0, nil, true, ps[0], ps[1])
		b := r.send(0, nil, true, ps[2])
		require.NotNil(t, a.Shinfo().DestructorArg, name)
		assert.Same(t, a.Shinfo().DestructorArg, b.Shinfo().DestructorArg, "%s: one destructor for all commands", name)
		tx, err := r.s.Clone(a)
		require.NoError(t, err)
		require.NoError(t, r.s.ExpandHead(a, 0, 0))
		assert.NotSame(t, a.Shinfo(), tx.Shinfo())
		assert.Same(t, tx.Shinfo().DestructorArg, a.Shinfo().DestructorArg, "%s: pskb_expand_head copies it", name)
		n, err := r.s.Split(a, 6000)
		require.NoError(t, err)
		assert.Nil(t, n.Shinfo().DestructorArg, "%s: skb_split's new half is built by __alloc_skb", name)
	}
}

// TestShinfoDtorExpandHead is Herbert Xu's objection (20 Dec 2008, 2:02
// am): after pskb_expand_head on a clone two shared infos carry the
// destructor over the same pages; the plain design gives the pages back at
// the first release, while the clone still holds them; refcheck waits for
// the second.
func TestShinfoDtorExpandHead(t *testing.T) {
	for _, k := range skb.Kernels {
		for name, early := range map[string]bool{"shinfo-destructor": true, "shinfo-destructor-refcheck": false} {
			r := newDtorRig(t, name, k)
			ps := r.pages(2)
			c := r.s.OpenSend()
			a := r.send(c, nil, true, ps...)
			tx, err := r.s.Clone(a)
			require.NoError(t, err)
			require.NoError(t, r.s.ExpandHead(a, 0, 0))
			r.s.Free(a)
			if early {
				assert.Equal(t, []skb.SendID{c}, r.signals, "%s on %s: signalled while tx holds the pages", name, k)
			} else {
				assert.Empty(t, r.signals, "%s on %s", name, k)
			}
			r.s.Free(tx)
			assert.Equal(t, []skb.SendID{c}, r.signals, "%s on %s: exactly once", name, k)
		}
	}
}

// TestShinfoDtorPullTail is Xu's second objection (8:10 am): a page
// __pskb_pull_tail puts leaves the shared info before it is freed; the
// plain destructor never sees it, refcheck's partial destructor does.
func TestShinfoDtorPullTail(t *testing.T) {
	for name, lost := range map[string]bool{"shinfo-destructor": true, "shinfo-destructor-refcheck": false} {
		r := newDtorRig(t, name, skb.Linux618)
		ps := r.pages(2)
		c := r.s.OpenSend()
		a := r.send(c, r.s.Alloc(128, 8192, false), true, ps...)
		require.NoError(t, r.s.PullTail(a, skb.PageSize+100)) // fits the tailroom: no expansion
		require.NotNil(t, a.Shinfo().DestructorArg, "%s: the same shared info lives on", name)
		r.s.Free(a)
		if lost {
			assert.Empty(t, r.signals, "%s: the pulled page was never found", name)
		} else {
			assert.Equal(t, []skb.SendID{c}, r.signals, name)
		}
	}
}

// TestRefcheckSplitLoses is refcheck's residual flaw: the page skb_split
// shares with the new half is still held when the old shared info goes,
// and the new half, without the destructor, tells nobody when it goes.
func TestRefcheckSplitLoses(t *testing.T) {
	for _, k := range skb.Kernels {
		r := newDtorRig(t, "shinfo-destructor-refcheck", k)
		a := r.send(0, nil, true, r.pages(2)...)
		n, err := r.s.Split(a, 6000)
		require.NoError(t, err)
		r.s.Free(a)
		r.s.Free(n)
		assert.Empty(t, r.signals, k)
	}
}

// TestRefcheckKnowsHolders: a page that another process maps, or maps and
// unmaps while it is in flight, or that two commands share, is judged by
// the holders the application knows of: never before the stack lets go,
// and not never. A page two commands share is free only when both let go:
// the older command is told late, not early.
func TestRefcheckKnowsHolders(t *testing.T) {
	r := newDtorRig(t, "shinfo-destructor-refcheck", skb.Linux618)
	ps := r.pages(3)
	r.s.HoldPage(ps[0], true) // mapped before submission
	r.s.HoldPage(ps[2], true) // this mapping goes while in flight
	c1, c2 := r.s.OpenSend(), r.s.OpenSend()
	a := r.send(c1, nil, true, ps[0], ps[1])
	b := r.send(c2, nil, true, ps[1], ps[2]) // ps[1] is in both commands
	r.s.HoldPage(ps[1], true)                // a process maps ps[1] in flight
	r.s.UnholdPage(ps[2], true)
	r.s.Free(a)
	assert.Empty(t, r.signals, "ps[0] is free, ps[1] is still held by b")
	r.s.Free(b)
	assert.Equal(t, []skb.SendID{c1, c2}, r.signals)
}

// TestShinfoDtorOldestWaiter: the destructor cannot tell whose skb was
// freed; a page two in-flight commands share goes to the older one.
func TestShinfoDtorOldestWaiter(t *testing.T) {
	r := newDtorRig(t, "shinfo-destructor", skb.Linux2626)
	p := r.s.NewUserPage()
	c1, c2 := r.s.OpenSend(), r.s.OpenSend()
	a := r.send(c1, nil, true, p)
	b := r.send(c2, nil, true, p)
	r.s.Free(b)
	assert.Equal(t, []skb.SendID{c1}, r.signals, "c2's skb went, c1 was told")
	r.s.Free(a)
	assert.Equal(t, []skb.SendID{c1, c2}, r.signals)
}

// TestShinfoDtorRefusesMerges: data carrying the destructor never joins a
// shared info without it (6.18 skb_shift, skb_try_coalesce); the other
// way round is allowed.
func TestShinfoDtorRefusesMerges(t *testing.T) {
	for _, name := range []string{"shinfo-destructor", "shinfo-destructor-refcheck"} {
		r := newDtorRig(t, name, skb.Linux618)
		a := r.send(0, nil, true, r.pages(2)...)
		n, err := r.s.Split(a, skb.PageSize) // n: untagged, one frag
		require.NoError(t, err)
		b := r.send(0, nil, true, r.pages(1)...)
		_, err = r.s.Shift(n, b, skb.PageSize)
		require.ErrorIs(t, err, skb.ErrRefused, name)
		_, err = r.s.TryCoalesce(n, b)
		require.ErrorIs(t, err, skb.ErrRefused, name)
		_, err = r.s.TryCoalesce(b, n)
		require.NoError(t, err, "%s: untagged data may join a shared info with the destructor", name)
	}
}
