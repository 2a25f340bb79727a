package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// opCommand runs one op-level command, writing its summary to out (the
// trace of reference changes is appended by Exec).
type opCommand func(o *OpScript, a *args, out *strings.Builder) error

// opCommands is the op-level script language. Each entry's comment shows
// one use; the README's "Op-level scripts" section documents them all.
var opCommands map[string]opCommand

func init() {
	opCommands = map[string]opCommand{
		"kernel":         cmdKernel,        // kernel version=2.6.26
		"buffer":         cmdBuffer,        // buffer name=A pages=3 share=B:0 mapped=1
		"alloc":          cmdAlloc,         // alloc as=a fclone headroom=128 size=0
		"header-release": cmdHeaderRelease, // header-release skb=a
		"send":           cmdSend,          // send send=c1 buf=A off=0 len=8192 as=a close
		"close":          cmdClose,         // close send=c1
		"clone":          cmdClone,         // clone skb=a as=b
		"get":            cmdGet,           // get skb=a
		"copy":           cmdCopy,          // copy skb=a as=b
		"pskb-copy":      cmdPskbCopy,      // pskb-copy skb=a as=b
		"expand-head":    cmdExpandHead,    // expand-head skb=a head=0 tail=0
		"pull-tail":      cmdPullTail,      // pull-tail skb=a len=100
		"trim":           cmdTrim,          // trim skb=a len=1000
		"trim-head":      cmdTrimHead,      // trim-head skb=a len=1448
		"split":          cmdSplit,         // split skb=a at=1448 as=b
		"shift":          cmdShift,         // shift to=a from=b len=4096
		"segment":        cmdSegment,       // segment skb=a mss=1448 as=g sg=true
		"coalesce":       cmdCoalesce,      // coalesce to=a from=b
		"collapse":       cmdCollapse,      // collapse skb=a next=b mss=1448
		"linearize":      cmdLinearize,     // linearize skb=a
		"copy-ubufs":     cmdCopyUbufs,     // copy-ubufs skb=a
		"zerocopy":       cmdZerocopy,      // zerocopy skb=a orphan=false
		"free":           cmdFree,          // free skb=a
		"reuse":          cmdReuse,         // reuse buf=A
		"map":            cmdMap,           // map buf=A page=1
		"unmap":          cmdUnmap,         // unmap buf=A page=1
		"transmit":       cmdTransmit,      // transmit skb=a
		"show":           cmdShow,          // show
		"check":          cmdCheck,         // check
		"errqueue":       cmdErrQueue,      // errqueue
		"costs":          cmdCosts,         // costs
	}
}

func cmdKernel(o *OpScript, a *args, out *strings.Builder) error {
	v := a.str("version", true)
	if err := a.done(); err != nil {
		return err
	}
	if o.st != nil {
		return a.d.Errorf("kernel: given twice")
	}
	k, err := skb.ParseKernel(v)
	if err != nil {
		return a.d.Errorf("kernel: version=%q: want 2.6.26 or 6.18", v)
	}
	o.st = skb.NewStack(k, o.obs...)
	o.st.SetTracing(true)
	if o.entry != nil {
		o.chk = NewChecker(o.st, o)
		o.design = o.entry.New(strategies.Env{Kernel: k, Notify: o.chk.Notify, Model: strategies.DefaultCosts})
		o.st.AddObserver(o.design)
		o.chk.AddReader(o.design)
	}
	fmt.Fprintf(out, "kernel %s: MAX_SKB_FRAGS %d\n", k, k.MaxFrags())
	return nil
}

