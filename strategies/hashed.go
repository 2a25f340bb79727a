package strategies

import "github.com/zcsim/zcsim/skb"

var hashedInfo = Info{
	Name: "hashed",
	Origin: "the alternative the patch description rejected and Andi Kleen asked for (\"use a separate table\", " +
		"netdev, 19 Dec 2008): a hashed list translating page to iSCSI command",
	Mechanism: "the same per-command counting as net-priv, with the page-to-command map in an external " +
		"table looked up on every get and put of a tagged page",
	Violates: []Property{P2, P3, P4},
	Expected: "same semantics (and flaw) as net-priv; costs a lookup per reference instead of 8 bytes per struct page",
	CPU:      "Hook (20 ticks) + Lookup (20 ticks, the thread) per get or put of a tagged page; Alloc (100 ticks) per table entry",
	Memory: Memory{Object: "table entry (page pointer, command pointer, hash link)", ObjectLen: 32,
		Source: "one entry per tagged page; no struct page growth"},
}

// hashed keeps the page-to-command map outside struct page.
type hashed struct {
	pageCounter
	table map[skb.PageID]*pageCmd
}

func newHashed(env Env) Design {
	d := &hashed{pageCounter: pageCounter{env: env, meter: meter{model: env.Model}, cmds: map[skb.SendID]*pageCmd{}},
		table: env.Global.get("hashed/table", func() any { return map[skb.PageID]*pageCmd{} }).(map[skb.PageID]*pageCmd)}
	d.tag = func(p *skb.Page) *pageCmd {
		c := d.table[p.ID]
		if c != nil {
			d.lookup()
		}
		return c
	}
	d.peek = func(p *skb.Page) *pageCmd { return d.table[p.ID] }
	d.set = func(p *skb.Page, c *pageCmd) {
		_, had := d.table[p.ID]
		switch {
		case c == nil && had:
			delete(d.table, p.ID)
			d.free()
		case c != nil:
			if !had {
				d.alloc()
			}
			d.table[p.ID] = c
		}
	}
	return d
}

func (d *hashed) Info() Info { return hashedInfo }
