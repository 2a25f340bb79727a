package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

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
func cmdExplore(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("explore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	design := fs.String("design", "", "the design to explore (see zcsim strategies)")
	seeds := fs.String("seeds", "1-100", "seed range A-B (or one seed)")
	steps := fs.Int("steps", 60, "operations per generated script")
	kernel := fs.String("kernel", "all", "kernel flavour: 2.6.26, 6.18 or all")
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: zcsim explore -design NAME [-seeds A-B] [-steps N] [-kernel 2.6.26|6.18|all]\n\n"+
			"Runs seeded random operation sequences against the design and the property checker;\n"+
			"prints the first counterexample, shrunk, as a script for zcsim run. Exit 1 when one\n"+
			"is found, 0 when none.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zcsim: explore: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *design == "" {
		fmt.Fprintf(stderr, "zcsim: -design: required (one of %s)\n", strings.Join(strategies.Names(), ", "))
		return exitUsage
	}
	e, ok := strategies.Lookup(*design)
	if !ok {
		fmt.Fprintf(stderr, "zcsim: -design: unknown design %q (one of %s)\n", *design, strings.Join(strategies.Names(), ", "))
		return exitUsage
	}
	lo, hi, err := parseSeeds(*seeds)
	if err != nil {
		fmt.Fprintf(stderr, "zcsim: -seeds: %v\n", err)
		return exitUsage
	}
	if *steps < 1 || *steps > maxExploreSteps {
		fmt.Fprintf(stderr, "zcsim: -steps: %d is outside 1..%d\n", *steps, maxExploreSteps)
		return exitUsage
	}
	kernels, err := parseKernels(*kernel)
	if err != nil {
		fmt.Fprintf(stderr, "zcsim: -kernel: %v\n", err)
		return exitUsage
	}
	for _, k := range kernels {
		f, err := sim.Explore(e, k, lo, hi, *steps)
		if err != nil {
			fmt.Fprintf(stderr, "zcsim: explore: %v\n", err)
			return exitCheck
		}
		if f != nil {
			fmt.Fprint(stdout, f.Script)
			return exitCheck
		}
	}
	fmt.Fprintf(stdout, "no violation: design %s, kernel %s, seeds %d-%d, %d steps each\n", e.Info.Name, *kernel, lo, hi, *steps)
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
