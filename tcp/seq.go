package tcp

// Before reports a < b modulo 2^32 (the kernel's before()).
func Before(a, b uint32) bool { return int32(a-b) < 0 }

// After reports a > b modulo 2^32 (after()).
func After(a, b uint32) bool { return int32(a-b) > 0 }

// SackBlock is a received range [Start, End) beyond the cumulative ACK.
type SackBlock struct{ Start, End uint32 }

// Segment is what crosses the wire: data (Len > 0) with the provenance of
// its bytes, or an ACK.
type Segment struct {
	Seq  uint32
	Len  int
	Data []Chunk // the payload as read from the skb at transmit
	// ACK fields (IsAck): cumulative ACK, window in bytes, SACK blocks.
	IsAck bool
	Ack   uint32
	Wnd   int
	Sacks []SackBlock
}

// Chunk is part of a payload: N bytes of send Send starting at byte Off of
// that send, of buffer generation Gen; Stale marks bytes that no longer
// hold what the send put there.
type Chunk struct {
	Send  int32
	Off   int64
	N     int
	Gen   uint32
	Stale bool
}
