package strategies

import "github.com/zcsim/zcsim/skb"

// Jeremy Fitzhardinge's question (netdev, 19 Dec 2008), "Wouldn't you only
// need to do the lookup on the last put?", has two readings, each a design:
// last-put reads it literally (the last put leaves the page with count 1,
// and a page waits for one command), last-put-holders reads "last" as
// "back to the holders the page had outside the stack when it was
// submitted" and keeps every command of a page. Bolkhovitin's answer
// (23 Dec 2008), "you can't say which one is the last. E.g., a page can be
// mmaped to another process, while it's being transmitted", defeats both:
// the first for any page someone else holds, the second only when such a
// holder comes or goes while the page is in flight.

var lastPutInfo = Info{
	Name: "last-put",
	Origin: "Jeremy Fitzhardinge (netdev, 19 Dec 2008): \"Wouldn't you only need to do the lookup on the last put?\", " +
		"the literal reading: the last put leaves the page count at 1, one command per page; " +
		"Bolkhovitin's answer (23 Dec 2008): you can't say which put is the last, a page can be mmapped by another process",
	Mechanism: "an external page-to-command table (one command per page: a later command overwrites) looked up only " +
		"when a put leaves a page with the count of the application's own reference (1); the command completes when " +
		"all its pages were seen so and it is queued",
	Violates: []Property{P2, P3},
	Expected: "cheap (one lookup per page), but a page someone else also holds (a user mapping, the page cache " +
		"serving it twice) never sees its \"last\" put: lost completions; and the table maps a page shared by " +
		"two in-flight commands to the later one only, so the earlier stops waiting for it: premature completions",
	CPU: "Lookup (20 ticks) per put that leaves a page at the application's count; Alloc (100 ticks) per table entry",
	Memory: Memory{Object: "table entry (page pointer, command pointer, hash link)", ObjectLen: 32,
		Source: "one entry per submitted page"},
}

