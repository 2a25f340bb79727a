package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/zcsim/zcsim/strategies"
)

const strategiesUsage = `usage: zcsim strategies

lists the notification designs: origin, mechanism, expected profile, CPU and memory costs
`

// cmdStrategies lists the designs with origin and expected profile.
func cmdStrategies(args []string, stdout, stderr io.Writer) int {
	if code, ok := noArgs("strategies", strategiesUsage, args, stdout, stderr); !ok {
		return code
	}
	for i, name := range strategies.Names() {
		e, _ := strategies.Lookup(name)
		in := e.Info
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		verdict := "sound"
		if !in.Sound {
			var ps []string
			for _, p := range in.Violates {
				ps = append(ps, fmt.Sprintf("%s %s", p, strategies.PropertyName(p)))
			}
			verdict = "flawed: " + strings.Join(ps, ", ")
		}
		fmt.Fprintf(stdout, "%s (expected %s)\n", in.Name, verdict)
		fmt.Fprintf(stdout, "  origin:    %s\n", in.Origin)
		fmt.Fprintf(stdout, "  mechanism: %s\n", in.Mechanism)
		fmt.Fprintf(stdout, "  profile:   %s\n", in.Expected)
		fmt.Fprintf(stdout, "  cpu:       %s\n", in.CPU)
		m := in.Memory
		fmt.Fprintf(stdout, "  memory:    %d B per struct page, %d B per shared info, %d B per frag", m.PerPage, m.PerShinfo, m.PerFrag)
		if m.Object != "" {
			fmt.Fprintf(stdout, "; %s, %d B each", m.Object, m.ObjectLen)
		}
		fmt.Fprintf(stdout, " (%s)\n", m.Source)
		for _, k := range in.Hypothetical {
			fmt.Fprintf(stdout, "  %s: hypothetical backport: %s\n", k, in.Backport)
		}
	}
	return exitOK
}
