package tcp

import "github.com/zcsim/zcsim/skb"

// Loss recovery: which segments are lost, when a recovery episode begins
// and ends, and what 6.18's cwnd is during it. The episode is Linux's
// congestion state machine reduced to what the model needs: Open (or
// Disorder), Recovery (fast recovery, Sender.inRecovery) and Loss (after an
// RTO, Sender.inLoss); both end when snd_una reaches high_seq
// (Sender.recoverSeq, snd_nxt when the episode began), and ssthresh is
// reduced once per episode, on entry.
//
// Sources (repository, file, function):
//   - 2.6.26: katadelos/linux-2.6.26-lab126 (kernel-semantics.md §0 "OLD"),
//     net/ipv4/tcp_input.c: tcp_ack (tcp_cong_avoid before
//     tcp_fastretrans_alert), tcp_fastretrans_alert, tcp_time_to_recover,
//     tcp_update_scoreboard and tcp_mark_head_lost (FACK, sysctl_tcp_fack
//     1: the first fackets_out - reordering segments are lost),
//     tcp_try_undo_partial (Hoe's retransmit: do_lost on a partial ACK),
//     tcp_try_undo_recovery (Reno holds Recovery until something above
//     high_seq is ACKed), tcp_complete_cwr, tcp_enter_loss,
//     tcp_mark_lost_retrans; net/ipv4/tcp_output.c: tcp_retransmit_skb
//     (ack_seq, lost_retrans_low), tcp_xmit_retransmit_queue.
//   - 6.18: torvalds/linux net/ipv4/tcp_input.c as stored for gregkh/linux
//     @03bab429 (§0 "NEWT"): tcp_ack, tcp_fastretrans_alert,
//     tcp_identify_packet_loss, tcp_time_to_recover (lost_out != 0),
//     tcp_enter_recovery, tcp_init_cwnd_reduction, tcp_cwnd_reduction
//     (PRR, RFC 6937), tcp_end_cwnd_reduction, tcp_cong_control,
//     tcp_mark_skb_lost, tcp_timeout_mark_lost, tcp_enter_loss,
//     tcp_clean_rtx_queue; net/ipv4/tcp_recovery.c (torvalds/linux text as
//     stored for Kingxukai/linux @0291023e): tcp_rack_reo_wnd,
//     tcp_rack_skb_timeout, tcp_rack_detect_loss, tcp_rack_mark_lost,
//     tcp_rack_advance, tcp_rack_reo_timeout, tcp_newreno_mark_lost;
//     net/ipv4/tcp_output.c: skb_still_in_host_queue (TSQ_THROTTLED),
//     tcp_tsq_write / tcp_tsq_handler, __tcp_retransmit_skb,
//     tcp_xmit_retransmit_queue; include/linux/skbuff.h: skb_fclone_busy.
//
// Simplified: no undo (DSACK, timestamps, F-RTO), no tail loss probe, no
// 2.6.26 rate halving (tcp_cwnd_down: cwnd is ssthresh from the start of
// fast recovery, as before), no 2.6.26 forward retransmission (RFC 3517
// rule 3), FACK head timeout or reordering detection (FACK stays on);
// tp->reordering stays 3. RACK's min_rtt is the least RTT sample ever (no
// 300 s window), from cumulative ACKs and SACKs of never-retransmitted
// skbs; its reordering window is min_rtt/4 (reo_wnd_steps 1), at most
// srtt, and 0 while no reordering was seen and in recovery or with at
// least 3 segments SACKed; the RACK reordering timer is a deadline of its
// own beside the RTO; a Loss episode (after an RTO) never turns into fast
// recovery; RTT samples for srtt and the RTO are taken as before (every
// freed never-retransmitted skb, no SACK samples).

// dupThresh is tp->reordering as sysctl_tcp_reordering sets it: the
// duplicate ACKs (Reno), or segments beyond a hole (FACK), that prove a loss.
const dupThresh = 3

// timeoutMin is TCP_TIMEOUT_MIN_US: the slack added to the RACK reordering
// timer (tcp_rack_mark_lost).
const timeoutMin = 2_000_000

// xmitInfo is what the sender keeps of an skb's last transmission: when
// (skb->skb_mstamp_ns, for RACK).
//
// ackSeq is TCP_SKB_CB(skb)->ack_seq as 2.6.26's tcp_retransmit_skb sets it:
// snd_nxt when the skb was last retransmitted.
type xmitInfo struct {
	at     int64
	ackSeq uint32
}

