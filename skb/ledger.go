package skb

// Instant is a point in a run: the model operation counter (each public
// Stack operation is one step) and the virtual time in nanoseconds that the
// driver set with SetNow. Ground truth is kept at operation granularity: a
// signal raised during the same operation as the truth instant is on time.
type Instant struct {
	Op   uint64
	Time int64
}

// sendState is the ledger's entry for one send.
type sendState struct {
	refs   int32
	bytes  int64 // bytes appended so far: the next byte's offset in the send
	tag    any   // Frag.Tag of the send's new frags (SetSendTag)
	closed bool
	done   bool
	at     Instant
}

// Ledger is the ground truth: per send, the number of live frag references
// whose provenance (hidden from the designs) includes that send's bytes on
// the application's own pages. T(send) is the instant that count reaches
// zero once the send is closed (the application queued all of it).
type Ledger struct {
	sends []sendState // index SendID; entry 0 unused
}

// NumSends is the number of sends opened so far; valid IDs are 1..NumSends.
func (l *Ledger) NumSends() int { return len(l.sends) - 1 }

// Refs is the number of live frag references to send id's bytes.
func (l *Ledger) Refs(id SendID) int { return int(l.sends[id].refs) }

// Closed reports whether send id was closed.
func (l *Ledger) Closed(id SendID) bool { return l.sends[id].closed }

// Truth returns T(id) and true once it has been reached.
func (l *Ledger) Truth(id SendID) (Instant, bool) {
	st := &l.sends[id]
	return st.at, st.done
}

// valid reports whether id names an opened send.
func (l *Ledger) valid(id SendID) bool { return id > 0 && int(id) < len(l.sends) }

// OpenSend starts a new send and returns its identifier.
func (s *Stack) OpenSend() SendID {
	if len(s.ledger.sends) == 0 {
		s.ledger.sends = append(s.ledger.sends, sendState{})
	}
	s.ledger.sends = append(s.ledger.sends, sendState{})
	return SendID(len(s.ledger.sends) - 1)
}

// SetSendTag sets the design slot (Frag.Tag) that frags created by send
// id's appends carry: the application attaching a frag destructor through
// the send API.
func (s *Stack) SetSendTag(id SendID, tag any) {
	if !s.ledger.valid(id) {
		panic(modelBug("tag of unknown send c%d", id))
	}
	s.ledger.sends[id].tag = tag
}

// CloseSend records that the application has queued all of send id. If no
// frag references its bytes any more, T(id) is now.
func (s *Stack) CloseSend(id SendID) error {
	if !s.ledger.valid(id) {
		panic(modelBug("close of unknown send c%d", id))
	}
	st := &s.ledger.sends[id]
	if st.closed {
		return ErrSendClosed
	}
	s.op++
	st.closed = true
	s.maybeTruth(id)
	s.flushTruth("close")
	return nil
}

// Ledger returns the ground-truth ledger (read it; do not keep it across
// operations if you need a snapshot).
func (s *Stack) Ledger() *Ledger { return &s.ledger }

func (s *Stack) ledgerAdd(f *Frag) {
	f.liveSends(func(id SendID) {
		st := &s.ledger.sends[id]
		if st.done {
			panic(modelBug("reference to send c%d taken after T(c%d)", id, id))
		}
		st.refs++
	})
}

func (s *Stack) ledgerDrop(f *Frag, site Site) {
	f.liveSends(func(id SendID) {
		st := &s.ledger.sends[id]
		st.refs--
		if st.refs < 0 {
			panic(modelBug("ledger count of send c%d negative at %s", id, site))
		}
		s.maybeTruth(id)
	})
}

// maybeTruth records T(id) if id is closed and unreferenced; the trace
// event is queued so that it follows the reference change that caused it.
func (s *Stack) maybeTruth(id SendID) {
	st := &s.ledger.sends[id]
	if st.refs == 0 && st.closed && !st.done {
		st.done = true
		st.at = Instant{Op: s.op, Time: s.now}
		s.truthQ = append(s.truthQ, id)
	}
}
