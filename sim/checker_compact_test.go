package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// TestCheckerCompact: in compact mode the checker folds signals into
// stats and the ledger forgets settled sends, yet it still reports a
// premature signal (P2), a second signal long after the send was dropped
// (P1), and a lost one (P3).
func TestCheckerCompact(t *testing.T) {
	st := skb.NewStack(skb.Linux618)
	chk := NewChecker(st, nil)
	chk.SetCompact(true)
	p := st.NewUserPage()
	b := st.Alloc(128, 0, true)
	a := st.OpenSend()
	require.NoError(t, st.AppendPage(b, a, p, 0, 100))
	require.NoError(t, st.CloseSend(a))
	early := st.OpenSend()
	require.NoError(t, st.CloseSend(early))
	lost := st.OpenSend()
	require.NoError(t, st.AppendPage(b, lost, p, 100, 100))
	require.NoError(t, st.CloseSend(lost))
	chk.Notify(a, false) // before T(a): premature
	chk.Settle()
	st.Free(b)
	chk.Notify(early, false)
	chk.Settle()
	assert.Equal(t, lost, st.Ledger().First(), "a and early (signalled, past T) are dropped; lost is kept")
	chk.Notify(a, false) // again, after a was dropped
	assert.True(t, chk.Quiesce())
	var props []strategies.Property
	for _, v := range chk.Violations() {
		props = append(props, v.Property)
	}
	assert.Equal(t, []strategies.Property{strategies.P2, strategies.P1, strategies.P3}, props)
	ss := chk.Stats()
	assert.Equal(t, 3, ss.Signals)
	assert.Equal(t, 2, ss.Commands)
	assert.Len(t, ss.LatencyUs, 1, "only early's signal came after its T")
	assert.Empty(t, chk.AllSignals())
}
