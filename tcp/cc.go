package tcp

import "math/bits"

// Congestion control: Reno and CUBIC (with 6.18's HyStart), as the two
// kernels implement them, and the tcp_is_cwnd_limited gate in front of both.
// Everything is integer arithmetic on the kernel's own units (jiffies,
// microseconds, segments); time comes in as ns from the caller.
//
// Sources (repository, file, function):
//   - 2.6.26: katadelos/linux-2.6.26-lab126 (kernel-semantics.md §0 "OLD"),
//     net/ipv4/tcp_cubic.c (CUBIC v2.2: bictcp_update, bictcp_cong_avoid,
//     bictcp_recalc_ssthresh, bictcp_state, bictcp_acked, cubic_root,
//     cubictcp_register), net/ipv4/tcp_cong.c (tcp_is_cwnd_limited,
//     tcp_slow_start, tcp_reno_cong_avoid, tcp_reno_ssthresh),
//     net/ipv4/tcp_input.c (tcp_ack's prior_in_flight, tcp_clean_rtx_queue's
//     pkts_acked call, tcp_enter_loss, tcp_fastretrans_alert),
//     net/ipv4/tcp_output.c (tcp_current_mss's xmit_size_goal).
//   - 6.18: mainline as stored for Kingxukai/linux @9b44fff6, whose
//     Makefile says 6.17-rc4 (CUBIC v2.3 with HyStart; assumed unchanged
//     in 6.18 — the August 2024 netdev proposals to refresh ca->cnt at
//     least once per RTT (Zhang, Xu) or to keep last_time in µs (Dumazet)
//     are not in it): net/ipv4/tcp_cubic.c (cubictcp_init,
//     cubictcp_cwnd_event, bictcp_update, cubictcp_cong_avoid,
//     cubictcp_recalc_ssthresh, cubictcp_state, hystart_ack_delay,
//     hystart_update, cubictcp_acked, cubictcp_register), net/ipv4/tcp_cong.c
//     @0291023e (tcp_slow_start, tcp_cong_avoid_ai, tcp_reno_cong_avoid,
//     tcp_reno_ssthresh), include/net/tcp.h (tcp_is_cwnd_limited: "if
//     is_cwnd_limited return true; in slow start cwnd < 2*max_packets_out"),
//     net/ipv4/tcp_output.c (tcp_cwnd_validate, tcp_write_xmit,
//     tcp_tso_should_defer, tcp_update_pacing_rate), net/ipv4/tcp.c
//     (tcp_xmit_size_goal), net/ipv4/tcp_input.c (tcp_cong_control,
//     tcp_enter_loss).
//
// Assumed: CONFIG_HZ=1000 in both flavours (ccHZ) and jiffies starting at
// INITIAL_JIFFIES (a machine booted less than five minutes before the
// connection: 2.6.26's bictcp_acked then discards delay samples until the
// first CUBIC epoch, as its unguarded epoch_start test does). No fq qdisc
// (sk_pacing_status SK_PACING_NONE), no TCP timestamps, sysctls at their
// defaults (tcp_abc 0 and tcp_reordering 3 in 2.6.26; hystart 1,
// hystart_detect 3, hystart_low_window 16, hystart_ack_delta_us 2000,
// tcp_pacing_ss_ratio 200, tcp_pacing_ca_ratio 120 in 6.18).
//
// Simplified: pkts_acked (the RTT sample, HyStart, 2.6.26's delayed-ACK
// ratio) runs only for ACKs that reach grow, not in recovery; the RTT
// sample is that of the newest skb the ACK acknowledged cumulatively
// (ca_rtt_us / ca_seq_rtt), never a SACK's; no undo (undo_cwnd), no
// RFC 2861 window decay after idle (tcp_cwnd_application_limited), no
// slow start after idle; 6.18's pacing rate, which only hystart_ack_delay
// reads, is computed when it is read, from the current cwnd and srtt.

