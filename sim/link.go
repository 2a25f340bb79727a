package sim

import "github.com/zcsim/zcsim/tcp"

// Links are a scenario's bottleneck, one Path each way, shared by every
// connection (a dumbbell): each connection's NIC serializes its own packets
// at the link's rate, and the link queues what arrives from several at
// once, drop-tail beyond PathConfig.QueueBytes. With one connection the
// link never queues (the NIC already spaces its packets at the link's
// rate), so its timing is the NIC's; with several, they share the rate and
// losses also come from congestion.
type Links struct {
	fwd, rev *Path[routed]
}

// routed is a packet on a shared link, with the connection it belongs to.
type routed struct {
	c   *Conn
	seg tcp.Segment
	ack bool
}

// NewLinks builds the shared links; their random streams are fwd/… and
// rev/….
func NewLinks(eng *Engine, s Streams, fwd, rev PathConfig) (*Links, error) {
	deliver := func(r routed) {
		if r.ack {
			r.c.arriveAck(r.seg)
			return
		}
		r.c.arriveData(r.seg)
	}
	f, err := NewPath(eng, s, "fwd", fwd, deliver)
	if err != nil {
		return nil, err
	}
	r, err := NewPath(eng, s, "rev", rev, deliver)
	if err != nil {
		return nil, err
	}
	return &Links{fwd: f, rev: r}, nil
}

// Attach connects c to the shared links through a NIC of its own each way.
func (l *Links) Attach(c *Conn) {
	c.fwd = &port{eng: c.eng, link: l.fwd, c: c}
	c.rev = &port{eng: c.eng, link: l.rev, c: c, ack: true}
}

// Drops is the packets the links dropped from a full queue.
func (l *Links) Drops() (fwd, rev uint64) { return l.fwd.QueueDrops, l.rev.QueueDrops }

// port is one connection's NIC on a shared link: it sends one packet at a
// time at the link's rate; the link sees each packet when its NIC starts
// sending it.
type port struct {
	eng  *Engine
	link *Path[routed]
	c    *Conn
	ack  bool
	busy Time // when the NIC is free again
}

// Send implements wire.
func (p *port) Send(seg tcp.Segment, bytes int) {
	start := max(p.eng.Now(), p.busy)
	p.busy = start + p.link.TxTime(bytes)
	pkt := routed{c: p.c, seg: seg, ack: p.ack}
	if start == p.eng.Now() {
		p.link.Send(pkt, bytes)
		return
	}
	p.eng.At(start, func() { p.link.Send(pkt, bytes) })
}

// DefaultQueue is the bottleneck queue a scenario gets when it names none:
// one bandwidth-delay product of the path (rate × round trip), at least
// two full-size TSO skbs' worth so that one burst fits.
func DefaultQueue(fwd PathConfig) int64 {
	bdp := fwd.RateBps / 8 * int64(2*fwd.Delay) / int64(Second)
	return max(bdp, 2*65536)
}
