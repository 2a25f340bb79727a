package strategies

import (
	"slices"

	"github.com/zcsim/zcsim/skb"
)

// Evgeniy Polyakov's answer to Herbert Xu (netdev, 20 Dec 2008, 10:32 am):
//
//	"So destructor for the pages should not rely on which skb it is called
//	on and check if pages are about to be really freed (i.e. check theirs
//	reference counter)."
//
//	"__pskb_pull_tail() is tricky, it just puts some pages it does not want
//	to be present in the skb, but it could be possible to add there
//	destructor callback from the original skb with partial flag"
//
// The same destructor and tree as shinfo-destructor; a page found by the
// destructor, or handed to the partial destructor where a page is put from
// a shared info carrying the destructor that lives on (__pskb_pull_tail,
// the trims, 6.18's skb_copy_ubufs and skb_shift), counts as freed only
// when its reference count says the stack holds none of it: when the count
// equals the references held outside the stack. Those the application
// knows: its own and the page cache's, recorded per tree entry at
// submission, and the page's user mappings, read (page_mapcount) at the
// check, so a process mapping or unmapping the page in flight misleads it
// in neither direction. Since the count then says nobody in the stack
// holds the page, every command waiting for it has it back, not only the
// oldest.
//
// The kernel would call the destructor before skb_release_data puts the
// frags and ask whether each page is "about to be really freed": whether
// its count minus this shared info's own frag references equals the
// outside holders. zcsim runs it just after the puts (see
// shinfoDtor.PagePut), where the same question is whether the count
// equals the outside holders; nothing happens in between, so the answers
// are the same.
//
// What remains is Xu's point that the lifetime of a shared info is not its
// pages': the destructor only sees the pages of the shared infos that
// carry it, and a page whose last stack reference goes with a shared info
// built anew (skb_split's new half, a segment, a pskb_copy) is never
// checked again: its commands are never signalled.

var refcheckInfo = Info{
	Name: "shinfo-destructor-refcheck",
	Origin: "Evgeniy Polyakov's answer to Herbert Xu (netdev, 20 Dec 2008, 10:32 am): the shared-info destructor " +
		"checks whether the pages are about to be really freed (their reference counters), plus a partial " +
		"destructor where __pskb_pull_tail puts pages; it answers Xu's 8:10 am objection (pages pulled out) and " +
		"Jeremy Fitzhardinge's 7:43 am question (\"can I go an inspect the page refcounts\")",
	Mechanism: "as shinfo-destructor (one application destructor, copied only by pskb_expand_head, merges out of " +
		"its sight refused, a tree of submitted pages), but a page found by a firing destructor, or put from a " +
		"shared info carrying it that lives on (the partial destructor: __pskb_pull_tail, ___pskb_trim, " +
		"__pskb_trim_head, and 6.18's skb_copy_ubufs and skb_shift), is given back only when its count equals " +
		"its holders outside the stack: the application's and the page cache's references recorded at " +
		"submission plus page_mapcount read at the check; then every command waiting for it has it; the " +
		"application also checks a command's pages once when it is queued",
	Violates: []Property{P3},
	Expected: "never early, and pages mapped (even mapped or unmapped in flight) or shared by the page cache are " +
		"judged right, but the destructor only sees pages whose last reference leaves with a shared info " +
		"carrying it: after skb_split (a page moved to or shared with the new half, as tso_fragment and " +
		"tcp_fragment do to every skb the window cuts), skb_segment or pskb_copy (the copies outlive the " +
		"original) the last reference goes with a shared info built anew, without the destructor, and the page " +
		"is never checked again: lost completions (P3)",
	CPU: "as shinfo-destructor, plus Hook (20 ticks) per tree entry whose page count is compared and per " +
		"partial-destructor call, and Lookup (20 ticks) per page checked when a command is queued",
	Memory: Memory{PerShinfo: 16, Object: "tree entry (page pointer, command pointer, recorded holders, tree links)",
		ObjectLen: 40, Source: "destructor + argument per skb_shared_info; one tree entry per submitted page and " +
			"command (Polyakov)"},
}

// refcheck is the shared-info destructor whose firing checks page counts.
type refcheck struct{ *shinfoDtor }

func newRefcheck(env Env) Design {
	d := &refcheck{newDtorApp(env, refcheckInfo)}
	d.own = func(p *skb.Page) int32 { return p.Extern() - p.Mapped() }
	d.fire = d.fired
	d.queued = d.queuedCheck
	return d
}

// fired is the destructor: each distinct page of the freed shared info's
// frags is looked up in the tree and checked.
func (d *refcheck) fired(pages []*skb.Page) {
	for i, p := range pages {
		if !slices.Contains(pages[:i], p) {
			d.lookup()
			d.check(p, nil)
		}
	}
}

// PagePut is the partial destructor (Polyakov: "destructor with two
// parameters: skb and page"): a page put from a shared info carrying the
// destructor while that shared info lives on is checked at once. Polyakov
// named __pskb_pull_tail; the trims put pages the same way, and so do
// 6.18's skb_copy_ubufs and skb_shift. Other puts are skb_release_data's,
// gathered for the destructor.
func (d *refcheck) PagePut(e skb.RefEvent) {
	switch e.Site {
	case "__pskb_pull_tail", "___pskb_trim", "__pskb_trim_head", "skb_copy_ubufs", "skb_shift":
		if d.carries(e.Shinfo) {
			d.hook()
			d.lookup()
			d.check(e.Page, nil)
		}
	default:
		d.shinfoDtor.PagePut(e)
	}
}

// queuedCheck: when the send returns, the application checks the pages
// of the command still in the tree (a page the stack never took, or no
// longer holds, is free now).
func (d *refcheck) queuedCheck(cmd *dtorCmd) {
	for _, p := range cmd.pages {
		d.lookup()
		d.check(p, cmd)
	}
}

// check gives page p back to every waiting command (only's, if only is not
// nil) when its count equals the holders outside the stack.
func (d *refcheck) check(p *skb.Page, only *dtorCmd) {
	ws := d.tree[p.ID]
	for i := 0; i < len(ws); {
		w := ws[i]
		if only != nil && w.cmd != only {
			i++
			continue
		}
		d.hook()
		if p.Refs() != w.own+p.Mapped() {
			i++
			continue
		}
		d.remove(p, i)
		ws = d.tree[p.ID]
	}
}