// Config.CC values.
const (
	// CCCubic is CUBIC, both kernels' default (tcp_cubic.c; with HyStart
	// in 6.18). The empty string means CCCubic.
	CCCubic = "cubic"
	// CCReno is NewReno (tcp_cong.c's tcp_reno).
	CCReno = "reno"
)

// CUBIC's constants: the same in 2.6.26 (v2.2) and 6.18 (v2.3).
const (
	ccHZ            = 1000                     // CONFIG_HZ assumed
	initialJiffies  = uint32(1<<32 - 300*ccHZ) // INITIAL_JIFFIES: (u32)(-300*HZ)
	bictcpBetaScale = 1024                     // BICTCP_BETA_SCALE
	bictcpHZ        = 10                       // BICTCP_HZ: time in 1/1024 s
	cubicBeta       = 717                      // beta: 717/1024 ≈ 0.7 (819 was v2.0's, before 2.6.26)
	cubicBicScale   = 41                       // bic_scale: C = 41*10/1024 ≈ 0.4
	cubeRTTScale    = cubicBicScale * 10       // cube_rtt_scale = bic_scale*10 = 410
	// beta_scale = 8*(1024+beta)/3/(1024-beta) = 15: tcp_friendliness's
	// Reno estimate grows by one segment per cwnd*15/8 acknowledgements.
	betaScale = 8 * (bictcpBetaScale + cubicBeta) / 3 / (bictcpBetaScale - cubicBeta)
	// cube_factor = 2^(10+3*BICTCP_HZ) / (bic_scale*10): K = cbrt(cube_factor*(Wmax-cwnd)).
	cubeFactor = uint64(1) << (10 + 3*bictcpHZ) / (cubicBicScale * 10)

	ackRatioShift = 4 // 2.6.26 ACK_RATIO_SHIFT: delayed_ack is packets/ACK << 4

	hystartLowWindow  = 16    // hystart_low_window
	hystartAckDeltaUs = 2000  // hystart_ack_delta_us
	hystartMinSamples = 8     // HYSTART_MIN_SAMPLES
	hystartDelayMinUs = 4000  // HYSTART_DELAY_MIN
	hystartDelayMaxUs = 16000 // HYSTART_DELAY_MAX

	// Why HyStart ended slow start (LINUX_MIB_TCPHYSTART{TRAIN,DELAY}DETECT).
	hystartAckTrain = 1
	hystartDelay    = 2

	renoMaxBurst      = 3 // 2.6.26 tcp_max_burst: tp->reordering = sysctl_tcp_reordering
	tsoWinDivisor     = 3 // sysctl_tcp_tso_win_divisor
	pacingSSRatio     = 200
	pacingCARatio     = 120
	hystartAckDelayUs = 1000 // hystart_ack_delay's cap: USEC_PER_MSEC
)

// bictcp is struct bictcp's CUBIC part: what bictcp_reset clears.
type bictcp struct {
	cnt         uint32 // increase cwnd by 1 after cnt ACKed packets (ACKs in 2.6.26)
	lastMaxCwnd uint32 // Wmax
	lastCwnd    uint32
	lastTime    uint32 // jiffies
	originPoint uint32 // bic_origin_point
	bicK        uint32 // K in 1/1024 s
	delayMin    uint32 // 6.18: µs; 2.6.26: jiffies << 3
	epochStart  uint32 // jiffies; 0: no epoch
	ackCnt      uint32
	tcpCwnd     uint32 // tcp_friendliness's Reno estimate
	delayedAck  uint32 // 2.6.26: packets per ACK << ACK_RATIO_SHIFT
}

