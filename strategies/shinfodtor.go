package strategies

import "github.com/zcsim/zcsim/skb"

var shinfoDtorInfo = Info{
	Name: "shinfo-destructor",
	Origin: "Rusty Russell's put notifier in skb_shared_info, proposed for this use by Evgeniy Polyakov " +
		"(netdev, 19 Dec 2008); Herbert Xu's objection, 20 Dec 2008",
	Mechanism: "a destructor pointer in skb_shared_info naming the command, set when the command's data is " +
		"appended to an skb, copied wherever the kernel copies the shared info bit for bit (pskb_expand_head), " +
		"fired when the shared info is released; the command completes when its tagged shared infos are gone",
	Violates: []Property{P2, P4},
	Expected: "flawed: pskb_expand_head gives a clone's owner a private copy carrying the same destructor, " +
		"and skb_split/pskb_copy/skb_segment make shared infos over the same pages without it, " +
		"so the command completes while pages are still referenced",
	CPU:    "Hook (20 ticks) per shared info tagged and per destructor firing",
	Memory: Memory{PerShinfo: 16, Source: "destructor function pointer + argument in every skb_shared_info"},
}

// dtorTag is what the shared-info destructor slot holds: the command.
type dtorTag struct{ cmd *dtorCmd }

// dtorCmd is a command tracked by the shared infos that carry its
// destructor.
type dtorCmd struct {
	id      skb.SendID
	shinfos int64
	queued  bool
	done    bool
	pages   []*skb.Page
}

// shinfoDtor is the plain shared-info destructor.
type shinfoDtor struct {
	skb.NopObserver
	meter
	env  Env
	cmds map[skb.SendID]*dtorCmd
	// fired, when set, replaces the completion rule (refcheck).
	fired func(cmd *dtorCmd)
}

func newShinfoDtor(env Env) Design {
	return &shinfoDtor{env: env, meter: meter{model: env.Model}, cmds: map[skb.SendID]*dtorCmd{}}
}

func (d *shinfoDtor) Info() Info { return shinfoDtorInfo }

func (d *shinfoDtor) cmd(c skb.SendID) *dtorCmd {
	cmd := d.cmds[c]
	if cmd == nil {
		cmd = &dtorCmd{id: c}
		d.cmds[c] = cmd
	}
	return cmd
}

// Submit records the command and its pages.
func (d *shinfoDtor) Submit(c skb.SendID, pages []*skb.Page, _ int) {
	cmd := d.cmd(c)
	cmd.pages = append(cmd.pages, pages...)
}

// Merge tags an skb's shared info with the destructor of the command whose
// data is appended, if it carries none yet. Data appended to an skb that
// already carries another command's destructor rides under that one.
func (d *shinfoDtor) Merge(e skb.MergeEvent) bool {
	if e.Kind != skb.MergeAppend {
		return true
	}
	sh := e.Dst.Shinfo()
	if sh.DestructorArg == nil {
		cmd := d.cmd(e.Send)
		sh.DestructorArg = &dtorTag{cmd: cmd}
		cmd.shinfos++
		d.hook()
	}
	return true
}

// ShinfoRelease fires the destructor.
func (d *shinfoDtor) ShinfoRelease(e skb.ShinfoEvent) {
	t, ok := e.Shinfo.DestructorArg.(*dtorTag)
	if !ok {
		return
	}
	d.hook()
	t.cmd.shinfos--
	if d.fired != nil {
		d.fired(t.cmd)
		return
	}
	if t.cmd.shinfos == 0 {
		d.complete(t.cmd)
	}
}

// Queued: the command completes if none of its shared infos is left.
func (d *shinfoDtor) Queued(c skb.SendID) {
	cmd := d.cmd(c)
	cmd.queued = true
	if d.fired != nil {
		d.fired(cmd)
		return
	}
	if cmd.shinfos == 0 {
		d.complete(cmd)
	}
}

func (d *shinfoDtor) complete(cmd *dtorCmd) {
	if !cmd.queued {
		return
	}
	cmd.done = true
	d.env.Notify(cmd.id, false)
}

func (d *shinfoDtor) SendTag(skb.SendID) any { return nil }
func (d *shinfoDtor) Copies() bool           { return false }
