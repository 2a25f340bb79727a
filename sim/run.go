package sim

import (
	"fmt"

	"github.com/zcsim/zcsim/skb"
)

// RunOps parses a script and runs it from the top: an op-level script (it
// starts with kernel) or a TCP scenario (it starts with connection). It
// returns the script re-rendered with every directive's freshly computed
// output (so a diff against the file shows behaviour changes) and the
// directives, whose Expected fields still hold the file's outputs. The
// error, if any, is the first one and reads "file:line: what is wrong"; no
// partial result is returned with it. It runs within DefaultLimits.
func RunOps(file, src string, observers ...skb.Observer) (string, []*Directive, error) {
	out, ds, _, err := runScript(file, src, DefaultLimits, observers)
	return out, ds, err
}

// RunFile is RunOps within the limits given, for the CLI: it also returns
// the results of every scenario a TCP script ran (none for an op-level
// script), from which the exit status follows.
func RunFile(file, src string, lim Limits) (string, []Result, error) {
	if err := lim.Validate(); err != nil {
		return "", nil, err
	}
	out, _, rs, err := runScript(file, src, lim, nil)
	return out, rs, err
}

func runScript(file, src string, lim Limits, observers []skb.Observer) (string, []*Directive, []Result, error) {
	sc, err := parse(file, src, lim.LineBytes)
	if err != nil {
		return "", nil, nil, err
	}
	outputs := map[*Directive]string{}
	ds := sc.Directives()
	if len(ds) == 0 {
		return "", nil, nil, fmt.Errorf("%s:1: %w: no commands", file, ErrScript)
	}
	exec := newLanes(observers).exec
	var tcp *tcpScript
	if ds[0].Cmd == "connection" {
		tcp = newTCPScript()
		tcp.sc.Limits = lim
		exec = tcp.exec
	}
	for _, d := range ds {
		out, err := exec(d)
		if err != nil {
			return "", nil, nil, err
		}
		outputs[d] = out
	}
	var rs []Result
	if tcp != nil {
		rs = tcp.results
	}
	return sc.Render(outputs), ds, rs, nil
}
