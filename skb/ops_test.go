package skb

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sendSite(k Kernel) string {
	if k.Old() {
		return "do_tcp_sendpages"
	}
	return "skb_append_pagefrags"
}

func TestAlloc(t *testing.T) {
	both(t, func(t *testing.T, k Kernel) {
		f := newFix(t, k, 0)
		b := f.s.Alloc(128, 64, true)
		assert.Equal(t, "new s1 __alloc_skb", f.hooks())
		assert.Equal(t, "s1 dataref=1 len=0 headlen=0 frags=[]", layout(b))
		assert.Equal(t, FcloneOrig, b.Fclone())
		assert.Equal(t, 1, b.Users())
		assert.Equal(t, 64, b.Tailroom())
		assert.False(t, b.Cloned())
		f.check()
	})
}

func TestHeaderRelease(t *testing.T) {
	both(t, func(t *testing.T, k Kernel) {
		f := newFix(t, k, 1)
		b := f.queued(0)
		assert.Equal(t, "s1 dataref=1+1<<16 len=4096 headlen=0 frags=[p1:0+4096]", layout(b))
		require.ErrorIs(t, f.s.HeaderRelease(b), ErrState, "a second header release")
		f.check()
		// A clone of a never-released skb, then the release.
		c := f.s.Alloc(0, 0, true)
		_, err := f.s.Clone(c)
		require.NoError(t, err)
		err = f.s.HeaderRelease(c)
		if k.Old() {
			require.NoError(t, err)
			assert.Equal(t, "2+1<<16", FormatDataref(c.sh.dataref), "2.6.26 adds 1<<16")
		} else {
			require.ErrorIs(t, err, ErrCloned, "6.18 sets dataref and assumes no clone")
		}
		f.check()
	})
}

// TestAppendPage covers §B2 and §F20: one reference per frag, never per byte.
func TestAppendPage(t *testing.T) {
	type chunk struct{ page, off, size int }
	cases := []struct {
		name   string
		zc     bool
		chunks []chunk
		refs   string
		frags  string
	}{
		{"contiguous chunks of one page coalesce", false, []chunk{{0, 0, 1000}, {0, 1000, 1000}}, "p1=2 p2=1", "[p1:0+2000]"},
		{"non-contiguous chunks of one page take two refs", false, []chunk{{0, 0, 1000}, {0, 2000, 1000}}, "p1=3 p2=1", "[p1:0+1000 p1:2000+1000]"},
		{"two pages", false, []chunk{{0, 0, 4096}, {1, 0, 4096}}, "p1=2 p2=2", "[p1:0+4096 p2:0+4096]"},
		{"same page again after another", false, []chunk{{0, 0, 100}, {1, 0, 100}, {0, 100, 100}}, "p1=3 p2=2", "[p1:0+100 p2:0+100 p1:100+100]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			both(t, func(t *testing.T, k Kernel) {
				f := newFix(t, k, 2)
				b := f.s.Alloc(0, 0, true)
				for _, c := range tc.chunks {
					require.NoError(t, f.s.AppendPage(b, f.c, f.pages[c.page], c.off, c.size))
				}
				assert.Equal(t, tc.refs, f.refs())
				assert.Contains(t, layout(b), "frags="+tc.frags)
				f.check()
			})
		})
	}
	t.Run("6.18 never coalesces onto a zerocopy skb", func(t *testing.T) {
		f := newFix(t, Linux618, 1)
		b := f.s.Alloc(0, 0, true)
		require.NoError(t, f.s.AppendPage(b, f.c, f.pages[0], 0, 1000))
		require.NoError(t, f.s.SetZerocopy(b, nil, false))
		require.NoError(t, f.s.AppendPage(b, f.c, f.pages[0], 1000, 1000))
		assert.Equal(t, "p1=3", f.refs())
		assert.Contains(t, layout(b), "frags=[p1:0+1000 p1:1000+1000]")
	})
	t.Run("hooks", func(t *testing.T) {
		both(t, func(t *testing.T, k Kernel) {
			f := newFix(t, k, 1)
			b := f.s.Alloc(0, 0, true)
			f.reset()
			require.NoError(t, f.s.AppendPage(b, f.c, f.pages[0], 0, 100))
			require.NoError(t, f.s.AppendPage(b, f.c, f.pages[0], 100, 100))
			assert.Equal(t, "merge append -->b1 ok=true\nget p1 s1[0] "+sendSite(k), f.hooks(),
				"asked once per send and skb; no get for the coalesced chunk")
		})
	})
	t.Run("an observer refuses the append", func(t *testing.T) {
		f := newFix(t, Linux618, 1)
		f.rec.refuse[MergeAppend] = true
		b := f.s.Alloc(0, 0, true)
		require.ErrorIs(t, f.s.AppendPage(b, f.c, f.pages[0], 0, 100), ErrRefused)
		assert.Equal(t, "p1=1", f.refs())
		assert.Equal(t, 0, b.Len())
		f.check()
	})
	t.Run("preconditions", func(t *testing.T) {
		f := newFix(t, Linux618, 1)
		b := f.s.Alloc(0, 0, true)
		require.ErrorIs(t, f.s.AppendPage(b, f.c, f.pages[0], 4000, 200), ErrPage)
		_, err := f.s.Clone(b)
		require.NoError(t, err)
		require.ErrorIs(t, f.s.AppendPage(b, f.c, f.pages[0], 0, 1), ErrCloned)
		require.NoError(t, f.s.CloseSend(f.c))
		require.ErrorIs(t, f.s.AppendPage(f.s.Alloc(0, 0, false), f.c, f.pages[0], 0, 1), ErrSendClosed)
	})
}

