package strategies

import (
	"slices"

	"github.com/zcsim/zcsim/skb"
)

// tokenMechanism is the mechanism both readings of the token share; each
// completes it with its finishing rule.
const tokenMechanism = "a token per command, pointed to from skb_shared_info; io_count counts the shared infos that " +
	"point at it; every shared info made from another inherits its token; when two skbs merge the older " +
	"token is inherited; a token finishes when io_count is zero, it is closed, and every older token "

var tokenInfo = Info{
	Name: "token",
	Origin: "Alexey Kuznetsov's sk_transaction_token, relayed by Vladislav Bolkhovitin (netdev, 23 Dec 2008), " +
		"\"when io_count == 0 *AND* all previous tokens closed\", read as all previous tokens finished; " +
		"Polyakov objected to its allocation",
	Mechanism: tokenMechanism + "has finished",
	Sound:     true,
	Expected:  "sound; completion is in order, so a finished command waits behind an unfinished older one (head-of-line latency)",
	CPU:       "Alloc (100 ticks, Polyakov's objection) per command; Hook (20 ticks) per shared info pointed at a token and per release",
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

// token is Kuznetsov's transaction-token design, in either reading of its
// finishing rule.
type token struct {
	skb.NopObserver
	meter
	env    Env
	info   Info
	tokens map[skb.SendID]*txToken
	open   []*txToken // not yet finished, oldest first
	next   int
	// literal selects the finishing rule: false, every older token has
	// finished (token); true, every older token is closed (token-literal).
	literal bool
}

func newToken(env Env) Design { return newTokenReading(env, tokenInfo, false) }

func newTokenReading(env Env, info Info, literal bool) *token {
	return &token{env: env, meter: meter{model: env.Model}, info: info, literal: literal,
		tokens: map[skb.SendID]*txToken{}}
}

func (d *token) Info() Info { return d.info }

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
// with io_count zero and whose older tokens all have finished (token) or
// all are closed (token-literal).
func (d *token) finish() {
	for i := 0; i < len(d.open); {
		t := d.open[i]
		if !t.closed {
			return // no younger token has every older token closed
		}
		if t.ioCount != 0 {
			if !d.literal {
				return // in order: nothing younger finishes before t
			}
			i++
			continue
		}
		d.open = slices.Delete(d.open, i, i+1)
		t.finished = true
		d.free()
		delete(d.tokens, t.id)
		d.env.Notify(t.id, false)
	}
}

func (d *token) SendTag(skb.SendID) any { return nil }
func (d *token) Copies() bool           { return false }
