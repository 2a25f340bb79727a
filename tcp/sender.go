package tcp

import (
	"errors"
	"fmt"

	"github.com/zcsim/zcsim/skb"
)

// ErrConfig is wrapped by every invalid sender configuration.
var ErrConfig = errors.New("tcp: config")

// Config configures a Sender.
type Config struct {
	Kernel skb.Kernel
	// MSS is the maximum segment size in bytes.
	MSS int
	// SizeGoal is the TSO/GSO size goal: the most payload one skb carries
	// (tcp_xmit_size_goal; 64 KiB with GSO, on in both flavours).
	SizeGoal int
	// Nodelay disables Nagle's algorithm (TCP_NODELAY).
	Nodelay bool
	// InitCwnd is the initial congestion window in segments.
	InitCwnd int
	// RTOMin, RTOInit and RTOMax bound the retransmission timeout (ns).
	RTOMin, RTOInit, RTOMax int64
	// SACK enables the SACK scoreboard (and, in 6.18, SACK shifting).
	SACK bool
	// Headroom is MAX_TCP_HEADER in bytes.
	Headroom int
	// Sock is the socket the sender's skbs belong to (skb.SockID): the
	// designs registered for it see them. 0: no socket (every observer).
	Sock skb.SockID
	// CC is the congestion control (cc.go): CCCubic ("cubic", the
	// default; "" means it) or CCReno ("reno").
	CC string
}

// Validate reports the first impossible value.
func (c Config) Validate() error {
	switch {
	case c.Kernel != skb.Linux2626 && c.Kernel != skb.Linux618:
		return fmt.Errorf("%w: unknown kernel", ErrConfig)
	case c.MSS <= 0:
		return fmt.Errorf("%w: MSS %d must be positive", ErrConfig, c.MSS)
	case c.SizeGoal < c.MSS:
		return fmt.Errorf("%w: size goal %d is below the MSS %d", ErrConfig, c.SizeGoal, c.MSS)
	case c.InitCwnd <= 0:
		return fmt.Errorf("%w: initial cwnd %d must be positive", ErrConfig, c.InitCwnd)
	case c.RTOMin <= 0 || c.RTOInit < c.RTOMin || c.RTOMax < c.RTOInit:
		return fmt.Errorf("%w: RTO bounds %d <= %d <= %d do not hold", ErrConfig, c.RTOMin, c.RTOInit, c.RTOMax)
	case !validCC(c.CC):
		return fmt.Errorf("%w: unknown congestion control %q (cubic or reno)", ErrConfig, c.CC)
	}
	return nil
}

// TCP_SKB_CB sacked bits.
const (
	SackedAcked   uint8 = 1 << iota // TCPCB_SACKED_ACKED
	SackedRetrans                   // TCPCB_SACKED_RETRANS
	SackedLost                      // TCPCB_LOST
	EverRetrans                     // TCPCB_EVER_RETRANS: retransmitted at least once (Karn, RACK)
)

// Stats count what the sender did. Transmits and Retransmits count skbs
// handed to the device; FastRetransmits entries into fast recovery; Busy
// retransmissions refused while the fast clone was in the host queue;
// TSOSplits tso_fragment calls, RetransSplits tcp_fragment calls on sent
// skbs (SackSplits of them for SACK tagging); Shifts skb_shift calls that
// moved data (SACK); Collapses retransmit collapses.
type Stats struct {
	Transmits, Retransmits, FastRetransmits, RTOs, Busy      int
	TSOSplits, RetransSplits, PartialAcks, Shifts, Collapses int
	// SegmentsSent counts segments handed to the device (tcp_skb_pcount,
	// retransmissions included), RetransSegments those retransmitted
	// (TCP_MIB_RETRANSSEGS); RecoveryEpisodes counts loss recovery episodes
	// (fast recovery, or Loss after an RTO outside one: one ssthresh
	// reduction each); Fragments counts tso_fragment and tcp_fragment calls.
	SegmentsSent, RetransSegments, RecoveryEpisodes, Fragments, SackSplits int
}