// ccState is the congestion control's state in the Sender.
type ccState struct {
	bic bictcp
	// HyStart (6.18): found, sample_cnt, round_start, end_seq, last_ack,
	// curr_rtt (µs); foundBy says which detection fired first.
	found, sampleCnt             int
	roundStart, lastAck, currRTT uint32
	endSeq                       uint32
	foundBy                      int

	// What the last Push left, for the next ACK (tcp_cwnd_validate and
	// tcp_ack's prior_in_flight): packets_out, tcp_packets_in_flight,
	// is_cwnd_limited, max_packets_out, cwnd_usage_seq.
	packetsOut, inFlight int
	isCwndLimited        bool
	maxPacketsOut        int
	cwndUsageSeq         uint32
	lastSndNxt           uint32
	transmits            int   // Stats.Transmits after the last Push
	lsndtime             int64 // when data was last sent (tp->lsndtime), ns
	partialAcks          int   // Stats.PartialAcks after the last Push

	// rtt is the RTT sample (ns) of the ACK being processed, -1 if none:
	// sampleRTT records it for every skb cleanRtx frees, so it ends as the
	// newest one's (ca_rtt_us); the end of Push clears it.
	rtt int64

	// lossUna is snd_una at the last RTO (tcp_enter_loss), lossSet whether
	// there was one: an RTO with no progress since reduces nothing.
	lossUna uint32
	lossSet bool
}

func (s *Sender) reno() bool { return s.cfg.CC == CCReno }

// validCC reports whether name is a Config.CC value.
func validCC(name string) bool { return name == "" || name == CCCubic || name == CCReno }

// ccInit is tcp_init_congestion_control: cubictcp_init / bictcp_init
// (initial_ssthresh 0: snd_ssthresh stays "infinite"; 6.18 with hystart
// resets the round at snd_nxt).
func (s *Sender) ccInit(isn uint32) {
	s.cc = ccState{rtt: -1, lastSndNxt: isn, cwndUsageSeq: isn}
	s.cc.bic.reset()
	if !s.reno() && !s.cfg.Kernel.Old() {
		s.hystartReset(0)
	}
}

// reset is bictcp_reset (2.6.26 also sets delayed_ack to 2 packets per
// ACK; 6.18 has no delayed_ack).
func (b *bictcp) reset() { *b = bictcp{delayedAck: 2 << ackRatioShift} }

// hystartReset is bictcp_hystart_reset: a new round ends at snd_nxt.
func (s *Sender) hystartReset(now int64) {
	c := &s.cc
	c.roundStart, c.lastAck = usecs(now), usecs(now)
	c.endSeq = s.sndNxt
	c.currRTT = ^uint32(0)
	c.sampleCnt = 0
}

// jiffies is tcp_jiffies32 / tcp_time_stamp at now (ns).
func jiffies(now int64) uint32 { return initialJiffies + uint32(now/(1e9/ccHZ)) }

// usecs is bictcp_clock_us: the low 32 bits of tcp_mstamp at now (ns).
func usecs(now int64) uint32 { return uint32(now / 1000) }

// usecsToJiffies is usecs_to_jiffies for HZ dividing 10^6: rounds up.
func usecsToJiffies(us uint32) uint32 {
	const per = 1_000_000 / ccHZ
	return uint32((uint64(us) + per - 1) / per)
}

// sizeGoal is tcp_xmit_size_goal's rounding: the most payload one skb
// takes is a whole number of segments. 2.6.26 (tcp_current_mss):
// xmit_size_goal -= xmit_size_goal % mss_now; 6.18 (tcp_xmit_size_goal):
// gso_segs = new_size_goal / mss_now, size_goal = gso_segs * mss_now, at
// least mss_now. Config.SizeGoal plays sk_gso_max_size (tcp_bound_to_half_wnd
// is not modelled). Without it every 64 KiB skb at MSS 1448 ended in a
// 376-byte packet; now it is 45 full segments (65160 bytes).
func (s *Sender) sizeGoal() int {
	return max(s.cfg.SizeGoal/s.cfg.MSS*s.cfg.MSS, s.cfg.MSS)
}