// TestMaxFrags covers §F19: 18 frags in 2.6.26, 17 in 6.18; a contiguous
// chunk still coalesces onto a full skb.
func TestMaxFrags(t *testing.T) {
	both(t, func(t *testing.T, k Kernel) {
		f := newFix(t, k, 1)
		b := f.s.Alloc(0, 0, true)
		for i := range k.MaxFrags() {
			require.NoError(t, f.s.AppendPage(b, f.c, f.pages[0], 2*i, 1))
		}
		assert.Equal(t, k.MaxFrags(), b.sh.NumFrags())
		assert.Equal(t, int32(1+k.MaxFrags()), f.pages[0].Refs())
		require.ErrorIs(t, f.s.AppendPage(b, f.c, f.pages[0], 2*k.MaxFrags(), 1), ErrFragsFull)
		require.NoError(t, f.s.AppendPage(b, f.c, f.pages[0], 2*(k.MaxFrags()-1)+1, 1), "contiguous bytes coalesce even when full")
		f.check()
	})
	assert.Equal(t, 18, Linux2626.MaxFrags())
	assert.Equal(t, 17, Linux618.MaxFrags())
}

// TestClone covers §B3, §A6, §F9.
func TestClone(t *testing.T) {
	both(t, func(t *testing.T, k Kernel) {
		f := newFix(t, k, 1)
		a := f.queued(0)
		f.reset()
		tx1, err := f.s.Clone(a)
		require.NoError(t, err)
		assert.Empty(t, f.hooks(), "a clone changes no page reference")
		assert.Equal(t, "p1=2", f.refs())
		assert.Equal(t, "2+1<<16", FormatDataref(a.sh.dataref))
		assert.Same(t, a.sh, tx1.sh)
		assert.Equal(t, FcloneClone, tx1.Fclone())
		assert.True(t, a.Cloned())
		assert.True(t, a.FcloneBusy())
		assert.False(t, a.HeaderCloned(), "low 2 - high 1 = 1: the header is not cloned")
		assert.False(t, tx1.HeaderCloned())
		assert.False(t, tx1.Nohdr())

		tx2, err := f.s.Clone(a)
		require.NoError(t, err)
		assert.Equal(t, FcloneNone, tx2.Fclone(), "the second concurrent clone is a regular skb")
		assert.Equal(t, "3+1<<16", FormatDataref(a.sh.dataref))

		f.s.Free(tx1)
		assert.False(t, a.FcloneBusy())
		tx3, err := f.s.Clone(a)
		require.NoError(t, err)
		assert.Equal(t, FcloneClone, tx3.Fclone(), "the companion is reusable once freed")
		f.check()
	})
}

// TestCloneOrphan covers §F8: 6.18 copies non-DONT_ORPHAN zerocopy frags of
// the parent before cloning.
func TestCloneOrphan(t *testing.T) {
	for _, orphan := range []bool{false, true} {
		f := newFix(t, Linux618, 2)
		a := f.queued(0, 1)
		require.NoError(t, f.s.SetZerocopy(a, "ubuf", orphan))
		f.reset()
		_, err := f.s.Clone(a)
		require.NoError(t, err)
		if !orphan {
			assert.Empty(t, f.hooks())
			assert.Equal(t, "p1=2 p2=2", f.refs())
			continue
		}
		assert.Equal(t, "put p1 s1[0] skb_copy_ubufs\nput p2 s1[1] skb_copy_ubufs\nzclear s1 success=false skb_copy_ubufs", f.hooks())
		assert.Equal(t, "p1=1 p2=1", f.refs())
		assert.False(t, a.sh.Zerocopy())
		f.check()
	}
}

