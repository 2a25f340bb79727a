package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/zcsim/zcsim"
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
  run [FILE]   run a scenario file and print it with freshly computed
               outputs; with no FILE, run the built-in scenario
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
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: zcsim run [FILE]\n\nRuns FILE (or the built-in scenario) and prints it with freshly computed outputs.\n")
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
	name, src := zcsim.DefaultOpScriptName, zcsim.DefaultOpScript
	if fs.NArg() == 1 {
		name = fs.Arg(0)
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "zcsim: run: %v\n", err)
			return exitUsage
		}
		src = string(data)
	}
	out, _, err := sim.RunOps(name, src)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	fmt.Fprint(stdout, out)
	return exitOK
}
