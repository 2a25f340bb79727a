package sim

import (
	"fmt"

	"github.com/zcsim/zcsim/skb"
)

// RunOps parses an op-level script and runs it from the top, returning the
// script re-rendered with every directive's freshly computed output (so a
// diff against the file shows behaviour changes) and the directives, whose
// Expected fields still hold the file's outputs. The error, if any, is the
// first one and reads "file:line: what is wrong"; no partial result is
// returned with it.
func RunOps(file, src string, observers ...skb.Observer) (string, []*Directive, error) {
	sc, err := Parse(file, src)
	if err != nil {
		return "", nil, err
	}
	l := newLanes(observers)
	outputs := map[*Directive]string{}
	ds := sc.Directives()
	if len(ds) == 0 {
		return "", nil, fmt.Errorf("%s:1: %w: no commands", file, ErrScript)
	}
	for _, d := range ds {
		out, err := l.exec(d)
		if err != nil {
			return "", nil, err
		}
		outputs[d] = out
	}
	return sc.Render(outputs), ds, nil
}