func cmdBuffer(o *OpScript, a *args, out *strings.Builder) error {
	name := a.name("name", true)
	n := a.num("pages", 0, true, 1, maxBufferPages)
	shares := a.list("share")
	mapped := a.list("mapped")
	if err := a.done(); err != nil {
		return err
	}
	if _, dup := o.bufs[name]; dup {
		return a.d.Errorf("buffer: buffer %s already exists", name)
	}
	if o.pages+n > maxScriptPages {
		return a.d.Errorf("buffer: %d pages in all would exceed the limit of %d", o.pages+n, maxScriptPages)
	}
	if len(shares) > n {
		return a.d.Errorf("buffer: %d shared pages in a buffer of %d", len(shares), n)
	}
	b := &appBuffer{name: name}
	notes := make([]string, n)
	for _, sp := range shares {
		other, idx, ok := strings.Cut(sp, ":")
		ob, found := o.bufs[other]
		i, err := strconv.Atoi(idx)
		if !ok || !found || err != nil || i < 0 || i >= len(ob.pages) {
			return a.d.Errorf("buffer: share=%s: want BUFFER:PAGE of an existing buffer", sp)
		}
		p := ob.pages[i]
		o.st.HoldPage(p, false)
		notes[len(b.pages)] = fmt.Sprintf("shared with %s", other)
		b.pages = append(b.pages, p)
	}
	for len(b.pages) < n {
		b.pages = append(b.pages, o.st.NewUserPage())
	}
	for _, m := range mapped {
		if m == "all" {
			for i, p := range b.pages {
				o.st.HoldPage(p, true)
				notes[i] = strings.TrimPrefix(notes[i]+", mapped", ", ")
			}
			continue
		}
		i, err := strconv.Atoi(m)
		if err != nil || i < 0 || i >= n {
			return a.d.Errorf("buffer: mapped=%s: want page indexes 0..%d or all", m, n-1)
		}
		o.st.HoldPage(b.pages[i], true)
		notes[i] = strings.TrimPrefix(notes[i]+", mapped", ", ")
	}
	o.bufs[name] = b
	o.pages += n
	fmt.Fprintf(out, "buffer %s:", name)
	for i, p := range b.pages {
		fmt.Fprintf(out, " p%d", p.ID)
		if notes[i] != "" {
			fmt.Fprintf(out, "(%s)", notes[i])
		}
	}
	out.WriteString("\n")
	return nil
}

// tcpHeadroom is the headroom the model gives TCP data skbs (MAX_TCP_HEADER
// order of magnitude; only its presence matters).
const tcpHeadroom = 128

func cmdAlloc(o *OpScript, a *args, out *strings.Builder) error {
	name := o.newName(a, "as")
	fclone := a.flag("fclone", false)
	head := a.num("headroom", tcpHeadroom, false, 0, 1<<16)
	size := a.num("size", 0, false, 0, 1<<20)
	if err := a.done(); err != nil {
		return err
	}
	b := o.st.Alloc(head, size, fclone)
	o.bind(name, b)
	fmt.Fprintf(out, "%s: new skb, shinfo s%d, fclone %s\n", name, b.Shinfo().ID, b.Fclone())
	return nil
}

func cmdHeaderRelease(o *OpScript, a *args, out *strings.Builder) error {
	b := o.buff(a, "skb")
	if err := a.done(); err != nil {
		return err
	}
	if err := o.st.HeaderRelease(b); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: nohdr\n", o.BuffName(b.ID))
	return nil
}

// openSend returns the send named n, opening it if it is new. Call it
// only once the command is known to run: a rejected command leaves no
// trace (no send opened, nothing submitted to the design).
func (o *OpScript) openSend(n string) skb.SendID {
	id, ok := o.sends[n]
	if !ok {
		id = o.st.OpenSend()
		o.sends[n] = id
		o.sendNames = append(o.sendNames, n)
	}
	return id
}

