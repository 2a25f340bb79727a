package sim

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// rapidChooser lets rapid draw (and shrink) the generator's choices.
type rapidChooser struct{ t *rapid.T }

func (c rapidChooser) Intn(n int, label string) int { return rapid.IntRange(0, n-1).Draw(c.t, label) }

// TestSoundDesigns: designs expected to be sound show no violation over
// random operation sequences (every operation kind, up to eight sends, a
// page shared by two buffers, a mapped page, buffers reused the moment their
// command is signalled). Deep run: RAPID_CHECKS=1000 go test ./sim -run TestSoundDesigns.
func TestSoundDesigns(t *testing.T) {
	for _, name := range strategies.Names() {
		e, _ := strategies.Lookup(name)
		if !e.Info.Sound {
			continue
		}
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				k := rapid.SampledFrom(skb.Kernels).Draw(rt, "kernel")
				lines, viols, err := Generate(rapidChooser{rt}, e, k, 40)
				if err != nil {
					rt.Fatal(err)
				}
				if len(viols) > 0 {
					rt.Fatalf("%s on %s: %s\n%s", name, k, viols[0], strings.Join(lines, "\n"))
				}
			})
		})
	}
}

// walkthroughOf names the walkthrough that shows each flawed design's flaw.
var walkthroughOf = map[string]string{
	"net-priv":                   "c-netpriv-shared-page.txt",
	"hashed":                     "c-netpriv-shared-page.txt",
	"shinfo-destructor":          "a-herbert-expand-head.txt",
	"shinfo-destructor-refcheck": "d-jeremy-last-put.txt",
	"last-put":                   "d-jeremy-last-put.txt",
	"last-put-holders":           "i-last-put-mapping.txt",
	"token-literal":              "h-token-literal.txt",
}

// TestFlawedDesignsFound: for every design expected to be flawed, random
// search finds a violation of a property it is expected to break, on both
// kernels, and the shrunk script still shows it; its walkthrough shows the
// violation in the design's own lane.
func TestFlawedDesignsFound(t *testing.T) {
	for _, name := range strategies.Names() {
		e, _ := strategies.Lookup(name)
		if e.Info.Sound {
			continue
		}
		t.Run(name, func(t *testing.T) {
			for _, k := range skb.Kernels {
				f, err := Explore(e, k, 1, 200, 60, nil)
				require.NoError(t, err)
				require.NotNil(t, f, "%s on %s: no violation found in seeds 1-200", name, k)
				require.Contains(t, e.Info.Violates, f.Violation.Property, "%s: found %s", name, f.Violation)
				require.Contains(t, f.Script, "VIOLATION "+string(f.Violation.Property), "the shrunk script reproduces it")
			}
			wt := walkthroughOf[name]
			require.NotEmpty(t, wt, "%s has no walkthrough", name)
			src, err := os.ReadFile(filepath.Join("../testdata/walkthroughs", wt))
			require.NoError(t, err)
			require.True(t, laneShows(string(src), name), "%s: %s shows no violation in its lane", name, wt)
		})
	}
}

// laneShows reports whether a rendered script shows a VIOLATION line in
// the output block of design name (a "[…]" group naming it, or the only
// design).
func laneShows(src, name string) bool {
	in := false
	only := strings.Contains(src, "\ndesign "+name+"\n")
	for _, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			in = slices.Contains(strings.Fields(strings.Trim(line, "[]")), name)
			continue
		}
		if line == "" || line == "----" {
			in = false
		}
		if (in || only) && strings.Contains(line, "VIOLATION ") {
			return true
		}
	}
	return false
}

// TestExploreDeterministic: the same seed gives the same script.
func TestExploreDeterministic(t *testing.T) {
	e, _ := strategies.Lookup("shinfo-destructor")
	a, err := Explore(e, skb.Linux2626, 1, 50, 60, nil)
	require.NoError(t, err)
	b, err := Explore(e, skb.Linux2626, 1, 50, 60, nil)
	require.NoError(t, err)
	require.NotNil(t, a)
	require.Equal(t, a.Script, b.Script)
	require.Equal(t, a.Seed, b.Seed)
	out, _, err := RunOps("again", a.Script)
	require.NoError(t, err)
	require.Equal(t, a.Script, out, "the printed script is a golden script: running it reproduces it exactly")
}

// TestCounterexamplesReplay: for every flawed design, each of seeds 1-200
// on both kernels either finds nothing or prints a counterexample that
// runs again to the same output, violation included: a rejected command
// leaves no trace in the printed script.
func TestCounterexamplesReplay(t *testing.T) {
	for _, name := range strategies.Names() {
		e, _ := strategies.Lookup(name)
		if e.Info.Sound {
			continue
		}
		for _, k := range skb.Kernels {
			t.Run(name+"/"+k.String(), func(t *testing.T) {
				t.Parallel()
				found := 0
				for seed := uint64(1); seed <= 200; seed++ {
					f, err := Explore(e, k, seed, seed, 60, nil)
					require.NoError(t, err, "seed %d", seed)
					if f == nil {
						continue
					}
					found++
					again, _, err := RunOps("replay", f.Script)
					require.NoError(t, err, "seed %d", seed)
					require.Equal(t, f.Script, again, "seed %d replays byte for byte", seed)
					require.Contains(t, again, "VIOLATION "+string(f.Violation.Property), "seed %d", seed)
				}
				require.Positive(t, found)
			})
		}
	}
}

// TestSoundDesignsExplore: the sound designs show no violation over explore
// seeds 1-300 on both kernels (the generator sends bytes that touch other
// commands' frags and merges skbs whose frags touch: this is what kills a
// skb_can_coalesce or skb_shift that ignores frag tags, and a skb_shift
// that moves bytes without asking the observers).
func TestSoundDesignsExplore(t *testing.T) {
	for _, name := range strategies.Names() {
		e, _ := strategies.Lookup(name)
		if !e.Info.Sound {
			continue
		}
		for _, k := range skb.Kernels {
			t.Run(name+"/"+k.String(), func(t *testing.T) {
				t.Parallel()
				f, err := Explore(e, k, 1, 300, 60, nil)
				require.NoError(t, err)
				if f != nil {
					t.Fatalf("seed %d:\n%s", f.Seed, f.Script)
				}
			})
		}
	}
}
