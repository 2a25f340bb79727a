package tcp

import (
	"slices"

	"github.com/zcsim/zcsim/skb"
)

// Push is tcp_push → tcp_write_xmit: retransmit what is marked lost, then
// send new skbs while the congestion and receive windows allow, cutting an
// skb at the allowed size (tso_fragment) unless it is better to wait for
// ACKs (tcp_tso_should_defer), and holding a small last skb back while
// data is in flight (Nagle, unless Nodelay).
func (s *Sender) Push(now int64) {
	s.retransmitLost(now)
	inflight := s.inFlight()
	for s.sent < len(s.q) {
		b := s.q[s.sent]
		if b.Len() == 0 {
			break
		}
		if inflight >= s.cwnd {
			break
		}
		wndEnd := s.sndUna + uint32(s.sndWnd)
		if !Before(b.CB.Seq, wndEnd) {
			break
		}
		limit := min((s.cwnd-inflight)*s.cfg.MSS, int(wndEnd-b.CB.Seq))
		if b.Len() > limit {
			// tcp_tso_should_defer: with data in flight, wait for ACKs
			// rather than cut a small piece off a big skb (the window
			// allows less than a third of it: tcp_tso_win_divisor 3).
			if inflight > 0 && limit < min(s.sndWnd, s.cwnd*s.cfg.MSS)/3 {
				break
			}
			at := limit - limit%s.cfg.MSS
			if at == 0 {
				break
			}
			s.fragment(b, at, false)
		}
		if b.Len() < s.cfg.MSS && inflight > 0 && !s.cfg.Nodelay && s.sent == len(s.q)-1 {
			break // Nagle: wait for the ACK before sending a small segment
		}
		if !s.transmit(b, now) {
			break
		}
		inflight += s.pcount(b)
		s.sent++
		if After(b.CB.EndSeq, s.sndNxt) {
			s.sndNxt = b.CB.EndSeq
		}
	}
}

// fragment is tso_fragment (unsent skb) or tcp_fragment (sent skb): b keeps
// its first at bytes, a new skb after it takes the rest (skb_split, §B15).
// tcp_fragment unclones first: 2.6.26 only when b is cloned and nonlinear,
// 6.18 whenever it is cloned.
func (s *Sender) fragment(b *skb.Buff, at int, sent bool) {
	if sent && b.Cloned() && (!s.cfg.Kernel.Old() || b.DataLen() > 0) {
		_ = s.st.ExpandHead(b, 0, 0)
	}
	n, err := s.st.Split(b, at)
	if err != nil {
		panic("tcp: " + err.Error()) // the callers guarantee the preconditions
	}
	_ = s.st.HeaderRelease(n)
	resized(b, n)
	n.CB.Sacked = b.CB.Sacked
	i := slices.Index(s.q, b)
	s.q = slices.Insert(s.q, i+1, n)
	if sent {
		s.sent++
		s.Stats.RetransSplits++
	} else {
		s.Stats.TSOSplits++
	}
}

// transmit is tcp_transmit_skb: the device gets a clone, or a private copy
// (pskb_copy) when b is still cloned by an earlier transmit (§B16).
func (s *Sender) transmit(b *skb.Buff, now int64) bool {
	var c *skb.Buff
	var err error
	if b.Cloned() {
		c, err = s.st.PskbCopy(b)
	} else {
		c, err = s.st.Clone(b)
	}
	if err != nil {
		return false
	}
	s.xmit = append(s.xmit, c)
	s.Stats.Transmits++
	if _, ok := s.sentAt[b]; !ok {
		s.sentAt[b] = now
	}
	if s.rtoAt == 0 {
		s.rtoAt = now + s.rto<<s.backoff
	}
	return true
}

// retransmit is tcp_retransmit_skb: 6.18 refuses while the fast clone of b
// is still in the host queue (skb_still_in_host_queue, -EBUSY); ACKed head
// bytes are trimmed (tcp_trim_head), a skb longer than the MSS is cut to one
// segment (tcp_fragment), a small one may absorb the next (tcp_collapse_
// retrans; 2.6.26 linear skbs only), then it is transmitted (§B16).
func (s *Sender) retransmit(b *skb.Buff, now int64) bool {
	if !s.cfg.Kernel.Old() && b.FcloneBusy() {
		s.Stats.Busy++
		return false
	}
	if Before(b.CB.Seq, s.sndUna) {
		if err := s.st.TrimHead(b, int(s.sndUna-b.CB.Seq)); err != nil {
			return false
		}
		resized(b)
	}
	if b.Len() > s.cfg.MSS {
		s.fragment(b, s.cfg.MSS, true)
	} else if b.Len() < s.cfg.MSS {
		s.tryCollapse(b)
	}
	if !s.transmit(b, now) {
		return false
	}
	b.CB.Sacked |= SackedRetrans
	delete(s.sentAt, b) // Karn: no RTT sample from a retransmitted skb
	s.Stats.Retransmits++
	return true
}

// tryCollapse is tcp_retrans_try_collapse: the following sent, un-SACKed
// skb joins b if it fits in one segment.
func (s *Sender) tryCollapse(b *skb.Buff) {
	i := slices.Index(s.q, b)
	if i+1 >= s.sent {
		return
	}
	next := s.q[i+1]
	if next.CB.Sacked&SackedAcked != 0 || b.CB.Sacked&SackedAcked != 0 {
		return
	}
	if err := s.st.CollapseRetrans(b, next, s.cfg.MSS); err != nil {
		return
	}
	resized(b)
	s.q = slices.Delete(s.q, i+1, i+2)
	s.sent--
	delete(s.sentAt, next)
	s.Stats.Collapses++
}

// retransmitLost is tcp_xmit_retransmit_queue: skbs marked lost and not yet
// retransmitted go again while the congestion window allows.
func (s *Sender) retransmitLost(now int64) {
	if !s.anyLost {
		return
	}
	inflight := s.inFlight()
	left := false
	for i := 0; i < s.sent; i++ {
		b := s.q[i]
		if b.CB.Sacked&(SackedLost|SackedRetrans|SackedAcked) != SackedLost {
			continue
		}
		if inflight >= s.cwnd {
			left = true
			break
		}
		if s.retransmit(b, now) {
			inflight += s.pcount(b)
		} else {
			left = true
		}
	}
	s.anyLost = left
}