func cmdSend(o *OpScript, a *args, out *strings.Builder) error {
	sendName := a.name("send", true)
	buf := o.buffer(a, "buf")
	off := a.num("off", 0, false, 0, maxSendBytes)
	length := a.num("len", -1, false, 1, maxSendBytes)
	_, onto := a.lookup("skb")
	var b *skb.Buff
	var newName string
	if onto {
		b = o.buff(a, "skb")
	} else {
		newName = o.newName(a, "as")
	}
	closeIt := a.flag("close", false)
	if err := a.done(); err != nil {
		return err
	}
	size := len(buf.pages) * skb.PageSize
	if length < 0 {
		length = size - off
	}
	if length <= 0 || off+length > size {
		return a.d.Errorf("send: bytes [%d,%d) are outside buffer %s of %d bytes", off, off+length, buf.name, size)
	}
	if id, ok := o.sends[sendName]; ok && o.st.Ledger().Closed(id) {
		return a.d.Errorf("send: %s is already closed", sendName)
	}
	if onto && b.Cloned() {
		return a.d.Errorf("send: skb %s is cloned: TCP appends only to skbs not yet sent", o.BuffName(b.ID))
	}
	id := o.openSend(sendName)
	if !onto {
		// do_tcp_sendpages / tcp_sendmsg_locked: sk_stream_alloc_skb (a fast
		// clone with no linear payload room) and skb_entail, which releases
		// the header.
		b = o.st.Alloc(tcpHeadroom, 0, true)
		o.bind(newName, b)
		if err := o.st.HeaderRelease(b); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: new skb, shinfo s%d, queued (skb_entail)\n", newName, b.Shinfo().ID)
	}
	for _, p := range buf.pages[off/skb.PageSize : (off+length+skb.PageSize-1)/skb.PageSize] {
		if !slices.Contains(o.onPage[p.ID], id) {
			o.onPage[p.ID] = append(o.onPage[p.ID], id)
		}
	}
	if o.design != nil {
		o.design.Submit(id, buf.pages[off/skb.PageSize:(off+length+skb.PageSize-1)/skb.PageSize], length)
		o.st.SetSendTag(id, o.design.SendTag(id))
	}
	done := 0
	for done < length {
		pos := off + done
		p := buf.pages[pos/skb.PageSize]
		po := pos % skb.PageSize
		chunk := min(skb.PageSize-po, length-done)
		var err error
		if o.design != nil && o.design.Copies() {
			chunk, err = o.st.AppendCopy(b, &o.pf, id, p, po, chunk)
		} else {
			err = o.st.AppendPage(b, id, p, po, chunk)
		}
		if err != nil {
			fmt.Fprintf(out, "%s: %d of %d bytes onto %s\n", o.SendName(id), done, length, o.BuffName(b.ID))
			if err := o.outcome(err, out, o.SendName(id)); err != nil {
				return err
			}
			break
		}
		done += chunk
	}
	if done == length {
		fmt.Fprintf(out, "%s: %s%s onto %s: len %d, %s\n", o.SendName(id), buf.name, fmtRange(int64(off), int64(off+length)),
			o.BuffName(b.ID), b.Len(), nfrags(b.Shinfo().NumFrags()))
	}
	if closeIt {
		return o.closeSend(id, out)
	}
	return nil
}

func (o *OpScript) closeSend(id skb.SendID, out *strings.Builder) error {
	if err := o.st.CloseSend(id); err != nil {
		return fmt.Errorf("%s is already closed", o.SendName(id))
	}
	if o.design != nil {
		o.design.Queued(id)
	}
	fmt.Fprintf(out, "%s closed: %d live frag references\n", o.SendName(id), o.st.Ledger().Refs(id))
	return nil
}

func cmdClose(o *OpScript, a *args, out *strings.Builder) error {
	n := a.name("send", true)
	if err := a.done(); err != nil {
		return err
	}
	id, ok := o.sends[n]
	if !ok {
		return a.d.Errorf("close: unknown send %s", n)
	}
	return o.closeSend(id, out)
}

func cmdClone(o *OpScript, a *args, out *strings.Builder) error {
	b := o.buff(a, "skb")
	name := o.newName(a, "as")
	if err := a.done(); err != nil {
		return err
	}
	n, err := o.st.Clone(b)
	if err != nil {
		return err
	}
	o.bind(name, n)
	kind := "regular skb"
	if n.Fclone() == skb.FcloneClone {
		kind = "fast clone"
	}
	fmt.Fprintf(out, "%s: clone of %s (%s)\n", name, o.BuffName(b.ID), kind)
	return nil
}