// TestExpandHead covers §B6 and §F1.
func TestExpandHead(t *testing.T) {
	t.Run("unshared", func(t *testing.T) {
		both(t, func(t *testing.T, k Kernel) {
			f := newFix(t, k, 2)
			a := f.queued(0, 1)
			a.sh.DestructorArg = "d"
			f.reset()
			require.NoError(t, f.s.ExpandHead(a, 32, 64))
			if k.Old() {
				assert.Equal(t, "dup s2 bitwise s1 pskb_expand_head\n"+
					"get p1 s2[0] pskb_expand_head\nget p2 s2[1] pskb_expand_head\n"+
					"put p1 s1[0] skb_release_data\nput p2 s1[1] skb_release_data\n"+
					"release s1 skb_release_data", f.hooks(), "2.6.26: transient +1/-1 per frag")
				assert.Equal(t, "s2 dataref=1 len=8192 headlen=0 frags=[p1:0+4096 p2:0+4096]", layout(a))
			} else {
				assert.Empty(t, f.hooks(), "6.18: no page traffic at all")
				assert.Equal(t, "s1 dataref=1 len=8192 headlen=0 frags=[p1:0+4096 p2:0+4096]", layout(a))
			}
			assert.Equal(t, "d", a.sh.DestructorArg, "the shared info is copied bit for bit")
			assert.Equal(t, "p1=2 p2=2", f.refs())
			assert.False(t, a.Nohdr())
			assert.Equal(t, 160, a.Headroom())
			assert.Equal(t, int32(64), a.tailroom, "end - tail")
			assert.Equal(t, 0, a.Tailroom(), "skb_tailroom of a nonlinear skb")
			f.check()
		})
	})
	t.Run("cloned", func(t *testing.T) {
		both(t, func(t *testing.T, k Kernel) {
			f := newFix(t, k, 2)
			a := f.queued(0, 1)
			a.sh.DestructorArg = "d"
			tx, err := f.s.Clone(a)
			require.NoError(t, err)
			f.reset()
			require.NoError(t, f.s.ExpandHead(a, 0, 0))
			assert.Equal(t, "dup s2 bitwise s1 pskb_expand_head\nget p1 s2[0] pskb_expand_head\nget p2 s2[1] pskb_expand_head", f.hooks())
			assert.Equal(t, "p1=3 p2=3", f.refs(), "net +1 per frag: two shared infos, independent lifetimes")
			assert.Equal(t, "s2 dataref=1 len=8192 headlen=0 frags=[p1:0+4096 p2:0+4096]", layout(a))
			assert.Equal(t, "s1 dataref=1 len=8192 headlen=0 frags=[p1:0+4096 p2:0+4096]", layout(tx), "bias 1<<16+1 dropped")
			assert.Equal(t, "d", a.sh.DestructorArg, "Herbert Xu's point: the slot now lives in two shared infos")
			assert.Equal(t, "d", tx.sh.DestructorArg)
			f.check()
		})
	})
	t.Run("shared", func(t *testing.T) {
		both(t, func(t *testing.T, k Kernel) {
			f := newFix(t, k, 1)
			a := f.queued(0)
			require.NoError(t, f.s.Get(a))
			require.ErrorIs(t, f.s.ExpandHead(a, 0, 0), ErrShared)
			require.ErrorIs(t, f.s.PullTail(a, 100), ErrShared)
			assert.Equal(t, "p1=2", f.refs())
			f.check()
		})
	})
}

func TestCopyAndPskbCopy(t *testing.T) {
	both(t, func(t *testing.T, k Kernel) {
		f := newFix(t, k, 2)
		a := f.queued(0, 1)
		f.reset()
		c := f.s.Copy(a)
		assert.Equal(t, "new s2 skb_copy", f.hooks())
		assert.Equal(t, "s2 dataref=1 len=8192 headlen=8192 frags=[]", layout(c))
		assert.Equal(t, "p1=2 p2=2", f.refs(), "a private copy takes no page reference")

		p, err := f.s.PskbCopy(a)
		require.NoError(t, err)
		site := "pskb_copy"
		if !k.Old() {
			site = "__pskb_copy_fclone"
		}
		assert.Equal(t, "dup s3 from s1 "+site+"\nget p1 s3[0] "+site+"\nget p2 s3[1] "+site, f.hooks())
		assert.Equal(t, "p1=3 p2=3", f.refs())
		assert.Equal(t, "s3 dataref=1 len=8192 headlen=0 frags=[p1:0+4096 p2:0+4096]", layout(p))
		f.check()
	})
	t.Run("6.18 copy gets the ubuf_info", func(t *testing.T) {
		f := newFix(t, Linux618, 1)
		a := f.queued(0)
		require.NoError(t, f.s.SetZerocopy(a, "ubuf", false))
		p, err := f.s.PskbCopy(a)
		require.NoError(t, err)
		assert.True(t, p.sh.Zerocopy())
		assert.Equal(t, "ubuf", p.sh.DestructorArg)
		assert.NotZero(t, p.sh.Flags&SharedFrag)
	})
}

