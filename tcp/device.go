package tcp

import (
	"slices"

	"github.com/zcsim/zcsim/skb"
)

// DevConfig configures a Device.
type DevConfig struct {
	// TSO: the NIC segments; otherwise software GSO (skb_segment) does.
	TSO bool
	// SG: the NIC does scatter-gather; otherwise skbs are linearized.
	SG bool
	// MSS for software segmentation, in bytes.
	MSS int
	// CompletionDelay is the time from hand-over to TX completion (ns).
	CompletionDelay int64
	// Loopback delivers locally: 6.18 copies zerocopy frags first
	// (skb_orphan_frags_rx, the deferred copy of §B19).
	Loopback bool
}

// Reader reads an skb's bytes as the NIC's DMA does (the simulator passes
// the property checker's Transmit, which records wire corruption).
type Reader func(b *skb.Buff) skb.TxReport

// pendingTx is an skb the driver holds until TX completion.
type pendingTx struct {
	b  *skb.Buff
	at int64
}

// Device is the qdisc, driver ring and NIC: validate_xmit_skb (software
// GSO, linearization), the DMA read that puts segments on the wire, and the
// TX completion that frees the skb after CompletionDelay.
type Device struct {
	st      *skb.Stack
	cfg     DevConfig
	read    Reader
	ring    []pendingTx // in completion order
	out     []Segment
	Segs    int // segments put on the wire
	GSO     int // skbs segmented in software
	Linear  int // skbs linearized
	Copies  int // deferred copies on loopback
	MaxRing int // most skbs held at once
}

// NewDevice returns a device reading skbs with read.
func NewDevice(st *skb.Stack, cfg DevConfig, read Reader) *Device {
	return &Device{st: st, cfg: cfg, read: read}
}

// Xmit takes an skb from the stack (dev_queue_xmit) at now. On loopback the
// skb is orphaned first (loopback_xmit's skb_orphan: it no longer belongs
// to the sending socket, which skb_fclone_busy then ignores).
func (d *Device) Xmit(b *skb.Buff, now int64) {
	if d.cfg.Loopback {
		d.st.Orphan(b)
	}
	skbs := []*skb.Buff{b}
	if !d.cfg.TSO && b.Len() > d.cfg.MSS {
		segs, err := d.st.Segment(b, d.cfg.MSS, d.cfg.SG)
		if err == nil {
			d.GSO++
			d.st.Free(b) // validate_xmit_skb consumes the GSO skb
			skbs = segs
		}
	}
	for _, x := range skbs {
		if !d.cfg.SG && x.DataLen() > 0 {
			_ = d.st.Linearize(x)
			d.Linear++
		}
		if d.cfg.Loopback && !d.st.Kernel().Old() && x.Shinfo().Zerocopy() {
			if d.st.CopyUbufs(x) == nil {
				d.Copies++
			}
		}
		rep := d.read(x)
		var data []Chunk
		for _, p := range rep.Pieces {
			data = append(data, Chunk{Send: int32(p.Send), Off: p.Off, N: int(p.Len), Gen: p.Gen, Stale: p.Stale})
		}
		// The NIC (TSO) or the GSO segments put MSS-sized packets on the
		// wire.
		for off := 0; off < x.Len(); off += d.cfg.MSS {
			end := min(off+d.cfg.MSS, x.Len())
			d.out = append(d.out, Segment{Seq: x.CB.Seq + uint32(off), Len: end - off, Data: cutChunks(data, off, end)})
			d.Segs++
		}
		d.ring = append(d.ring, pendingTx{b: x, at: now + d.cfg.CompletionDelay})
		d.MaxRing = max(d.MaxRing, len(d.ring))
	}
}

// TakeSegments returns the segments put on the wire since the last call.
// The slice is reused: consume it before calling the device again.
func (d *Device) TakeSegments() []Segment {
	out := d.out
	d.out = d.out[:0]
	return out
}

// Timer is the next TX completion time, if any skb is held.
func (d *Device) Timer() (int64, bool) {
	if len(d.ring) == 0 {
		return 0, false
	}
	return d.ring[0].at, true
}

// OnTimer completes (frees) every skb whose completion time has come. The
// completed entries leave the ring by shifting the rest down (slices.Delete
// clears the vacated slots), so the ring keeps no freed skb and its backing
// array stays as large as the most skbs held at once.
func (d *Device) OnTimer(now int64) {
	n := 0
	for n < len(d.ring) && d.ring[n].at <= now {
		d.st.Free(d.ring[n].b)
		n++
	}
	d.ring = slices.Delete(d.ring, 0, n)
}

// Held is the number of skbs the device holds.
func (d *Device) Held() int { return len(d.ring) }