func cmdGet(o *OpScript, a *args, out *strings.Builder) error {
	b := o.buff(a, "skb")
	if err := a.done(); err != nil {
		return err
	}
	if err := o.st.Get(b); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: users %d\n", o.BuffName(b.ID), b.Users())
	return nil
}

func cmdCopy(o *OpScript, a *args, out *strings.Builder) error {
	b := o.buff(a, "skb")
	name := o.newName(a, "as")
	if err := a.done(); err != nil {
		return err
	}
	n := o.st.Copy(b)
	o.bind(name, n)
	fmt.Fprintf(out, "%s: private linear copy of %s, %d bytes, shinfo s%d\n", name, o.BuffName(b.ID), n.Len(), n.Shinfo().ID)
	return nil
}

func cmdPskbCopy(o *OpScript, a *args, out *strings.Builder) error {
	b := o.buff(a, "skb")
	name := o.newName(a, "as")
	if err := a.done(); err != nil {
		return err
	}
	n, err := o.st.PskbCopy(b)
	if err != nil {
		return err
	}
	o.bind(name, n)
	fmt.Fprintf(out, "%s: private head, %s shared with %s, shinfo s%d\n", name, nfrags(n.Shinfo().NumFrags()), o.BuffName(b.ID), n.Shinfo().ID)
	return nil
}

func cmdExpandHead(o *OpScript, a *args, out *strings.Builder) error {
	b := o.buff(a, "skb")
	head := a.num("head", 0, false, 0, 1<<16)
	tail := a.num("tail", 0, false, 0, 1<<20)
	if err := a.done(); err != nil {
		return err
	}
	old := b.Shinfo().ID
	if err := o.st.ExpandHead(b, head, tail); err != nil {
		return err
	}
	if b.Shinfo().ID == old {
		fmt.Fprintf(out, "%s: new head, shinfo s%d moved with it\n", o.BuffName(b.ID), old)
	} else {
		fmt.Fprintf(out, "%s: new private head, shinfo s%d (was s%d)\n", o.BuffName(b.ID), b.Shinfo().ID, old)
	}
	return nil
}

// shape is a one-line summary of an skb's layout.
func (o *OpScript) shape(b *skb.Buff) string {
	return fmt.Sprintf("%s: len %d, headlen %d, %s, shinfo s%d", o.BuffName(b.ID), b.Len(), b.HeadLen(), nfrags(b.Shinfo().NumFrags()), b.Shinfo().ID)
}

// lengthCmd builds the commands that apply one length-taking operation to
// an skb (pull-tail, trim, trim-head) and print its new shape; lo is the
// smallest len= accepted.
func lengthCmd(lo int, op func(s *skb.Stack, b *skb.Buff, n int) error) opCommand {
	return func(o *OpScript, a *args, out *strings.Builder) error {
		b := o.buff(a, "skb")
		n := a.num("len", 0, true, lo, maxSendBytes)
		if err := a.done(); err != nil {
			return err
		}
		if err := op(o.st, b, n); err != nil {
			return err
		}
		out.WriteString(o.shape(b) + "\n")
		return nil
	}
}

var (
	cmdPullTail = lengthCmd(1, (*skb.Stack).PullTail)
	cmdTrim     = lengthCmd(0, (*skb.Stack).Trim)
	cmdTrimHead = lengthCmd(1, (*skb.Stack).TrimHead)
)

func cmdSplit(o *OpScript, a *args, out *strings.Builder) error {
	b := o.buff(a, "skb")
	at := a.num("at", 0, true, 1, maxSendBytes)
	name := o.newName(a, "as")
	if err := a.done(); err != nil {
		return err
	}
	n, err := o.st.Split(b, at)
	if err != nil {
		return err
	}
	o.bind(name, n)
	out.WriteString(o.shape(b) + "\n" + o.shape(n) + "\n")
	return nil
}

