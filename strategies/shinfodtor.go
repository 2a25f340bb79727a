package strategies

import (
	"slices"

	"github.com/zcsim/zcsim/skb"
)

// Evgeniy Polyakov's proposal (netdev, 19 Dec 2008, 9:58 pm and 10:33 pm),
// built on the destructor Rusty Russell had added to skb_shared_info:
//
//	"If only destructor field is allowed (similar patch was not rejected),
//	scsi can save its pages in the tree (indexed by the page pointer) and
//	traverse it when destructor is invoked selecting pages found in the
//	freed skb."
//
//	"having skb shared info destructor has access to the all pages in that
//	skb."
//
// So the destructor is the application's (iSCSI's) one callback, not a
// command's: it is set in every shared info the application's pages are
// appended to, and it names no command. The application keeps its own tree
// of submitted pages; when a shared info carrying the destructor is freed,
// the destructor walks that shared info's frags and looks each page up in
// the tree. Which command a page found there belongs to, the destructor
// cannot tell (the shared info is not the command's): it gives the page to
// the oldest command still waiting for it, as TCP frees data in order.
// zcsim builds one design instance per socket and the stack routes each
// socket's events to its own instance, so the tree is the application's
// tree for one connection (the destructor can tell connections apart by
// skb->sk).
//
// What the kernel does with the destructor is what it does with every
// other field of skb_shared_info: pskb_expand_head copies the structure
// bit for bit, the destructor with it (Polyakov, 20 Dec 2008:
// "pskb_expand_head() copies whole shared info structure (and thus will
// copy destructor)"); a shared info built by __alloc_skb (skb_split's new
// half, skb_segment's segments, pskb_copy, skb_copy) starts empty, since
// nothing in those paths knows the field.
//
// Bolkhovitin's rejected approach 1 (10 Dec 2008: a net_priv in sk_buff
// naming the command, which needs merges of skbs with different tags
// forbidden everywhere) is a different design: one command per destructor
// slot. zcsim encoded shinfo-destructor that way before; it is not kept.
// With one destructor for all the application's data there is nothing to
// keep apart, but data carrying it must not be merged into a shared info
// without it (one the kernel built anew), or its pages would leave the
// destructor's sight: the design refuses those merges (skb_shift,
// skb_try_coalesce, the retransmit collapse) and allows every other. That
// keeps its own precondition; it is not a repair of the flaws below.

var shinfoDtorInfo = Info{
	Name: "shinfo-destructor",
	Origin: "Evgeniy Polyakov (netdev, 19 Dec 2008, 9:58 pm and 10:33 pm): Rusty Russell's destructor in " +
		"skb_shared_info, the application keeping its pages in a tree indexed by page pointer and selecting the " +
		"pages found in the freed skb; Herbert Xu's objections (20 Dec 2008, 2:02 am: pskb_expand_head; " +
		"8:10 am: __pskb_pull_tail)",
	Mechanism: "one destructor for the whole application, set in every shared info its pages are appended to, " +
		"copied where the kernel copies skb_shared_info bit for bit (pskb_expand_head), absent from shared infos " +
		"built anew (skb_split, skb_segment, pskb_copy); merges of data carrying it into a shared info without it " +
		"are refused; the application enters each submitted (command, page) in a tree; when a shared info carrying " +
		"the destructor is freed, each of its frags' pages found in the tree is given to the oldest command waiting " +
		"for it; a queued command completes when every page it submitted was given to it",
	Violates: []Property{P2, P3, P4},
	Expected: "flawed: a shared info's lifetime is not its pages' (Xu) — pskb_expand_head leaves two shared infos " +
		"with the destructor over the same pages and the first release gives them away while the other still " +
		"holds them, as do pskb_copy, skb_segment and skb_split's shared page (premature, P2, and stale bytes " +
		"on the wire, P4); pages __pskb_pull_tail, a trim, skb_copy_ubufs or skb_split take out of the shared info " +
		"are never found by a destructor (lost, P3), which in TCP loses nearly every command, since " +
		"tso_fragment splits skbs at the congestion window; and a page two in-flight commands share is given to the older one whichever " +
		"skb was freed (P2)",
	CPU: "Hook (20 ticks) per shared info given the destructor and per firing; Lookup (20 ticks) per frag looked " +
		"up in the tree; Alloc (100 ticks) per tree entry",
	Memory: Memory{PerShinfo: 16, Object: "tree entry (page pointer, command pointer, tree links)", ObjectLen: 40,
		Source: "destructor + argument per skb_shared_info (Rusty Russell's patch); one tree entry per " +
			"submitted page and command (Polyakov)"},
}

// dtorFn is the application's destructor, the value a shared info's
// destructor slot holds: one per application (per socket here), naming no
// command.
type dtorFn struct{ app *shinfoDtor }

// dtorCmd is a command waiting for its pages.
type dtorCmd struct {
	id      skb.SendID
	waiting int         // tree entries not yet given back
	pages   []*skb.Page // the pages it submitted, each once
	queued  bool
	done    bool
}

// dtorEntry is one node of the application's tree: a page a command
// submitted. own is, for refcheck, the page's references held outside the
// stack other than user mappings at submission (the application's own
// and the page cache's).
type dtorEntry struct {
	cmd  *dtorCmd
	page *skb.Page
	own  int32
}