// TestTrimHead covers §B9 and §F2: a partial ACK while the transmit clone is
// still queued.
func TestTrimHead(t *testing.T) {
	both(t, func(t *testing.T, k Kernel) {
		f := newFix(t, k, 3)
		a := f.queued(0, 1, 2)
		a.CB.Seq = 1000
		tx, err := f.s.Clone(a)
		require.NoError(t, err)
		f.reset()
		require.NoError(t, f.s.TrimHead(a, 5000))
		assert.Equal(t, "dup s2 bitwise s1 pskb_expand_head\n"+
			"get p1 s2[0] pskb_expand_head\nget p2 s2[1] pskb_expand_head\nget p3 s2[2] pskb_expand_head\n"+
			"put p1 s2[0] __pskb_trim_head", f.hooks())
		assert.Equal(t, "p1=2 p2=3 p3=3", f.refs())
		assert.Equal(t, "s2 dataref=1 len=7288 headlen=0 frags=[p2:904+3192 p3:0+4096]", layout(a))
		assert.Equal(t, uint32(6000), a.CB.Seq)
		f.s.Free(tx)
		assert.Equal(t, "p1=1 p2=2 p3=2", f.refs(), "page release needed both shared infos to go")
		f.check()
	})
	t.Run("6.18 refuses linear data", func(t *testing.T) {
		f := newFix(t, Linux618, 1)
		a := f.queued(0)
		require.NoError(t, f.s.PullTail(a, 100))
		require.ErrorIs(t, f.s.TrimHead(a, 50), ErrHasLinear)
	})
	t.Run("2.6.26 linear part", func(t *testing.T) {
		f := newFix(t, Linux2626, 2)
		a := f.queued(0, 1)
		require.NoError(t, f.s.PullTail(a, 100))
		require.NoError(t, f.s.TrimHead(a, 50))
		assert.Equal(t, 50, a.HeadLen(), "__skb_pull")
		require.NoError(t, f.s.TrimHead(a, 4046))
		assert.Contains(t, layout(a), "headlen=0 frags=[p2:0+4096]")
		f.check()
	})
}

// TestPullTail covers §B7 and §F4.
func TestPullTail(t *testing.T) {
	both(t, func(t *testing.T, k Kernel) {
		f := newFix(t, k, 2)
		a := f.queued(0, 1)
		require.NoError(t, f.s.ExpandHead(a, 0, 8192))
		f.reset()
		require.NoError(t, f.s.PullTail(a, 5000))
		assert.Equal(t, "put p1 s2[0] __pskb_pull_tail", trimOld(k, f.hooks()))
		assert.Equal(t, "p1=1 p2=2", f.refs(), "the consumed page is put while the shared info lives on")
		assert.False(t, a.sh.Freed())
		assert.Contains(t, layout(a), "len=8192 headlen=5000 frags=[p2:904+3192]")
		require.ErrorIs(t, f.s.PullTail(a, 4000), ErrRange)
		f.check()
	})
	t.Run("6.18 clears zerocopy when no paged data is left", func(t *testing.T) {
		f := newFix(t, Linux618, 1)
		a := f.queued(0)
		require.NoError(t, f.s.SetZerocopy(a, "u", false))
		f.reset()
		require.NoError(t, f.s.PullTail(a, 4096))
		assert.Equal(t, "put p1 s1[0] __pskb_pull_tail\nzclear s1 success=false __pskb_pull_tail", f.hooks())
	})
}

// trimOld maps 2.6.26's shared info numbering onto 6.18's for assertions
// that do not depend on the expand_head difference (s2 vs s1).
func trimOld(k Kernel, s string) string {
	if k.Old() {
		return s
	}
	return strings.ReplaceAll(s, "s1[", "s2[")
}

func TestTrim(t *testing.T) {
	both(t, func(t *testing.T, k Kernel) {
		f := newFix(t, k, 3)
		a := f.queued(0, 1, 2)
		f.reset()
		require.NoError(t, f.s.Trim(a, 6000))
		assert.Equal(t, "put p3 s1[2] ___pskb_trim", f.hooks())
		assert.Equal(t, "s1 dataref=1+1<<16 len=6000 headlen=0 frags=[p1:0+4096 p2:0+1904]", layout(a))
		require.NoError(t, f.s.Trim(a, 4096))
		assert.Equal(t, "put p2 s1[1] ___pskb_trim", f.hooks())
		require.ErrorIs(t, f.s.Trim(a, 5000), ErrRange)
		f.check()
	})
}

