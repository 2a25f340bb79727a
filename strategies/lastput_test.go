package strategies_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcsim/zcsim/skb"
)

// TestLastPutReadings: the two readings of Fitzhardinge's "only do the
// lookup on the last put". A page mapped before it is sent: the literal
// reading (count 1) never sees its last put, the holder-aware one (the
// count recorded at submission) does, at the stack's last put. A page two
// in-flight commands share: the holder-aware reading keeps both and
// completes them together when the stack lets go of the page.
func TestLastPutReadings(t *testing.T) {
	for _, k := range skb.Kernels {
		for _, name := range []string{"last-put", "last-put-holders"} {
			holders := name == "last-put-holders"
			h := newHarness(t, name, k)
			p := h.s.NewUserPage()
			h.s.HoldPage(p, true) // a user process maps it
			c, b := h.send(p)
			h.s.Free(b)
			if holders {
				assert.Equal(t, []skb.SendID{c}, h.signals, "%s on %s: the put back to the recorded holders", name, k)
			} else {
				assert.Empty(t, h.signals, "%s on %s: count 2 is never 1", name, k)
			}
			require.NoError(t, h.s.Check())
		}

		h := newHarness(t, "last-put-holders", k)
		p := h.s.NewUserPage()
		c1, a := h.send(p)
		c2, b := h.send(p)
		h.s.Free(a)
		assert.Empty(t, h.signals, "on %s: b still holds the page", k)
		h.s.Free(b)
		assert.Equal(t, []skb.SendID{c1, c2}, h.signals, "on %s: both at the stack's last put, in order", k)
		assert.Zero(t, h.d.Costs().Objects, "on %s: every entry freed", k)
		assert.Equal(t, int64(2), h.d.Costs().Lookups, "on %s: one lookup per put of a page in the table", k)
	}
}

// TestLastPutHoldersMappingChanges: what defeats the holder-aware reading,
// as Bolkhovitin said: a page mapped while it is in flight never comes back
// to the count recorded at submission (lost completion); a mapping dropped
// while the stack holds the page twice brings it there one put early
// (premature completion).
func TestLastPutHoldersMappingChanges(t *testing.T) {
	for _, k := range skb.Kernels {
		h := newHarness(t, "last-put-holders", k)
		p := h.s.NewUserPage()
		_, b := h.send(p)
		h.s.HoldPage(p, true) // mapped in flight
		h.s.Free(b)
		assert.Empty(t, h.signals, "on %s: count 2, recorded 1: never signalled", k)
		require.NoError(t, h.s.Check())

		h = newHarness(t, "last-put-holders", k)
		p = h.s.NewUserPage()
		h.s.HoldPage(p, true)
		c, b := h.send(p) // recorded: 2 (the owner and the mapping)
		cp, err := h.s.PskbCopy(b)
		require.NoError(t, err)
		h.s.UnholdPage(p, true) // unmapped in flight
		h.s.Free(b)
		assert.Equal(t, []skb.SendID{c}, h.signals, "on %s: signalled", k)
		assert.Equal(t, int32(2), p.Refs(), "on %s: … while the copy still holds the page", k)
		h.s.Free(cp)
		assert.Len(t, h.signals, 1, "on %s: once", k)
		require.NoError(t, h.s.Check())
	}
}
