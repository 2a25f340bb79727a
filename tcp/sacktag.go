package tcp

import "github.com/zcsim/zcsim/skb"

// SACK tagging: the retransmit queue is tagged segment by segment, not skb
// by skb. A TSO skb the SACK blocks cover in part is split at the block's
// edge (tcp_fragment, which unclones a still-cloned skb first: the
// pskb_expand_head of kernel-semantics §B6 arising on its own), and the
// covered part is tagged; in 6.18 a newly SACKed head is first shifted into
// the SACKed skb before it when skb_shift allows (§B11).
//
// Sources (repository, file, function):
//   - 2.6.26: katadelos/linux-2.6.26-lab126 (kernel-semantics.md §0 "OLD"),
//     net/ipv4/tcp_input.c: tcp_sacktag_write_queue, tcp_sacktag_walk,
//     tcp_match_skb_to_sack (the split is at the block's edge exactly),
//     tcp_sacktag_one; net/ipv4/tcp_output.c: tcp_fragment.
//   - 6.18: torvalds/linux net/ipv4/tcp_input.c as stored for gregkh/linux
//     @03bab429 (§0 "NEWT"): tcp_sacktag_write_queue (blocks sorted, the
//     recv_sack_cache skip), tcp_sacktag_walk, tcp_shift_skb_data,
//     tcp_shifted_skb, tcp_skb_seglen, skb_can_shift, tcp_match_skb_to_sack
//     (the split rounded to whole segments: the SACKed part is pcount
//     segments of the skb's MSS), tcp_sacktag_one (tcp_rack_advance, the
//     reordering test), tcp_is_sackblock_valid.
//
// Simplified: no DSACK (the receiver sends none); the cache is the previous
// ACK's blocks, used while any SACKed data is above snd_una; reordering
// only sets reord_seen (tp->reordering stays sysctl_tcp_reordering, 3, and
// 2.6.26 never leaves FACK).

// sacktag is tcp_sacktag_write_queue: the valid blocks, sorted by start,
// tag the sent skbs they cover; parts already tagged for the previous ACK
// (recv_sack_cache) are not walked again. It returns the segments newly
// SACKed.
func (s *Sender) sacktag(blocks []SackBlock, now int64) int {
	var sp [NumSacks]SackBlock
	n := 0
	for _, k := range blocks {
		// tcp_is_sackblock_valid: inside (snd_una, snd_nxt], non-empty.
		if n == len(sp) || !Before(k.Start, k.End) || After(k.End, s.sndNxt) || !After(k.End, s.sndUna) {
			continue
		}
		sp[n] = k
		n++
	}
	for i := 1; i < n; i++ { // order the blocks for an in-order walk
		for j := i; j > 0 && After(sp[j-1].Start, sp[j].Start); j-- {
			sp[j-1], sp[j] = sp[j], sp[j-1]
		}
	}
	cache := s.sackCache[:s.nCache]
	if !After(s.fack, s.sndUna) {
		cache = nil // !tp->sacked_out: the cache is not consulted
	}
	newly := 0
	for _, k := range sp[:n] {
		cur := k.Start
		for _, c := range cache {
			if !After(k.End, c.Start) {
				break
			}
			if !Before(cur, c.End) {
				continue
			}
			if Before(cur, c.Start) {
				newly += s.sacktagWalk(cur, c.Start, now)
			}
			cur = c.End
			if !Before(cur, k.End) {
				break
			}
		}
		if Before(cur, k.End) {
			newly += s.sacktagWalk(cur, k.End, now)
		}
	}
	s.nCache = copy(s.sackCache[:], sp[:n])
	if s.cfg.Kernel.Old() {
		s.markLostRetrans()
	}
	return newly
}

