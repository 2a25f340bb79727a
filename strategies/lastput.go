package strategies

import "github.com/zcsim/zcsim/skb"

var lastPutInfo = Info{
	Name: "last-put",
	Origin: "Jeremy Fitzhardinge (netdev, 19 Dec 2008): \"Wouldn't you only need to do the lookup on the last put?\"; " +
		"Bolkhovitin's answer (23 Dec 2008): you can't say which put is the last, a page can be mmapped by another process",
	Mechanism: "an external page-to-command table looked up only when a put leaves a page with the count of the " +
		"application's own reference; the command completes when all its pages were seen so and it is queued",
	Violates: []Property{P2, P3},
	Expected: "cheap (one lookup per page), but a page someone else also holds (a user mapping, the page cache " +
		"serving it twice) never sees its \"last\" put: lost completions; and the table maps a page shared by " +
		"two in-flight commands to the later one only, so the earlier stops waiting for it: premature completions",
	CPU: "Lookup (20 ticks) per put that leaves a page at the application's count; Alloc (100 ticks) per table entry",
	Memory: Memory{Object: "table entry (page pointer, command pointer, hash link)", ObjectLen: 32,
		Source: "one entry per submitted page"},
}

// lastPutCmd is a command waiting for its pages' last puts.
type lastPutCmd struct {
	id      skb.SendID
	notify  Notify // the submitting application (see pageCmd)
	pages   []*skb.Page
	pending int
	queued  bool
	done    bool
}

// lastPut looks a page up only on what looks like its last put.
type lastPut struct {
	skb.NopObserver
	meter
	env   Env
	cmds  map[skb.SendID]*lastPutCmd
	table map[skb.PageID]*lastPutCmd
}

func newLastPut(env Env) Design {
	return &lastPut{env: env, meter: meter{model: env.Model},
		cmds:  map[skb.SendID]*lastPutCmd{},
		table: env.Global.get("last-put/table", func() any { return map[skb.PageID]*lastPutCmd{} }).(map[skb.PageID]*lastPutCmd)}
}

func (d *lastPut) Info() Info { return lastPutInfo }

// Submit enters the pages in the table (a later command overwrites).
func (d *lastPut) Submit(c skb.SendID, pages []*skb.Page, _ int) {
	cmd := d.cmds[c]
	if cmd == nil {
		cmd = &lastPutCmd{id: c, notify: d.env.Notify}
		d.cmds[c] = cmd
	}
	for _, p := range pages {
		if old := d.table[p.ID]; old != cmd {
			if old != nil {
				old.pending--
			} else {
				d.alloc()
			}
			d.table[p.ID] = cmd
			cmd.pending++
			cmd.pages = append(cmd.pages, p)
		}
	}
}

// PagePut looks the page up when the put leaves only the application's
// reference: that is taken to be the stack's last.
func (d *lastPut) PagePut(e skb.RefEvent) {
	if e.Page.Refs() != 1 {
		return
	}
	d.lookup()
	cmd := d.table[e.Page.ID]
	if cmd == nil {
		return
	}
	delete(d.table, e.Page.ID)
	d.free()
	cmd.pending--
	d.try(cmd)
}

// Queued: the command completes if every page already had its last put.
func (d *lastPut) Queued(c skb.SendID) {
	if cmd := d.cmds[c]; cmd != nil {
		cmd.queued = true
		// A submitted page the stack never kept (an append that stopped
		// short) has the application's count now: it is checked once.
		for _, p := range cmd.pages {
			if d.table[p.ID] == cmd && p.Refs() == 1 {
				d.lookup()
				delete(d.table, p.ID)
				d.free()
				cmd.pending--
			}
		}
		d.try(cmd)
	}
}

func (d *lastPut) try(cmd *lastPutCmd) {
	if cmd.queued && !cmd.done && cmd.pending <= 0 {
		cmd.done = true
		cmd.notify(cmd.id, false)
	}
}

func (d *lastPut) SendTag(skb.SendID) any { return nil }
func (d *lastPut) Copies() bool           { return false }
