package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// Chooser supplies the random choices of a generated script: a seeded PCG
// for explore, rapid's generator in tests (so that rapid can shrink them).
type Chooser interface {
	// Intn returns a choice in [0, n), n > 0; label names it.
	Intn(n int, label string) int
}

// pcgChooser draws from a PCG stream seeded by the explore seed.
type pcgChooser struct{ r *rand.Rand }

func (c pcgChooser) Intn(n int, _ string) int { return c.r.IntN(n) }

// SeedChooser returns the Chooser explore uses for seed.
func SeedChooser(seed uint64) Chooser {
	return pcgChooser{rand.New(rand.NewPCG(seed, 0x7a63_7369_6d00_0001))}
}

// Explore limits.
const (
	exploreBuffers = 4
	exploreSends   = 8
)

// genHeader is the fixed start of every generated script: four application
// buffers; B1's first page is B0's last (a page-cache page served to two
// commands) and B2's second page is mapped by a user process.
func genHeader(k skb.Kernel, design string) []string {
	return []string{
		"kernel version=" + k.String(),
		"design " + design,
		"buffer name=B0 pages=3",
		"buffer name=B1 pages=3 share=B0:2",
		"buffer name=B2 pages=3 mapped=1",
		"buffer name=B3 pages=3",
	}
}

// generator builds a random op-level script step by step, running every
// command as it goes and keeping only those that run.
type generator struct {
	ch     Chooser
	lane   *OpScript
	lines  []string
	notice int // signals already answered with reuse
	nextID int
}

func newGenerator(ch Chooser, e strategies.Entry, k skb.Kernel) (*generator, error) {
	g := &generator{ch: ch, lane: newLane(&e, nil)}
	for _, line := range genHeader(k, e.Info.Name) {
		if strings.HasPrefix(line, "design ") {
			g.lines = append(g.lines, line)
			continue
		}
		if !g.try(line) {
			return nil, fmt.Errorf("sim: explore: header line %q does not run", line)
		}
	}
	return g, nil
}

// try runs line; it is kept if it runs, dropped if it is rejected.
func (g *generator) try(line string) bool {
	sc, err := Parse("explore", line+"\n")
	if err != nil {
		return false
	}
	if _, err := g.lane.Exec(sc.Directives()[0]); err != nil {
		return false
	}
	g.lines = append(g.lines, line)
	return true
}

func (g *generator) pick(items []string, label string) string {
	return items[g.ch.Intn(len(items), label)]
}