// shinfoDtor is Polyakov's shared-info destructor with the application's
// page tree.
type shinfoDtor struct {
	skb.NopObserver
	meter
	env  Env
	info Info
	dtor *dtorFn
	cmds map[skb.SendID]*dtorCmd
	// tree holds, per page, the entries still waiting, oldest first.
	tree map[skb.PageID][]*dtorEntry
	// releasing is the shared info being released and the pages of its
	// frags in slot order (see PagePut).
	releasing *skb.SharedInfo
	found     []*skb.Page
	// fire, when set, replaces what the destructor does with the pages of
	// the freed shared info (refcheck).
	fire func(pages []*skb.Page)
	// queued, when set, runs when a command is queued, before it may
	// complete (refcheck).
	queued func(cmd *dtorCmd)
	// own, when set, is what the application records of a page at
	// submission (refcheck).
	own func(p *skb.Page) int32
}

func newShinfoDtor(env Env) Design { return newDtorApp(env, shinfoDtorInfo) }

func newDtorApp(env Env, info Info) *shinfoDtor {
	d := &shinfoDtor{env: env, info: info, meter: meter{model: env.Model},
		cmds: map[skb.SendID]*dtorCmd{}, tree: map[skb.PageID][]*dtorEntry{}}
	d.dtor = &dtorFn{app: d}
	return d
}

func (d *shinfoDtor) Info() Info { return d.info }

func (d *shinfoDtor) carries(sh *skb.SharedInfo) bool {
	f, ok := sh.DestructorArg.(*dtorFn)
	return ok && f == d.dtor
}

// Submit enters each page in the tree for command c (a page submitted
// twice is entered twice).
func (d *shinfoDtor) Submit(c skb.SendID, pages []*skb.Page, _ int) {
	cmd := d.cmds[c]
	if cmd == nil {
		cmd = &dtorCmd{id: c}
		d.cmds[c] = cmd
	}
	for _, p := range pages {
		d.alloc()
		w := &dtorEntry{cmd: cmd, page: p}
		if d.own != nil {
			w.own = d.own(p)
		}
		d.tree[p.ID] = append(d.tree[p.ID], w)
		cmd.waiting++
		if !slices.Contains(cmd.pages, p) {
			cmd.pages = append(cmd.pages, p)
		}
	}
}

// Merge sets the destructor in every shared info the application's pages
// are appended to, and refuses to merge data carrying it into a shared
// info without it (skb_shift, skb_try_coalesce, tcp_collapse_retrans).
func (d *shinfoDtor) Merge(e skb.MergeEvent) bool {
	dst := e.Dst.Shinfo()
	if e.Kind == skb.MergeAppend {
		if dst.DestructorArg == nil {
			dst.DestructorArg = d.dtor
			d.hook()
		}
		return true
	}
	return d.carries(dst) || !d.carries(e.Src.Shinfo())
}

// PagePut collects the pages of a shared info being released. The kernel
// calls the destructor in skb_release_data before it puts the frags, with
// the frag array intact (Polyakov: the destructor "has access to the all
// pages in that skb"); the model reports the release after the puts, so
// the pages are gathered from skb_release_data's puts and the destructor
// runs at ShinfoRelease. Nothing happens in between, so it sees what it
// would have seen first: every frag's page, in slot order (a page with two
// frags twice).
func (d *shinfoDtor) PagePut(e skb.RefEvent) {
	if e.Site != "skb_release_data" || !d.carries(e.Shinfo) {
		return
	}
	if d.releasing != e.Shinfo {
		d.releasing, d.found = e.Shinfo, d.found[:0]
	}
	d.found = append(d.found, e.Page)
}

// ShinfoRelease is the destructor firing.
func (d *shinfoDtor) ShinfoRelease(e skb.ShinfoEvent) {
	if !d.carries(e.Shinfo) {
		return
	}
	var pages []*skb.Page
	if d.releasing == e.Shinfo {
		pages = d.found
	}
	d.releasing = nil
	d.hook()
	if d.fire != nil {
		d.fire(pages)
	} else {
		for _, p := range pages {
			d.giveOldest(p)
		}
	}
	d.found = d.found[:0]
}

// giveOldest looks p up in the tree and gives it to the oldest command
// waiting for it.
func (d *shinfoDtor) giveOldest(p *skb.Page) {
	d.lookup()
	ws := d.tree[p.ID]
	if len(ws) == 0 {
		return
	}
	d.remove(p, 0)
}

// remove takes entry i of page p out of the tree; its command may complete.
func (d *shinfoDtor) remove(p *skb.Page, i int) {
	ws := d.tree[p.ID]
	w := ws[i]
	ws = append(ws[:i], ws[i+1:]...)
	if len(ws) == 0 {
		delete(d.tree, p.ID)
	} else {
		d.tree[p.ID] = ws
	}
	d.free()
	w.cmd.waiting--
	d.try(w.cmd)
}

// Queued: the command completes if every page it submitted was given to it.
func (d *shinfoDtor) Queued(c skb.SendID) {
	cmd := d.cmds[c]
	if cmd == nil {
		return
	}
	cmd.queued = true
	if d.queued != nil {
		d.queued(cmd)
	}
	d.try(cmd)
}

func (d *shinfoDtor) try(cmd *dtorCmd) {
	if !cmd.queued || cmd.done || cmd.waiting > 0 {
		return
	}
	cmd.done = true
	delete(d.cmds, cmd.id)
	d.env.Notify(cmd.id, false)
}

func (d *shinfoDtor) SendTag(skb.SendID) any { return nil }
func (d *shinfoDtor) Copies() bool           { return false }