// TestSplit covers §B10 and §F5.
func TestSplit(t *testing.T) {
	both(t, func(t *testing.T, k Kernel) {
		f := newFix(t, k, 3)
		a := f.queued(0, 1, 2)
		a.CB.Seq, a.CB.EndSeq = 100, 100+12288
		f.reset()
		b, err := f.s.Split(a, 6000)
		require.NoError(t, err)
		assert.Equal(t, "dup s2 from s1 skb_split\nget p2 s2[0] skb_split\nmove p3 s1[2]->s2[1] skb_split", f.hooks())
		assert.Equal(t, "p1=2 p2=3 p3=2", f.refs(), "the straddling frag's page gains one reference")
		assert.Equal(t, "s1 dataref=1+1<<16 len=6000 headlen=0 frags=[p1:0+4096 p2:0+1904]", layout(a))
		assert.Equal(t, "s2 dataref=1 len=6288 headlen=0 frags=[p2:1904+2192 p3:0+4096]", layout(b))
		assert.Equal(t, uint32(6100), a.CB.EndSeq)
		assert.Equal(t, uint32(6100), b.CB.Seq)
		assert.Equal(t, uint32(12388), b.CB.EndSeq)

		c, err := f.s.Split(a, 4096)
		require.NoError(t, err)
		assert.Equal(t, "dup s3 from s1 skb_split\nmove p2 s1[1]->s3[0] skb_split", f.hooks(), "at a frag boundary frags just move")
		assert.Equal(t, "p1=2 p2=3 p3=2", f.refs())
		_ = c
		tx, err := f.s.Clone(a)
		require.NoError(t, err)
		_, err = f.s.Split(a, 10)
		require.ErrorIs(t, err, ErrCloned)
		f.s.Free(tx)
		f.check()
	})
	t.Run("inside the header", func(t *testing.T) {
		f := newFix(t, Linux2626, 2)
		a := f.queued(0, 1)
		require.NoError(t, f.s.PullTail(a, 100))
		f.reset()
		b, err := f.s.Split(a, 50)
		require.NoError(t, err)
		assert.Equal(t, "dup s3 from s2 skb_split\nmove p1 s2[0]->s3[0] skb_split\nmove p2 s2[1]->s3[1] skb_split", f.hooks())
		assert.Equal(t, "s2 dataref=1 len=50 headlen=50 frags=[]", layout(a))
		assert.Equal(t, "s3 dataref=1 len=8142 headlen=50 frags=[p1:100+3996 p2:0+4096]", layout(b))
		f.check()
	})
}

// TestSegment covers §B12 and §F6.
func TestSegment(t *testing.T) {
	both(t, func(t *testing.T, k Kernel) {
		f := newFix(t, k, 2)
		a := f.queued(0, 1)
		f.reset()
		segs, err := f.s.Segment(a, 3000, true)
		require.NoError(t, err)
		require.Len(t, segs, 3)
		assert.Equal(t, "dup s2 from s1 skb_segment\nget p1 s2[0] skb_segment\n"+
			"dup s3 from s1 skb_segment\nget p1 s3[0] skb_segment\nget p2 s3[1] skb_segment\n"+
			"dup s4 from s1 skb_segment\nget p2 s4[0] skb_segment", f.hooks())
		assert.Equal(t, "p1=4 p2=4", f.refs(), "one reference per (segment, frag piece)")
		assert.Equal(t, "s3 dataref=1 len=3000 headlen=0 frags=[p1:3000+1096 p2:0+1904]", layout(segs[1]))
		f.s.Free(a)
		assert.Equal(t, "p1=3 p2=3", f.refs())

		lin, err := f.s.Segment(segs[1], 1000, false)
		require.NoError(t, err)
		require.Len(t, lin, 3)
		assert.Equal(t, "p1=3 p2=3", f.refs(), "without scatter-gather every byte is copied")
		assert.Equal(t, 1000, lin[2].HeadLen())
		f.check()
	})
	t.Run("6.18 segments share the ubuf_info", func(t *testing.T) {
		f := newFix(t, Linux618, 1)
		a := f.queued(0)
		require.NoError(t, f.s.SetZerocopy(a, "u", false))
		segs, err := f.s.Segment(a, 1448, true)
		require.NoError(t, err)
		for _, s := range segs {
			assert.Equal(t, "u", s.sh.DestructorArg)
		}
	})
}

