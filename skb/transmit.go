package skb

// Corruption is a stretch of bytes put on the wire from a page whose content
// is no longer what the send put there (P4: wire corruption).
type Corruption struct {
	Send SendID
	Off  int64 // offset within the send's stream
	Len  int32
	Page PageID // 0 for bytes of a stale copy
	Gen  uint32 // the generation the send put there
	Now  uint32 // the page's generation when read (live bytes)
	// Copy is true for bytes of a copy the stack made after the page had
	// already been rewritten (Page and Now are then unknown).
	Copy bool
}

// TxReport is what the device read from an skb.
type TxReport struct {
	Bytes   int
	Runs    []Run // the bytes in order, with their provenance
	Corrupt []Corruption
	// Pieces are the same bytes, one per linear run or frag run, each
	// marked stale when it no longer holds what its send put there.
	Pieces []Piece
}

// Piece is a run as read, the page it was read from (0 for the linear
// part), and whether the bytes read were stale.
type Piece struct {
	Run
	Page  PageID
	Stale bool
}

// Transmit reads every byte of b as a device does on DMA (linear part,
// then frags), and reports which bytes no longer hold what their send put
// there: a live byte whose page generation moved on, or a copy made after
// the page had been rewritten. It does not change any reference.
func (s *Stack) Transmit(b *Buff) TxReport {
	s.mustLive(b, "dev_hard_start_xmit")
	s.op++
	var rep TxReport
	rep.Bytes = int(b.len)
	for _, r := range b.lin {
		rep.Runs = appendRun(rep.Runs, r)
		rep.Pieces = append(rep.Pieces, Piece{Run: r, Stale: r.Snap == Stale})
		if r.Snap == Stale {
			rep.Corrupt = append(rep.Corrupt, Corruption{Send: r.Send, Off: r.Off, Len: r.Len, Gen: r.Gen, Copy: true})
		}
	}
	for i := range int(b.sh.nrFrags) {
		f := &b.sh.frags[i]
		for _, r := range f.prov.runs() {
			rep.Runs = appendRun(rep.Runs, r)
			rep.Pieces = append(rep.Pieces, Piece{Run: r, Page: f.Page.ID, Stale: r.Snap == Stale || r.Snap == Live && r.Gen != f.Page.gen})
			switch {
			case r.Snap == Live && r.Gen != f.Page.gen:
				rep.Corrupt = append(rep.Corrupt, Corruption{Send: r.Send, Off: r.Off, Len: r.Len, Page: f.Page.ID, Gen: r.Gen, Now: f.Page.gen})
			case r.Snap == Stale:
				rep.Corrupt = append(rep.Corrupt, Corruption{Send: r.Send, Off: r.Off, Len: r.Len, Gen: r.Gen, Copy: true})
			}
		}
	}
	return rep
}