// rackState is tp->rack: the most recently sent skb among those delivered
// (its transmit time and end), the RTT of the last delivery, and whether
// a delivery was seen since the last loss detection.
type rackState struct {
	mstamp   int64
	endSeq   uint32
	rtt      int64
	advanced bool
}

// forget drops what the sender keeps about b when it leaves the queue.
func (s *Sender) forget(b *skb.Buff) {
	delete(s.sentAt, b)
	delete(s.lastTx, b)
	if s.tsqSkb == b {
		s.tsqSkb = nil
	}
}

// sentAfter is tcp_skb_sent_after: t1 is later than t2, or the same time
// and seq1 after seq2.
func sentAfter(t1, t2 int64, seq1, seq2 uint32) bool {
	return t1 > t2 || t1 == t2 && After(seq1, seq2)
}

// rackAdvance is tcp_rack_advance: an skb last sent at xmit, ending at end,
// was delivered (SACKed or ACKed) now. A retransmitted skb delivered sooner
// than min_rtt after its retransmission may be the original's delivery and
// teaches nothing.
func (s *Sender) rackAdvance(sacked uint8, end uint32, xmit, now int64) {
	rtt := now - xmit
	if sacked&(SackedRetrans|EverRetrans) != 0 && (s.minRTT < 0 || rtt < s.minRTT) {
		return
	}
	s.rack.advanced = true
	s.rack.rtt = rtt
	if sentAfter(xmit, s.rack.mstamp, end, s.rack.endSeq) {
		s.rack.mstamp, s.rack.endSeq = xmit, end
	}
}

// noteRTT keeps the least RTT sample (tcp_update_rtt_min, unwindowed), from
// cumulative ACKs and SACKs of never-retransmitted skbs.
func (s *Sender) noteRTT(r int64) {
	r = max(r, 0)
	if s.minRTT < 0 || r < s.minRTT {
		s.minRTT = r
	}
}

// reoWnd is tcp_rack_reo_wnd: no reordering window while none was seen and
// the sender is recovering or has dupthresh segments SACKed; otherwise
// min_rtt/4, at most srtt. (The model has no handshake, whose RTT sample
// the kernel's srtt starts from: until the first cumulative ACK's sample
// srtt bounds nothing.)
func (s *Sender) reoWnd() int64 {
	if !s.reordSeen && (s.inRecovery || s.inLoss || s.sackedSegs() >= dupThresh) {
		return 0
	}
	switch {
	case s.minRTT < 0:
		return s.srtt
	case s.srtt == 0:
		return s.minRTT / 4
	}
	return min(s.minRTT/4, s.srtt)
}

// rackDetectLoss is tcp_rack_detect_loss: an skb not SACKed (and not
// already lost and waiting for its retransmission) that was sent before the
// most recently sent delivered one is lost once the last delivery's RTT
// plus the reordering window has passed since it was sent. It returns how
// long the first of the others still to wait needs (0: none).
func (s *Sender) rackDetectLoss(now int64) int64 {
	reo := s.reoWnd()
	var wait int64
	for _, b := range s.q[:s.sent] {
		sk := b.CB.Sacked
		if sk&SackedAcked != 0 || sk&SackedLost != 0 && sk&SackedRetrans == 0 {
			continue
		}
		x := s.lastTx[b].at
		if !sentAfter(s.rack.mstamp, x, s.rack.endSeq, b.CB.EndSeq) {
			continue
		}
		if remaining := s.rack.rtt + reo - (now - x); remaining <= 0 {
			s.markLost(b)
		} else {
			wait = max(wait, remaining)
		}
	}
	return wait
}

// markLost is tcp_mark_skb_lost: a sent skb not SACKed is lost; one lost
// and retransmitted has lost its retransmission and goes again. tp->lost
// (lostSegs) counts both.
func (s *Sender) markLost(b *skb.Buff) {
	sk := b.CB.Sacked
	switch {
	case sk&SackedAcked != 0:
		return
	case sk&SackedLost != 0:
		if sk&SackedRetrans == 0 {
			return
		}
		b.CB.Sacked &^= SackedRetrans
	default:
		b.CB.Sacked |= SackedLost
	}
	s.lostSegs += s.pcount(b)
	s.anyLost = true
}

// lostOut reports whether some sent skb is marked lost (lost_out != 0).
func (s *Sender) lostOut() bool {
	for _, b := range s.q[:s.sent] {
		if b.CB.Sacked&(SackedLost|SackedAcked) == SackedLost {
			return true
		}
	}
	return false
}

