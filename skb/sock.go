package skb

// SockID identifies the socket whose data a shared info carries (the sk
// an skb is charged to: sk_stream_alloc_skb / tcp_stream_alloc_skb, then
// skb_set_owner_w). 0 is no socket: op-level scripts and skbs nobody owns.
//
// A design's bookkeeping belongs to one socket, as in Linux: MSG_ZEROCOPY's
// ids and ubuf_infos, a token's ordering, an application's command counts.
// The Stack therefore routes every event about a shared info to the
// observers registered for the socket that owns it, plus the observers
// registered for every socket (AddObserver). Pages carry no owner: one page
// may be in flight on several sockets at once (a page-cache page served on
// two connections), and state a design keeps on the page itself
// (Page.NetPriv) is global, as struct page is.
type SockID int32

// route is the observers one socket's events reach, in registration order.
type route struct {
	sock SockID // 0: every socket
	o    Observer
}

// AddObserver appends o to the observers of every socket; it is called
// after those already added.
func (s *Stack) AddObserver(o Observer) { s.addRoute(route{o: o}) }

// AddSockObserver appends o to the observers of socket sock (sock > 0): it
// sees only events about shared infos that sock owns, and is called after
// the observers already added.
func (s *Stack) AddSockObserver(sock SockID, o Observer) {
	if sock <= 0 {
		panic(modelBug("AddSockObserver: socket %d", sock))
	}
	s.addRoute(route{sock: sock, o: o})
}

// addRoute registers r and rebuilds the per-socket observer lists, so that
// dispatch is one slice index with no allocation.
func (s *Stack) addRoute(r route) {
	s.routes = append(s.routes, r)
	if int(r.sock) >= len(s.bySock) {
		s.bySock = append(s.bySock, make([][]Observer, int(r.sock)+1-len(s.bySock))...)
	}
	for sock := range s.bySock {
		var obs []Observer
		for _, x := range s.routes {
			if x.sock == 0 || x.sock == SockID(sock) {
				obs = append(obs, x.o)
			}
		}
		s.bySock[sock] = obs
	}
}

// observersOf returns the observers of the socket that owns sh.
func (s *Stack) observersOf(sh *SharedInfo) []Observer {
	if int(sh.sock) < len(s.bySock) {
		return s.bySock[sh.sock]
	}
	return s.bySock[0]
}

// AllocFor is Alloc for socket sock: the new skb's shared info, and every
// shared info later made from it, belong to sock (tcp_stream_alloc_skb).
func (s *Stack) AllocFor(sock SockID, headroom, size int, fclone bool) *Buff {
	s.op++
	s.allocSock = sock
	b := s.alloc(int32(headroom), int32(size), fclone, "__alloc_skb")
	s.allocSock = 0
	return b
}

// Sock is the socket that owns the shared info's data (0: none).
func (sh *SharedInfo) Sock() SockID { return sh.sock }
