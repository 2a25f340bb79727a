package tcp

import (
	"slices"

	"github.com/zcsim/zcsim/skb"
)

// OnAck processes an ACK arriving at now: the SACK scoreboard (with 6.18's
// SACK shifting), the cumulative ACK (tcp_clean_rtx_queue: fully ACKed skbs
// freed, a partly ACKed TSO skb trimmed by tcp_trim_head), Reno congestion
// control, three duplicate ACKs → fast retransmit, then Push.
func (s *Sender) OnAck(a Segment, now int64) {
	s.sndWnd = a.Wnd
	newlySacked := 0
	if s.cfg.SACK {
		newlySacked = s.markSacked(a.Sacks)
	}
	switch {
	case After(a.Ack, s.sndUna) && !After(a.Ack, s.sndNxt):
		acked := s.cleanRtx(a.Ack, now)
		s.sndUna = a.Ack
		s.dupAcks = 0
		s.backoff = 0
		s.retransmits, s.retransStamp = 0, 0
		if s.inRecovery {
			if !Before(a.Ack, s.recoverSeq) {
				s.inRecovery = false
				s.cwnd = max(s.ssthresh, 2)
			} else if len(s.q) > 0 && s.sent > 0 {
				s.retransmit(s.q[0], now) // NewReno partial ACK: the next hole
			}
		} else {
			s.grow(acked)
		}
		s.rtoAt = 0
		if s.sent > 0 {
			s.rtoAt = now + s.rto
		}
	case a.Ack == s.sndUna && s.sent > 0:
		s.dupAcks++
		if !s.inRecovery && (s.dupAcks >= 3 || s.cfg.SACK && s.sackedSegs() >= 3 && newlySacked > 0) {
			s.enterRecovery(now)
		}
	}
	s.Push(now)
}

// grow is Reno: slow start below ssthresh, then one segment per window.
func (s *Sender) grow(ackedSegs int) {
	for range ackedSegs {
		if s.cwnd < s.ssthresh {
			s.cwnd++
			continue
		}
		s.cwndCnt++
		if s.cwndCnt >= s.cwnd {
			s.cwndCnt = 0
			s.cwnd++
		}
	}
}

// enterRecovery is fast retransmit: halve, mark the first unSACKed skb
// lost and retransmit it.
func (s *Sender) enterRecovery(now int64) {
	s.ssthresh = max(s.inFlight()/2, 2)
	s.cwnd = s.ssthresh
	s.inRecovery = true
	s.recoverSeq = s.sndNxt
	s.Stats.FastRetransmits++
	for _, b := range s.q[:s.sent] {
		if b.CB.Sacked&SackedAcked == 0 {
			b.CB.Sacked |= SackedLost
			b.CB.Sacked &^= SackedRetrans
			s.anyLost = true
			s.retransmit(b, now)
			return
		}
	}
}

// cleanRtx is tcp_clean_rtx_queue: free the skbs the ACK covers; trim a
// multi-segment skb it covers in part (tcp_tso_acked → tcp_trim_head, §B17).
// It returns the segments newly acknowledged. The freed skbs leave the
// write queue by shifting the rest down (slices.Delete clears the vacated
// slots), so the queue's backing array never keeps freed skbs and stays as
// large as the most skbs queued at once.
func (s *Sender) cleanRtx(ack uint32, now int64) int {
	acked, n := 0, 0
	for ; n < s.sent; n++ {
		b := s.q[n]
		if After(b.CB.EndSeq, ack) {
			if After(ack, b.CB.Seq) && s.pcount(b) > 1 {
				before := s.pcount(b)
				if s.st.TrimHead(b, int(ack-b.CB.Seq)) == nil {
					resized(b)
					s.Stats.PartialAcks++
					acked += before - s.pcount(b)
				}
			}
			break
		}
		acked += s.pcount(b)
		if t, ok := s.sentAt[b]; ok {
			s.sampleRTT(now - t)
			delete(s.sentAt, b)
		}
		s.st.Free(b)
	}
	s.q = slices.Delete(s.q, 0, n)
	s.sent -= n
	return acked
}

// sampleRTT is the RFC 6298 estimator; rto = srtt + 4 rttvar, bounded.
func (s *Sender) sampleRTT(r int64) {
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

// markSacked tags the sent skbs the blocks cover whole (tcp_sacktag_write_
// queue; partly covered skbs are not split in this model) and, in 6.18,
// shifts a newly SACKed skb into the SACKed skb before it when they are
// contiguous (tcp_shift_skb_data → skb_shift, §B11). It returns how many
// skbs were newly SACKed.
func (s *Sender) markSacked(blocks []SackBlock) int {
	if len(blocks) == 0 {
		return 0
	}
	n := 0
	for i := 0; i < s.sent; i++ {
		b := s.q[i]
		if b.CB.Sacked&SackedAcked != 0 || !covered(b, blocks) {
			continue
		}
		b.CB.Sacked |= SackedAcked
		b.CB.Sacked &^= SackedLost
		n++
		if s.cfg.Kernel.Old() || i == 0 {
			continue
		}
		prev := s.q[i-1]
		if prev.CB.Sacked&SackedAcked == 0 || prev.CB.EndSeq != b.CB.Seq {
			continue
		}
		if moved, err := s.st.Shift(prev, b, b.Len()); err == nil && moved > 0 {
			resized(prev, b)
			s.Stats.Shifts++
			prev.CB.EndSeq = b.CB.Seq + uint32(moved)
			if b.Len() == 0 {
				s.q = slices.Delete(s.q, i, i+1)
				s.sent--
				delete(s.sentAt, b)
				s.st.Free(b)
				i--
			} else {
				b.CB.Seq += uint32(moved)
			}
		}
	}
	return n
}

func covered(b *skb.Buff, blocks []SackBlock) bool {
	for _, k := range blocks {
		if !Before(b.CB.Seq, k.Start) && !After(b.CB.EndSeq, k.End) {
			return true
		}
	}
	return false
}

func (s *Sender) sackedSegs() int {
	n := 0
	for _, b := range s.q[:s.sent] {
		if b.CB.Sacked&SackedAcked != 0 {
			n += s.pcount(b)
		}
	}
	return n
}

// OnTimer fires the retransmission timeout if its deadline has come: the
// window collapses to one segment, every unSACKed sent skb is marked lost,
// the timeout backs off exponentially, and the first is retransmitted.
func (s *Sender) OnTimer(now int64) {
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
	s.ssthresh = max(s.inFlight()/2, 2)
	s.cwnd, s.cwndCnt = 1, 0
	s.inRecovery, s.dupAcks = false, 0
	for _, b := range s.q[:s.sent] {
		if b.CB.Sacked&SackedAcked == 0 {
			b.CB.Sacked |= SackedLost
			b.CB.Sacked &^= SackedRetrans
			s.anyLost = true
		}
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
	s.rtoAt = 0
	clear(s.sentAt)
}
