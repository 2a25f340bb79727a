package skb

// SendID names one application send (an iSCSI command's data, say): the unit
// whose completion the designs must signal. Zero means "no send" (bytes that
// belong to no command, such as filler).
type SendID int32

// Snap tells whether a Run's bytes still live on the application's page or
// are a copy the stack made.
type Snap uint8

const (
	// Live bytes are read from the user page at transmit time: if the
	// page's generation has moved past Run.Gen, the wire carries new data.
	Live Snap = iota
	// Copied bytes were copied out of the user page while it still held
	// generation Run.Gen: they are safe forever.
	Copied
	// Stale bytes were copied after the application had already rewritten
	// the page: the copy itself is corrupt.
	Stale
)

// Run is a stretch of bytes with one provenance: Len bytes of send Send,
// starting at byte Off of that send's stream, taken from buffer generation
// Gen. Provenance is hidden from the designs; only the ground truth reads it.
type Run struct {
	Off  int64
	Send SendID
	Len  int32
	Gen  uint32
	Snap Snap
}

// prov is a frag's provenance: the runs covering its bytes in order. One or
// two runs (the common cases: one send, or a coalesced boundary between two
// sends) are stored inline so that creating or copying a frag never
// allocates; longer lists live in ext, which is never mutated once built.
type prov struct {
	in  [2]Run
	ext []Run
	n   int32
}

// runs returns the provenance as a slice. The slice aliases p: read it, do not
// keep it across a mutation of the frag.
func (p *prov) runs() []Run {
	if p.n <= int32(len(p.in)) {
		return p.in[:p.n]
	}
	return p.ext
}

// makeProv builds a provenance from rs (copied).
func makeProv(rs []Run) prov {
	var p prov
	p.n = int32(len(rs))
	if len(rs) <= len(p.in) {
		copy(p.in[:], rs)
		return p
	}
	p.ext = append([]Run(nil), rs...)
	return p
}

// appendRun appends r to rs, merging it into the last run when the two are
// contiguous pieces of the same send with the same generation and kind.
func appendRun(rs []Run, r Run) []Run {
	if r.Len == 0 {
		return rs
	}
	if n := len(rs); n > 0 {
		l := &rs[n-1]
		if l.Send == r.Send && l.Gen == r.Gen && l.Snap == r.Snap && l.Off+int64(l.Len) == r.Off {
			l.Len += r.Len
			return rs
		}
	}
	return append(rs, r)
}

// cutRuns appends to dst the provenance of bytes [from, to) of rs.
func cutRuns(dst, rs []Run, from, to int32) []Run {
	var pos int32
	for _, r := range rs {
		end := pos + r.Len
		lo, hi := max(pos, from), min(end, to)
		if lo < hi {
			dst = appendRun(dst, Run{Send: r.Send, Off: r.Off + int64(lo-pos), Len: hi - lo, Gen: r.Gen, Snap: r.Snap})
		}
		pos = end
		if pos >= to {
			break
		}
	}
	return dst
}

// runsLen is the number of bytes rs covers.
func runsLen(rs []Run) int32 {
	var n int32
	for _, r := range rs {
		n += r.Len
	}
	return n
}

// Frag is one skb_frag_t: Size bytes at Off in Page. Every Frag stored in a
// live SharedInfo holds exactly one reference on its page (one per frag,
// never per byte: kernel-semantics §F20).
type Frag struct {
	Page *Page
	Off  int32
	Size int32
	// Tag is the per-frag design slot (a frag destructor, Ian Campbell's
	// series): it is copied with the frag by every operation that copies,
	// splits or segments frags, and contiguous bytes coalesce into a frag
	// only when the tags match.
	Tag  any
	prov prov
}

// End is the page offset just past the frag's last byte.
func (f *Frag) End() int32 { return f.Off + f.Size }

// liveSends calls fn once for each distinct send whose bytes this frag still
// reads from a user page.
func (f *Frag) liveSends(fn func(SendID)) {
	rs := f.prov.runs()
	for i, r := range rs {
		if r.Send == 0 || r.Snap != Live {
			continue
		}
		dup := false
		for _, q := range rs[:i] {
			if q.Send == r.Send && q.Snap == Live {
				dup = true
				break
			}
		}
		if !dup {
			fn(r.Send)
		}
	}
}

// Provenance appends the frag's runs to dst. It is for the ground truth and
// for teaching output only: a design must never read it (the lint test in
// cmd/zcsim keeps strategies from calling it).
func (f *Frag) Provenance(dst []Run) []Run { return append(dst, f.prov.runs()...) }
