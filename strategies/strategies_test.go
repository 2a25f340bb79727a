package strategies_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// harness drives one design on one stack the way the application does.
type harness struct {
	t       *testing.T
	s       *skb.Stack
	d       strategies.Design
	signals []skb.SendID
	copied  []bool
}

func newHarness(t *testing.T, name string, k skb.Kernel, obs ...skb.Observer) *harness {
	h := &harness{t: t}
	e, ok := strategies.Lookup(name)
	require.True(t, ok)
	h.s = skb.NewStack(k, obs...)
	h.d = e.New(strategies.Env{Kernel: k, Model: strategies.DefaultCosts, Notify: func(c skb.SendID, copied bool) {
		h.signals = append(h.signals, c)
		h.copied = append(h.copied, copied)
	}})
	h.s.AddObserver(h.d)
	return h
}

// send queues whole pages as one command in a new skb and returns it.
func (h *harness) send(pages ...*skb.Page) (skb.SendID, *skb.Buff) {
	c := h.s.OpenSend()
	h.d.Submit(c, pages, len(pages)*skb.PageSize)
	h.s.SetSendTag(c, h.d.SendTag(c))
	b := h.s.Alloc(128, 0, true)
	for _, p := range pages {
		require.NoError(h.t, h.s.AppendPage(b, c, p, 0, skb.PageSize))
	}
	require.NoError(h.t, h.s.CloseSend(c))
	h.d.Queued(c)
	return c, b
}

// tagged counts gets and puts on the pages the application submitted.
type tagged struct {
	skb.NopObserver
	pages map[skb.PageID]bool
	n     int64
}

func (o *tagged) PageGet(e skb.RefEvent) {
	if o.pages[e.Page.ID] {
		o.n++
	}
}
func (o *tagged) PagePut(e skb.RefEvent) {
	if o.pages[e.Page.ID] {
		o.n++
	}
}

// TestHashedLookups: the hashed design pays one lookup for every get and
// put of a tagged page, and none for other pages.
func TestHashedLookups(t *testing.T) {
	obs := &tagged{pages: map[skb.PageID]bool{}}
	h := newHarness(t, "hashed", skb.Linux2626, obs)
	p1, p2, other := h.s.NewUserPage(), h.s.NewUserPage(), h.s.NewUserPage()
	obs.pages[p1.ID], obs.pages[p2.ID] = true, true
	_, b := h.send(p1, p2)
	tx, err := h.s.Clone(b)
	require.NoError(t, err)
	_, err = h.s.PskbCopy(b)
	require.NoError(t, err)
	require.NoError(t, h.s.TrimHead(b, 100))
	segs, err := h.s.Segment(tx, 1448, true)
	require.NoError(t, err)
	for _, g := range segs {
		h.s.Free(g)
	}
	u := h.s.Alloc(0, 0, false)
	c := h.s.OpenSend()
	require.NoError(t, h.s.AppendPage(u, c, other, 0, 100)) // never submitted: untagged
	h.s.Free(u)
	h.s.Free(tx)
	h.s.Free(b)
	assert.Positive(t, obs.n)
	assert.Equal(t, obs.n, h.d.Costs().Lookups, "one lookup per get and put of a tagged page")
}

// TestStaticMemory: net-priv costs 8 bytes times the RAM pages; the others
// nothing per struct page.
func TestStaticMemory(t *testing.T) {
	const ramPages = 1 << 18 // 1 GiB of 4 KiB pages
	for _, name := range strategies.Names() {
		e, _ := strategies.Lookup(name)
		want := int64(0)
		if name == "net-priv" {
			want = 8 * ramPages
		}
		assert.Equal(t, want, e.Info.Memory.StaticBytes(ramPages), name)
	}
	e, _ := strategies.Lookup("net-priv")
	assert.Equal(t, int64(2<<20), e.Info.Memory.StaticBytes(ramPages), "2 MB per GB, as the thread says")
}

