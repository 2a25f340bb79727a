package skb

import "fmt"

// Check verifies the model's invariants in time linear in the state:
//
//   - every live skb points at a live shared info; its Len, DataLen and
//     linear provenance agree; users >= 1;
//   - every live shared info's dataref low half equals the number of live
//     skbs sharing it and its high half the number of those that are nohdr;
//     its frags' provenance covers exactly their sizes;
//   - every live page's count equals its external holders plus one per frag
//     pointing at it from a live shared info; nothing is negative; no live
//     frag points at a freed page;
//   - the ledger's count for every send equals the live frag references
//     whose provenance includes that send's bytes on a user page, and a send
//     past T(send) has none;
//   - fast-clone pairs count their live halves.
//
// It returns the first violation found, or nil.
func (s *Stack) Check() error {
	for _, sh := range s.shinfos {
		if sh.freed {
			return fmt.Errorf("freed s%d is registered live", sh.ID)
		}
		sh.chk = 0
	}
	for _, b := range s.buffs {
		if b.freed {
			return fmt.Errorf("freed b%d is registered live", b.ID)
		}
		if b.sh.freed {
			return fmt.Errorf("b%d points at released s%d", b.ID, b.sh.ID)
		}
		if b.users < 1 {
			return fmt.Errorf("b%d has users %d", b.ID, b.users)
		}
		if b.dataLen < 0 || b.len < b.dataLen {
			return fmt.Errorf("b%d has len %d data_len %d", b.ID, b.len, b.dataLen)
		}
		if pl := b.sh.pageLen(); pl != b.dataLen {
			return fmt.Errorf("b%d data_len %d but s%d frags hold %d bytes", b.ID, b.dataLen, b.sh.ID, pl)
		}
		if ll := runsLen(b.lin); ll != b.len-b.dataLen {
			return fmt.Errorf("b%d headlen %d but linear provenance covers %d", b.ID, b.len-b.dataLen, ll)
		}
		if b.headroom < 0 || b.tailroom < 0 {
			return fmt.Errorf("b%d headroom %d tailroom %d", b.ID, b.headroom, b.tailroom)
		}
		b.sh.chk += 1
		if b.nohdr {
			b.sh.chk += 1 << DatarefShift
		}
		if b.fclone == FcloneClone && b.pair.child != b {
			return fmt.Errorf("fast clone b%d is not its pair's child", b.ID)
		}
		if b.fclone != FcloneNone && (b.pair.ref < 1 || b.pair.ref > 2) {
			return fmt.Errorf("b%d fclone_ref %d", b.ID, b.pair.ref)
		}
	}
	if cap(s.checkRefs) < len(s.pages) {
		s.checkRefs = make([]int32, len(s.pages))
	}
	refs := s.checkRefs[:len(s.pages)]
	clear(refs)
	if n := len(s.ledger.sends); cap(s.checkSends) < n {
		s.checkSends = make([]int32, n)
	}
	sends := s.checkSends[:len(s.ledger.sends)]
	clear(sends)
	for _, sh := range s.shinfos {
		if sh.dataref != sh.chk {
			return fmt.Errorf("s%d dataref %s but %d skbs (%d nohdr) share it", sh.ID, FormatDataref(sh.dataref), sh.chk&DatarefMask, sh.chk>>DatarefShift)
		}
		if sh.nrFrags < 0 || int(sh.nrFrags) > s.kernel.MaxFrags() {
			return fmt.Errorf("s%d has %d frags", sh.ID, sh.nrFrags)
		}
		for i := range int(sh.nrFrags) {
			f := &sh.frags[i]
			if f.Page == nil || f.Page.freed {
				return fmt.Errorf("s%d[%d] points at a freed page", sh.ID, i)
			}
			if f.Size <= 0 || f.Off < 0 || f.End() > PageSize {
				return fmt.Errorf("s%d[%d] covers [%d,%d) of p%d", sh.ID, i, f.Off, f.End(), f.Page.ID)
			}
			if rl := runsLen(f.prov.runs()); rl != f.Size {
				return fmt.Errorf("s%d[%d] has size %d but provenance covers %d", sh.ID, i, f.Size, rl)
			}
			refs[f.Page.idx]++
			f.liveSends(func(id SendID) { sends[id-s.ledger.base()]++ })
		}
	}
	for i, p := range s.pages {
		if p.freed || p.idx != int32(i) {
			return fmt.Errorf("page registry broken at p%d", p.ID)
		}
		if p.extern < 0 || p.mapped < 0 || p.mapped > p.extern {
			return fmt.Errorf("p%d extern %d mapped %d", p.ID, p.extern, p.mapped)
		}
		if want := p.extern + refs[i]; p.refs != want {
			return fmt.Errorf("p%d refs %d but %d external holders and %d frags", p.ID, p.refs, p.extern, refs[i])
		}
		if p.refs <= 0 {
			return fmt.Errorf("live p%d has count %d", p.ID, p.refs)
		}
	}
	for i := range s.ledger.sends {
		st, id := &s.ledger.sends[i], s.ledger.base()+SendID(i)
		if st.refs != sends[i] {
			return fmt.Errorf("ledger counts %d references to c%d, frags hold %d", st.refs, id, sends[i])
		}
		if st.done && st.refs != 0 {
			return fmt.Errorf("c%d referenced after T(c%d)", id, id)
		}
		if st.closed && st.refs == 0 && !st.done {
			return fmt.Errorf("c%d closed and unreferenced but T not recorded", id)
		}
	}
	return nil
}