// recoverySsthresh is the icsk_ca_ops->ssthresh call on entering fast
// recovery (2.6.26 tcp_fastretrans_alert, 6.18 tcp_init_cwnd_reduction),
// which also zero snd_cwnd_cnt.
func (s *Sender) recoverySsthresh() int {
	s.cwndCnt = 0
	return s.caSsthresh()
}

// lossSsthresh is tcp_enter_loss's congestion-control part at an RTO (now),
// called before the state becomes Loss: ssthresh is reduced only if not yet
// reduced in this window — the state is Open or Disorder, or snd_una has
// reached high_seq, or the state is Loss with icsk_retransmits 0 (snd_una
// advanced since the last RTO) — then tcp_set_ca_state(TCP_CA_Loss) resets
// CUBIC (bictcp_state / cubictcp_state: bictcp_reset, and in 6.18
// bictcp_hystart_reset).
func (s *Sender) lossSsthresh(now int64) int {
	ss := s.ssthresh
	progressed := !s.cc.lossSet || s.cc.lossUna != s.sndUna
	reduce := !s.inRecovery && !s.inLoss || !After(s.recoverSeq, s.sndUna) || s.inLoss && progressed
	if reduce {
		ss = s.caSsthresh()
	}
	s.cc.lossUna, s.cc.lossSet = s.sndUna, true
	if !s.reno() {
		s.cc.bic.reset()
		if !s.cfg.Kernel.Old() {
			s.cc.found, s.cc.foundBy = 0, 0
			s.hystartReset(now)
		}
	}
	return ss
}

// caSsthresh is icsk_ca_ops->ssthresh, from cwnd (not from the data in
// flight). Reno: tcp_reno_ssthresh, max(cwnd/2, 2). CUBIC:
// bictcp_recalc_ssthresh / cubictcp_recalc_ssthresh: the epoch ends; Wmax
// is cwnd, or with fast convergence, below the last Wmax, cwnd*(1+β)/2;
// ssthresh is max(cwnd*β, 2) with β = 717/1024.
func (s *Sender) caSsthresh() int {
	if s.reno() {
		return max(s.cwnd>>1, 2)
	}
	b := &s.cc.bic
	cwnd := uint32(s.cwnd)
	b.epochStart = 0
	if cwnd < b.lastMaxCwnd { // fast_convergence = 1
		b.lastMaxCwnd = cwnd * (bictcpBetaScale + cubicBeta) / (2 * bictcpBetaScale)
	} else {
		b.lastMaxCwnd = cwnd
	}
	return int(max(cwnd*cubicBeta/bictcpBetaScale, 2))
}

