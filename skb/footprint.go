package skb

import "reflect"

// Sizes in bytes of the model's objects in this process's memory (not the
// kernel's): what a run's memory budget is charged per live object.
var (
	pageBytes   = int64(reflect.TypeFor[Page]().Size()) + 8 // + its slot in Stack.pages
	shinfoBytes = int64(reflect.TypeFor[SharedInfo]().Size()) + 8
	buffBytes   = int64(reflect.TypeFor[Buff]().Size()) + 8
	sendBytes   = int64(reflect.TypeFor[sendState]().Size())
)

// PageBytes is the memory one modelled page takes, in bytes.
func PageBytes() int64 { return pageBytes }

// Footprint is the memory, in bytes, the stack's live objects take in this
// process: pages, shared infos (with their inline frag arrays), skbs and
// the ledger's per-send entries. It is O(1) to compute.
func (s *Stack) Footprint() int64 {
	return int64(len(s.pages))*pageBytes + int64(len(s.shinfos))*shinfoBytes +
		int64(len(s.buffs))*buffBytes + int64(len(s.ledger.sends))*sendBytes
}
