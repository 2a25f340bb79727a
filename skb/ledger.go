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
//
// The ledger keeps the sends from First on: a long run drops each send
// once nobody will ask about it again (DropFirst), so that its memory
// follows the sends in flight, not every send ever made. A dropped send
// was closed and reached T; its instant is forgotten.
type Ledger struct {
	first SendID      // sends[0] is send first (1 until a send is dropped)
	sends []sendState // sends first .. first+len-1
}

// NumSends is the number of sends opened so far; IDs are 1..NumSends, of
// which First..NumSends are kept.
func (l *Ledger) NumSends() int { return int(l.base()) + len(l.sends) - 1 }

// First is the lowest send the ledger still keeps.
func (l *Ledger) First() SendID { return l.base() }

func (l *Ledger) base() SendID { return max(l.first, 1) }

// Dropped reports whether send id was dropped (DropFirst).
func (l *Ledger) Dropped(id SendID) bool { return id > 0 && id < l.base() }

// st is send id's entry. Precondition: valid(id).
func (l *Ledger) st(id SendID) *sendState { return &l.sends[id-l.base()] }

// Refs is the number of live frag references to send id's bytes (0 for a
// dropped send).
func (l *Ledger) Refs(id SendID) int {
	if l.Dropped(id) {
		return 0
	}
	return int(l.st(id).refs)
}

// Closed reports whether send id was closed (a dropped send was).
func (l *Ledger) Closed(id SendID) bool { return l.Dropped(id) || l.st(id).closed }

// Truth returns T(id) and true once it has been reached. For a dropped
// send it returns the zero Instant and true: T was reached, its instant
// forgotten.
func (l *Ledger) Truth(id SendID) (Instant, bool) {
	if l.Dropped(id) {
		return Instant{}, true
	}
	st := l.st(id)
	return st.at, st.done
}

// DropFirst forgets the lowest kept send. Precondition: it is closed and
// reached T (so no frag references it and none ever will).
func (l *Ledger) DropFirst() {
	if len(l.sends) == 0 || !l.sends[0].done || !l.sends[0].closed {
		panic(modelBug("DropFirst: send c%d is still in flight", l.base()))
	}
	l.sends[0] = sendState{}
	l.sends = l.sends[1:]
	l.first = l.base() + 1
}

// valid reports whether id names an opened send that is kept.
func (l *Ledger) valid(id SendID) bool { return id >= l.base() && int(id-l.base()) < len(l.sends) }

// OpenSend starts a new send and returns its identifier.
func (s *Stack) OpenSend() SendID {
	s.ledger.sends = append(s.ledger.sends, sendState{})
	return SendID(s.ledger.NumSends())
}

// SetSendTag sets the design slot (Frag.Tag) that frags created by send
// id's appends carry: the application attaching a frag destructor through
// the send API.
func (s *Stack) SetSendTag(id SendID, tag any) {
	if !s.ledger.valid(id) {
		panic(modelBug("tag of unknown send c%d", id))
	}
	s.ledger.st(id).tag = tag
}

// CloseSend records that the application has queued all of send id. If no
// frag references its bytes any more, T(id) is now.
func (s *Stack) CloseSend(id SendID) error {
	if !s.ledger.valid(id) {
		panic(modelBug("close of unknown send c%d", id))
	}
	st := s.ledger.st(id)
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
		st := s.ledger.st(id)
		if st.done {
			panic(modelBug("reference to send c%d taken after T(c%d)", id, id))
		}
		st.refs++
	})
}

func (s *Stack) ledgerDrop(f *Frag, site Site) {
	f.liveSends(func(id SendID) {
		st := s.ledger.st(id)
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
	st := s.ledger.st(id)
	if st.refs == 0 && st.closed && !st.done {
		st.done = true
		st.at = Instant{Op: s.op, Time: s.now}
		s.truthQ = append(s.truthQ, id)
	}
}
