package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPathTiming(t *testing.T) {
	e := NewEngine(0)
	var got []Time
	p, err := NewPath(e, NewStreams(1), "fwd", PathConfig{RateBps: 10_000_000_000, Delay: 50 * Microsecond},
		func(int) { got = append(got, e.Now()) })
	require.NoError(t, err)
	p.Send(1, 1500)
	p.Send(2, 1500)
	require.NoError(t, e.Run(-1))
	// 1500 bytes at 10 Gbit/s take 1200 ns; the second waits for the first.
	assert.Equal(t, []Time{1200 + 50_000, 2400 + 50_000}, got)
}

func TestPathLossReorderDup(t *testing.T) {
	run := func(cfg PathConfig) (order []int, p *Path[int]) {
		e := NewEngine(0)
		p, err := NewPath(e, NewStreams(7), "fwd", cfg, func(i int) { order = append(order, i) })
		require.NoError(t, err)
		for i := range 1000 {
			p.Send(i, 100)
		}
		require.NoError(t, e.Run(-1))
		return order, p
	}
	base := PathConfig{RateBps: 1e9, Delay: Millisecond}
	order, _ := run(base)
	require.Len(t, order, 1000)
	assert.IsIncreasing(t, order)

	cfg := base
	cfg.Loss = 0.1
	order, p := run(cfg)
	assert.InDelta(t, 100, float64(p.Dropped), 40)
	assert.Len(t, order, 1000-int(p.Dropped))

	cfg.Reorder, cfg.ReorderDelay = 0.1, 10*Microsecond
	order2, p2 := run(cfg)
	assert.Equal(t, p.Dropped, p2.Dropped, "enabling reordering does not change which packets are lost")
	assert.NotEqual(t, order, order2)
	assert.Positive(t, p2.Reordered)

	cfg.Dup = 0.05
	order3, p3 := run(cfg)
	assert.Equal(t, p.Dropped, p3.Dropped)
	assert.Len(t, order3, 1000-int(p3.Dropped)+int(p3.Duplicated))
}

func TestPathValidate(t *testing.T) {
	e := NewEngine(0)
	for _, bad := range []PathConfig{
		{RateBps: 0},
		{RateBps: 1, Delay: -1},
		{RateBps: 1, Loss: 1.5},
		{RateBps: 1, Reorder: -0.1},
		{RateBps: 1, Dup: 2},
		{RateBps: 1, ReorderDelay: -5},
	} {
		_, err := NewPath(e, NewStreams(1), "fwd", bad, func(int) {})
		require.ErrorIs(t, err, ErrPath, "%+v", bad)
	}
}