// cwndValidate runs at the end of Push (now): tcp_write_xmit's
// is_cwnd_limited and tcp_cwnd_validate's bookkeeping, which grow's
// tcp_is_cwnd_limited reads, and 6.18's CA_EVENT_TX_START for CUBIC.
// is_cwnd_limited: the data in flight fills cwnd, or the send head waits
// because cwnd, not the receive window, leaves less than it
// (tcp_tso_should_defer: cong_win < send_win and cong_win <= skb->len).
// 6.18 then, if new data went out or it is cwnd-limited, remembers for the
// current window (until snd_una passes cwnd_usage_seq) whether it was
// cwnd-limited, or else the most packets it had out. 2.6.26 needs only
// the data in flight, tcp_ack's prior_in_flight at the next ACK.
func (s *Sender) cwndValidate(now int64) {
	c := &s.cc
	c.rtt, c.partialAcks = -1, s.Stats.PartialAcks
	out, inflight := 0, s.inFlight()
	for _, b := range s.q[:s.sent] {
		out += s.pcount(b)
	}
	c.packetsOut, c.inFlight = out, inflight
	sentNew := s.sndNxt != c.lastSndNxt
	c.lastSndNxt = s.sndNxt
	if s.Stats.Transmits != c.transmits {
		c.transmits = s.Stats.Transmits
		// CA_EVENT_TX_START: the first skb in flight was sent now with
		// nothing in flight before it (cubictcp_cwnd_event): an idle
		// period does not count in CUBIC's epoch.
		if !s.cfg.Kernel.Old() && !s.reno() && s.sent > 0 && c.bic.epochStart != 0 {
			if t, ok := s.sentAt[s.q[0]]; ok && t == now {
				if d := int32(jiffies(now) - jiffies(c.lsndtime)); d > 0 {
					c.bic.epochStart += uint32(d)
					if int32(c.bic.epochStart-jiffies(now)) > 0 {
						c.bic.epochStart = jiffies(now)
					}
				}
			}
		}
		c.lsndtime = now
	}
	if s.cfg.Kernel.Old() {
		return
	}
	limited := inflight >= s.cwnd
	if !limited && s.sent < len(s.q) {
		head := s.q[s.sent]
		congWin := (s.cwnd - inflight) * s.cfg.MSS
		sendWin := int(int32(s.sndUna + uint32(s.sndWnd) - head.CB.Seq))
		limited = congWin < sendWin && congWin <= head.Len()
	}
	if sentNew || limited {
		if !Before(s.sndUna, c.cwndUsageSeq) || limited || !c.isCwndLimited && out > c.maxPacketsOut {
			c.isCwndLimited = limited
			c.maxPacketsOut = out
			c.cwndUsageSeq = s.sndNxt
		}
	}
}

// cwndLimited is tcp_is_cwnd_limited. 2.6.26 (tcp_cong.c, with tcp_ack's
// prior_in_flight): the data in flight before the ACK fills cwnd, or what
// is left is under a third of cwnd and under one GSO skb, or at most
// tcp_max_burst (3). 6.18 (tcp.h): cwnd-limited in the current window, or
// in slow start cwnd below twice the most packets out in it.
func (s *Sender) cwndLimited() bool {
	c := &s.cc
	if s.cfg.Kernel.Old() {
		if c.inFlight >= s.cwnd {
			return true
		}
		left := s.cwnd - c.inFlight
		if s.cfg.SizeGoal > s.cfg.MSS && left*tsoWinDivisor < s.cwnd && left*s.cfg.MSS < s.cfg.SizeGoal {
			return true // sk_can_gso: GSO is on in both flavours
		}
		return left <= renoMaxBurst
	}
	if c.isCwndLimited {
		return true
	}
	if s.cwnd < s.ssthresh {
		return s.cwnd < 2*c.maxPacketsOut
	}
	return false
}

// ackRTT is the ACK's RTT sample for pkts_acked (ns, -1 none): the newest
// skb the ACK acknowledged; a TSO skb it acknowledged in part counts, and
// gives none if it was retransmitted (FLAG_RETRANS_DATA_ACKED).
func (s *Sender) ackRTT(now int64) int64 {
	r := s.cc.rtt
	if s.Stats.PartialAcks != s.cc.partialAcks && s.sent > 0 {
		r = -1
		if t, ok := s.sentAt[s.q[0]]; ok {
			r = now - t
		}
	}
	return r
}

// grow is tcp_cong_avoid (icsk_ca_ops->cong_avoid) for an ACK at now that
// newly acknowledged ackedSegs segments outside recovery, after the
// pkts_acked hook CUBIC uses for its RTT samples and HyStart. 2.6.26 grows
// per ACK (tcp_abc 0); 6.18 per segment acknowledged.
func (s *Sender) grow(ackedSegs int, now int64) {
	if ackedSegs <= 0 {
		return
	}
	rtt := s.ackRTT(now)
	if s.cfg.Kernel.Old() {
		s.grow2626(ackedSegs, rtt, now)
	} else {
		s.grow618(ackedSegs, rtt, now)
	}
}

