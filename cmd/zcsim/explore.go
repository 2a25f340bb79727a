package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/zcsim/zcsim/sim"
	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// maxExploreSeeds and maxExploreSteps bound one explore run.
const (
	maxExploreSeeds = 1_000_000
	maxExploreSteps = 10_000
)

// cmdExplore runs seeded random operation sequences against one design
// and prints the first counterexample, shrunk, as a pasteable script.
const exploreUsage = `usage: zcsim explore -design NAME [-seeds A-B] [-steps N] [-kernel 2.6.26|6.18|all]

Runs one seeded random operation script per seed against the design and the property
checker; prints the first counterexample, shrunk, as a script for zcsim run. Exit 1 when
one is found, 0 when none, 2 on bad flags.
`

func cmdExplore(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("explore", exploreUsage)
	var design, seeds, kernel string
	var steps int
	fs.str(&design, "design", "", "the design to explore (zcsim strategies lists them)")
	fs.str(&seeds, "seeds", "1-100", "seed range A-B (or one seed)")
	fs.int(&steps, "steps", 60, 1, maxExploreSteps, "operations per generated script")
	fs.str(&kernel, "kernel", "all", "kernel flavour: 2.6.26, 6.18 or all")
	if err := fs.parse(args, stdout, stderr); err != nil {
		return parseStatus(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zcsim: explore: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if design == "" {
		return fail(stderr, "design", "required (one of %s)", strings.Join(strategies.Names(), ", "))
	}
	e, ok := strategies.Lookup(design)
	if !ok {
		return fail(stderr, "design", "unknown design %q (one of %s)", design, strings.Join(strategies.Names(), ", "))
	}
	lo, hi, err := parseSeeds(seeds)
	if err != nil {
		return fail(stderr, "seeds", "%v", err)
	}
	kernels, err := parseKernels(kernel)
	if err != nil {
		return fail(stderr, "kernel", "%v", err)
	}
	prog := newProgress(stderr, time.Now())
	defer prog.clear()
	for i, k := range kernels {
		f, err := sim.Explore(e, k, lo, hi, steps, func(seed uint64) {
			prog.report(sim.Progress{Run: i + 1, Runs: len(kernels), Design: e.Info.Name, Kernel: k.String(),
				Done: int64(seed - lo), Total: int64(hi - lo + 1), Unit: "seeds"})
		})
		if err != nil {
			fmt.Fprintf(stderr, "zcsim: explore: %v\n", err)
			return exitCheck
		}
		if f != nil {
			prog.clear()
			fmt.Fprint(stdout, f.Script)
			return exitCheck
		}
	}
	prog.clear()
	fmt.Fprintf(stdout, "no violation: design %s, kernel %s, seeds %d-%d, %d steps each\n", e.Info.Name, kernel, lo, hi, steps)
	for _, k := range kernels {
		if e.Info.HypotheticalOn(k) {
			fmt.Fprintf(stdout, "(on %s a hypothetical backport: %s)\n", k, e.Info.Backport)
		}
	}
	return exitOK
}

// parseSeeds reads "A-B" or "A".
func parseSeeds(s string) (lo, hi uint64, err error) {
	a, b, ranged := strings.Cut(s, "-")
	lo, err = strconv.ParseUint(a, 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("%q is not a seed range A-B", s)
	}
	hi = lo
	if ranged {
		if hi, err = strconv.ParseUint(b, 10, 64); err != nil {
			return 0, 0, fmt.Errorf("%q is not a seed range A-B", s)
		}
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("range %d-%d is empty", lo, hi)
	}
	if hi-lo >= maxExploreSeeds {
		return 0, 0, fmt.Errorf("%d seeds exceed the limit of %d", hi-lo+1, maxExploreSeeds)
	}
	return lo, hi, nil
}

// parseKernels reads 2.6.26, 6.18 or all.
func parseKernels(s string) ([]skb.Kernel, error) {
	if s == "all" {
		return skb.Kernels, nil
	}
	k, err := skb.ParseKernel(s)
	if err != nil {
		return nil, fmt.Errorf("%q: want 2.6.26, 6.18 or all", s)
	}
	return []skb.Kernel{k}, nil
}