func cmdShift(o *OpScript, a *args, out *strings.Builder) error {
	to := o.buff(a, "to")
	from := o.buff(a, "from")
	n := a.num("len", 0, true, 1, maxSendBytes)
	if err := a.done(); err != nil {
		return err
	}
	moved, err := o.st.Shift(to, from, n)
	if err := o.outcome(err, out, "shift"); err != nil {
		return err
	}
	if err == nil {
		fmt.Fprintf(out, "shifted %d bytes\n%s\n%s\n", moved, o.shape(to), o.shape(from))
	}
	return nil
}

func cmdSegment(o *OpScript, a *args, out *strings.Builder) error {
	b := o.buff(a, "skb")
	mss := a.num("mss", 0, true, 1, 1<<16)
	prefix := a.name("as", true)
	sg := a.flag("sg", true)
	if err := a.done(); err != nil {
		return err
	}
	count := (b.Len() + mss - 1) / mss
	if count > maxSegments {
		return a.d.Errorf("segment: %d segments exceed the limit of %d", count, maxSegments)
	}
	for i := 1; i <= count; i++ {
		if o.used[fmt.Sprintf("%s%d", prefix, i)] {
			return a.d.Errorf("segment: name %s%d is already used", prefix, i)
		}
	}
	segs, err := o.st.Segment(b, mss, sg)
	if err != nil {
		return err
	}
	for i, s := range segs {
		o.bind(fmt.Sprintf("%s%d", prefix, i+1), s)
		out.WriteString(o.shape(s) + "\n")
	}
	return nil
}

func cmdCoalesce(o *OpScript, a *args, out *strings.Builder) error {
	to := o.buff(a, "to")
	from := o.buff(a, "from")
	if err := a.done(); err != nil {
		return err
	}
	fname := o.BuffName(from.ID)
	cloned := from.Cloned()
	copied, err := o.st.TryCoalesce(to, from)
	if err := o.outcome(err, out, "coalesce"); err != nil {
		return err
	}
	if err == nil {
		how := "frags moved"
		switch {
		case copied:
			how = "bytes copied"
		case cloned:
			how = "frags referenced"
		}
		fmt.Fprintf(out, "%s coalesced into %s (%s), %s freed\n%s\n", fname, o.BuffName(to.ID), how, fname, o.shape(to))
		o.forget()
	}
	return nil
}

func cmdCollapse(o *OpScript, a *args, out *strings.Builder) error {
	b := o.buff(a, "skb")
	next := o.buff(a, "next")
	mss := a.num("mss", 0, false, 0, 1<<16)
	if err := a.done(); err != nil {
		return err
	}
	nname := o.BuffName(next.ID)
	err := o.st.CollapseRetrans(b, next, mss)
	if err := o.outcome(err, out, "collapse"); err != nil {
		return err
	}
	if err == nil {
		fmt.Fprintf(out, "%s collapsed into %s, %s freed\n%s\n", nname, o.BuffName(b.ID), nname, o.shape(b))
		o.forget()
	}
	return nil
}

func cmdLinearize(o *OpScript, a *args, out *strings.Builder) error {
	b := o.buff(a, "skb")
	if err := a.done(); err != nil {
		return err
	}
	if err := o.st.Linearize(b); err != nil {
		return err
	}
	out.WriteString(o.shape(b) + "\n")
	return nil
}

func cmdCopyUbufs(o *OpScript, a *args, out *strings.Builder) error {
	b := o.buff(a, "skb")
	if err := a.done(); err != nil {
		return err
	}
	err := o.st.CopyUbufs(b)
	if err := o.outcome(err, out, "copy-ubufs"); err != nil {
		return err
	}
	if err == nil {
		out.WriteString(o.shape(b) + "\n")
	}
	return nil
}