// grow2626 is 2.6.26's bictcp_acked then tcp_reno_cong_avoid or
// bictcp_cong_avoid, once per ACK.
func (s *Sender) grow2626(acked int, rtt, now int64) {
	b := &s.cc.bic
	if !s.reno() { // bictcp_acked, TCP_CA_Open
		b.delayedAck = b.delayedAck + uint32(acked) - b.delayedAck>>ackRatioShift
		if rtt >= 0 {
			// ca_seq_rtt in jiffies; rtt_us only when it is > 0.
			if d := jiffies(now) - jiffies(now-rtt); int32(d) > 0 && int32(jiffies(now)-b.epochStart) >= ccHZ {
				delay := d << 3
				if b.delayMin == 0 || b.delayMin > delay {
					b.delayMin = delay
				}
			}
		}
	}
	if !s.cwndLimited() {
		return
	}
	if s.cwnd <= s.ssthresh { // tcp_slow_start, tcp_abc 0: one segment per ACK
		s.cwndCnt += s.cwnd
		for s.cwndCnt >= s.cwnd {
			s.cwndCnt -= s.cwnd
			s.cwnd++
		}
		return
	}
	w := s.cwnd
	if !s.reno() {
		s.bictcpUpdate2626(uint32(s.cwnd), now)
		w = int(b.cnt)
	}
	if s.cwndCnt >= w {
		s.cwnd++
		s.cwndCnt = 0
	} else {
		s.cwndCnt++
	}
}

// bictcpUpdate2626 is 2.6.26's bictcp_update: ca->cnt from the cubic
// function, tcp_friendliness, then scaled by the delayed-ACK ratio.
func (s *Sender) bictcpUpdate2626(cwnd uint32, now int64) {
	b := &s.cc.bic
	j := jiffies(now)
	b.ackCnt++
	if b.lastCwnd == cwnd && int32(j-b.lastTime) <= ccHZ/32 {
		return
	}
	b.lastCwnd, b.lastTime = cwnd, j
	if b.epochStart == 0 {
		s.cubicEpoch(cwnd, j, 1)
	}
	t := ((j + b.delayMin>>3 - b.epochStart) << bictcpHZ) / ccHZ // u32 as in 2.6.26
	b.cnt = cubicCnt(b, cwnd, uint64(t))
	cubicFriendly(b, cwnd)
	b.cnt = b.cnt << ackRatioShift / b.delayedAck
	if b.cnt == 0 {
		b.cnt = 1
	}
}

// cubicEpoch starts an epoch at jiffy j: K and the origin from Wmax.
func (s *Sender) cubicEpoch(cwnd, j, acked uint32) {
	b := &s.cc.bic
	b.epochStart = j
	b.ackCnt = acked
	b.tcpCwnd = cwnd
	if b.lastMaxCwnd <= cwnd {
		b.bicK = 0
		b.originPoint = cwnd
	} else {
		b.bicK = cubicRoot(cubeFactor * uint64(b.lastMaxCwnd-cwnd))
		b.originPoint = b.lastMaxCwnd
	}
}

// cubicCnt is bictcp_update's cubic function at t (1/1024 s since the
// epoch, plus the minimum delay): the target W(t) = C(t-K)^3 + Wmax and
// the ACKed packets per one segment of growth towards it.
func cubicCnt(b *bictcp, cwnd uint32, t uint64) uint32 {
	k := uint64(b.bicK)
	offs := t - k
	if t < k {
		offs = k - t
	}
	delta := uint32(cubeRTTScale * offs * offs * offs >> (10 + 3*bictcpHZ))
	target := b.originPoint + delta
	if t < k {
		target = b.originPoint - delta
	}
	if target > cwnd {
		return cwnd / (target - cwnd)
	}
	return 100 * cwnd // very small increment
}

