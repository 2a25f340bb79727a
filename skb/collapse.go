package skb

import "fmt"

// CollapseRetrans merges next, the skb after b on the retransmit queue,
// into b and frees next (kernel-semantics §B14):
//
//   - 2.6.26 tcp_retrans_try_collapse: only linear skbs (both nr_frags 0),
//     neither cloned, next fitting in b's tailroom and, when mss > 0, the
//     sum within mss; next's bytes are copied. Paged skbs never collapse.
//   - 6.18 tcp_collapse_retrans: neither cloned; all of next's data moves
//     with skb_shift (so zerocopy skbs are refused, §F12) and next is freed.
//
// The observers are asked (MergeCollapse) before anything moves. Refusals,
// the kernel's or an observer's, return ErrRefused and change nothing.
func (s *Stack) CollapseRetrans(b, next *Buff, mss int) error {
	s.mustLive(b, "tcp_collapse_retrans")
	s.mustLive(next, "tcp_collapse_retrans")
	if b == next {
		return fmt.Errorf("%w: collapse b%d into itself", ErrRange, b.ID)
	}
	if b.Cloned() || next.Cloned() {
		return fmt.Errorf("%w: a cloned skb is never collapsed", ErrRefused)
	}
	if mss > 0 && int(b.len+next.len) > mss {
		return fmt.Errorf("%w: %d+%d bytes exceed mss %d", ErrRefused, b.len, next.len, mss)
	}
	if s.kernel.Old() {
		const site = "tcp_retrans_try_collapse"
		if b.sh.nrFrags != 0 || next.sh.nrFrags != 0 {
			return fmt.Errorf("%w: 2.6.26 collapses linear skbs only", ErrRefused)
		}
		if int(next.len) > b.Tailroom() {
			return fmt.Errorf("%w: %d bytes, %d of tailroom", ErrRefused, next.len, b.tailroom)
		}
		s.op++
		if !s.askMerge(MergeEvent{Kind: MergeCollapse, Dst: b, Src: next, Site: site}) {
			return fmt.Errorf("%w: by an observer", ErrRefused)
		}
		b.lin = append(append([]Run(nil), b.lin...), next.lin...)
		b.tailroom -= next.len
		b.len += next.len
	} else {
		if b.Shared() || next.Shared() {
			return fmt.Errorf("%w: tcp_collapse_retrans needs private skbs", ErrShared)
		}
		s.op++
		if next.len > 0 {
			if _, err := s.shift(b, next, next.len, MergeCollapse); err != nil {
				return err
			}
		}
	}
	b.CB.EndSeq = next.CB.EndSeq
	s.free(next)
	return nil
}
