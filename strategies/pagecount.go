package strategies

import "github.com/zcsim/zcsim/skb"

// pageCmd is a command counted page reference by page reference.
type pageCmd struct {
	id skb.SendID
	// notify is the application that submitted the command: a put on
	// another socket may complete it through the page's tag.
	notify Notify
	refs   int64 // submission bias + references counted on its pages
	pages  []*skb.Page
	done   bool
}

// pageCounter is the accounting shared by net-priv and hashed: every page
// the application submits is tagged with its command (a later command
// using the same page overwrites the tag); every get and put of a tagged
// page counts on the tagged command; a command completes when its count,
// which starts with a submission bias dropped at Queued, reaches zero. Only
// the place the tag lives differs: in struct page, or in a table.
type pageCounter struct {
	skb.NopObserver
	meter
	env  Env
	cmds map[skb.SendID]*pageCmd
	// tag returns the page's command as net_get_page/net_put_page find it,
	// charging a lookup where the design pays one; peek does the same for
	// the application's cleanup, free of charge; set tags (nil clears).
	tag  func(p *skb.Page) *pageCmd
	peek func(p *skb.Page) *pageCmd
	set  func(p *skb.Page, c *pageCmd)
}

// Submit tags the pages with c (net_priv = cmd), overwriting any earlier
// command's tag, and gives a new command its submission bias.
func (d *pageCounter) Submit(c skb.SendID, pages []*skb.Page, _ int) {
	cmd := d.cmds[c]
	if cmd == nil {
		cmd = &pageCmd{id: c, refs: 1, notify: d.env.Notify}
		d.cmds[c] = cmd
	}
	for _, p := range pages {
		d.set(p, cmd)
		cmd.pages = append(cmd.pages, p)
		d.hook()
	}
}

// Queued drops the submission bias.
func (d *pageCounter) Queued(c skb.SendID) {
	if cmd := d.cmds[c]; cmd != nil {
		d.hook()
		d.drop(cmd)
	}
}

// PageGet is net_get_page: a tagged page's command gains a reference.
func (d *pageCounter) PageGet(e skb.RefEvent) {
	if cmd := d.tag(e.Page); cmd != nil {
		d.hook()
		cmd.refs++
	}
}

// PagePut is net_put_page: a tagged page's command loses one.
func (d *pageCounter) PagePut(e skb.RefEvent) {
	if cmd := d.tag(e.Page); cmd != nil {
		d.hook()
		d.drop(cmd)
	}
}

// drop decrements cmd's count and completes it at zero: the command and
// its buffer are freed, so its pages' tags are cleared.
func (d *pageCounter) drop(cmd *pageCmd) {
	cmd.refs--
	if cmd.refs != 0 || cmd.done {
		return
	}
	cmd.done = true
	delete(d.cmds, cmd.id)
	for _, p := range cmd.pages {
		if d.peek(p) == cmd {
			d.set(p, nil)
		}
	}
	cmd.notify(cmd.id, false)
}

func (d *pageCounter) SendTag(skb.SendID) any { return nil }
func (d *pageCounter) Copies() bool           { return false }