// cubicFriendly is bictcp_update's tcp_friendliness: a Reno estimate grown
// by one segment per cwnd*beta_scale/8 ACKed; CUBIC is never slower.
func cubicFriendly(b *bictcp, cwnd uint32) {
	delta := cwnd * betaScale >> 3
	for b.ackCnt > delta {
		b.ackCnt -= delta
		b.tcpCwnd++
	}
	if b.tcpCwnd > cwnd {
		if maxCnt := cwnd / (b.tcpCwnd - cwnd); b.cnt > maxCnt {
			b.cnt = maxCnt
		}
	}
}

// grow618 is 6.18's pkts_acked (cubictcp_acked) then tcp_reno_cong_avoid
// or cubictcp_cong_avoid: tcp_slow_start, then tcp_cong_avoid_ai with
// cwnd (Reno) or bictcp_update's cnt (CUBIC) for what is left.
func (s *Sender) grow618(acked int, rtt, now int64) {
	if !s.reno() {
		s.cubicAcked618(rtt, now)
	}
	if !s.cwndLimited() {
		return
	}
	if s.cwnd < s.ssthresh { // tcp_in_slow_start, tcp_slow_start
		cwnd := min(s.cwnd+acked, s.ssthresh)
		acked -= cwnd - s.cwnd
		s.cwnd = cwnd
		if acked == 0 {
			return
		}
	}
	w := s.cwnd
	if !s.reno() {
		s.bictcpUpdate618(uint32(s.cwnd), uint32(acked), now)
		w = int(s.cc.bic.cnt)
	}
	// tcp_cong_avoid_ai
	if s.cwndCnt >= w {
		s.cwndCnt = 0
		s.cwnd++
	}
	s.cwndCnt += acked
	if s.cwndCnt >= w {
		d := s.cwndCnt / w
		s.cwndCnt -= d * w
		s.cwnd += d
	}
}

// bictcpUpdate618 is 6.18's bictcp_update: cnt recomputed at most once a
// jiffy, a 5 %-per-RTT floor before the first loss, tcp_friendliness, and
// growth of at most one segment per two ACKed (cnt >= 2). While cwnd does
// not change, cnt (and the Reno estimate behind it) is refreshed only every
// HZ/32 jiffies: at an epoch's start cnt is often 100*cwnd, so on a path
// with an RTT far below 31 ms cwnd stays put for up to 31 ms after every
// loss (both flavours; the 2024 netdev reports of low CUBIC throughput in
// small-BDP networks).
func (s *Sender) bictcpUpdate618(cwnd, acked uint32, now int64) {
	b := &s.cc.bic
	j := jiffies(now)
	b.ackCnt += acked
	if b.lastCwnd == cwnd && int32(j-b.lastTime) <= ccHZ/32 {
		return
	}
	if b.epochStart == 0 || j != b.lastTime {
		b.lastCwnd, b.lastTime = cwnd, j
		if b.epochStart == 0 {
			s.cubicEpoch(cwnd, j, acked)
		}
		t := uint64(int64(int32(j - b.epochStart)))
		t += uint64(usecsToJiffies(b.delayMin))
		t = t << bictcpHZ / ccHZ
		b.cnt = cubicCnt(b, cwnd, t)
		if b.lastMaxCwnd == 0 && b.cnt > 20 {
			b.cnt = 20 // increase cwnd 5% per RTT
		}
	}
	cubicFriendly(b, cwnd)
	b.cnt = max(b.cnt, 2)
}

// cubicAcked618 is cubictcp_acked: the minimum delay (µs), except within
// a second of an epoch's start, and HyStart while in slow start.
func (s *Sender) cubicAcked618(rtt, now int64) {
	b := &s.cc.bic
	if rtt < 0 {
		return
	}
	if b.epochStart != 0 && int32(jiffies(now)-b.epochStart) < ccHZ {
		return
	}
	delay := max(uint32(rtt/1000), 1)
	if b.delayMin == 0 || b.delayMin > delay {
		b.delayMin = delay
	}
	if s.cc.found == 0 && s.cwnd < s.ssthresh {
		s.hystartUpdate(delay, now)
	}
}

