package strategies

import "github.com/zcsim/zcsim/skb"

var fragDtorInfo = Info{
	Name: "frag-destructor",
	Origin: "James Bottomley's suggestion to carry the tag in skb_frag_struct (netdev, 11-12 Dec 2008), " +
		"built as Ian Campbell's skb paged-fragment destructor series (2011-2012, not merged)",
	Mechanism: "a refcounted destructor carried by each frag, copied by every operation that copies, splits or " +
		"segments frags; every frag reference takes and drops a destructor reference; the command completes " +
		"when its destructor's count reaches zero",
	Sound:    true,
	Expected: "sound; every frag grows by a pointer and every frag path must propagate it",
	CPU:      "Alloc (100 ticks) per command; Hook (20 ticks) per get or put of a frag carrying a destructor",
	Memory: Memory{PerFrag: 8, Object: "struct skb_frag_destructor", ObjectLen: 24,
		Source: "destructor pointer per skb_frag_t (x MAX_SKB_FRAGS per shared info); refcount, destroy, data per command"},
}

// fragDtorRef is a struct skb_frag_destructor.
type fragDtorRef struct {
	id     skb.SendID
	refs   int64 // frag references carrying it + the submission bias
	queued bool
	done   bool
}

// fragDtor is the per-frag destructor design.
type fragDtor struct {
	skb.NopObserver
	meter
	env  Env
	dtor map[skb.SendID]*fragDtorRef
}

func newFragDtor(env Env) Design {
	return &fragDtor{env: env, meter: meter{model: env.Model}, dtor: map[skb.SendID]*fragDtorRef{}}
}

func (d *fragDtor) Info() Info { return fragDtorInfo }

// Submit creates c's destructor with a submission reference.
func (d *fragDtor) Submit(c skb.SendID, _ []*skb.Page, _ int) {
	if d.dtor[c] == nil {
		d.dtor[c] = &fragDtorRef{id: c, refs: 1}
		d.alloc()
	}
}

// SendTag is the destructor the application attaches to c's frags
// (skb_frag_set_destructor).
func (d *fragDtor) SendTag(c skb.SendID) any {
	if t := d.dtor[c]; t != nil {
		return t
	}
	return nil
}

// PageGet: a frag reference carrying a destructor takes a reference on it.
func (d *fragDtor) PageGet(e skb.RefEvent) {
	if t, ok := e.Tag.(*fragDtorRef); ok {
		d.hook()
		t.refs++
	}
}

// PagePut: and drops it.
func (d *fragDtor) PagePut(e skb.RefEvent) {
	if t, ok := e.Tag.(*fragDtorRef); ok {
		d.hook()
		d.drop(t)
	}
}

// Queued drops the submission reference.
func (d *fragDtor) Queued(c skb.SendID) {
	if t := d.dtor[c]; t != nil && !t.queued {
		t.queued = true
		d.drop(t)
	}
}

func (d *fragDtor) drop(t *fragDtorRef) {
	t.refs--
	if t.refs == 0 && !t.done {
		t.done = true
		d.free()
		delete(d.dtor, t.id) // frags may still carry t; the application is done with it
		d.env.Notify(t.id, false)
	}
}

func (d *fragDtor) Copies() bool { return false }