// TestShift covers §B11 and §F12 (the merge refusal hook).
func TestShift(t *testing.T) {
	f := newFix(t, Linux2626, 2)
	a, b := f.queued(0), f.queued(1)
	_, err := f.s.Shift(a, b, 100)
	require.ErrorIs(t, err, ErrNotInKernel)

	f = newFix(t, Linux618, 3)
	a = f.s.Alloc(0, 0, true)
	b = f.s.Alloc(0, 0, true)
	require.NoError(t, f.s.AppendPage(a, f.c, f.pages[0], 0, 2048))
	require.NoError(t, f.s.AppendPage(b, f.c, f.pages[0], 2048, 2048))
	require.NoError(t, f.s.AppendPage(b, f.c, f.pages[1], 0, 4096))
	require.NoError(t, f.s.AppendPage(b, f.c, f.pages[2], 0, 4096))
	f.reset()
	n, err := f.s.Shift(a, b, 1000)
	require.NoError(t, err)
	assert.Equal(t, 1000, n)
	assert.Equal(t, "merge shift b2->b1 ok=true", f.hooks(), "part of a contiguous frag: sizes only")
	assert.Equal(t, "p1=3 p2=2 p3=2", f.refs())
	n, err = f.s.Shift(a, b, 6000)
	require.NoError(t, err)
	assert.Equal(t, 6000, n)
	assert.Equal(t, "merge shift b2->b1 ok=true\nmove p2 s2[1]->s1[1] skb_shift\nget p3 s1[2] skb_shift\nput p1 s2[0] skb_shift", f.hooks())
	assert.Equal(t, "p1=2 p2=2 p3=3", f.refs())
	assert.Equal(t, "s1 dataref=1 len=9048 headlen=0 frags=[p1:0+4096 p2:0+4096 p3:0+856]", layout(a))
	assert.Equal(t, "s2 dataref=1 len=3240 headlen=0 frags=[p3:856+3240]", layout(b))
	f.check()

	f.rec.refuse[MergeShift] = true
	_, err = f.s.Shift(a, b, 100)
	require.ErrorIs(t, err, ErrRefused)
	assert.Equal(t, "merge shift b2->b1 ok=false", f.hooks(), "an observer refusing stops the shift")
	assert.Equal(t, "p1=2 p2=2 p3=3", f.refs())
	f.rec.refuse[MergeShift] = false

	require.NoError(t, f.s.SetZerocopy(b, "u", false))
	_, err = f.s.Shift(a, b, 100)
	require.ErrorIs(t, err, ErrRefused)
	assert.Empty(t, f.hooks(), "zerocopy skbs are refused before any observer is asked")
	f.check()
}

func TestTryCoalesce(t *testing.T) {
	f := newFix(t, Linux2626, 2)
	_, err := f.s.TryCoalesce(f.queued(0), f.queued(1))
	require.ErrorIs(t, err, ErrNotInKernel)

	f = newFix(t, Linux618, 3)
	a, b := f.queued(0), f.queued(1)
	f.reset()
	copied, err := f.s.TryCoalesce(a, b)
	require.NoError(t, err)
	assert.False(t, copied)
	assert.Equal(t, "merge coalesce b2->b1 ok=true\nmove p2 s2[0]->s1[1] skb_try_coalesce\nrelease s2 skb_release_data", f.hooks())
	assert.True(t, b.Freed())
	assert.Equal(t, "p1=2 p2=2 p3=1", f.refs())

	c := f.queued(2)
	cc, err := f.s.Clone(c)
	require.NoError(t, err)
	f.reset()
	_, err = f.s.TryCoalesce(a, c)
	require.NoError(t, err)
	assert.Equal(t, "merge coalesce b3->b1 ok=true\nget p3 s1[2] skb_try_coalesce", f.hooks(), "a cloned source's frags gain a reference")
	assert.Equal(t, "p1=2 p2=2 p3=3", f.refs())
	f.check()

	// skb_tailroom is 0 for a nonlinear skb: no copy onto a's frags.
	big := f.s.Alloc(0, 1<<16, false)
	require.NoError(t, f.s.AppendPage(big, f.c, f.pages[0], 0, 10))
	small := f.queued(1)
	copied, err = f.s.TryCoalesce(big, small)
	require.NoError(t, err)
	assert.False(t, copied, "frags are appended after frags, never copied ahead of them")
	f.check()

	f.rec.refuse[MergeCoalesce] = true
	d := f.queued(0)
	_, err = f.s.TryCoalesce(cc, d)
	require.ErrorIs(t, err, ErrRefused)
	f.check()
}

