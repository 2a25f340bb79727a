// Package skb is zcsim's memory model of the Linux sk_buff layer: pages with
// their shared reference counts, page fragments, skb_shared_info with its
// split dataref, and sk_buffs with their clones, reference-exact for two
// kernel flavours, 2.6.26 and 6.18.
//
// Every operation is a method on Stack named after the Linux function it
// models (Clone for skb_clone, ExpandHead for pskb_expand_head, PullTail for
// __pskb_pull_tail, …); each cites that function and the section of
// shared/reference/kernel-semantics.md it follows. The Stack is the one door
// for references: it updates the ground-truth Ledger, calls the Observers
// (the notification designs plug in here) in a fixed order, and records a
// trace Event with the site of every change.
//
// Ground truth: each application send's bytes carry hidden provenance (which
// send, which buffer generation). The Ledger counts, per send, the live frag
// references to its bytes; T(send) is when that count reaches zero after the
// send was closed. Transmit reports bytes whose page was rewritten since the
// send put them there (wire corruption).
//
// A violated precondition (expand-head on a shared skb, say) is returned as
// an error wrapping one of the Err values. A broken model rule (a reference
// taken from zero, a double free, a negative count) panics with *ModelBug:
// it is a bug in zcsim, not a finding. Check verifies every invariant in
// time linear in the state.
//
// Usage:
//
//	s := skb.NewStack(skb.Linux2626, observer)
//	c := s.OpenSend()
//	p := s.NewUserPage()
//	b := s.Alloc(128, 0, true)
//	_ = s.AppendPage(b, c, p, 0, skb.PageSize)
//	_ = s.CloseSend(c)
//	clone, _ := s.Clone(b) // transmit clone: dataref 2, no page traffic
//	s.Free(clone)          // TX completion
//	s.Free(b)              // ACK: pages put, T(c) reached
//
// Simplifications (also in the README's "what is modelled" table): payload
// bytes only (headers are headroom, not bytes); no frag_list; a frag never
// spans more than one 4 KiB page; no head_frag skbs; 6.18's ubuf_info
// reference count belongs to the design observing the shared-info events.
package skb
