package skb

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLedgerDropFirst: a long run forgets settled sends; a dropped send
// reads as closed, unreferenced and past T, and a send still in flight
// cannot be dropped.
func TestLedgerDropFirst(t *testing.T) {
	s := NewStack(Linux618)
	p := s.NewUserPage()
	a := s.OpenSend()
	b := s.OpenSend()
	l := s.Ledger()
	assert.Equal(t, SendID(1), l.First())
	assert.Equal(t, 2, l.NumSends())
	assert.Panics(t, l.DropFirst, "a is open")

	buf := s.Alloc(128, 0, true)
	require.NoError(t, s.AppendPage(buf, a, p, 0, 100))
	require.NoError(t, s.CloseSend(a))
	assert.Panics(t, l.DropFirst, "a is closed but referenced")
	s.Free(buf)
	_, done := l.Truth(a)
	require.True(t, done)
	l.DropFirst()
	assert.Equal(t, SendID(2), l.First())
	assert.True(t, l.Dropped(a))
	assert.False(t, l.Dropped(b))
	assert.True(t, l.Closed(a))
	assert.Equal(t, 0, l.Refs(a))
	_, done = l.Truth(a)
	assert.True(t, done)
	assert.Equal(t, 2, l.NumSends(), "IDs keep counting")
	c := s.OpenSend()
	assert.Equal(t, SendID(3), c)
	require.NoError(t, s.Check())
	assert.Panics(t, l.DropFirst, "b is open")
}

// TestOrphanFcloneBusy: skb_fclone_busy counts a fast clone in flight only
// while it still belongs to the socket; skb_orphan lets it go.
func TestOrphanFcloneBusy(t *testing.T) {
	s := NewStack(Linux618)
	b := s.Alloc(128, 0, true)
	assert.False(t, b.FcloneBusy(), "no clone yet")
	c, err := s.Clone(b)
	require.NoError(t, err)
	require.Equal(t, FcloneClone, c.Fclone())
	assert.True(t, b.FcloneBusy())
	s.Orphan(c)
	assert.True(t, c.Orphaned())
	assert.False(t, b.FcloneBusy(), "orphaned: no longer the socket's")
	s.Free(c)
	c2, err := s.Clone(b)
	require.NoError(t, err)
	assert.False(t, c2.Orphaned(), "a new companion belongs to the socket again")
	assert.True(t, b.FcloneBusy())
	require.NoError(t, s.Check())
}
