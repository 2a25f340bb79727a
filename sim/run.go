package sim

import (
	"fmt"

	"github.com/zcsim/zcsim/skb"
)

// RunOps parses a script and runs it from the top: an op-level script (it
// starts with kernel) or a TCP scenario (it starts with connection). It
// returns the script re-rendered with every directive's freshly computed
// output (so a diff against the file shows behaviour changes) and the directives, whose
// Expected fields still hold the file's outputs. The error, if any, is the
// first one and reads "file:line: what is wrong"; no partial result is
// returned with it.
func RunOps(file, src string, observers ...skb.Observer) (string, []*Directive, error) {
	sc, err := Parse(file, src)
	if err != nil {
		return "", nil, err
	}
	outputs := map[*Directive]string{}
	ds := sc.Directives()
	if len(ds) == 0 {
		return "", nil, fmt.Errorf("%s:1: %w: no commands", file, ErrScript)
	}
	exec := newLanes(observers).exec
	if ds[0].Cmd == "connection" {
		exec = newTCPScript().exec
	}
	for _, d := range ds {
		out, err := exec(d)
		if err != nil {
			return "", nil, err
		}
		outputs[d] = out
	}
	return sc.Render(outputs), ds, nil
}
