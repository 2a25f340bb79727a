package sim

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zcsim/zcsim/skb"
)

var rewrite = flag.Bool("rewrite", false, "rewrite golden scripts under ../testdata with fresh outputs")

// goldenDirs are the folders of op-level scripts checked by TestGolden.
var goldenDirs = []string{"../testdata/ops", "../testdata/walkthroughs", "../testdata/tcp"}

// TestGolden runs every op-level script and requires its re-rendered text
// to equal the file: every directive's output is exactly what the model
// computes now. With -rewrite the files are rewritten instead.
func TestGolden(t *testing.T) {
	var files []string
	for _, dir := range goldenDirs {
		m, err := filepath.Glob(filepath.Join(dir, "*.txt"))
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			got, _, err := RunOps(f, string(src))
			require.NoError(t, err)
			if *rewrite {
				if got != string(src) {
					require.NoError(t, os.WriteFile(f, []byte(got), 0o644))
				}
				return
			}
			if got != string(src) {
				t.Errorf("%s: output differs from the file (run go test ./sim -rewrite and read the diff):\n%s", f, firstDiff(string(src), got))
			}
		})
	}
}

// firstDiff shows the first differing line of two texts with context.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  file: " + wl + "\n  now:  " + gl
		}
	}
	return "(no differing line)"
}

// TestErrorsWrap: a failed precondition keeps the model's error value.
func TestErrorsWrap(t *testing.T) {
	_, _, err := RunOps("x.txt", "kernel version=6.18\n\nalloc as=a\n\nget skb=a\n\nexpand-head skb=a\n")
	require.ErrorIs(t, err, skb.ErrShared)
	require.EqualError(t, err, "x.txt:7: expand-head: skb is shared (users > 1): pskb_expand_head on a with users 2")
}
