package sim

import (
	"strings"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// lanes runs one script under several designs at once: one interpreter
// (and one Stack) per design, every command executed on each, so that each
// design sees the identical operations. Before a "design" command there is
// a single lane without a design.
type lanes struct {
	all    []*OpScript
	obs    []skb.Observer
	kernel *Directive
}

func newLanes(observers []skb.Observer) *lanes {
	return &lanes{all: []*OpScript{newLane(nil, observers)}, obs: observers}
}

// exec runs d on every lane and merges the outputs: identical outputs are
// printed once, otherwise each group of designs with the same output is
// printed under a "[names]" header, in the order the designs were given.
func (l *lanes) exec(d *Directive) (string, error) {
	if d.Cmd == "design" {
		return l.design(d)
	}
	if d.Cmd == "kernel" {
		l.kernel = d
	}
	outs := make([]string, len(l.all))
	for i, o := range l.all {
		out, err := o.Exec(d)
		if err != nil {
			return "", err
		}
		outs[i] = out
	}
	if len(l.all) == 1 {
		return outs[0], nil
	}
	var order []string
	groups := map[string][]string{}
	for i, out := range outs {
		if _, ok := groups[out]; !ok {
			order = append(order, out)
		}
		groups[out] = append(groups[out], l.all[i].entry.Info.Name)
	}
	if len(order) == 1 {
		return order[0], nil
	}
	var b strings.Builder
	for _, out := range order {
		b.WriteString("[" + strings.Join(groups[out], " ") + "]\n")
		b.WriteString(out)
	}
	return b.String(), nil
}

// design replaces the single lane by one lane per design named (a
// comma-separated list, or all). It must follow "kernel" directly.
func (l *lanes) design(d *Directive) (string, error) {
	if len(d.Args) != 1 || d.Args[0].Val != "" {
		return "", d.Errorf("design: want one list of designs: design NAME[,NAME…] or design all")
	}
	if l.kernel == nil || len(l.all) != 1 || l.all[0].entry != nil || l.all[0].st.Op() != 0 || len(l.all[0].bufs) != 0 {
		return "", d.Errorf("design: must come right after 'kernel'")
	}
	entries, err := strategies.Parse(d.Args[0].Key)
	if err != nil {
		return "", d.Errorf("design: %s", strings.TrimPrefix(err.Error(), "strategies: "))
	}
	var names []string
	l.all = l.all[:0]
	for i := range entries {
		o := newLane(&entries[i], l.obs)
		if _, err := o.Exec(l.kernel); err != nil {
			return "", err
		}
		l.all = append(l.all, o)
		name := entries[i].Info.Name
		if k := o.st.Kernel(); entries[i].Info.HypotheticalOn(k) {
			name += " (a hypothetical backport on " + k.String() + ")"
		}
		names = append(names, name)
	}
	return "designs: " + strings.Join(names, ", ") + "\n", nil
}
