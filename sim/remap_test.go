package sim

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// noMapping is a Chooser whose scripts never change a mapping: the
// generator's map and unmap kinds are drawn again.
type noMapping struct{ Chooser }

func (c noMapping) Intn(n int, label string) int {
	for {
		i := c.Chooser.Intn(n, label)
		if label != "kind" || genKinds[i] != "map" && genKinds[i] != "unmap" {
			return i
		}
	}
}

// TestLastPutHoldersMappingChanges: the holder-aware reading of "the last
// put" is defeated only by mapping changes in flight (Bolkhovitin, 23 Dec
// 2008). With the generator's map and unmap, seeds 1-200 find both its
// lost completions (a map in flight) and its premature ones (an unmap in
// flight), on both kernels; without them, the same seeds and rapid's
// sequences (a page shared by two buffers, a mapped page, buffers reused
// the moment they are signalled) show no violation.
func TestLastPutHoldersMappingChanges(t *testing.T) {
	e, _ := strategies.Lookup("last-put-holders")
	for _, k := range skb.Kernels {
		found := map[strategies.Property]bool{}
		for seed := uint64(1); seed <= 200; seed++ {
			lines, viols, err := Generate(SeedChooser(seed), e, k, 60)
			require.NoError(t, err)
			if len(viols) > 0 {
				found[viols[0].Property] = true
				require.True(t, slices.ContainsFunc(lines, func(l string) bool {
					return strings.HasPrefix(l, "map ") || strings.HasPrefix(l, "unmap ")
				}),
					"seed %d on %s: a violation without a mapping change", seed, k)
			}
			_, viols, err = Generate(noMapping{SeedChooser(seed)}, e, k, 60)
			require.NoError(t, err)
			require.Empty(t, viols, "seed %d on %s without mapping changes", seed, k)
		}
		assert.True(t, found[strategies.P2] && found[strategies.P3], "on %s: found %v", k, found)
	}
	rapid.Check(t, func(rt *rapid.T) {
		k := rapid.SampledFrom(skb.Kernels).Draw(rt, "kernel")
		lines, viols, err := Generate(noMapping{rapidChooser{rt}}, e, k, 40)
		if err != nil {
			rt.Fatal(err)
		}
		if len(viols) > 0 {
			rt.Fatalf("on %s: %s\n%v", k, viols[0], lines)
		}
	})
}

// TestRemap: Workload.Remap, other processes mapping and unmapping pages of
// in-flight buffers, defeats last-put-holders (a page mapped in flight
// never comes back to its recorded count: lost completions) and nothing
// else that was sound; at 0 it is ok. The same seed gives the same run.
func TestRemap(t *testing.T) {
	all, err := strategies.Parse("last-put-holders,copy,token,frag-destructor,msg-zerocopy")
	require.NoError(t, err)
	sc := DefaultScenario()
	sc.Designs, sc.Workload.Commands = all, 60
	for _, remap := range []float64{0, 0.2} {
		sc.Workload.Remap = remap
		rs, err := Run(sc)
		require.NoError(t, err)
		for _, r := range rs {
			if r.DeclaredSound || remap == 0 {
				assert.Equal(t, VerdictOK, r.Verdict, "%s on %s, remap %g: %s", r.Design, r.Kernel, remap, r.Summary())
				continue
			}
			assert.Equal(t, VerdictFlawed, r.Verdict, "%s on %s, remap %g", r.Design, r.Kernel, remap)
			assert.Positive(t, r.Violations[string(strategies.P3)].Commands, "%s on %s", r.Design, r.Kernel)
		}
		again, err := Run(sc)
		require.NoError(t, err)
		assert.Equal(t, rs, again, "remap %g: deterministic", remap)
	}
	for _, bad := range []float64{-0.1, 1.5, math.NaN()} {
		sc.Workload.Remap = bad
		require.ErrorIs(t, sc.Validate(), ErrWorkload, "remap %v", bad)
	}
}

// TestMapUnmapCommands: map and unmap change a page's outside holders;
// unmapping a page without a mapping, or naming a page the buffer does not
// have, is a script error at its line.
func TestMapUnmapCommands(t *testing.T) {
	out, _, err := RunOps("x.txt", "kernel version=6.18\n\nbuffer name=A pages=2 mapped=1\n\nmap buf=A page=0\n\nunmap buf=A page=1\n")
	require.NoError(t, err)
	assert.Contains(t, out, "A[0] p1 mapped by another process: refs 1->2, mapped 0->1\n")
	assert.Contains(t, out, "A[1] p2 unmapped: refs 2->1, mapped 1->0\n")
	for src, want := range map[string]string{
		"unmap buf=A page=0": "x.txt:5: unmap: page 0 of buffer A (p1) has no mapping",
		"map buf=A page=2":   "x.txt:5: map: page=2: buffer A has pages 0..1",
		"map buf=Z page=0":   "x.txt:5: map: unknown buffer Z",
		"unmap buf=A":        "x.txt:5: unmap: missing argument page=",
	} {
		_, _, err := RunOps("x.txt", "kernel version=6.18\n\nbuffer name=A pages=2\n\n"+src+"\n")
		require.EqualError(t, err, want, src)
	}
}
