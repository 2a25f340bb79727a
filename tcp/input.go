package tcp

import (
	"slices"

	"github.com/zcsim/zcsim/skb"
)

// OnAck processes an ACK arriving at now as tcp_ack does: the SACK
// scoreboard (tcp_sacktag_write_queue, sacktag.go: partly SACKed TSO skbs
// split at the block edge, 6.18's SACK shifting), the cumulative ACK
// (tcp_clean_rtx_queue: fully ACKed skbs freed, a partly ACKed TSO skb
// trimmed by tcp_trim_head), then, for a duplicate ACK, new SACK
// information or an ACK during an episode, loss detection and the recovery
// state (tcp_fastretrans_alert, recovery.go), congestion control (2.6.26:
// tcp_cong_avoid before tcp_fastretrans_alert; 6.18: tcp_cong_control
// after it, PRR during fast recovery), and Push, which retransmits what is
// lost (tcp_xmit_retransmit_queue) and sends new data.
func (s *Sender) OnAck(a Segment, now int64) {
	s.sndWnd = a.Wnd
	priorFack, priorLost := s.fack, s.lostSegs
	disorder := After(s.fack, s.sndUna) || s.anyLost // not Open: SACKed or lost data
	newlySacked := 0
	if s.cfg.SACK {
		newlySacked = s.sacktag(a.Sacks, now)
	}
	advanced := After(a.Ack, s.sndUna) && !After(a.Ack, s.sndNxt)
	dupack := false
	acked, delivered := 0, newlySacked
	switch {
	case advanced:
		var d int
		acked, d = s.cleanRtx(a.Ack, priorFack, now)
		delivered += d
		s.sndUna = a.Ack
		if Before(s.fack, s.sndUna) {
			s.fack = s.sndUna
		}
		s.dupAcks = 0
		s.backoff = 0
		s.retransmits, s.retransStamp = 0, 0
		s.rtoAt = 0
		if s.sent > 0 {
			s.rtoAt = now + s.rto
		} else {
			s.reoAt = 0
		}
	case a.Ack == s.sndUna && s.sent > 0:
		s.dupAcks++
		dupack = true
		if !s.cfg.SACK {
			delivered++ // tcp_add_reno_sack: a duplicate ACK stands for a segment delivered
		}
	}
	dubious := dupack || newlySacked > 0 || disorder || s.inRecovery || s.inLoss
	if s.cfg.Kernel.Old() {
		if advanced && !s.inRecovery {
			s.grow(acked, now)
		}
		if dubious {
			s.fastretransAlert2626(advanced, dupack, newlySacked, now)
		}
	} else {
		if dubious {
			s.fastretransAlert(advanced, now)
		}
		if s.inRecovery {
			s.cwndReduction(delivered, s.lostSegs-priorLost, advanced)
		} else if advanced {
			acked = delivered // tcp_cong_control: the segments newly delivered
			s.grow(acked, now)
		}
	}
	s.Push(now)
}

// enterRecovery is tcp_enter_recovery with tcp_init_cwnd_reduction (6.18)
// or the same step of 2.6.26's tcp_fastretrans_alert: high_seq is snd_nxt,
// ssthresh is reduced (once for the episode: a new reduction needs a new
// episode), and PRR starts from the cwnd of now (6.18); 2.6.26's cwnd is
// ssthresh at once (its rate halving is not modelled). The lost segments
// were marked before; Push retransmits them.
func (s *Sender) enterRecovery(now int64) {
	s.ssthresh = s.recoverySsthresh() // cc.go
	s.recoverSeq = s.sndNxt
	s.inRecovery, s.inLoss = true, false
	s.Stats.FastRetransmits++
	s.Stats.RecoveryEpisodes++
	if s.cfg.Kernel.Old() {
		s.cwnd = s.ssthresh
		return
	}
	s.priorCwnd, s.prrDelivered, s.prrOut = s.cwnd, 0, 0
}