// TestCopyCost: the copy design pays one page copy per 4 KiB sent.
func TestCopyCost(t *testing.T) {
	h := newHarness(t, "copy", skb.Linux618)
	p := h.s.NewUserPage()
	c := h.s.OpenSend()
	h.d.Submit(c, []*skb.Page{p, p, p}, 10000)
	assert.Equal(t, int64(3), h.d.Costs().PageCopies)
	assert.Equal(t, 3*strategies.DefaultCosts.CopyPage, h.d.Costs().Ticks)
	require.True(t, h.d.Copies())
}

// TestRegistry: sorted names, every design documented, Parse resolves.
func TestRegistry(t *testing.T) {
	names := strategies.Names()
	require.IsIncreasing(t, names)
	require.Len(t, names, 11)
	for _, n := range names {
		e, _ := strategies.Lookup(n)
		assert.Equal(t, n, e.Info.Name)
		assert.NotEmpty(t, e.Info.Origin, n)
		assert.NotEmpty(t, e.Info.Expected, n)
		assert.NotEmpty(t, e.Info.Memory.Source, n)
		assert.NotEmpty(t, e.Info.CPU, n)
		assert.Equal(t, e.Info.Sound, len(e.Info.Violates) == 0, "%s: sound iff no expected violation", n)
	}
	all, err := strategies.Parse("all")
	require.NoError(t, err)
	require.Len(t, all, 11)
	_, err = strategies.Parse("token,nope")
	require.ErrorIs(t, err, strategies.ErrUnknown)
}

// TestErrQueue covers §C6: consecutive completions merge into one range
// while unread; a gap or an out-of-order completion starts a new range; the
// tail's COPIED code wins when a range is extended.
func TestErrQueue(t *testing.T) {
	var q strategies.ErrQueue
	q.Complete(0, false)
	q.Complete(1, false)
	q.Complete(2, false)
	assert.Equal(t, []strategies.Notification{{Lo: 0, Hi: 2}}, q.Read(), "consecutive completions merge")
	q.Complete(4, false) // 3 is still in flight: a gap
	q.Complete(3, false) // out of order
	q.Complete(5, true)
	assert.Equal(t, []strategies.Notification{{Lo: 4, Hi: 4}, {Lo: 3, Hi: 3}}, q.Read()[:2])
	q.Complete(6, true)
	q.Complete(7, false)
	assert.Equal(t, []strategies.Notification{{Lo: 6, Hi: 7, Copied: true}}, q.Read(), "the tail's code wins")
	q.Complete(9, false)
	q.Read()
	q.Complete(10, false)
	assert.Equal(t, []strategies.Notification{{Lo: 10, Hi: 10}}, q.Read(), "a read ends the range")
}

// TestMsgZerocopyCopied: a deferred copy (skb_copy_ubufs) completes the
// command with COPIED, exactly once.
func TestMsgZerocopyCopied(t *testing.T) {
	h := newHarness(t, "msg-zerocopy", skb.Linux618)
	p := h.s.NewUserPage()
	c, b := h.send(p)
	tx, err := h.s.Clone(b)
	require.NoError(t, err)
	h.s.Free(tx)
	require.NoError(t, h.s.CopyUbufs(b))
	assert.Empty(t, h.signals, "the application has not read the error queue yet")
	r := h.d.(strategies.Reader)
	r.ReadNotifications()
	require.Equal(t, []skb.SendID{c}, h.signals)
	require.Equal(t, []bool{true}, h.copied)
	h.s.Free(b)
	r.ReadNotifications()
	require.Len(t, h.signals, 1, "exactly once")
	read := h.d.(interface {
		TakeRead() []strategies.Notification
	}).TakeRead()
	assert.Equal(t, []strategies.Notification{{Lo: 0, Hi: 0, Copied: true}}, read)
}

