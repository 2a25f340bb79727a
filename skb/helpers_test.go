package skb

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// recorder is an Observer that logs every hook as a short line, so tests
// can assert that each fires exactly where kernel-semantics §B says.
type recorder struct {
	name   string
	log    *[]string
	refuse map[MergeKind]bool
}

func (r *recorder) add(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if r.name != "" {
		line = r.name + ": " + line
	}
	*r.log = append(*r.log, line)
}

func (r *recorder) PageGet(e RefEvent) {
	r.add("get p%d s%d[%d] %s", e.Page.ID, e.Shinfo.ID, e.Slot, e.Site)
}
func (r *recorder) PagePut(e RefEvent) {
	r.add("put p%d s%d[%d] %s", e.Page.ID, e.Shinfo.ID, e.Slot, e.Site)
}
func (r *recorder) ShinfoNew(e ShinfoEvent) { r.add("new s%d %s", e.Shinfo.ID, e.Site) }
func (r *recorder) ShinfoDup(e ShinfoEvent) {
	how := "from"
	if e.Bitwise {
		how = "bitwise"
	}
	r.add("dup s%d %s s%d %s", e.Shinfo.ID, how, e.From.ID, e.Site)
}
func (r *recorder) ShinfoRelease(e ShinfoEvent) { r.add("release s%d %s", e.Shinfo.ID, e.Site) }
func (r *recorder) FragMove(e MoveEvent) {
	r.add("move p%d s%d[%d]->s%d[%d] %s", e.Page.ID, e.From.ID, e.FromSlot, e.To.ID, e.ToSlot, e.Site)
}
func (r *recorder) Merge(e MergeEvent) bool {
	src := "-"
	if e.Src != nil {
		src = fmt.Sprintf("b%d", e.Src.ID)
	}
	ok := !r.refuse[e.Kind]
	r.add("merge %s %s->b%d ok=%t", e.Kind, src, e.Dst.ID, ok)
	return ok
}
func (r *recorder) ZerocopyClear(e ShinfoEvent) {
	r.add("zclear s%d success=%t %s", e.Shinfo.ID, e.Success, e.Site)
}

// fix is a test fixture: a stack with a recorder, n user pages, and send c.
type fix struct {
	t     testing.TB
	s     *Stack
	rec   *recorder
	log   []string
	pages []*Page
	c     SendID
}

func newFix(t testing.TB, k Kernel, npages int) *fix {
	f := &fix{t: t}
	f.rec = &recorder{log: &f.log, refuse: map[MergeKind]bool{}}
	f.s = NewStack(k, f.rec)
	for range npages {
		f.pages = append(f.pages, f.s.NewUserPage())
	}
	f.c = f.s.OpenSend()
	return f
}

// queued returns a TCP-style skb: a fast-clone parent holding whole pages
// idx of the fixture, header-released.
func (f *fix) queued(idx ...int) *Buff {
	b := f.s.Alloc(128, 0, true)
	for _, i := range idx {
		require.NoError(f.t, f.s.AppendPage(b, f.c, f.pages[i], 0, PageSize))
	}
	require.NoError(f.t, f.s.HeaderRelease(b))
	return b
}

// reset forgets the hooks logged so far.
func (f *fix) reset() { f.log = f.log[:0] }

// hooks returns the hooks logged since the last reset, then resets.
func (f *fix) hooks() string {
	out := strings.Join(f.log, "\n")
	f.reset()
	return out
}

// refs renders the pages' counts: "p1=2 p2=3".
func (f *fix) refs() string {
	var parts []string
	for _, p := range f.pages {
		parts = append(parts, fmt.Sprintf("p%d=%d", p.ID, p.refs))
	}
	return strings.Join(parts, " ")
}

// layout renders an skb: "s2 dataref=1+1<<16 frags=[p1:0+4096 p2:0+100]".
func layout(b *Buff) string {
	var fr []string
	for i := range int(b.sh.nrFrags) {
		x := b.sh.frags[i]
		fr = append(fr, fmt.Sprintf("p%d:%d+%d", x.Page.ID, x.Off, x.Size))
	}
	return fmt.Sprintf("s%d dataref=%s len=%d headlen=%d frags=[%s]", b.sh.ID, FormatDataref(b.sh.dataref), b.len, b.len-b.dataLen, strings.Join(fr, " "))
}

// check requires the model's invariants to hold.
func (f *fix) check() {
	f.t.Helper()
	require.NoError(f.t, f.s.Check())
}

// both runs fn once per kernel flavour as a subtest.
func both(t *testing.T, fn func(t *testing.T, k Kernel)) {
	for _, k := range Kernels {
		t.Run(k.String(), func(t *testing.T) { fn(t, k) })
	}
}