func cmdZerocopy(o *OpScript, a *args, out *strings.Builder) error {
	b := o.buff(a, "skb")
	orphan := a.flag("orphan", false)
	if err := a.done(); err != nil {
		return err
	}
	err := o.st.SetZerocopy(b, nil, orphan)
	if err := o.outcome(err, out, "zerocopy"); err != nil {
		return err
	}
	if err == nil {
		fmt.Fprintf(out, "%s: s%d zerocopy, %s\n", o.BuffName(b.ID), b.Shinfo().ID, fmtFlags(b.Shinfo().Flags))
	}
	return nil
}

func cmdFree(o *OpScript, a *args, out *strings.Builder) error {
	b := o.buff(a, "skb")
	if err := a.done(); err != nil {
		return err
	}
	o.st.Free(b)
	if b.Freed() {
		fmt.Fprintf(out, "%s freed\n", o.BuffName(b.ID))
		o.forget()
	} else {
		fmt.Fprintf(out, "%s: users %d\n", o.BuffName(b.ID), b.Users())
	}
	return nil
}

// cmdReuse is the application rewriting a buffer. Under a design it
// rewrites a page only once the design has signalled every send that used
// it (the application's policy: reuse the moment it is told it may) and
// keeps the others; force rewrites every page regardless.
func cmdReuse(o *OpScript, a *args, out *strings.Builder) error {
	buf := o.buffer(a, "buf")
	force := a.flag("force", false)
	if err := a.done(); err != nil {
		return err
	}
	fmt.Fprintf(out, "buffer %s", buf.name)
	var kept []string
	rewritten := 0
	for _, p := range buf.pages {
		if wait := o.unsignalled(p); wait != "" && !force {
			kept = append(kept, fmt.Sprintf("p%d (%s not signalled)", p.ID, wait))
			continue
		}
		o.st.Rewrite(p)
		if rewritten == 0 {
			out.WriteString(" rewritten:")
		}
		rewritten++
		fmt.Fprintf(out, " p%d gen %d", p.ID, p.Gen())
	}
	if len(kept) > 0 {
		if rewritten > 0 {
			out.WriteString(";")
		}
		out.WriteString(" kept: " + strings.Join(kept, ", "))
	}
	out.WriteString("\n")
	return nil
}

// bufPage returns page I of the buffer named by buf= (page=I).
func (o *OpScript) bufPage(a *args) (*appBuffer, int, *skb.Page) {
	buf := o.buffer(a, "buf")
	i := a.num("page", 0, true, 0, maxBufferPages-1)
	if a.err != nil {
		return nil, 0, nil
	}
	if i >= len(buf.pages) {
		a.fail("%s: page=%d: buffer %s has pages 0..%d", a.d.Cmd, i, buf.name, len(buf.pages)-1)
		return nil, 0, nil
	}
	return buf, i, buf.pages[i]
}

// cmdMap is another process mapping page I of a buffer (an mmap of the
// backing file, say): one more user mapping and one more reference held
// outside the stack (page_mapcount and get_page by the mm). The network
// stack takes no part, so designs are not told.
func cmdMap(o *OpScript, a *args, out *strings.Builder) error {
	buf, i, p := o.bufPage(a)
	if err := a.done(); err != nil {
		return err
	}
	o.st.HoldPage(p, true)
	fmt.Fprintf(out, "%s[%d] p%d mapped by another process: refs %d->%d, mapped %d->%d\n",
		buf.name, i, p.ID, p.Refs()-1, p.Refs(), p.Mapped()-1, p.Mapped())
	return nil
}

