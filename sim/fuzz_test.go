package sim

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zcsim/zcsim/skb"
)

// addSeeds seeds a fuzzer with every script under testdata: op-level
// scripts, walkthroughs and TCP scenarios (runs and steps).
func addSeeds(f *testing.F) {
	var files []string
	for _, dir := range []string{"ops", "walkthroughs", "tcp"} {
		fs, _ := filepath.Glob("../testdata/" + dir + "/*.txt")
		files = append(files, fs...)
	}
	if len(files) < 30 {
		f.Fatalf("only %d seed scripts under testdata", len(files))
	}
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add("kernel version=6.18\n\nbuffer name=A pages=1\n\nsend send=c buf=A as=a\n\nshift to=a from=a len=1\n")
}

// FuzzParse: the parser never panics, and a parsed script renders back to
// text that parses to the same commands.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		sc, err := Parse("f.txt", src)
		if err != nil {
			return
		}
		again, err := Parse("f.txt", sc.Render(nil))
		if err != nil {
			t.Fatalf("rendered script does not parse: %v", err)
		}
		a, b := sc.Directives(), again.Directives()
		if len(a) != len(b) {
			t.Fatalf("%d directives, %d after render", len(a), len(b))
		}
		for i := range a {
			if a[i].Text != b[i].Text || a[i].Expected != b[i].Expected {
				t.Fatalf("directive %d changed by render: %q/%q vs %q/%q", i, a[i].Text, a[i].Expected, b[i].Text, b[i].Expected)
			}
		}
	})
}

// fuzzLimits keep one fuzzed run short: a TCP scenario that asks for a
// long run stops at the event limit (an ERROR result, not a hang).
var fuzzLimits = Limits{Events: 200_000, Memory: 64 << 20, LineBytes: 4096, ScriptBytes: 1 << 20}

// FuzzRunOps: any script (op-level or TCP) either runs or is rejected with
// an error that names its file and line; it never panics. A panic would be
// a model bug (Check runs after every command) or a crash on bad input.
func FuzzRunOps(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		defer func() {
			if r := recover(); r != nil {
				var mb *skb.ModelBug
				if e, ok := r.(error); ok && errors.As(e, &mb) {
					t.Fatalf("model bug: %v", mb)
				}
				t.Fatalf("panic: %v", r)
			}
		}()
		if _, _, err := RunFile("f.txt", src, fuzzLimits); err != nil && !strings.HasPrefix(err.Error(), "f.txt:") {
			t.Fatalf("error without a position: %v", err)
		}
	})
}
