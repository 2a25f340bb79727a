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
			if inflight > 0 && s.tsoShouldDefer(b, limit, now) {
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
	s.cwndValidate(now) // cc.go (CC owner): tcp_cwnd_validate, whether cwnd limits sending
}

// fragment is tso_fragment (unsent skb) or tcp_fragment (sent skb): b keeps
// its first at bytes, a new skb after it takes the rest (skb_split, §B15).
func (s *Sender) fragment(b *skb.Buff, at int, sent bool) {
	s.fragmentAt(slices.Index(s.q, b), at, sent)
}

// fragmentAt is fragment for q[i]. tcp_fragment unclones first
// (skb_unclone: pskb_expand_head, §B6): 2.6.26 only when the skb is cloned
// and nonlinear, 6.18 whenever it is cloned. The new skb inherits the tag
// bits and, for a sent skb, the time of the last transmission
// (buff->tstamp = skb->tstamp) and of the first, if an RTT may still be
// sampled from it.
func (s *Sender) fragmentAt(i, at int, sent bool) {
	b := s.q[i]
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
	s.q = slices.Insert(s.q, i+1, n)
	s.Stats.Fragments++
	if sent {
		s.sent++
		s.Stats.RetransSplits++
		if x, ok := s.lastTx[b]; ok {
			s.lastTx[n] = xmitInfo{at: x.at}
		}
		if t, ok := s.sentAt[b]; ok {
			s.sentAt[n] = t
		}
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
	s.Stats.SegmentsSent += s.pcount(b)
	if s.inRecovery {
		s.prrOut += s.pcount(b) // tcp_in_cwnd_reduction: PRR counts what is sent
	}
	if _, ok := s.sentAt[b]; !ok {
		s.sentAt[b] = now
	}
	x := s.lastTx[b]
	s.txClock = max(now, s.txClock+1)
	x.at = s.txClock
	s.lastTx[b] = x
	if s.rtoAt == 0 {
		s.rtoAt = now + s.rto<<s.backoff
	}
	return true
}

// retransmit is tcp_retransmit_skb for q[i], allowed segs segments by the
// congestion window. 6.18 refuses while the fast clone of the skb's last
// transmission is still in the host queue and the socket's
// (skb_still_in_host_queue, -EBUSY), and sets TSQ_THROTTLED: the TX
// completion of that clone brings it back (Timer, OnTimer). ACKed head
// bytes are trimmed (tcp_trim_head). 2.6.26 cuts an skb longer than the
// MSS to one segment (tcp_fragment); a smaller one may absorb the next
// (tcp_retrans_try_collapse, linear skbs only). 6.18 (__tcp_retransmit_skb)
// sends up to segs segments within the receive window, cutting the rest
// off (tcp_fragment), or else unclones the skb (skb_unclone_keeptruesize:
// pskb_expand_head if it is still cloned) and may collapse the next into a
// short one (tcp_collapse_retrans). Then it is transmitted (§B16).
func (s *Sender) retransmit(i, segs int, now int64) bool {
	b := s.q[i]
	if !s.cfg.Kernel.Old() && b.FcloneBusy() { // skb_still_in_host_queue
		s.Stats.Busy++
		s.tsqSkb, s.tsqAt = b, now
		return false
	}
	if Before(b.CB.Seq, s.sndUna) {
		if err := s.st.TrimHead(b, int(s.sndUna-b.CB.Seq)); err != nil {
			return false
		}
		resized(b)
	}
	mss := s.cfg.MSS
	if s.cfg.Kernel.Old() {
		if b.Len() > mss {
			s.fragmentAt(i, mss, true)
		} else if b.Len() < mss {
			s.tryCollapse(i)
		}
	} else {
		avail := int(int32(s.sndUna + uint32(s.sndWnd) - b.CB.Seq))
		if avail <= 0 {
			if b.CB.Seq != s.sndUna {
				return false // -EAGAIN: outside the receive window
			}
			avail = mss
		}
		limit := mss * max(segs, 1)
		if limit > avail {
			if limit = avail / mss * mss; limit == 0 {
				limit = avail
			}
		}
		if b.Len() > limit {
			s.fragmentAt(i, limit, true)
		} else {
			if b.Cloned() {
				_ = s.st.ExpandHead(b, 0, 0)
			}
			if b.Len() < min(avail, mss) {
				s.tryCollapse(i)
			}
		}
	}
	if !s.transmit(b, now) {
		return false
	}
	b.CB.Sacked |= SackedRetrans | EverRetrans
	delete(s.sentAt, b) // Karn: no RTT sample from a retransmitted skb
	x := s.lastTx[b]
	x.ackSeq = s.sndNxt
	s.lastTx[b] = x
	if !After(s.lostRetransLow, s.sndUna) {
		// A retransmission in flight has its ack_seq above snd_una: a
		// lost_retrans_low at or below it is stale (2.6.26 sets it to
		// snd_nxt when no retransmission is in flight).
		s.lostRetransLow = s.sndUna
	}
	n := s.pcount(b)
	s.Stats.Retransmits++
	s.Stats.RetransSegments += n
	return true
}

// tryCollapse is tcp_retrans_try_collapse for q[i]: the following sent,
// un-SACKed skb joins it if it fits in one segment.
func (s *Sender) tryCollapse(i int) {
	b := s.q[i]
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
	b.CB.Sacked |= next.CB.Sacked & EverRetrans
	s.q = slices.Delete(s.q, i+1, i+2)
	s.sent--
	s.forget(next)
	s.Stats.Collapses++
}

// retransmitLost is tcp_xmit_retransmit_queue: skbs marked lost and not
// yet retransmitted (and not SACKed) go again, in sequence order, while
// the congestion window allows; the walk stops at the first refusal. 6.18
// gives each as many segments as the window has room for, at most a TSO
// skb's worth (tcp_tso_segs: the size goal); 2.6.26 one segment each.
func (s *Sender) retransmitLost(now int64) {
	if !s.anyLost {
		return
	}
	inflight := s.inFlight()
	maxSegs := max(s.cfg.SizeGoal/s.cfg.MSS, 1)
	left := false
	for i := 0; i < s.sent; i++ {
		b := s.q[i]
		if b.CB.Sacked&(SackedLost|SackedRetrans|SackedAcked) != SackedLost {
			continue
		}
		segs := s.cwnd - inflight
		if segs <= 0 || !s.retransmit(i, min(segs, maxSegs), now) {
			left = true
			break
		}
		inflight += s.pcount(s.q[i])
	}
	s.anyLost = left
}

// tsoShouldDefer is tcp_tso_should_defer: whether to wait for ACKs rather
// than cut a piece of limit bytes off skb b, with data in flight. Both
// flavours send at once in recovery or loss (icsk_ca_state), when a
// full-sized skb fits (limit reaches the size goal), and when at least a
// third of the window is available (tcp_tso_win_divisor 3). 6.18 also
// sends at once when the last transmission is more than 1 ms old
// (tcp_wstamp_ns: no bursts after a pause), when b is not the queue's tail
// and fits whole, and when the head of the retransmit queue went out less
// than srtt/2 ago (its ACK would come too late). 2.6.26 defers for less
// than two jiffies (tp->tso_deferred, HZ 1000) and then sends.
func (s *Sender) tsoShouldDefer(b *skb.Buff, limit int, now int64) bool {
	if s.inRecovery || s.inLoss || limit >= s.sizeGoal() {
		s.tsoDeferred = 0
		return false
	}
	if chunk := min(s.sndWnd, s.cwnd*s.cfg.MSS) / 3; limit >= chunk {
		s.tsoDeferred = 0
		return false
	}
	if s.cfg.Kernel.Old() {
		if s.tsoDeferred != 0 && now-s.tsoDeferred >= 2*int64(1e9/ccHZ) {
			s.tsoDeferred = 0
			return false
		}
		if s.tsoDeferred == 0 {
			s.tsoDeferred = now
		}
		return true
	}
	if now-s.txClock > 1_000_000 {
		return false
	}
	if b != s.q[len(s.q)-1] && limit >= b.Len() {
		return false
	}
	if len(s.q) > 0 && s.sent > 0 {
		if head, ok := s.lastTx[s.q[0]]; ok && now-head.at < s.srtt/2 {
			return false
		}
	}
	return true
}