// TestMsgZerocopyAppReadsRanges: the application completes what the
// ranges it reads name, no more: ids completed within one operation are
// read as one range; an id still held is not in it.
func TestMsgZerocopyAppReadsRanges(t *testing.T) {
	h := newHarness(t, "msg-zerocopy", skb.Linux618)
	var bs []*skb.Buff
	var cs []skb.SendID
	for range 3 {
		c, b := h.send(h.s.NewUserPage())
		cs, bs = append(cs, c), append(bs, b)
	}
	h.s.Free(bs[0])
	h.s.Free(bs[2])
	r := h.d.(strategies.Reader)
	r.ReadNotifications()
	assert.Equal(t, []skb.SendID{cs[0], cs[2]}, h.signals, "ids 0 and 2 complete; 1 is still held")
	read := h.d.(interface {
		TakeRead() []strategies.Notification
	}).TakeRead()
	assert.Equal(t, []strategies.Notification{{Lo: 0, Hi: 0}, {Lo: 2, Hi: 2}}, read, "non-adjacent ids stay apart")
	h.s.Free(bs[1])
	r.ReadNotifications()
	assert.Equal(t, []skb.SendID{cs[0], cs[2], cs[1]}, h.signals)
}

// TestMsgZerocopyRefusesMerges: appends of another command and every skb
// merge are refused, in both flavours.
func TestMsgZerocopyRefusesMerges(t *testing.T) {
	for _, k := range skb.Kernels {
		h := newHarness(t, "msg-zerocopy", k)
		p1, p2 := h.s.NewUserPage(), h.s.NewUserPage()
		_, a := h.send(p1)
		c2 := h.s.OpenSend()
		h.d.Submit(c2, []*skb.Page{p2}, 100)
		require.ErrorIs(t, h.s.AppendPage(a, c2, p2, 0, 100), skb.ErrRefused, k)
		_, b := h.send(p2)
		require.ErrorIs(t, h.s.CollapseRetrans(a, b, 0), skb.ErrRefused, k)
		if !k.Old() {
			_, err := h.s.Shift(a, b, 100)
			require.ErrorIs(t, err, skb.ErrRefused)
			_, err = h.s.TryCoalesce(a, b)
			require.ErrorIs(t, err, skb.ErrRefused)
		}
		require.NoError(t, h.s.Check())
	}
}

// TestTokenReadings: c3 appended onto c2's skb counts on c2's older token.
// token (every older token finished) holds c3 until that skb goes, behind
// c1; token-literal (every older token closed) signals c3 at its close,
// while the skb still holds its page, and c2 before c1.
func TestTokenReadings(t *testing.T) {
	for _, k := range skb.Kernels {
		for _, name := range []string{"token", "token-literal"} {
			h := newHarness(t, name, k)
			c1, a := h.send(h.s.NewUserPage())
			c2, b := h.send(h.s.NewUserPage())
			p3 := h.s.NewUserPage()
			c3 := h.s.OpenSend()
			h.d.Submit(c3, []*skb.Page{p3}, skb.PageSize)
			h.s.SetSendTag(c3, h.d.SendTag(c3))
			require.NoError(t, h.s.AppendPage(b, c3, p3, 0, skb.PageSize))
			require.NoError(t, h.s.CloseSend(c3))
			h.d.Queued(c3)
			literal := name == "token-literal"
			if literal {
				assert.Equal(t, []skb.SendID{c3}, h.signals, "%s on %s: c3 at its close", name, k)
			} else {
				assert.Empty(t, h.signals, "%s on %s: nothing before the skbs go", name, k)
			}
			h.s.Free(b)
			if literal {
				assert.Equal(t, []skb.SendID{c3, c2}, h.signals, "%s on %s: c2 before c1", name, k)
			} else {
				assert.Empty(t, h.signals, "%s on %s: c2 and c3 wait for c1", name, k)
			}
			h.s.Free(a)
			if literal {
				assert.Equal(t, []skb.SendID{c3, c2, c1}, h.signals, "%s on %s", name, k)
			} else {
				assert.Equal(t, []skb.SendID{c1, c2, c3}, h.signals, "%s on %s: in order", name, k)
			}
			assert.Zero(t, h.d.Costs().Objects, "%s on %s: every token freed", name, k)
			require.NoError(t, h.s.Check())
		}
	}
}