// hystartUpdate is hystart_update (hystart_detect 3): a round ends when
// snd_una passes the snd_nxt of its start; from cwnd 16 on, slow start
// ends (ssthresh = cwnd) when the ACK train of a round (ACKs at most 2 ms
// apart) outlasts half the minimum delay plus hystart_ack_delay, or when
// the least delay of a round's first 8 samples exceeds the minimum by
// delay_min/8 clamped to [4, 16] ms.
func (s *Sender) hystartUpdate(delay uint32, now int64) {
	c := &s.cc
	if After(s.sndUna, c.endSeq) {
		s.hystartReset(now)
	}
	if s.cwnd < hystartLowWindow {
		return
	}
	found := func(by int) {
		c.found = 1
		if c.foundBy == 0 {
			c.foundBy = by
		}
		s.ssthresh = s.cwnd
	}
	us := usecs(now)
	if int32(us-c.lastAck) <= hystartAckDeltaUs {
		c.lastAck = us
		threshold := (c.bic.delayMin + s.hystartAckDelay()) >> 1 // SK_PACING_NONE
		if int32(us-c.roundStart) > int32(threshold) {
			found(hystartAckTrain)
		}
	}
	if c.currRTT > delay {
		c.currRTT = delay
	}
	if c.sampleCnt < hystartMinSamples {
		c.sampleCnt++
	} else if c.currRTT > c.bic.delayMin+min(max(c.bic.delayMin>>3, hystartDelayMinUs), hystartDelayMaxUs) {
		found(hystartDelay)
	}
}

// hystartAckDelay is hystart_ack_delay: the time four GSO skbs take at the
// pacing rate, at most 1 ms, with tcp_update_pacing_rate's rate: mss * cwnd
// / srtt, times 2 in slow start below half ssthresh, else 1.2.
func (s *Sender) hystartAckDelay() uint32 {
	rate := uint64(s.cfg.MSS) * (1_000_000 / 100 << 3)
	if s.cwnd < s.ssthresh/2 {
		rate *= pacingSSRatio
	} else {
		rate *= pacingCARatio
	}
	rate *= uint64(max(s.cwnd, s.cc.packetsOut))
	if srtt8 := uint64(s.srtt/1000) << 3; srtt8 > 0 {
		rate /= srtt8
	}
	if rate == 0 {
		return 0
	}
	gsoMax := uint64(max(s.cfg.SizeGoal-s.cfg.Headroom-1, s.cfg.MSS)) // sk_gso_max_size
	return uint32(min(hystartAckDelayUs, gsoMax*4*1_000_000/rate))
}

// cubicRoot is cubic_root (both flavours): a table lookup for the top bits
// then one Newton-Raphson step, average error 0.195 %.
func cubicRoot(a uint64) uint32 {
	// cbrt(x) MSB values for x MSB values in [0..63] (Willy Tarreau):
	// v = cbrt(x << 18) - 1, cbrt(x) = (v[x] + 10) >> 6.
	v := [64]uint8{
		0, 54, 54, 54, 118, 118, 118, 118,
		123, 129, 134, 138, 143, 147, 151, 156,
		157, 161, 164, 168, 170, 173, 176, 179,
		181, 185, 187, 190, 192, 194, 197, 199,
		200, 202, 204, 206, 209, 211, 213, 215,
		217, 219, 221, 222, 224, 225, 227, 229,
		231, 232, 234, 236, 237, 239, 240, 242,
		244, 245, 246, 248, 250, 251, 252, 254,
	}
	b := uint32(bits.Len64(a))
	if b < 7 {
		return (uint32(v[a]) + 35) >> 6
	}
	b = b*84>>8 - 1
	shift := a >> (b * 3)
	x := (uint32(v[shift]) + 10) << b >> 6
	x = 2*x + uint32(a/(uint64(x)*uint64(x-1)))
	return x * 341 >> 10
}