// cleanRtx is tcp_clean_rtx_queue: free the skbs the ACK covers; trim a
// multi-segment skb it covers in part (tcp_tso_acked → tcp_trim_head, §B17).
// It returns the segments newly acknowledged and, of those, the ones not
// SACKed before (newly delivered). An skb delivered now tells RACK (6.18:
// tcp_rack_advance), and a never-retransmitted one below priorFack, the
// highest SACK before this ACK, was reordered. The freed skbs leave the
// write queue by shifting the rest down (slices.Delete clears the vacated
// slots), so the queue's backing array never keeps freed skbs and stays as
// large as the most skbs queued at once.
func (s *Sender) cleanRtx(ack, priorFack uint32, now int64) (acked, delivered int) {
	n := 0
	for ; n < s.sent; n++ {
		b := s.q[n]
		sk := b.CB.Sacked
		if After(b.CB.EndSeq, ack) {
			if After(ack, b.CB.Seq) && s.pcount(b) > 1 {
				before := s.pcount(b)
				if s.st.TrimHead(b, int(ack-b.CB.Seq)) == nil {
					resized(b)
					s.Stats.PartialAcks++
					acked += before - s.pcount(b)
					s.cumDelivered(b, sk, before-s.pcount(b), priorFack, &delivered, now)
				}
			}
			break
		}
		acked += s.pcount(b)
		s.cumDelivered(b, sk, s.pcount(b), priorFack, &delivered, now)
		if t, ok := s.sentAt[b]; ok {
			s.sampleRTT(now - t)
			s.noteRTT(now - t)
		}
		s.forget(b)
		s.st.Free(b)
	}
	s.q = slices.Delete(s.q, 0, n)
	s.sent -= n
	return acked, delivered
}

// cumDelivered accounts n segments of b, whose tag bits were sk, cumulatively
// ACKed now: newly delivered unless SACKed before; RACK (6.18) learns of
// them, and a never-retransmitted hole below priorFack filled by them was
// reordering (tcp_check_sack_reordering).
func (s *Sender) cumDelivered(b *skb.Buff, sk uint8, n int, priorFack uint32, d *int, now int64) {
	if sk&SackedAcked != 0 {
		return
	}
	*d += n
	if s.cfg.Kernel.Old() || !s.cfg.SACK {
		return
	}
	s.rackAdvance(sk, b.CB.EndSeq, s.lastTx[b].at, now)
	if sk&(SackedRetrans|EverRetrans) == 0 && Before(b.CB.Seq, priorFack) {
		s.reordSeen = true
	}
}

// sampleRTT is the RFC 6298 estimator; rto = srtt + 4 rttvar, bounded.
func (s *Sender) sampleRTT(r int64) {
	s.cc.rtt = r // cc.go: the ACK's RTT sample for congestion control
	if s.srtt == 0 {
		s.srtt, s.rttvar = r, r/2
	} else {
		d := s.srtt - r
		if d < 0 {
			d = -d
		}
		s.rttvar = (3*s.rttvar + d) / 4
		s.srtt = (7*s.srtt + r) / 8
	}
	s.rto = min(max(s.srtt+4*s.rttvar, s.cfg.RTOMin), s.cfg.RTOMax)
}

// sackedSegs is tp->sacked_out: the segments SACKed.
func (s *Sender) sackedSegs() int {
	n := 0
	for _, b := range s.q[:s.sent] {
		if b.CB.Sacked&SackedAcked != 0 {
			n += s.pcount(b)
		}
	}
	return n
}