// Sender is the transmit side of one connection: the write queue (sent
// skbs form the retransmit queue, the rest are unsent), congestion
// control (cc.go: CUBIC or Reno), ACK and SACK processing, fast retransmit and RTO. Everything it
// does to skbs goes through the Stack.
type Sender struct {
	st  *skb.Stack
	cfg Config
	q   []*skb.Buff // sequence order; q[:sent] are sent
	// sent is the index of the send head (the first unsent skb).
	sent int

	sndUna, sndNxt, writeSeq uint32
	sndWnd                   int
	cwnd, ssthresh, cwndCnt  int
	dupAcks                  int
	// inRecovery is icsk_ca_state TCP_CA_Recovery (fast recovery), inLoss
	// TCP_CA_Loss (after an RTO); recoverSeq is high_seq, snd_nxt when the
	// episode began: it ends when snd_una reaches it (recovery.go).
	inRecovery, inLoss bool
	recoverSeq         uint32

	srtt, rttvar, rto int64
	backoff           int
	rtoAt             int64
	sentAt            map[*skb.Buff]int64

	pf      skb.PageFrag
	sealed  bool // the unsent tail takes no more data
	anyLost bool // some sent skb may be marked lost and not retransmitted
	xmit    []*skb.Buff

	Stats Stats
	// TimedOut is set when the connection gave up (tcp_write_err after
	// writeTimeout) and purged its queues.
	TimedOut bool
	// retransmits is icsk_retransmits, retransStamp retrans_stamp (ns):
	// timeouts since the last progress, and when the first came.
	retransmits  int
	retransStamp int64

	cc ccState // congestion control (cc.go)
	// tsoDeferred is 2.6.26's tp->tso_deferred: since when a TSO skb has
	// been held back (0: it is not).
	tsoDeferred int64

	// Loss recovery (recovery.go, sacktag.go). lastTx is each sent skb's
	// last transmission (skb_mstamp_ns and its fast clone); fack is
	// tcp_highest_sack_seq (snd_una when nothing is SACKed); sackCache is
	// recv_sack_cache, the previous ACK's blocks; rack, minRTT (-1: no
	// sample), reordSeen (tp->reord_seen) and reoAt (the RACK reordering
	// deadline, 0: none) are RACK's (6.18); lostSegs is tp->lost, the
	// segments ever marked lost; priorCwnd, prrDelivered, prrOut are PRR's
	// (6.18); tsqSkb is the skb whose retransmission was refused while its
	// fast clone was busy (TSQ_THROTTLED, at tsqAt), nil if none.
	lastTx                          map[*skb.Buff]xmitInfo
	fack                            uint32
	sackCache                       [NumSacks]SackBlock
	nCache                          int
	rack                            rackState
	minRTT                          int64
	reordSeen                       bool
	reoAt                           int64
	lostSegs                        int
	priorCwnd, prrDelivered, prrOut int
	tsqSkb                          *skb.Buff
	tsqAt                           int64
	// lostRetransLow is 2.6.26's tp->lost_retrans_low (markLostRetrans).
	lostRetransLow uint32
	// txClock is the last transmission's stamp: virtual time stands still
	// while the sender handles one event, so successive transmissions are
	// stamped 1 ns apart, and RACK tells them apart by send order as the
	// kernel's clock does (tcp_wstamp_ns).
	txClock int64
}

// NewSender returns a sender whose first byte has sequence isn, with the
// peer's window wnd bytes.
func NewSender(st *skb.Stack, cfg Config, isn uint32, wnd int) (*Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Sender{st: st, cfg: cfg, sndUna: isn, sndNxt: isn, writeSeq: isn, sndWnd: wnd,
		cwnd: cfg.InitCwnd, ssthresh: 1 << 30, rto: cfg.RTOInit, sentAt: map[*skb.Buff]int64{}}
	s.ccInit(isn)
	s.lastTx, s.minRTT, s.fack, s.lostRetransLow = map[*skb.Buff]xmitInfo{}, -1, isn, isn
	return s, nil
}

// SndUna is the oldest unacknowledged sequence number.
func (s *Sender) SndUna() uint32 { return s.sndUna }

// WriteSeq is the sequence number after the last byte queued.
func (s *Sender) WriteSeq() uint32 { return s.writeSeq }

// Cwnd is the congestion window in segments.
func (s *Sender) Cwnd() int { return s.cwnd }

// Queue returns the write queue (sent skbs first), for inspection.
func (s *Sender) Queue() []*skb.Buff { return s.q }

