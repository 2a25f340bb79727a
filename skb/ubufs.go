package skb

import "fmt"

// CopyUbufs is skb_copy_ubufs (6.18; it does not exist in 2.6.26): the
// deferred copy. b is uncloned first (skb_unclone: pskb_expand_head, P+ on
// every frag of a cloned skb); then every paged byte is copied into newly
// allocated kernel pages, each user frag's page reference is put (P-), the
// kernel pages are installed as frags (their allocation reference becomes
// the frag's), and the zerocopy state is cleared with success=false
// (skb_zcopy_clear: SO_EE_CODE_ZEROCOPY_COPIED). Only b's shared info is
// converted; clones that shared the old one keep the user pages
// (kernel-semantics §B19, §F10).
//
// Precondition: b is not shared.
func (s *Stack) CopyUbufs(b *Buff) error {
	s.mustLive(b, "skb_copy_ubufs")
	if s.kernel.Old() {
		return fmt.Errorf("%w: skb_copy_ubufs appeared in 3.1", ErrNotInKernel)
	}
	s.op++
	return s.copyUbufs(b)
}

func (s *Stack) copyUbufs(b *Buff) error {
	const site = "skb_copy_ubufs"
	if b.Shared() {
		return fmt.Errorf("%w: skb_copy_ubufs on b%d", ErrShared, b.ID)
	}
	if b.Cloned() {
		s.expandHead(b, 0, 0)
	}
	sh := b.sh
	if n := int(sh.nrFrags); n > 0 {
		hl := b.len - b.dataLen
		runs := s.copyBytes(b, hl, b.len)
		for i := range n {
			s.fragPut(sh, i, site)
		}
		total := runsLen(runs)
		sh.nrFrags = 0
		for off := int32(0); off < total; off += PageSize {
			size := min(PageSize, total-off)
			f := Frag{Page: s.allocKernelPage(), Size: size}
			f.prov = makeProv(cutRuns(nil, runs, off, off+size))
			s.fragInstallNew(sh, int(sh.nrFrags), f, site)
			sh.nrFrags++
		}
	}
	s.zcopyClear(sh, false, site)
	return nil
}
