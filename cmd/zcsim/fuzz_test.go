package main

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzRunFlags: any argument list given to `zcsim run` either yields a
// scenario that validates, help, or exactly one line on stderr naming the
// flag ("zcsim: -loss: …") or the command, with status 2. It never panics.
// Nothing is run: the target is flag parsing and validation.
func FuzzRunFlags(f *testing.F) {
	for _, s := range []string{
		"", "-loss NaN", "-loss 0.5abc", "-rate NaN", "-cmd-bytes 2GiB", "-conns 16 -loss 0", "-seed 18446744073709551615",
		"-design copy,copy", "-rwnd 1", "-rwnd 4GiB", "-workload bulk -bytes 1GiB -rate 10Gbit", "-format json -wide",
		"-pool 10000000", "-kernel 6.18 -design msg-zerocopy -tso=false -sg=false", "-max-mem 1KiB", "-h", "a b",
		"-dup 1e-3 -reorder 0.5 -reorder-delay 1ms -ack-loss 0.2", "-outstanding 9 -pool 8", "-max-events 0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		var out, errb bytes.Buffer
		fl, fs, code := parseRun(args, &out, &errb)
		if fl == nil {
			if code == exitOK {
				return // -h
			}
			checkOneLine(t, args, code, errb.String())
			return
		}
		if fs.NArg() == 1 {
			return // a FILE: FuzzRunOps covers scripts
		}
		sc, bad, err := fl.scenario()
		if err != nil {
			if bad == "" || strings.ContainsAny(err.Error(), "\n") {
				t.Fatalf("%q: error %q names no flag (%q)", args, err, bad)
			}
			return
		}
		if err := sc.Validate(); err != nil {
			t.Fatalf("%q: accepted flags give an invalid scenario: %v", args, err)
		}
	})
}

func checkOneLine(t *testing.T, args []string, code int, stderr string) {
	t.Helper()
	if code != exitUsage || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "zcsim: ") {
		t.Fatalf("%q: status %d, stderr %q: want status 2 and one line", args, code, stderr)
	}
}