// Idle reports whether every queued byte has been acknowledged.
func (s *Sender) Idle() bool { return len(s.q) == 0 }

// TakeXmit returns the skbs (transmit clones or copies) handed to the
// device since the last call, in order. The slice is reused: consume it
// before calling the sender again.
func (s *Sender) TakeXmit() []*skb.Buff {
	out := s.xmit
	s.xmit = s.xmit[:0]
	return out
}

// Timer is the next deadline to schedule, if any: the retransmission
// timeout, RACK's reordering timer, or, once a retransmission refused
// because its fast clone was busy can go (the clone's TX completion came),
// the time of the refusal (in the past: OnTimer at once).
func (s *Sender) Timer() (int64, bool) {
	if s.tsqReady() {
		return s.tsqAt, true
	}
	at := s.rtoAt
	if s.reoAt != 0 && (at == 0 || s.reoAt < at) {
		at = s.reoAt
	}
	return at, at != 0
}

// pcount is tcp_skb_pcount, cached in the control block; every change of
// an skb's length goes through resized, which drops the cache.
func (s *Sender) pcount(b *skb.Buff) int {
	if b.CB.Pcount == 0 {
		b.CB.Pcount = int32(max(1, (b.Len()+s.cfg.MSS-1)/s.cfg.MSS))
	}
	return int(b.CB.Pcount)
}

// resized drops the cached segment count of skbs whose length changed.
func resized(bs ...*skb.Buff) {
	for _, b := range bs {
		b.CB.Pcount = 0
	}
}

// inFlight is tcp_packets_in_flight: segments sent, not SACKed, and not
// marked lost unless retransmitted.
func (s *Sender) inFlight() int {
	n := 0
	for _, b := range s.q[:s.sent] {
		sk := b.CB.Sacked
		if sk&SackedAcked != 0 || sk&SackedLost != 0 && sk&SackedRetrans == 0 {
			continue
		}
		n += s.pcount(b)
	}
	return n
}

// newSkb is sk_stream_alloc_skb / tcp_stream_alloc_skb plus skb_entail
// (header release) at the tail of the write queue.
func (s *Sender) newSkb() *skb.Buff {
	b := s.st.AllocFor(s.cfg.Sock, s.cfg.Headroom, 0, true)
	_ = s.st.HeaderRelease(b)
	b.CB.Seq, b.CB.EndSeq = s.writeSeq, s.writeSeq
	s.q = append(s.q, b)
	s.sealed = false
	return b
}

// tail is the unsent skb at the end of the write queue that can take more
// data, or nil.
func (s *Sender) tail() *skb.Buff {
	if s.sent == len(s.q) || s.sealed {
		return nil
	}
	b := s.q[len(s.q)-1]
	if b.Len() >= s.sizeGoal() {
		return nil
	}
	return b
}

// Append queues size bytes at page offset off of p, the next bytes of send
// c: do_tcp_sendpages / skb_append_pagefrags (zero copy) when copy is
// false, tcp_sendmsg's copy path otherwise. A full or refusing tail skb is
// pushed and a new one started (§B2, §C2's -EEXIST). It returns an error
// only for a model precondition failure.
func (s *Sender) Append(c skb.SendID, p *skb.Page, off, size int, copyData bool) error {
	for size > 0 {
		b := s.tail()
		fresh := b == nil
		if fresh {
			b = s.newSkb()
		}
		chunk := min(size, s.sizeGoal()-b.Len())
		var n int
		var err error
		if copyData {
			n, err = s.st.AppendCopy(b, &s.pf, c, p, off, chunk)
		} else {
			err = s.st.AppendPage(b, c, p, off, chunk)
			n = chunk
		}
		if errors.Is(err, skb.ErrFragsFull) || errors.Is(err, skb.ErrRefused) {
			if fresh {
				return fmt.Errorf("tcp: a new skb refused send c%d: %w", c, err)
			}
			s.sealed = true // push the full tail: the next round starts a new skb
			continue
		}
		if err != nil {
			return err
		}
		b.CB.EndSeq += uint32(n)
		resized(b)
		s.writeSeq += uint32(n)
		off += n
		size -= n
	}
	return nil
}

// ReleasePageFrag drops the socket's copy page (socket close).
func (s *Sender) ReleasePageFrag() { s.st.ReleasePageFrag(&s.pf) }
