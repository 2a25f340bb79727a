package sim

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/zcsim/zcsim/skb"
)

func addSeeds(f *testing.F) {
	files, _ := filepath.Glob("../testdata/ops/*.txt")
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

// FuzzRunOps: any script either runs or is rejected with an error; it never
// panics. A panic would be a model bug (Check runs after every command) or
// a crash on bad input.
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
		_, _, _ = RunOps("f.txt", src)
	})
}
