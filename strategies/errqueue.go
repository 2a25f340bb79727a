package strategies

import "fmt"

// Notification is one MSG_ZEROCOPY completion record on the socket error
// queue: ids Lo..Hi (ee_info..ee_data) and the COPIED code.
type Notification struct {
	Lo, Hi uint32
	Copied bool
}

func (n Notification) String() string {
	s := fmt.Sprintf("[%d,%d]", n.Lo, n.Hi)
	if n.Lo == n.Hi {
		s = fmt.Sprintf("[%d]", n.Lo)
	}
	if n.Copied {
		s += " COPIED"
	}
	return s
}

// ErrQueue is the socket error queue as __msg_zerocopy_callback fills it
// (kernel-semantics §C6): a completion whose id follows the unread tail's
// range extends it (skb_zerocopy_notify_extend; the tail's COPIED code
// wins, as in the kernel); otherwise it starts a new record.
type ErrQueue struct {
	q []Notification
}

// Complete queues the completion of notification id.
func (e *ErrQueue) Complete(id uint32, copied bool) {
	if n := len(e.q); n > 0 {
		t := &e.q[n-1]
		if id == t.Hi+1 && uint64(id)-uint64(t.Lo) < 1<<32-1 {
			t.Hi = id
			return
		}
	}
	e.q = append(e.q, Notification{Lo: id, Hi: id, Copied: copied})
}

// Read dequeues every record (recvmsg MSG_ERRQUEUE until empty).
func (e *ErrQueue) Read() []Notification {
	out := e.q
	e.q = nil
	return out
}

// Pending is the number of unread records.
func (e *ErrQueue) Pending() int { return len(e.q) }