func TestCollapseRetrans(t *testing.T) {
	f := newFix(t, Linux2626, 2)
	a, b := f.queued(0), f.queued(1)
	require.ErrorIs(t, f.s.CollapseRetrans(a, b, 0), ErrRefused, "2.6.26 collapses linear skbs only")
	c := f.s.Copy(a)
	d := f.s.Copy(b)
	require.NoError(t, f.s.ExpandHead(c, 0, 4096))
	f.reset()
	require.NoError(t, f.s.CollapseRetrans(c, d, 0))
	assert.Equal(t, "merge collapse b4->b3 ok=true\nrelease s4 skb_release_data", f.hooks())
	assert.Equal(t, 8192, c.HeadLen())
	f.check()

	f = newFix(t, Linux618, 1)
	a = f.s.Alloc(0, 0, true)
	b = f.s.Alloc(0, 0, true)
	require.NoError(t, f.s.AppendPage(a, f.c, f.pages[0], 0, 100))
	require.NoError(t, f.s.AppendPage(b, f.c, f.pages[0], 100, 100))
	f.reset()
	require.NoError(t, f.s.CollapseRetrans(a, b, 1448))
	assert.Equal(t, "merge collapse b2->b1 ok=true\nput p1 s2[0] skb_shift\nrelease s2 skb_release_data", f.hooks())
	assert.Equal(t, "s1 dataref=1 len=200 headlen=0 frags=[p1:0+200]", layout(a))
	f.check()
}

// TestFreeOrder covers §A4 and §F3: the data is released by whichever of
// the original and its transmit clone goes last.
func TestFreeOrder(t *testing.T) {
	both(t, func(t *testing.T, k Kernel) {
		for _, ackFirst := range []bool{false, true} {
			f := newFix(t, k, 1)
			a := f.queued(0)
			require.NoError(t, f.s.CloseSend(f.c))
			tx, err := f.s.Clone(a)
			require.NoError(t, err)
			first, last := tx, a
			if ackFirst {
				first, last = a, tx
			}
			f.reset()
			f.s.Free(first)
			assert.Empty(t, f.hooks())
			_, done := f.s.Ledger().Truth(f.c)
			assert.False(t, done)
			f.s.Free(last)
			assert.Equal(t, "put p1 s1[0] skb_release_data\nrelease s1 skb_release_data", f.hooks())
			at, done := f.s.Ledger().Truth(f.c)
			assert.True(t, done)
			assert.Equal(t, f.s.Op(), at.Op)
			f.check()
		}
	})
}

func TestCopyUbufs(t *testing.T) {
	f := newFix(t, Linux2626, 1)
	require.ErrorIs(t, f.s.CopyUbufs(f.queued(0)), ErrNotInKernel)

	f = newFix(t, Linux618, 2)
	a := f.queued(0, 1)
	require.NoError(t, f.s.SetZerocopy(a, "u", false))
	tx, err := f.s.Clone(a)
	require.NoError(t, err)
	f.reset()
	require.NoError(t, f.s.CopyUbufs(a))
	assert.Equal(t, "dup s2 bitwise s1 pskb_expand_head\nget p1 s2[0] pskb_expand_head\nget p2 s2[1] pskb_expand_head\n"+
		"put p1 s2[0] skb_copy_ubufs\nput p2 s2[1] skb_copy_ubufs\nzclear s2 success=false skb_copy_ubufs", f.hooks())
	assert.Equal(t, "p1=2 p2=2", f.refs(), "the clone keeps the user pages")
	assert.True(t, tx.sh.Zerocopy())
	assert.False(t, a.sh.Zerocopy())
	assert.False(t, a.sh.frags[0].Page.User())
	f.check()
	f.s.Free(tx)
	assert.Equal(t, "p1=1 p2=1", f.refs())
	f.check()
}

func TestTransmitCorruption(t *testing.T) {
	f := newFix(t, Linux2626, 2)
	a := f.queued(0, 1)
	early := f.s.Copy(a)
	f.s.Rewrite(f.pages[1])
	late := f.s.Copy(a)
	rep := f.s.Transmit(a)
	require.Len(t, rep.Corrupt, 1)
	assert.Equal(t, Corruption{Send: f.c, Off: 4096, Len: 4096, Page: f.pages[1].ID, Gen: 0, Now: 1}, rep.Corrupt[0])
	assert.Empty(t, f.s.Transmit(early).Corrupt, "a copy taken before the rewrite is safe")
	rep = f.s.Transmit(late)
	require.Len(t, rep.Corrupt, 1)
	assert.True(t, rep.Corrupt[0].Copy)
	assert.Equal(t, 8192, rep.Bytes)
}