// identifyLoss is tcp_identify_packet_loss: RACK with SACK (and its
// reordering timer when some skb must still wait), NewReno without.
func (s *Sender) identifyLoss(advanced bool, now int64) {
	if s.sent == 0 {
		return
	}
	if !s.cfg.SACK {
		s.newrenoMarkLost(advanced)
		return
	}
	if !s.rack.advanced {
		return
	}
	s.rack.advanced = false
	if wait := s.rackDetectLoss(now); wait > 0 {
		s.reoAt = now + wait + timeoutMin
	}
}

// newrenoMarkLost is tcp_newreno_mark_lost (RFC 6582, no SACK): after
// dupthresh duplicate ACKs, or on a partial ACK in recovery, the head is
// lost, cut to one segment first.
func (s *Sender) newrenoMarkLost(advanced bool) {
	if !(!s.inRecovery && !s.inLoss && s.dupAcks >= dupThresh || s.inRecovery && advanced) {
		return
	}
	b := s.q[0]
	if b.CB.Sacked&SackedLost != 0 {
		return
	}
	if s.pcount(b) > 1 && b.Len() > s.cfg.MSS {
		s.fragmentAt(0, s.cfg.MSS, true)
	}
	s.markLost(b)
}

// fastretransAlert is 6.18's tcp_fastretrans_alert, for an ACK that is a
// duplicate, carries new SACK information, or comes while not Open: an
// episode ends when snd_una reaches high_seq (tcp_end_cwnd_reduction: cwnd
// is ssthresh), except that without SACK Recovery holds until something
// above high_seq is ACKed; then losses are identified, and outside an
// episode a proven loss (lost_out != 0) begins fast recovery.
func (s *Sender) fastretransAlert(advanced bool, now int64) {
	if (s.inRecovery || s.inLoss) && !Before(s.sndUna, s.recoverSeq) {
		if !s.cfg.SACK && s.sndUna == s.recoverSeq {
			return // tcp_is_non_sack_preventing_reopen
		}
		if s.inRecovery {
			s.cwnd = max(s.ssthresh, 2)
		}
		s.inRecovery, s.inLoss = false, false
	}
	s.identifyLoss(advanced, now)
	if s.inRecovery || s.inLoss || !s.lostOut() {
		return
	}
	s.enterRecovery(now)
}

// markLostRetrans is 2.6.26's tcp_mark_lost_retrans (FACK, in fast
// recovery): a retransmission is lost when SACKs reach beyond snd_nxt as it
// was when it went out (its ack_seq): it is marked lost again. lostRetransLow
// is tp->lost_retrans_low, the least ack_seq of the retransmissions still
// believed in flight, below which nothing needs looking at.
func (s *Sender) markLostRetrans() {
	if !s.inRecovery || !After(s.fack, s.lostRetransLow) {
		return
	}
	low, any := s.sndNxt, false
	for _, b := range s.q[:s.sent] {
		if b.CB.Sacked&(SackedRetrans|SackedAcked) != SackedRetrans || !After(b.CB.EndSeq, s.sndUna) {
			continue
		}
		if a := s.lastTx[b].ackSeq; After(s.fack, a) {
			b.CB.Sacked = b.CB.Sacked&^SackedRetrans | SackedLost
			s.anyLost = true
		} else {
			low, any = min32(low, a), true
		}
	}
	if any {
		s.lostRetransLow = low
	}
}

// min32 is the earlier of two sequence numbers.
func min32(a, b uint32) uint32 {
	if Before(a, b) {
		return a
	}
	return b
}

// fastretransAlert2626 is 2.6.26's tcp_fastretrans_alert (FACK with SACK,
// Reno without): the episode ends as in 6.18 (tcp_complete_cwr); outside
// one, tcp_time_to_recover (a segment marked lost, or more than dupthresh
// segments up to the highest SACK, or dupthresh duplicate ACKs without
// SACK) begins fast recovery; tcp_update_scoreboard then marks the head
// lost: FACK the first fackets_out - dupthresh segments (at least one),
// Reno one segment. In recovery a partial ACK marks again (Hoe's
// retransmit) when FACK still sees more than dupthresh segments, always
// without SACK.
func (s *Sender) fastretransAlert2626(advanced, dupack bool, newlySacked int, now int64) {
	fackets := 0
	if s.cfg.SACK {
		fackets = s.facketsOut()
	}
	doLost := dupack || newlySacked > 0 && fackets > dupThresh
	if (s.inRecovery || s.inLoss) && !Before(s.sndUna, s.recoverSeq) {
		if !s.cfg.SACK && s.sndUna == s.recoverSeq {
			return // Reno holds the state (tcp_try_undo_recovery)
		}
		if s.inRecovery {
			s.cwnd = max(s.ssthresh, 2)
		}
		s.inRecovery, s.inLoss = false, false
	}
	fastRexmit := false
	switch {
	case s.inLoss:
		return // tcp_xmit_retransmit_queue: Push
	case s.inRecovery:
		if advanced {
			doLost = !s.cfg.SACK || fackets > dupThresh
		}
	default:
		if !s.lostOut() && !(s.cfg.SACK && fackets > dupThresh) && !(!s.cfg.SACK && s.dupAcks >= dupThresh) {
			return
		}
		s.enterRecovery(now)
		fastRexmit = true
	}
	if doLost || fastRexmit {
		lost := 1
		if s.cfg.SACK {
			lost = max(fackets-dupThresh, 1)
		}
		s.markHeadLost(lost)
	}
}

