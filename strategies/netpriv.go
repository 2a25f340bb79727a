package strategies

import "github.com/zcsim/zcsim/skb"

var netPrivInfo = Info{
	Name: "net-priv",
	Origin: "Vladislav Bolkhovitin's RFC patch 23/23 (netdev, 10 Dec 2008): void *net_priv in struct page, " +
		"net_get_page/net_put_page wrappers replacing get_page/put_page in net/",
	Mechanism: "page->net_priv points at the iSCSI command; every get and put of a tagged page counts on it; " +
		"the command completes when the count (with a submission bias) reaches zero",
	Violates: []Property{P2, P3, P4},
	Expected: "flawed when one page carries two in-flight commands: the second overwrites net_priv, " +
		"so puts of the first command's frags count against the second (premature) and the first never reaches zero (lost)",
	CPU:    "Hook (20 ticks, assumption) per page tagged at submission and per get or put of a tagged page",
	Memory: Memory{PerPage: 8, Source: "one pointer in every struct page in RAM: 0.2% of RAM, 2 MB per GB (the thread)"},
}

// netPriv keeps the command pointer in struct page (Page.NetPriv).
type netPriv struct{ pageCounter }

func newNetPriv(env Env) Design {
	d := &netPriv{pageCounter{env: env, meter: meter{model: env.Model}, cmds: map[skb.SendID]*pageCmd{}}}
	d.tag = func(p *skb.Page) *pageCmd {
		c, _ := p.NetPriv.(*pageCmd)
		return c
	}
	d.peek = d.tag
	d.set = func(p *skb.Page, c *pageCmd) {
		if c == nil {
			p.NetPriv = nil
			return
		}
		p.NetPriv = c
	}
	return d
}

func (d *netPriv) Info() Info { return netPrivInfo }
