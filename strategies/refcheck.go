package strategies

import "github.com/zcsim/zcsim/skb"

var refcheckInfo = Info{
	Name: "shinfo-destructor-refcheck",
	Origin: "Evgeniy Polyakov's follow-up to Herbert Xu (netdev, 20 Dec 2008): the destructor checks the pages' " +
		"reference counters, plus a partial destructor where __pskb_pull_tail drops pages",
	Mechanism: "as shinfo-destructor, but a firing destructor (or the partial destructor of __pskb_pull_tail, " +
		"___pskb_trim, __pskb_trim_head) completes the command only once every page it submitted has a " +
		"reference count that says only the application holds it",
	Violates: []Property{P3},
	Expected: "never early, but a page someone else also holds (mapped by a user process, or a page-cache page " +
		"served to two commands) never looks free, and pages released from shared infos without the " +
		"destructor (skb_split's new half, GSO segments) are never checked: lost completions",
	CPU: "Hook (20 ticks) per firing and per page count inspected; Alloc (100 ticks) per page entered in the tree",
	Memory: Memory{PerShinfo: 16, Object: "page tree entry", ObjectLen: 40,
		Source: "destructor + argument per skb_shared_info; the application keeps its pages in a tree (Polyakov)"},
}

// refcheck is shinfo-destructor whose firing checks page counts.
type refcheck struct{ shinfoDtor }

func newRefcheck(env Env) Design {
	d := &refcheck{shinfoDtor: shinfoDtor{env: env, meter: meter{model: env.Model}, cmds: map[skb.SendID]*dtorCmd{}}}
	d.fired = d.check
	return d
}

func (d *refcheck) Info() Info { return refcheckInfo }

// Submit records the pages in the command's tree.
func (d *refcheck) Submit(c skb.SendID, pages []*skb.Page, bytes int) {
	for range pages {
		d.alloc()
	}
	d.shinfoDtor.Submit(c, pages, bytes)
}

// PagePut is the partial destructor: a page dropped by __pskb_pull_tail or
// a trim from a shared info carrying a destructor is checked at once.
func (d *refcheck) PagePut(e skb.RefEvent) {
	switch e.Site {
	case "__pskb_pull_tail", "___pskb_trim", "__pskb_trim_head":
	default:
		return
	}
	if t, ok := e.Shinfo.DestructorArg.(*dtorTag); ok {
		d.hook()
		d.check(t.cmd)
	}
}

// check completes cmd once it is queued and every one of its pages has a
// count of 1: the application's own reference, nobody else's.
func (d *refcheck) check(cmd *dtorCmd) {
	if !cmd.queued || cmd.done {
		return
	}
	for _, p := range cmd.pages {
		d.hook()
		if p.Refs() != 1 {
			return
		}
	}
	for range cmd.pages {
		d.free()
	}
	d.complete(cmd)
}
