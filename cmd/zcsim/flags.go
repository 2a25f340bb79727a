package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/zcsim/zcsim/sim"
)

// flagSet is a flag.FlagSet whose values are parsed by one function per
// value kind (the same functions that read script values), and whose first
// bad value is reported as one line "zcsim: -flag: why".
type flagSet struct {
	*flag.FlagSet
	// bad is the first flag whose value was refused, and why.
	bad, why string
	// usage is the command's help text, printed before the flags.
	usage string
}

func newFlagSet(name, usage string) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), usage: usage}
	fs.SetOutput(io.Discard)
	return fs
}

// value is a flag of type T read by parse.
type value[T any] struct {
	fs    *flagSet
	name  string
	p     *T
	parse func(string) (T, error)
	show  string
}

func (v *value[T]) String() string { return v.show }

func (v *value[T]) Set(s string) error {
	x, err := v.parse(s)
	if err != nil {
		if v.fs.bad == "" {
			v.fs.bad, v.fs.why = v.name, err.Error()
		}
		return err
	}
	*v.p = x
	v.show = s
	return nil
}

// IsBoolFlag lets boolean flags stand alone (-tso) as the flag package
// expects.
func (v *value[T]) IsBoolFlag() bool { _, ok := any(v.p).(*bool); return ok }

// def registers a flag of type T with default text show.
func def[T any](fs *flagSet, p *T, name, show, help string, parse func(string) (T, error)) {
	fs.Var(&value[T]{fs: fs, name: name, p: p, parse: parse, show: show}, name, help)
}

func (fs *flagSet) bytes(p *int64, name, show, help string) {
	def(fs, p, name, show, help, sim.ParseBytes)
	if v, err := sim.ParseBytes(show); err == nil {
		*p = v
	}
}
func (fs *flagSet) rate(p *int64, name, show, help string) {
	def(fs, p, name, show, help, sim.ParseRate)
	if v, err := sim.ParseRate(show); err == nil {
		*p = v
	}
}
func (fs *flagSet) dur(p *sim.Time, name, show, help string) {
	def(fs, p, name, show, help, sim.ParseDuration)
	if v, err := sim.ParseDuration(show); err == nil {
		*p = v
	}
}
func (fs *flagSet) prob(p *float64, name string, v float64, help string) {
	*p = v
	def(fs, p, name, fmt.Sprint(v), help, sim.ParseProb)
}
func (fs *flagSet) int(p *int, name string, v, lo, hi int, help string) {
	*p = v
	def(fs, p, name, fmt.Sprint(v), help, func(s string) (int, error) {
		n, err := sim.ParseInt(s, int64(lo), int64(hi))
		return int(n), err
	})
}
func (fs *flagSet) seed(p *uint64, name string, v uint64, help string) {
	*p = v
	def(fs, p, name, fmt.Sprint(v), help, sim.ParseSeed)
}
func (fs *flagSet) boolean(p *bool, name string, v bool, help string) {
	*p = v
	def(fs, p, name, fmt.Sprint(v), help, sim.ParseBool)
}
func (fs *flagSet) str(p *string, name, v, help string) {
	*p = v
	def(fs, p, name, v, help, func(s string) (string, error) { return s, nil })
}

// errHelp is returned by parse when -h was asked for (the help is printed
// to stdout and the status is 0).
var errHelp = errors.New("help")

// parse parses args; on a bad flag it prints one line to stderr and
// returns an error; on -h it prints the help to stdout.
func (fs *flagSet) parse(args []string, stdout, stderr io.Writer) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fs.printHelp(stdout)
		return errHelp
	case fs.bad != "":
		fmt.Fprintf(stderr, "zcsim: -%s: %s\n", fs.bad, fs.why)
	default:
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
			msg = name + ": no such flag (zcsim help " + fs.Name() + " lists them)"
		}
		fmt.Fprintf(stderr, "zcsim: %s: %s\n", fs.Name(), msg)
	}
	return err
}

// printHelp writes the command's usage and its flags.
func (fs *flagSet) printHelp(w io.Writer) {
	fmt.Fprint(w, fs.usage)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "\nflags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// set lists the flags given on the command line, in flag order.
func (fs *flagSet) set() []string {
	var out []string
	fs.Visit(func(f *flag.Flag) { out = append(out, f.Name) })
	return out
}

// fail prints "zcsim: -flag: why" and returns the usage status.
func fail(stderr io.Writer, flagName, format string, args ...any) int {
	fmt.Fprintf(stderr, "zcsim: -%s: %s\n", flagName, fmt.Sprintf(format, args...))
	return exitUsage
}

// noArgs parses the arguments of a command that takes none but -h; ok is
// false when the command is done (help printed, or an argument refused),
// with its status.
func noArgs(name, usage string, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	fs := newFlagSet(name, usage)
	if err := fs.parse(args, stdout, stderr); err != nil {
		return parseStatus(err), false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zcsim: %s: takes no arguments\n", name)
		return exitUsage, false
	}
	return exitOK, true
}
