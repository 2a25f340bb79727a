package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// Exit statuses.
const (
	exitOK    = 0
	exitCheck = 1 // a check failed: a design declared sound is flawed or stalled, a run errored, output failed
	exitUsage = 2 // bad usage or bad input
)

const usage = `usage: zcsim <command> [arguments]

commands:
  run          run the default scenario under every design and kernel and print the
               comparison table; run FILE runs a script (zcsim help run)
  explore      search seeded random operation sequences for a design's counterexample
  strategies   list the notification designs, their origins and profiles
  version      print zcsim's version
  help [CMD]   print this text, or a command's help (also zcsim CMD -h)

Exit status: 0 ok, 1 a check failed, 2 bad usage or input.
`

// commands are the subcommands; each parses its own flags and answers -h.
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"run":        cmdRun,
	"explore":    cmdExplore,
	"strategies": cmdStrategies,
	"version":    cmdVersion,
}

// run is the whole CLI: it parses args, writes results to stdout and
// diagnostics to stderr, and returns the exit status. A failed write to
// stdout makes the status 1, with a message.
func run(args []string, stdout, stderr io.Writer) int {
	out := &checkedWriter{w: stdout}
	code := dispatch(args, out, stderr)
	if out.err != nil {
		fmt.Fprintf(stderr, "zcsim: writing the output: %v\n", out.err)
		return exitCheck
	}
	return code
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			c, ok := commands[args[1]]
			if !ok {
				fmt.Fprintf(stderr, "zcsim: help: unknown command %q (%s)\n", args[1], commandNames())
				return exitUsage
			}
			return c([]string{"-h"}, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "zcsim: unknown command %q (%s; zcsim help)\n", args[0], commandNames())
		return exitUsage
	}
	return c(args[1:], stdout, stderr)
}

func commandNames() string { return "run, explore, strategies, version, help" }

func cmdRun(args []string, stdout, stderr io.Writer) int {
	f, fs, code := parseRun(args, stdout, stderr)
	if f == nil {
		return code
	}
	if fs.NArg() == 1 {
		return runFile(f, fs, fs.Arg(0), stdout, stderr)
	}
	sc, bad, err := f.scenario()
	if err != nil {
		return fail(stderr, bad, "%s", strings.TrimPrefix(strings.TrimPrefix(err.Error(), "sim: workload: "), "sim: "))
	}
	return runScenario(f, sc, stdout, stderr)
}

// parseRun parses run's flags and arguments. It returns nil flags with the
// exit status when there is nothing to run (-h, or a bad flag, reported).
func parseRun(args []string, stdout, stderr io.Writer) (*runFlags, *flagSet, int) {
	fs := newFlagSet("run", runUsage)
	var f runFlags
	f.register(fs)
	if err := fs.parse(args, stdout, stderr); err != nil {
		return nil, fs, parseStatus(err)
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "zcsim: run: one FILE at most, got %d (%s)\n", fs.NArg(), strings.Join(fs.Args(), " "))
		return nil, fs, exitUsage
	}
	return &f, fs, exitOK
}

// parseStatus is the status after a flag parse error: 0 for -h.
func parseStatus(err error) int {
	if err == errHelp {
		return exitOK
	}
	return exitUsage
}

const versionUsage = "usage: zcsim version\n\nprints the module version zcsim was built from, and the Go version\n"

func cmdVersion(args []string, stdout, stderr io.Writer) int {
	if code, ok := noArgs("version", versionUsage, args, stdout, stderr); !ok {
		return code
	}
	goVer := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVer = bi.GoVersion
	}
	fmt.Fprintf(stdout, "zcsim %s (%s)\n", version(), goVer)
	return exitOK
}

// version is the main module's version from the build info: a tag, a
// pseudo-version, or "(devel)" with the VCS revision when known.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && v == "(devel)" {
			v += " " + s.Value[:min(12, len(s.Value))]
		}
	}
	return v
}

// checkedWriter keeps the first write error.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.err = err
	return n, err
}