// firstAfter is the index of the first sent skb whose end is after seq
// (the queue is in sequence order).
func (s *Sender) firstAfter(seq uint32) int {
	lo, hi := 0, s.sent
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if After(s.q[m].CB.EndSeq, seq) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// sacktagWalk is tcp_sacktag_walk over [start, end): each sent skb there is
// shifted into the SACKed skb before it (6.18, tcp_shift_skb_data) or
// matched against the block, split if it is covered in part
// (tcp_match_skb_to_sack), and tagged (tcp_sacktag_one).
func (s *Sender) sacktagWalk(start, end uint32, now int64) int {
	newly := 0
	i := s.firstAfter(start)
	for i < s.sent && Before(s.q[i].CB.Seq, end) {
		if !s.cfg.Kernel.Old() {
			next, n, handled := s.shiftSkbData(i, start, end, now)
			if handled {
				newly += n
				i = next
				continue
			}
		}
		in := s.matchSkbToSack(i, start, end)
		if in < 0 {
			break
		}
		if in > 0 {
			b := s.q[i]
			newly += s.sacktagOne(b.CB.Sacked, b, b.CB.Seq, b.CB.EndSeq, s.pcount(b), now)
		}
		i++
	}
	return newly
}

// matchSkbToSack is tcp_match_skb_to_sack: 1 if the sent skb q[i] lies in
// [start, end), 0 if not, -1 if the walk must stop. A multi-segment skb the
// block covers in part is split at the block's edge (tcp_fragment): q[i]
// keeps the part before it, which is in the block if the block covers the
// skb's head. 2.6.26 splits at the edge exactly; 6.18 rounds to whole
// segments (the uncovered head up, the covered head down) and gives up on
// a covered head shorter than one segment.
func (s *Sender) matchSkbToSack(i int, start, end uint32) int {
	b := s.q[i]
	in := !After(start, b.CB.Seq) && !Before(end, b.CB.EndSeq)
	if in || s.pcount(b) <= 1 || !After(b.CB.EndSeq, start) {
		if in {
			return 1
		}
		return 0
	}
	mss := s.cfg.MSS // tcp_skb_mss: the skb's gso_size
	in = !After(start, b.CB.Seq)
	pktLen := int(start - b.CB.Seq)
	if in {
		pktLen = int(end - b.CB.Seq)
	}
	if !s.cfg.Kernel.Old() {
		if !in && pktLen < mss {
			pktLen = mss
		} else if in && pktLen < mss {
			return -1 // -EINVAL
		}
		if pktLen > mss {
			l := pktLen / mss * mss
			if !in && l < pktLen {
				l += mss
			}
			pktLen = l
		}
		if pktLen >= b.Len() && !in {
			return 0
		}
	}
	s.fragmentAt(i, pktLen, true)
	s.Stats.SackSplits++
	if in {
		return 1
	}
	return 0
}

// sacktagOne is tcp_sacktag_one for [start, end) of pcount segments of an
// skb whose tag bits are sacked, last sent at s.lastTx[b]: RACK learns of the
// delivery (tcp_rack_advance), a never-retransmitted range below the
// highest SACK is reordering, and the range loses its lost mark (and its
// retransmitted mark with it). It returns the segments newly SACKed; b's
// bits become SACKed unless the range was shifted away from b.
func (s *Sender) sacktagOne(sacked uint8, b *skb.Buff, start, end uint32, pcount int, now int64) int {
	if sacked&SackedAcked != 0 || !After(end, s.sndUna) {
		return 0
	}
	s.rackAdvance(sacked, end, s.lastTx[b].at, now)
	if sacked&SackedRetrans != 0 {
		if sacked&SackedLost != 0 {
			sacked &^= SackedLost | SackedRetrans
		}
	} else {
		if sacked&EverRetrans == 0 {
			if Before(start, s.fack) {
				s.reordSeen = true // tcp_check_sack_reordering
			}
			s.noteRTT(now - s.lastTx[b].at) // the SACK's RTT sample (last_sackt)
		}
		sacked &^= SackedLost
	}
	if start == b.CB.Seq && end == b.CB.EndSeq {
		b.CB.Sacked = sacked | SackedAcked
	}
	if After(end, s.fack) {
		s.fack = end // tcp_advance_highest_sack
	}
	return pcount
}

// seglen is tcp_skb_seglen: the skb's length if it is one segment, else
// its MSS.
func (s *Sender) seglen(b *skb.Buff) int {
	if s.pcount(b) == 1 {
		return b.Len()
	}
	return s.cfg.MSS
}

// shiftSkbData is 6.18's tcp_shift_skb_data for the sent skb q[i] and the
// block [start, end): if the skb before it is SACKed (and nothing else),
// the newly SACKed whole segments at q[i]'s head move into it with
// skb_shift (tcp_skb_shift), are tagged there (tcp_shifted_skb), and an
// emptied q[i] is freed; then a SACKed skb after the hole that was filled
// joins too. handled is false when the kernel falls back to
// tcp_match_skb_to_sack; otherwise next is where the walk goes on and
// newly the segments newly SACKed.
func (s *Sender) shiftSkbData(i int, start, end uint32, now int64) (next, newly int, handled bool) {
	b := s.q[i]
	if b.CB.Sacked&(SackedLost|SackedRetrans) == SackedRetrans || b.HeadLen() != 0 || b.DataLen() == 0 ||
		!After(b.CB.EndSeq, s.sndUna) || i == 0 {
		return 0, 0, false
	}
	prev := s.q[i-1]
	if prev.CB.Sacked&(SackedAcked|SackedRetrans|SackedLost) != SackedAcked {
		return 0, 0, false
	}
	var length, pcount, mss int
	if !After(start, b.CB.Seq) && !Before(end, b.CB.EndSeq) {
		length, pcount, mss = b.Len(), s.pcount(b), s.seglen(b)
		if mss != s.seglen(prev) {
			return 0, 0, false
		}
	} else {
		if !After(b.CB.EndSeq, start) || s.pcount(b) <= 1 {
			return i + 1, 0, true // noop
		}
		if After(start, b.CB.Seq) {
			return 0, 0, false
		}
		length, mss = int(end-b.CB.Seq), s.cfg.MSS
		if mss != s.seglen(prev) {
			return 0, 0, false
		}
		if length < mss {
			return i + 1, 0, true // noop
		}
		pcount = length / mss
		length = pcount * mss
	}
	if !After(b.CB.Seq+uint32(length), s.sndUna) {
		return 0, 0, false
	}
	if moved, err := s.st.Shift(prev, b, length); err != nil || moved != length {
		return 0, 0, false
	}
	newly = s.shifted(i-1, i, pcount, length, now)
	// Hole filled: a SACKed skb of the same MSS right after joins too.
	if j := i; j < s.sent && s.q[j-1] == prev {
		nb := s.q[j]
		if nb.HeadLen() == 0 && nb.DataLen() > 0 && nb.CB.Sacked&(SackedAcked|SackedRetrans|SackedLost) == SackedAcked &&
			s.seglen(nb) == mss {
			l := nb.Len()
			if moved, err := s.st.Shift(prev, nb, l); err == nil && moved == l {
				newly += s.shifted(j-1, j, s.pcount(nb), l, now)
			}
		}
	}
	return s.indexAfter(prev, i-1), newly, true
}

// indexAfter is the index after prev, which is at hint or before it.
func (s *Sender) indexAfter(prev *skb.Buff, hint int) int {
	for hint > 0 && s.q[hint] != prev {
		hint--
	}
	return hint + 1
}

// shifted is tcp_shifted_skb: length bytes (pcount segments) moved from the
// head of q[i] to the tail of q[p] (the skb before it) are tagged SACKed,
// the sequence ranges follow, and q[i], if emptied, leaves the queue and
// is freed. It returns the segments newly SACKed.
func (s *Sender) shifted(p, i, pcount, length int, now int64) int {
	prev, b := s.q[p], s.q[i]
	start := b.CB.Seq
	newly := s.sacktagOne(b.CB.Sacked, b, start, start+uint32(length), pcount, now)
	prev.CB.EndSeq += uint32(length)
	b.CB.Seq += uint32(length)
	prev.CB.Sacked |= b.CB.Sacked & EverRetrans
	resized(prev, b)
	s.Stats.Shifts++
	if b.Len() == 0 {
		s.unlink(i)
		s.st.Free(b)
	}
	return newly
}

// unlink takes the sent skb q[i] out of the queue and forgets what the
// sender kept about it; the caller frees it.
func (s *Sender) unlink(i int) {
	b := s.q[i]
	copy(s.q[i:], s.q[i+1:])
	s.q[len(s.q)-1] = nil
	s.q = s.q[:len(s.q)-1]
	s.sent--
	s.forget(b)
}