// cmdUnmap drops one user mapping of page I of a buffer (munmap: the
// mapcount and the mm's reference go); a page without a mapping is an
// error.
func cmdUnmap(o *OpScript, a *args, out *strings.Builder) error {
	buf, i, p := o.bufPage(a)
	if err := a.done(); err != nil {
		return err
	}
	if p.Mapped() == 0 {
		return a.d.Errorf("unmap: page %d of buffer %s (p%d) has no mapping", i, buf.name, p.ID)
	}
	o.st.UnholdPage(p, true)
	fmt.Fprintf(out, "%s[%d] p%d unmapped: refs %d->%d, mapped %d->%d\n",
		buf.name, i, p.ID, p.Refs()+1, p.Refs(), p.Mapped()+1, p.Mapped())
	return nil
}

// unsignalled names a send that used page p and that the design has not
// signalled, or returns "" (always "" without a design).
func (o *OpScript) unsignalled(p *skb.Page) string {
	if o.chk == nil {
		return ""
	}
	for _, id := range o.onPage[p.ID] {
		if o.chk.Signals(id) == 0 {
			return o.SendName(id)
		}
	}
	return ""
}

func cmdTransmit(o *OpScript, a *args, out *strings.Builder) error {
	b := o.buff(a, "skb")
	if err := a.done(); err != nil {
		return err
	}
	var rep skb.TxReport
	if o.chk != nil {
		rep = o.chk.Transmit(b)
	} else {
		rep = o.st.Transmit(b)
	}
	fmt.Fprintf(out, "%s: %d bytes on the wire:", o.BuffName(b.ID), rep.Bytes)
	for _, r := range rep.Runs {
		out.WriteString(" " + o.fmtRun(r))
	}
	out.WriteString("\n")
	if o.chk != nil {
		return nil // the checker reports corruption as P4 violations
	}
	for _, c := range rep.Corrupt {
		if c.Copy {
			fmt.Fprintf(out, "WIRE CORRUPTION: %s%s from a copy taken after the page was rewritten\n",
				o.SendName(c.Send), fmtRange(c.Off, c.Off+int64(c.Len)))
			continue
		}
		fmt.Fprintf(out, "WIRE CORRUPTION: %s%s read from p%d at gen %d, sent at gen %d\n",
			o.SendName(c.Send), fmtRange(c.Off, c.Off+int64(c.Len)), c.Page, c.Now, c.Gen)
	}
	return nil
}

// cmdCheck runs the end-of-run property check (P3) once no skb is left.
func cmdCheck(o *OpScript, a *args, out *strings.Builder) error {
	if err := a.done(); err != nil {
		return err
	}
	if o.chk == nil {
		return a.d.Errorf("check: no design to check (add 'design NAME' after 'kernel')")
	}
	out.WriteString(o.chk.Report() + "\n")
	return nil
}

// queuer is a design whose application reads a MSG_ZEROCOPY error queue.
type queuer interface {
	TakeRead() []strategies.Notification
}

// cmdErrQueue prints what the application read from the socket error
// queue (recvmsg MSG_ERRQUEUE; it reads after every operation) since the
// last errqueue command.
func cmdErrQueue(o *OpScript, a *args, out *strings.Builder) error {
	if err := a.done(); err != nil {
		return err
	}
	q, ok := o.design.(queuer)
	if !ok {
		out.WriteString("no error queue\n")
		return nil
	}
	ns := q.TakeRead()
	if len(ns) == 0 {
		out.WriteString("read from the error queue: nothing\n")
		return nil
	}
	out.WriteString("read from the error queue:")
	for _, n := range ns {
		out.WriteString(" " + n.String())
	}
	out.WriteString("\n")
	return nil
}

// cmdCosts prints what the design has cost so far.
func cmdCosts(o *OpScript, a *args, out *strings.Builder) error {
	if err := a.done(); err != nil {
		return err
	}
	if o.design == nil {
		return a.d.Errorf("costs: no design (add 'design NAME' after 'kernel')")
	}
	c := o.design.Costs()
	fmt.Fprintf(out, "costs: %d ticks, %d hook calls, %d lookups, %d page copies, %d objects allocated (peak %d live)\n",
		c.Ticks, c.HookCalls, c.Lookups, c.PageCopies, c.Allocs, c.PeakObjects)
	return nil
}
