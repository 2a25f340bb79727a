package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/zcsim/zcsim/sim"
)

// Exit statuses.
const (
	exitOK    = 0
	exitCheck = 1 // a check failed
	exitUsage = 2 // bad usage or bad input
)

const usage = `usage: zcsim <command> [arguments]

commands:
  run          run the default scenario under every design and kernel and
               print the comparison table (zcsim run -h for the flags)
  run FILE     run an op-level script and print it with fresh outputs
  explore      search seeded random operation sequences for a design's
               counterexample (zcsim explore -h)
  strategies   list the notification designs, their origins and profiles
  help         print this text
`

// run is the whole CLI: it parses args, writes results to stdout and
// diagnostics to stderr, and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "explore":
		return cmdExplore(args[1:], stdout, stderr)
	case "strategies":
		return cmdStrategies(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "zcsim: unknown command %q\n%s", args[0], usage)
	return exitUsage
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf simFlags
	sf.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: zcsim run [flags]      run the default scenario (iscsi-read over a lossy path, all designs,\n"+
			"                             both kernels) and print the comparison table\n"+
			"       zcsim run FILE        run an op-level script and print it with fresh outputs\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "zcsim: run: one FILE at most, got %d\n", fs.NArg())
		return exitUsage
	}
	if fs.NArg() == 0 {
		return runScenario(&sf, stdout, stderr)
	}
	name := fs.Arg(0)
	data, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintf(stderr, "zcsim: run: %v\n", err)
		return exitUsage
	}
	src := string(data)
	out, _, err := sim.RunOps(name, src)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	fmt.Fprint(stdout, out)
	return exitOK
}
