// Package strategies holds zcsim's completion-notification designs: the
// ways the 2008 netdev thread and later kernels proposed for telling an
// application, exactly once and never too early, that the network stack
// dropped its last reference to the application's pages.
//
// Each design is an skb.Observer (it sees page gets and puts with their
// site, shared-info creation, duplication and release, frag moves, merges,
// zerocopy clears) plus the application side of its protocol: Submit when
// a command's pages are handed to the stack, Queued when all of it is, and
// a Notify callback through which it signals completion. A design sees only
// what its real counterpart would: never the hidden provenance nor the
// ground-truth ledger (a lint test enforces this). Designs are implemented
// the way their authors described them, flaws included; the property
// checker in package sim decides which are sound.
//
// The registry (Names, Lookup) is an explicit map with sorted names. Every
// design documents its origin, expected profile, per-hook CPU cost and
// memory overhead, each default with its source.
package strategies