// facketsOut is 2.6.26's fackets_out: the segments from snd_una to the end
// of the highest SACKed skb.
func (s *Sender) facketsOut() int {
	n := 0
	for _, b := range s.q[:s.sent] {
		if After(b.CB.EndSeq, s.fack) {
			break
		}
		n += s.pcount(b)
	}
	return n
}

// markHeadLost is 2.6.26's tcp_mark_head_lost: the skbs within the first
// packets segments (and within high_seq) that are neither SACKed nor lost
// become lost. With SACK an skb that crosses the count is left; without,
// it is cut at the count (tcp_fragment) and its head marked.
func (s *Sender) markHeadLost(packets int) {
	cnt := 0
	for i := 0; i < s.sent; i++ {
		b := s.q[i]
		if After(b.CB.EndSeq, s.recoverSeq) {
			break
		}
		old := cnt
		cnt += s.pcount(b)
		if cnt > packets {
			if s.cfg.SACK || old >= packets {
				break
			}
			s.fragmentAt(i, (packets-old)*s.cfg.MSS, true)
			cnt = packets
		}
		if b.CB.Sacked&(SackedAcked|SackedLost) == 0 {
			s.markLost(b)
		}
	}
}

// cwndReduction is 6.18's tcp_cwnd_reduction, Proportional Rate Reduction
// (RFC 6937): with delivered segments newly ACKed or SACKed, newlyLost newly
// marked lost, advanced if snd_una moved. Above ssthresh it sends
// ssthresh/prior_cwnd of what was delivered; at or below, as much as was
// delivered (one more on an ACK that advanced without new losses), up to
// ssthresh; the first call always allows the fast retransmission.
func (s *Sender) cwndReduction(delivered, newlyLost int, advanced bool) {
	if delivered <= 0 || s.priorCwnd == 0 {
		return
	}
	s.prrDelivered += delivered
	inflight := s.inFlight()
	delta := s.ssthresh - inflight
	var sndcnt int
	if delta < 0 {
		sndcnt = (s.ssthresh*s.prrDelivered+s.priorCwnd-1)/s.priorCwnd - s.prrOut
	} else {
		sndcnt = max(s.prrDelivered-s.prrOut, delivered)
		if advanced && newlyLost == 0 {
			sndcnt++
		}
		sndcnt = min(delta, sndcnt)
	}
	if s.prrOut == 0 {
		sndcnt = max(sndcnt, 1)
	}
	s.cwnd = inflight + max(sndcnt, 0)
}

// rackReoTimeout is tcp_rack_reo_timeout: the reordering window has passed;
// the skbs whose wait is over are lost, and if any was, recovery begins
// (tcp_cwnd_reduction with one segment delivered) and they are
// retransmitted.
func (s *Sender) rackReoTimeout(now int64) {
	prior, priorLost := s.inFlight(), s.lostSegs
	if wait := s.rackDetectLoss(now); wait > 0 {
		s.reoAt = now + wait + timeoutMin
	}
	if prior == s.inFlight() {
		return
	}
	if !s.inRecovery {
		s.enterRecovery(now)
		if !s.cfg.Kernel.Old() {
			s.cwndReduction(1, s.lostSegs-priorLost, false)
		}
	}
	s.retransmitLost(now)
}

// tsqReady reports whether TSQ has work: a retransmission was refused
// (TSQ_THROTTLED) and the busy fast clone has been freed since (TX
// completion: tcp_wfree queues tcp_tsq_handler).
func (s *Sender) tsqReady() bool { return s.tsqSkb != nil && !s.tsqSkb.FcloneBusy() }