// OnTimer runs what is due at now. A retransmission refused because its
// fast clone was busy goes once the clone's TX completion came (6.18 TSQ:
// tcp_wfree → tcp_tsq_handler → tcp_tsq_write, here Push). RACK's
// reordering timer marks the skbs whose wait is over lost
// (tcp_rack_reo_timeout). The retransmission timeout (tcp_retransmit_timer
// → tcp_enter_loss) starts a Loss episode: the window collapses to one
// segment, every unSACKed sent skb is marked lost (6.18,
// tcp_timeout_mark_lost: except, after the head, those sent less than
// RACK's RTT ago), the timeout backs off exponentially, and the first is
// retransmitted.
func (s *Sender) OnTimer(now int64) {
	if s.tsqReady() {
		s.tsqSkb = nil
		s.Push(now)
	}
	if s.reoAt != 0 && now >= s.reoAt {
		s.reoAt = 0
		s.rackReoTimeout(now)
	}
	if s.rtoAt == 0 || now < s.rtoAt {
		return
	}
	s.rtoAt = 0
	if s.sent == 0 {
		return
	}
	if s.writeTimeout(now) {
		s.TimedOut = true
		s.Reset()
		return
	}
	s.retransmits++
	if s.retransStamp == 0 {
		s.retransStamp = now
	}
	s.Stats.RTOs++
	s.ssthresh = s.lossSsthresh(now) // cc.go
	s.cwnd, s.cwndCnt = 1, 0
	// A new episode unless one is under way: tcp_enter_loss reduces
	// ssthresh only outside one, at high_seq, or in Loss after progress
	// (icsk_retransmits was 0).
	if !s.inRecovery && !s.inLoss || s.inRecovery && !After(s.recoverSeq, s.sndUna) || s.inLoss && s.retransmits == 1 {
		s.Stats.RecoveryEpisodes++
	}
	s.inRecovery, s.dupAcks = false, 0
	s.inLoss, s.recoverSeq, s.reoAt = true, s.sndNxt, 0
	for i, b := range s.q[:s.sent] {
		if s.cfg.Kernel.Old() {
			if b.CB.Sacked&SackedAcked == 0 {
				b.CB.Sacked |= SackedLost
				b.CB.Sacked &^= SackedRetrans
				s.anyLost = true
			}
			continue
		}
		if i > 0 && s.rack.rtt-(now-s.lastTx[b].at) > 0 {
			continue // tcp_rack_skb_timeout > 0: sent too recently
		}
		s.markLost(b)
	}
	if s.rto<<(s.backoff+1) <= s.cfg.RTOMax {
		s.backoff++
	}
	s.Push(now)
	if s.rtoAt == 0 && s.sent > 0 {
		s.rtoAt = now + s.rto<<s.backoff
	}
}

// Retries2 is net.ipv4.tcp_retries2's default: how many unsuccessful
// retransmissions by timeout a connection survives.
const Retries2 = 15

// writeTimeout is tcp_write_timeout for an established socket: has the
// connection retransmitted by timeout without progress for too long? In
// 2.6.26 it gives up after Retries2 timeouts (icsk_retransmits >=
// sysctl_tcp_retries2); in 6.18 once the time since the first of them
// (retrans_stamp) reaches what Retries2 exponentially backed-off timeouts
// starting at RTOMin take (retransmits_timed_out, tcp_model_timeout: with
// the 200 ms minimum and 120 s maximum, 924.6 s). Then tcp_write_err
// aborts the connection (ETIMEDOUT) and tcp_done purges its queues.
// Simplified: retrans_stamp is the time of the first timeout, not the
// head skb's original send time.
func (s *Sender) writeTimeout(now int64) bool {
	if s.cfg.Kernel.Old() {
		return s.retransmits >= Retries2
	}
	return s.retransmits > 0 && now-s.retransStamp >= modelTimeout(Retries2, s.cfg.RTOMin, s.cfg.RTOMax)
}

// modelTimeout is tcp_model_timeout: the time boundary timeouts take when
// the first is rtoBase and each doubles up to rtoMax (ns).
func modelTimeout(boundary int, rtoBase, rtoMax int64) int64 {
	thresh := 0
	for rtoBase<<(thresh+1) <= rtoMax {
		thresh++
	}
	if boundary <= thresh {
		return (2<<boundary - 1) * rtoBase
	}
	return (2<<thresh-1)*rtoBase + int64(boundary-thresh)*rtoMax
}

// Reset purges every queue (tcp_write_queue_purge on a reset): all skbs
// are freed; clones still in the device live on until TX completion.
func (s *Sender) Reset() {
	for _, b := range s.q {
		s.st.Free(b)
	}
	s.q, s.sent = nil, 0
	s.rtoAt, s.reoAt, s.tsqSkb = 0, 0, nil
	clear(s.sentAt)
	clear(s.lastTx)
}
