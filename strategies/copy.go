package strategies

import "github.com/zcsim/zcsim/skb"

var copyInfo = Info{
	Name:   "copy",
	Origin: "baseline: iSCSI-SCST without the patch copies through sock_sendpage/sendmsg (thread, Bolkhovitin, 10 Dec 2008)",
	Mechanism: "the application's data is copied into socket-owned pages at send (tcp_sendmsg); " +
		"the buffer is free as soon as the copy is made",
	Sound:    true,
	Expected: "sound; pays one page copy per 4 KiB sent",
	CPU:      "CopyPage (1500 ticks, the thread) per 4 KiB submitted; nothing per reference",
	Memory:   Memory{Source: "no per-page, per-shinfo or per-frag state"},
}

// copyDesign signals each command as soon as it is queued: its bytes were
// copied, so the stack holds none of the application's pages.
type copyDesign struct {
	skb.NopObserver
	meter
	env Env
}

func newCopy(env Env) Design { return &copyDesign{env: env, meter: meter{model: env.Model}} }

func (d *copyDesign) Info() Info { return copyInfo }

// Submit charges one page copy per 4 KiB (rounded up) of the submission.
func (d *copyDesign) Submit(_ skb.SendID, _ []*skb.Page, bytes int) {
	d.copyPages(int64((bytes + skb.PageSize - 1) / skb.PageSize))
}

// Queued signals c: the copy is complete.
func (d *copyDesign) Queued(c skb.SendID) { d.env.Notify(c, false) }

func (d *copyDesign) SendTag(skb.SendID) any { return nil }
func (d *copyDesign) Copies() bool           { return true }