// TestObserverOrder: observers are called in the order they were added; the
// first refusal of a merge wins and later observers are not asked.
func TestObserverOrder(t *testing.T) {
	var log []string
	o1 := &recorder{name: "A", log: &log, refuse: map[MergeKind]bool{}}
	o2 := &recorder{name: "B", log: &log, refuse: map[MergeKind]bool{}}
	s := NewStack(Linux618, o1)
	s.AddObserver(o2)
	p := s.NewUserPage()
	c := s.OpenSend()
	b := s.Alloc(0, 0, false)
	require.NoError(t, s.AppendPage(b, c, p, 0, 10))
	assert.Equal(t, []string{"A: new s1 __alloc_skb", "B: new s1 __alloc_skb",
		"A: merge append -->b1 ok=true", "B: merge append -->b1 ok=true",
		"A: get p1 s1[0] skb_append_pagefrags", "B: get p1 s1[0] skb_append_pagefrags"}, log)
	log = log[:0]
	o1.refuse[MergeAppend] = true
	b2 := s.Alloc(0, 0, false)
	log = log[:0]
	require.ErrorIs(t, s.AppendPage(b2, c, p, 0, 10), ErrRefused)
	assert.Equal(t, []string{"A: merge append -->b2 ok=false"}, log)
}

// TestModelBugsPanic: violations of the model's own rules panic with a
// *ModelBug naming the object.
func TestModelBugsPanic(t *testing.T) {
	f := newFix(t, Linux618, 1)
	a := f.queued(0)
	f.s.Free(a)
	require.PanicsWithError(t, "skb: model bug: kfree_skb on freed skb b1", func() { f.s.Free(a) })
	require.Panics(t, func() { _, _ = f.s.Clone(a) })

	f = newFix(t, Linux618, 1)
	a = f.queued(0)
	a.sh.frags[0].Page.refs = 1 // corrupt: the owner's reference only
	require.PanicsWithError(t, "skb: model bug: put_page on p1 drops a reference its owner holds at skb_release_data", func() { f.s.Free(a) })

	f = newFix(t, Linux618, 1)
	a = f.queued(0)
	a.sh.frags[0].Page.refs = 0
	require.PanicsWithError(t, "skb: model bug: get_page on p1 with count 0 at skb_segment", func() { _, _ = f.s.Segment(a, 100, true) })
}

// TestCheckDetects: Check reports a corrupted state.
func TestCheckDetects(t *testing.T) {
	f := newFix(t, Linux618, 1)
	a := f.queued(0)
	require.NoError(t, f.s.Check())
	a.sh.dataref++
	require.ErrorContains(t, f.s.Check(), "dataref")
	a.sh.dataref--
	f.pages[0].refs++
	require.ErrorContains(t, f.s.Check(), "p1 refs 3")
	f.pages[0].refs--
	f.s.ledger.st(f.c).refs++
	require.ErrorContains(t, f.s.Check(), "ledger counts 2 references")
}

// TestAppendCopy covers the copy path (§B2): bytes go into the socket's
// cached page, contiguous copies extend one frag, the cache keeps its own
// reference until the page is full, and the copied bytes never count
// toward T.
func TestAppendCopy(t *testing.T) {
	both(t, func(t *testing.T, k Kernel) {
		f := newFix(t, k, 1)
		var pf PageFrag
		b := f.s.Alloc(0, 0, true)
		n, err := f.s.AppendCopy(b, &pf, f.c, f.pages[0], 0, 3000)
		require.NoError(t, err)
		assert.Equal(t, 3000, n)
		n, err = f.s.AppendCopy(b, &pf, f.c, f.pages[0], 3000, 1096)
		require.NoError(t, err)
		assert.Equal(t, 1096, n, "fills the cached page")
		cache := pf.Page()
		assert.Equal(t, int32(2), cache.Refs(), "the frag's reference and the cache's")
		assert.Equal(t, 1, b.Shinfo().NumFrags(), "contiguous copies extend one frag")
		n, err = f.s.AppendCopy(b, &pf, f.c, f.pages[0], 0, 100)
		require.NoError(t, err)
		assert.Equal(t, 100, n)
		assert.Equal(t, int32(1), cache.Refs(), "a full page leaves the cache")
		assert.NotSame(t, cache, pf.Page())
		assert.Equal(t, "p1=1", f.refs(), "the application's page is never referenced")
		require.NoError(t, f.s.CloseSend(f.c))
		_, done := f.s.Ledger().Truth(f.c)
		assert.True(t, done, "copied bytes are not the application's: T at close")
		f.check()
		f.s.Free(b)
		f.s.ReleasePageFrag(&pf)
		assert.True(t, cache.Freed())
		f.check()
	})
}
