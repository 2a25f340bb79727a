package strategies

import (
	"github.com/zcsim/zcsim/skb"
)

var msgZerocopyInfo = Info{
	Name: "msg-zerocopy",
	Origin: "Willem de Bruijn's MSG_ZEROCOPY (Linux 4.14, 2017): \"add reference counting, to support the skb " +
		"split, merge, resize and clone operations possible with SOCK_STREAM\"; kernel-semantics §C",
	Mechanism: "a refcounted ubuf_info in destructor_arg; a reference is taken whenever a shared info is " +
		"duplicated (pskb_expand_head of a clone, pskb_copy, skb_split, skb_segment); skbs holding a ubuf_info " +
		"are never merged, and an append to an skb holding another command's is refused; a deferred copy " +
		"completes with SO_EE_CODE_ZEROCOPY_COPIED; completions are queued as id ranges merged into the " +
		"error-queue tail while unread",
	Sound:    true,
	Expected: "sound; pays a ubuf_info and a notification skb per command, and gives up coalescing and merging",
	CPU:      "Alloc (100 ticks) per command (ubuf_info + notification skb); Hook (20 ticks) per ubuf_info reference taken or dropped",
	Memory: Memory{PerShinfo: 0, Object: "ubuf_info_msgzc inside a notification skb (sock_omalloc)", ObjectLen: 256,
		Source: "destructor_arg and flags exist in 6.x skb_shared_info (2.6.26 would need 8 bytes more); " +
			"one zero-length skb's truesize per outstanding notification, charged to optmem (§C1, §C8)"},
	Hypothetical: []skb.Kernel{skb.Linux2626},
	Backport: "2.6.26 has no destructor_arg and no SKBFL_* zerocopy flags; zcsim takes the ubuf_info references " +
		"at the sites 4.14+ uses (pskb_expand_head, pskb_copy, skb_split, skb_segment) on 2.6.26's operations",
}

// ubufInfo is a struct ubuf_info_msgzc.
type ubufInfo struct {
	cmd      skb.SendID
	id       uint32
	refs     int64
	zerocopy bool // cleared by a deferred copy: the notification says COPIED
	done     bool
}

// msgZerocopy is Linux's MSG_ZEROCOPY.
type msgZerocopy struct {
	skb.NopObserver
	meter
	env   Env
	uargs map[skb.SendID]*ubufInfo
	zckey uint32 // sk_zckey: the next notification id
	// ErrQueue is the socket's error queue of notifications.
	ErrQueue ErrQueue

	// The application's side: it numbers its zerocopy sends as the kernel
	// does (the n-th successful call is id n), reads the error queue after
	// every operation, and completes the commands the ranges it read name.
	appNext uint32
	appIDs  map[uint32]skb.SendID
	read    []Notification // what it read, for the script's errqueue
}

func newMsgZerocopy(env Env) Design {
	return &msgZerocopy{env: env, meter: meter{model: env.Model}, uargs: map[skb.SendID]*ubufInfo{}, appIDs: map[uint32]skb.SendID{}}
}

func (d *msgZerocopy) Info() Info { return msgZerocopyInfo }

// Submit is msg_zerocopy_alloc on the command's first send: id = sk_zckey++,
// one reference held by the send call until Queued (net_zcopy_put).
func (d *msgZerocopy) Submit(c skb.SendID, _ []*skb.Page, _ int) {
	if d.uargs[c] == nil {
		d.uargs[c] = &ubufInfo{cmd: c, id: d.zckey, refs: 1, zerocopy: true}
		d.zckey++
		d.alloc()
		d.appIDs[d.appNext] = c
		d.appNext++
	}
}

func uargOf(sh *skb.SharedInfo) *ubufInfo {
	u, _ := sh.DestructorArg.(*ubufInfo)
	return u
}