var lastPutHoldersInfo = Info{
	Name: "last-put-holders",
	Origin: "Jeremy Fitzhardinge (netdev, 19 Dec 2008): \"Wouldn't you only need to do the lookup on the last put?\", " +
		"the holder-aware reading: the last put brings the page back to the holders it had outside the stack; " +
		"Bolkhovitin's answer (23 Dec 2008) is what defeats it: \"a page can be mmaped to another process, while " +
		"it's being transmitted\"",
	Mechanism: "at submission the application records, per command and page, the references held outside the stack " +
		"(its own, the page cache's, user mappings: page_mapcount) in an external table that keeps every command of " +
		"a page; a put that brings the page's count back to a command's recorded number is that page's last put " +
		"for it; the command completes when all its pages had theirs and it is queued",
	Violates: []Property{P2, P3},
	Expected: "sound while no holder outside the stack comes or goes during a transmission; defeated only when " +
		"mappings change in flight (Bolkhovitin, 23 Dec 2008): a page mapped during flight never comes back to " +
		"the recorded count (lost completion, P3), a mapping dropped during flight brings it there while the " +
		"stack still holds the page (premature completion, P2), or below it for good (lost)",
	CPU: "Lookup (20 ticks) per put of a page in the table (the recorded count is in the entry); " +
		"Alloc (100 ticks) per table entry",
	Memory: Memory{Object: "table entry (page pointer, command pointer, recorded count, hash link)", ObjectLen: 40,
		Source: "one entry per submitted page and command"},
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

// lastPutWait is a command waiting for a page's last put: the put that
// leaves the page with count holders.
type lastPutWait struct {
	cmd     *lastPutCmd
	holders int32
}

// lastPut looks a page up only on what looks like its last put. Both
// readings share it; they differ in what they record at submission and
// whether a page keeps every command (see holders).
type lastPut struct {
	skb.NopObserver
	meter
	env  Env
	info Info
	// holders is the holder-aware reading: every command of a page is kept,
	// each with the page's outside holders at its submission. Otherwise the
	// literal one: the last put leaves count 1, and a later command
	// overwrites a page's entry.
	holders bool
	cmds    map[skb.SendID]*lastPutCmd
	table   map[skb.PageID][]lastPutWait
}

func newLastPut(env Env) Design { return newLastPutReading(env, lastPutInfo, false) }

func newLastPutHolders(env Env) Design { return newLastPutReading(env, lastPutHoldersInfo, true) }

func newLastPutReading(env Env, info Info, holders bool) *lastPut {
	return &lastPut{env: env, meter: meter{model: env.Model}, info: info, holders: holders,
		cmds:  map[skb.SendID]*lastPutCmd{},
		table: env.Global.get(info.Name+"/table", func() any { return map[skb.PageID][]lastPutWait{} }).(map[skb.PageID][]lastPutWait)}
}

func (d *lastPut) Info() Info { return d.info }

// Submit enters the pages in the table with the count their last put must
// leave: 1 in the literal reading, where a later command overwrites an
// earlier one's entry; the page's references held outside the stack at
// this moment in the holder-aware one, which adds the command beside the
// others.
func (d *lastPut) Submit(c skb.SendID, pages []*skb.Page, _ int) {
	cmd := d.cmds[c]
	if cmd == nil {
		cmd = &lastPutCmd{id: c, notify: d.env.Notify}
		d.cmds[c] = cmd
	}
	for _, p := range pages {
		ws := d.table[p.ID]
		if d.holders {
			if waits(ws, cmd) >= 0 {
				continue
			}
			// Extern is what the application knows of the page: its own
			// reference, the page cache's and page_mapcount.
			d.alloc()
			d.table[p.ID] = append(ws, lastPutWait{cmd: cmd, holders: p.Extern()})
		} else {
			if len(ws) > 0 && ws[0].cmd == cmd {
				continue
			}
			if len(ws) > 0 {
				ws[0].cmd.pending--
				ws[0].cmd = cmd
			} else {
				d.alloc()
				d.table[p.ID] = append(ws, lastPutWait{cmd: cmd, holders: 1})
			}
		}
		cmd.pending++
		cmd.pages = append(cmd.pages, p)
	}
}

// waits returns the index of cmd's entry in ws, or -1.
func waits(ws []lastPutWait, cmd *lastPutCmd) int {
	for i, w := range ws {
		if w.cmd == cmd {
			return i
		}
	}
	return -1
}

// PagePut looks the page up when the put may be its last: in the literal
// reading when it leaves count 1 (known without a lookup), in the
// holder-aware one whenever the page is in the table (the count to compare
// with is in the entry). Every command whose recorded count the put
// reaches has had the page's last put.
func (d *lastPut) PagePut(e skb.RefEvent) {
	p := e.Page
	if d.holders {
		if len(d.table[p.ID]) == 0 {
			return
		}
	} else if p.Refs() != 1 {
		return
	}
	d.lookup()
	d.lastPuts(p, nil)
}

// lastPuts removes the entries of page p whose recorded count the page has
// now (only only's, if only is not nil), counts the page done for their
// commands and completes those that are ready.
func (d *lastPut) lastPuts(p *skb.Page, only *lastPutCmd) {
	ws := d.table[p.ID]
	keep := ws[:0]
	var done []*lastPutCmd
	for _, w := range ws {
		if p.Refs() != w.holders || only != nil && w.cmd != only {
			keep = append(keep, w)
			continue
		}
		d.free()
		w.cmd.pending--
		done = append(done, w.cmd)
	}
	clear(ws[len(keep):])
	if len(keep) == 0 {
		delete(d.table, p.ID)
	} else {
		d.table[p.ID] = keep
	}
	for _, cmd := range done {
		d.try(cmd)
	}
}

// Queued: the command completes if every page already had its last put.
func (d *lastPut) Queued(c skb.SendID) {
	if cmd := d.cmds[c]; cmd != nil {
		cmd.queued = true
		// A submitted page the stack never kept (an append that stopped
		// short) has its recorded count now: it is checked once.
		for _, p := range cmd.pages {
			if i := waits(d.table[p.ID], cmd); i >= 0 && p.Refs() == d.table[p.ID][i].holders {
				d.lookup()
				d.lastPuts(p, cmd)
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