// skbNames returns the live skbs' names, sorted.
func (g *generator) skbNames() []string {
	names := make([]string, 0, len(g.lane.skbs))
	for n := range g.lane.skbs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (g *generator) newName() string {
	g.nextID++
	return fmt.Sprintf("s%d", g.nextID)
}

var genKinds = []string{"send", "send", "send", "close", "close", "clone", "clone", "free", "free", "free",
	"transmit", "transmit", "pskb-copy", "copy", "expand-head", "pull-tail", "trim", "trim-head", "split",
	"split", "shift", "segment", "coalesce", "collapse", "linearize", "copy-ubufs", "get", "map", "unmap"}

// step adds one random command that runs (it tries a few times).
func (g *generator) step() {
	for range 8 {
		if line := g.propose(); line != "" && g.try(line) {
			g.answer()
			return
		}
	}
}

// answer is the application's policy: the moment a command is signalled,
// it reuses the buffers its pages came from.
func (g *generator) answer() {
	sigs := g.lane.chk.AllSignals()
	for _, s := range sigs[g.notice:] {
		for b := 0; b < exploreBuffers; b++ {
			name := fmt.Sprintf("B%d", b)
			for _, p := range g.lane.bufs[name].pages {
				if slices.Contains(g.lane.onPage[p.ID], s.Send) {
					g.try("reuse buf=" + name)
					break
				}
			}
		}
	}
	g.notice = len(sigs)
}

func (g *generator) propose() string {
	names := g.skbNames()
	kind := g.pick(genKinds, "kind")
	if len(names) == 0 && kind != "send" && kind != "close" {
		kind = "send"
	}
	skbArg := func(label string) (string, *skb.Buff) {
		n := g.pick(names, label)
		return n, g.lane.skbs[n]
	}
	upTo := func(n int, label string) int { return 1 + g.ch.Intn(max(n, 1), label) }
	switch kind {
	case "send":
		return g.proposeSend(names)
	case "map", "unmap":
		return g.proposeMapping(kind)
	case "close":
		open := g.openSends()
		if len(open) == 0 {
			return ""
		}
		return "close send=" + open[g.ch.Intn(len(open), "close")]
	case "clone", "pskb-copy", "copy":
		n, _ := skbArg("skb")
		return fmt.Sprintf("%s skb=%s as=%s", kind, n, g.newName())
	case "free", "linearize", "copy-ubufs", "get", "transmit":
		n, _ := skbArg("skb")
		return fmt.Sprintf("%s skb=%s", kind, n)
	case "expand-head":
		n, _ := skbArg("skb")
		return fmt.Sprintf("expand-head skb=%s tail=%s", n, g.pick([]string{"0", "0", "512", "8192"}, "tail"))
	case "pull-tail":
		n, b := skbArg("skb")
		return fmt.Sprintf("pull-tail skb=%s len=%d", n, upTo(b.DataLen(), "len"))
	case "trim", "trim-head":
		n, b := skbArg("skb")
		return fmt.Sprintf("%s skb=%s len=%d", kind, n, upTo(b.Len()-1, "len"))
	case "split":
		n, b := skbArg("skb")
		return fmt.Sprintf("split skb=%s at=%d as=%s", n, upTo(b.Len()-1, "at"), g.newName())
	case "segment":
		n, _ := skbArg("skb")
		return fmt.Sprintf("segment skb=%s mss=%s as=%s", n, g.pick([]string{"1448", "3000", "4096"}, "mss"), g.newName()+"g")
	case "shift":
		to, from := g.pair(names, "to", "from")
		return fmt.Sprintf("shift to=%s from=%s len=%d", to, from, upTo(g.lane.skbs[from].Len(), "len"))
	case "coalesce":
		to, from := g.pair(names, "to", "from")
		return fmt.Sprintf("coalesce to=%s from=%s", to, from)
	case "collapse":
		a, b := g.pair(names, "skb", "next")
		return fmt.Sprintf("collapse skb=%s next=%s", a, b)
	}
	return ""
}

// proposeSend continues an open send onto an skb, or opens a new one.
func (g *generator) proposeSend(names []string) string {
	var send string
	open, sends := g.openSends(), len(g.lane.sendNames)-1
	if len(open) > 0 && (sends >= exploreSends || g.ch.Intn(2, "continue") == 0) {
		send = g.pick(open, "send")
	} else if sends < exploreSends {
		send = fmt.Sprintf("c%d", sends+1)
	} else {
		return ""
	}
	buf := g.ch.Intn(exploreBuffers, "buf")
	off := g.ch.Intn(3*skb.PageSize, "off")
	target := "as=" + g.newName()
	if len(names) > 0 {
		n := g.pick(names, "skb")
		if g.ch.Intn(2, "onto") == 0 {
			target = "skb=" + n
		}
		// A quarter of the time the send continues the bytes skb n ends
		// with (a sequential read of a file: the next command starts where
		// the last stopped, on the same page), onto n or into a new skb; a
		// quarter of the time it ends where n's bytes begin (the earlier
		// part, sent later). So skb_can_coalesce, skb_shift and collapse
		// meet frags of two commands that touch, both ways round.
		switch g.ch.Intn(4, "adjacent") {
		case 0:
			if b, o, ok := g.continuing(g.lane.skbs[n]); ok {
				return g.sendLine(send, b, o, 1+g.ch.Intn(3*skb.PageSize-o, "len"), target)
			}
		case 1:
			if b, end, ok := g.preceding(g.lane.skbs[n]); ok {
				length := 1 + g.ch.Intn(end%skb.PageSize, "len")
				return g.sendLine(send, b, end-length, length, target)
			}
		}
	}
	return g.sendLine(send, buf, off, 1+g.ch.Intn(3*skb.PageSize-off, "len"), target)
}

// sendLine is the send command; the send is closed with it a third of the
// time.
func (g *generator) sendLine(send string, buf, off, length int, target string) string {
	line := fmt.Sprintf("send send=%s buf=B%d off=%d len=%d %s", send, buf, off, length, target)
	if g.ch.Intn(3, "close") == 0 {
		line += " close"
	}
	return line
}

// preceding returns the buffer and offset where b's first frag begins, if
// it lies on a page of one of the generator's buffers and does not begin
// the page.
func (g *generator) preceding(b *skb.Buff) (buf, off int, ok bool) {
	sh := b.Shinfo()
	if sh.NumFrags() == 0 {
		return 0, 0, false
	}
	f := sh.Frag(0)
	if f.Off == 0 {
		return 0, 0, false
	}
	for i := range exploreBuffers {
		for j, p := range g.lane.bufs[fmt.Sprintf("B%d", i)].pages {
			if p == f.Page {
				return i, j*skb.PageSize + int(f.Off), true
			}
		}
	}
	return 0, 0, false
}

// pair picks the two skbs of a merge. Half the time, when there is one,
// it picks a pair whose bytes touch (the second's first frag continues the
// first's last on the same page), as neighbours in TCP's retransmit queue
// usually do; otherwise any two.
func (g *generator) pair(names []string, first, second string) (string, string) {
	if g.ch.Intn(2, "touching") == 0 {
		var pairs [][2]string
		for _, a := range names {
			sa := g.lane.skbs[a].Shinfo()
			if sa.NumFrags() == 0 {
				continue
			}
			last := sa.Frag(sa.NumFrags() - 1)
			for _, b := range names {
				sb := g.lane.skbs[b].Shinfo()
				if a != b && sb.NumFrags() > 0 && sb.Frag(0).Page == last.Page && sb.Frag(0).Off == last.End() {
					pairs = append(pairs, [2]string{a, b})
				}
			}
		}
		if len(pairs) > 0 {
			p := pairs[g.ch.Intn(len(pairs), "pair")]
			return p[0], p[1]
		}
	}
	return g.pick(names, first), g.pick(names, second)
}

// continuing returns the buffer and offset right after the last frag of b,
// if that frag lies on a page of one of the generator's buffers and ends
// inside it.
func (g *generator) continuing(b *skb.Buff) (buf, off int, ok bool) {
	sh := b.Shinfo()
	if sh.NumFrags() == 0 {
		return 0, 0, false
	}
	f := sh.Frag(sh.NumFrags() - 1)
	if f.End() >= skb.PageSize {
		return 0, 0, false
	}
	for i := range exploreBuffers {
		for j, p := range g.lane.bufs[fmt.Sprintf("B%d", i)].pages {
			if p == f.Page {
				return i, j*skb.PageSize + int(f.End()), true
			}
		}
	}
	return 0, 0, false
}

// openSends are the sends the script opened and has not closed, in the
// order they were opened: read from the lane, so that a line the lane
// rejected leaves no trace in the generator either.
func (g *generator) openSends() []string {
	var out []string
	l := g.lane.st.Ledger()
	for _, n := range g.lane.sendNames[1:] {
		if !l.Closed(g.lane.sends[n]) {
			out = append(out, n)
		}
	}
	return out
}

// proposeMapping is another process mapping a page of a buffer, or
// dropping one of the page's mappings, at any moment (Bolkhovitin, netdev,
// 23 Dec 2008: "a page can be mmaped to another process, while it's being
// transmitted"); only pages that have a mapping are unmapped.
func (g *generator) proposeMapping(kind string) string {
	var pages []string
	for b := range exploreBuffers {
		name := fmt.Sprintf("B%d", b)
		for i, p := range g.lane.bufs[name].pages {
			if kind == "map" || p.Mapped() > 0 {
				pages = append(pages, fmt.Sprintf("buf=%s page=%d", name, i))
			}
		}
	}
	if len(pages) == 0 {
		return ""
	}
	return kind + " " + g.pick(pages, "page")
}

// finish frees every skb, closes every send and checks quiescence.
func (g *generator) finish() {
	for _, s := range g.openSends() {
		g.try("close send=" + s)
		g.answer()
	}
	for {
		names := g.skbNames()
		if len(names) == 0 {
			break
		}
		before := len(g.lines)
		g.try("free skb=" + names[0])
		g.answer()
		if len(g.lines) == before {
			break
		}
	}
	g.try("check")
}

// Generate builds a script of about steps random commands for design e on
// kernel k, stopping early at the first violation; it returns the lines
// and the checker's violations.
func Generate(ch Chooser, e strategies.Entry, k skb.Kernel, steps int) ([]string, []Violation, error) {
	g, err := newGenerator(ch, e, k)
	if err != nil {
		return nil, nil, err
	}
	for range steps {
		g.step()
		if len(g.lane.chk.Violations()) > 0 {
			return g.lines, g.lane.chk.Violations(), nil
		}
	}
	g.finish()
	return g.lines, g.lane.chk.Violations(), nil
}

// reproduces reports whether the script lines run and violate property p.
func reproduces(lines []string, p strategies.Property) bool {
	src := strings.Join(lines, "\n\n") + "\n"
	sc, err := Parse("explore", src)
	if err != nil {
		return false
	}
	l := newLanes(nil)
	for _, d := range sc.Directives() {
		if _, err := l.exec(d); err != nil {
			return false
		}
	}
	for _, lane := range l.all {
		if lane.chk == nil {
			return false
		}
		if _, ok := lane.chk.First(p); ok {
			return true
		}
	}
	return false
}

// Shrink removes commands from a failing script for as long as what is
// left still runs and violates p (greedy, to a fixed point): every command
// of one send at once, then each command alone, then a command together
// with every later command that uses an skb it created (so that a clone
// and its free go together). The
// header (kernel, design, buffers) is kept.
func Shrink(lines []string, p strategies.Property) []string {
	head := 6
	cur := slices.Clone(lines)
	for changed := true; changed; {
		changed = false
		for _, send := range sendNames(cur) {
			cand := slices.DeleteFunc(slices.Clone(cur), func(l string) bool {
				return slices.Contains(strings.Fields(l), "send="+send)
			})
			if reproduces(cand, p) {
				cur, changed = cand, true
			}
		}
		for i := len(cur) - 1; i >= head && i < len(cur); i-- {
			cand := slices.Delete(slices.Clone(cur), i, i+1)
			if reproduces(cand, p) {
				cur, changed = cand, true
				continue
			}
			if cand = withoutDependents(cur, i); cand != nil && reproduces(cand, p) {
				cur, changed = cand, true
			}
		}
	}
	return cur
}

// sendNames lists the sends a script names, in order of appearance.
func sendNames(lines []string) []string {
	var out []string
	for _, l := range lines {
		for _, f := range strings.Fields(l) {
			if v, ok := strings.CutPrefix(f, "send="); ok && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// withoutDependents returns lines without line i and every later line that
// names an skb line i created; nil if line i creates none.
func withoutDependents(lines []string, i int) []string {
	made := created(lines[i])
	if len(made) == 0 {
		return nil
	}
	out := slices.Clone(lines[:i])
	for _, l := range lines[i+1:] {
		if !usesAny(l, made) {
			out = append(out, l)
		}
	}
	return out
}

// created returns the skb names a command line creates (as=NAME; segment's
// as=PREFIX creates PREFIX1, PREFIX2, …, matched by prefix).
func created(line string) []string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, "as="); ok {
			return []string{v}
		}
	}
	return nil
}

// usesAny reports whether a command line names an skb in made (or, for a
// segment prefix, one of its segments).
func usesAny(line string, made []string) bool {
	for _, f := range strings.Fields(line)[1:] {
		_, v, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		for _, m := range made {
			if v == m || strings.HasPrefix(v, m) && strings.Trim(v[len(m):], "0123456789") == "" {
				return true
			}
		}
	}
	return false
}

// Finding is a counterexample explore found.
type Finding struct {
	Seed      uint64
	Violation Violation
	Script    string // shrunk, with fresh outputs: pasteable into zcsim run
}

// Explore runs seeds lo..hi for design e on kernel k, steps commands
// each, and returns the first violation found, shrunk; nil if none.
//
// progress, if not nil, is called before each seed. The loop ends at hi
// even when hi is the largest seed.
func Explore(e strategies.Entry, k skb.Kernel, lo, hi uint64, steps int, progress func(seed uint64)) (*Finding, error) {
	for seed := lo; seed >= lo && seed <= hi; seed++ { // seed >= lo: stop when seed++ wraps past the largest seed
		if progress != nil {
			progress(seed)
		}
		lines, viols, err := Generate(SeedChooser(seed), e, k, steps)
		if err != nil {
			return nil, err
		}
		if len(viols) == 0 {
			continue
		}
		v := viols[0]
		small := Shrink(lines, v.Property)
		header := fmt.Sprintf("# zcsim explore: design %s, kernel %s, seed %d, %d steps: %s %s.\n# Shrunk from %d to %d commands.\n",
			e.Info.Name, k, seed, steps, v.Property, strategies.PropertyName(v.Property), len(lines), len(small))
		var src strings.Builder
		src.WriteString(header)
		for i, l := range small {
			if i > 0 {
				src.WriteString("\n")
			}
			src.WriteString(l + "\n")
		}
		out, _, err := RunOps("explore", src.String())
		if err != nil {
			return nil, fmt.Errorf("sim: explore: shrunk script does not run: %w", err)
		}
		return &Finding{Seed: seed, Violation: v, Script: out}, nil
	}
	return nil, nil
}
