package sim

import (
	"fmt"
	"strings"

	"github.com/zcsim/zcsim/skb"
)

// fmtRun renders a provenance run: "c1[0,4096)", with "g1" when the bytes
// are of a later buffer generation, and "copy" / "stale-copy" for bytes the
// stack copied.
func (o *OpScript) fmtRun(r skb.Run) string {
	s := "-"
	if r.Send != 0 {
		s = o.SendName(r.Send)
	}
	s += fmtRange(r.Off, r.Off+int64(r.Len))
	if r.Gen != 0 {
		s += fmt.Sprintf("g%d", r.Gen)
	}
	switch r.Snap {
	case skb.Copied:
		s += "copy"
	case skb.Stale:
		s += "stale-copy"
	}
	return s
}

func fmtFlags(f skb.ShFlags) string {
	var parts []string
	for _, x := range []struct {
		f skb.ShFlags
		n string
	}{{skb.ZerocopyEnable, "ZEROCOPY_ENABLE"}, {skb.SharedFrag, "SHARED_FRAG"}, {skb.PureZerocopy, "PURE_ZEROCOPY"}, {skb.DontOrphan, "DONT_ORPHAN"}} {
		if f&x.f != 0 {
			parts = append(parts, x.n)
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "|")
}

// cmdShow prints the whole state: skbs, shared infos with their frags and
// the provenance of their bytes, pages, and the ledger.
func cmdShow(o *OpScript, a *args, out *strings.Builder) error {
	if err := a.done(); err != nil {
		return err
	}
	o.show(out)
	return nil
}

func (o *OpScript) show(out *strings.Builder) {
	var runs []skb.Run
	for _, b := range o.st.Buffs() {
		fmt.Fprintf(out, "skb %s: len %d headlen %d users %d cloned %d nohdr %d fclone %s shinfo s%d",
			o.BuffName(b.ID), b.Len(), b.HeadLen(), b.Users(), b2i(b.ClonedBit()), b2i(b.Nohdr()), b.Fclone(), b.Shinfo().ID)
		if runs = b.LinearProvenance(runs[:0]); len(runs) > 0 {
			out.WriteString(" linear")
			for _, r := range runs {
				out.WriteString(" " + o.fmtRun(r))
			}
		}
		out.WriteString("\n")
	}
	for _, sh := range o.st.Shinfos() {
		fmt.Fprintf(out, "shinfo s%d: dataref %s, %s", sh.ID, skb.FormatDataref(sh.Dataref()), nfrags(sh.NumFrags()))
		if sh.Flags != 0 {
			out.WriteString(", " + fmtFlags(sh.Flags))
		}
		out.WriteString("\n")
		for i := range sh.NumFrags() {
			f := sh.Frag(i)
			fmt.Fprintf(out, "  [%d] p%d%s", i, f.Page.ID, fmtRange(int64(f.Off), int64(f.End())))
			for _, r := range f.Provenance(runs[:0]) {
				out.WriteString(" " + o.fmtRun(r))
			}
			out.WriteString("\n")
		}
	}
	quiet := 0
	for _, p := range o.st.Pages() {
		if p.User() && p.Refs() == 1 && p.Extern() == 1 && p.Gen() == 0 {
			quiet++ // held only by its owner, never rewritten
			continue
		}
		fmt.Fprintf(out, "page p%d: refs %d (extern %d, mapped %d) gen %d", p.ID, p.Refs(), p.Extern(), p.Mapped(), p.Gen())
		if !p.User() {
			out.WriteString(" kernel")
		}
		out.WriteString("\n")
	}
	if quiet > 0 {
		fmt.Fprintf(out, "(%d more pages held only by their owner)\n", quiet)
	}
	l := o.st.Ledger()
	for id := 1; id <= l.NumSends(); id++ {
		sid := skb.SendID(id)
		fmt.Fprintf(out, "ledger %s: %d refs", o.SendName(sid), l.Refs(sid))
		if t, ok := l.Truth(sid); ok {
			fmt.Fprintf(out, ", T at op %d", t.Op)
		} else if l.Closed(sid) {
			out.WriteString(", closed")
		} else {
			out.WriteString(", open")
		}
		out.WriteString("\n")
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nfrags renders a frag count: "1 frag", "2 frags".
func nfrags(n int) string {
	if n == 1 {
		return "1 frag"
	}
	return fmt.Sprintf("%d frags", n)
}
