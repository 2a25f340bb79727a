package strategies

import "github.com/zcsim/zcsim/skb"

var tokenInfo = Info{
	Name: "token",
	Origin: "Alexey Kuznetsov's sk_transaction_token, relayed by Vladislav Bolkhovitin (netdev, 23 Dec 2008); " +
		"Polyakov objected to its allocation",
	Mechanism: "a token per command, pointed to from skb_shared_info; io_count counts the shared infos that " +
		"point at it; every shared info made from another inherits its token; when two skbs merge the older " +
		"token is inherited; a token finishes when io_count is zero, it is closed, and every older token has finished",
	Sound:    true,
	Expected: "sound; completion is in order, so a finished command waits behind an unfinished older one (head-of-line latency)",
	CPU:      "Alloc (100 ticks, Polyakov's objection) per command; Hook (20 ticks) per shared info pointed at a token and per release",
	Memory: Memory{PerShinfo: 8, Object: "struct sk_transaction_token", ObjectLen: 40,
		Source: "token pointer per skb_shared_info; io_count, next, token, private, finish_callback (the thread)"},
}

// txToken is a struct sk_transaction_token.
type txToken struct {
	id       skb.SendID
	seq      int // age: lower is older
	ioCount  int64
	closed   bool
	finished bool
}

// token is Kuznetsov's transaction-token design.
type token struct {
	skb.NopObserver
	meter
	env    Env
	tokens map[skb.SendID]*txToken
	open   []*txToken // not yet finished, oldest first
	next   int
}

func newToken(env Env) Design {
	return &token{env: env, meter: meter{model: env.Model}, tokens: map[skb.SendID]*txToken{}}
}

func (d *token) Info() Info { return tokenInfo }

// Submit opens command c's token (allocated on first use).
func (d *token) Submit(c skb.SendID, _ []*skb.Page, _ int) {
	if d.tokens[c] == nil {
		t := &txToken{id: c, seq: d.next}
		d.next++
		d.tokens[c] = t
		d.open = append(d.open, t)
		d.alloc()
	}
}

func tokenOf(sh *skb.SharedInfo) *txToken {
	t, _ := sh.DestructorArg.(*txToken)
	return t
}

// point makes sh point at t instead of what it pointed at.
func (d *token) point(sh *skb.SharedInfo, t *txToken) {
	if old := tokenOf(sh); old != nil {
		old.ioCount--
	}
	sh.DestructorArg = t
	t.ioCount++
	d.hook()
}

// Merge: an append or a merge leaves the destination with the older of
// the two tokens; everything sent then carries that token.
func (d *token) Merge(e skb.MergeEvent) bool {
	sh := e.Dst.Shinfo()
	cur := tokenOf(sh)
	var in *txToken
	if e.Kind == skb.MergeAppend {
		in = d.tokens[e.Send]
	} else {
		in = tokenOf(e.Src.Shinfo())
	}
	if in != nil && (cur == nil || in.seq < cur.seq) {
		d.point(sh, in)
		d.finish()
	}
	return true
}

// ShinfoDup: a shared info made from another inherits its token.
func (d *token) ShinfoDup(e skb.ShinfoEvent) {
	if t := tokenOf(e.From); t != nil {
		e.Shinfo.DestructorArg = nil
		d.point(e.Shinfo, t)
	}
}

// ShinfoRelease: the released shared info no longer counts on its token.
func (d *token) ShinfoRelease(e skb.ShinfoEvent) {
	if t := tokenOf(e.Shinfo); t != nil {
		d.hook()
		t.ioCount--
		e.Shinfo.DestructorArg = nil
		d.finish()
	}
}

// Queued closes c's token.
func (d *token) Queued(c skb.SendID) {
	if t := d.tokens[c]; t != nil {
		t.closed = true
		d.finish()
	}
}

// finish calls finish_callback on every token, oldest first, that is closed
// with io_count zero and has no unfinished older token.
func (d *token) finish() {
	for len(d.open) > 0 {
		t := d.open[0]
		if !t.closed || t.ioCount != 0 {
			return
		}
		d.open = d.open[1:]
		t.finished = true
		d.free()
		delete(d.tokens, t.id)
		d.env.Notify(t.id, false)
	}
}

func (d *token) SendTag(skb.SendID) any { return nil }
func (d *token) Copies() bool           { return false }