// Merge: skb_zerocopy_iter_stream attaches the command's ubuf_info to an
// skb that has none (skb_zcopy_set: a reference), appends to one holding
// the same, and refuses one holding another (-EEXIST). skb_shift,
// skb_try_coalesce and tcp_collapse_retrans never merge skbs holding one
// (§C5; 6.18 refuses them before asking, 2.6.26 relies on this refusal).
func (d *msgZerocopy) Merge(e skb.MergeEvent) bool {
	sh := e.Dst.Shinfo()
	cur := uargOf(sh)
	if e.Kind != skb.MergeAppend {
		return cur == nil && uargOf(e.Src.Shinfo()) == nil
	}
	u := d.uargs[e.Send]
	if u == nil {
		return cur == nil
	}
	switch cur {
	case nil:
		sh.DestructorArg = u
		if d.env.Kernel != skb.Linux2626 {
			sh.Flags |= skb.ZerocopyEnable | skb.SharedFrag | skb.DontOrphan
		}
		u.refs++
		d.hook()
		return true
	case u:
		return true
	}
	return false
}

// ShinfoDup: a duplicated or derived shared info holds the ubuf_info too
// (pskb_expand_head's net_zcopy_get, skb_zerocopy_clone).
func (d *msgZerocopy) ShinfoDup(e skb.ShinfoEvent) {
	u := uargOf(e.From)
	if u == nil {
		return
	}
	e.Shinfo.DestructorArg = u
	if d.env.Kernel != skb.Linux2626 {
		e.Shinfo.Flags |= e.From.Flags & (skb.ZerocopyEnable | skb.SharedFrag | skb.DontOrphan)
	}
	u.refs++
	d.hook()
}

// ZerocopyClear is skb_zcopy_clear: msg_zerocopy_complete drops one
// reference; a copy (success false) marks the notification COPIED.
func (d *msgZerocopy) ZerocopyClear(e skb.ShinfoEvent) {
	if u := uargOf(e.Shinfo); u != nil {
		if !e.Success {
			u.zerocopy = false
		}
		d.put(u)
	}
}

// ShinfoRelease drops the reference of a shared info released while it
// still holds the ubuf_info (2.6.26, which has no zerocopy flag to clear).
func (d *msgZerocopy) ShinfoRelease(e skb.ShinfoEvent) {
	if u := uargOf(e.Shinfo); u != nil {
		e.Shinfo.DestructorArg = nil
		d.put(u)
	}
}

// Queued is the end of the send call: its own reference goes.
func (d *msgZerocopy) Queued(c skb.SendID) {
	if u := d.uargs[c]; u != nil {
		d.put(u)
	}
}

// put is net_zcopy_put; the last reference queues the notification
// (__msg_zerocopy_callback).
func (d *msgZerocopy) put(u *ubufInfo) {
	d.hook()
	u.refs--
	if u.refs != 0 || u.done {
		return
	}
	u.done = true
	d.free()
	delete(d.uargs, u.cmd)
	d.ErrQueue.Complete(u.id, !u.zerocopy)
}

// ReadNotifications is the application reading the error queue
// (recvmsg(MSG_ERRQUEUE) until empty) after an operation: every id of
// every range it reads completes the command it sent with that id, with
// the range's COPIED code. What it reads is what it acts on: a wrong range
// is a wrong completion, which the checker sees. An id it does not know
// (never sent, or already completed) is ignored.
func (d *msgZerocopy) ReadNotifications() {
	for _, n := range d.ErrQueue.Read() {
		d.read = append(d.read, n)
		for id := n.Lo; ; id++ {
			if c, ok := d.appIDs[id]; ok {
				delete(d.appIDs, id)
				d.env.Notify(c, n.Copied)
			}
			if id == n.Hi {
				break
			}
		}
	}
}

// TakeRead returns the records the application read since the last call.
func (d *msgZerocopy) TakeRead() []Notification {
	out := d.read
	d.read = nil
	return out
}

func (d *msgZerocopy) SendTag(skb.SendID) any { return nil }
func (d *msgZerocopy) Copies() bool           { return false }
