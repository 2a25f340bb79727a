package skb

import "fmt"

// Segment is skb_segment(b, features): GSO cuts b into segments of mss
// payload bytes each. Every segment is a new regular skb with its own shared
// info made from b's; linear payload is copied. With scatter-gather (sg
// true) each segment points at the pieces of b's frags it covers and takes
// one page reference per (segment, frag piece): a frag spanning k segments
// gains k references. Without sg every byte is copied and no reference is
// taken (kernel-semantics §B12, §F6).
//
// 6.18 orphans b's frags first and gives every segment b's ubuf_info
// (skb_zerocopy_clone: U+ per segment, the design's to count) and
// SKBFL_SHARED_FRAG. b itself is left alone: the caller frees it (6.18
// validate_xmit_skb at once, 2.6.26 dev_gso_segment after the last segment
// is queued). Segments' sequence numbers follow b's.
//
// Preconditions: mss > 0; b.Len > 0.
func (s *Stack) Segment(b *Buff, mss int, sg bool) ([]*Buff, error) {
	s.mustLive(b, "skb_segment")
	if mss <= 0 || b.len == 0 {
		return nil, fmt.Errorf("%w: segment %d bytes by mss %d", ErrRange, b.len, mss)
	}
	s.op++
	if err := s.orphanFrags(b); err != nil {
		return nil, err
	}
	const site = "skb_segment"
	m := int32(mss)
	hl := b.len - b.dataLen
	var segs []*Buff
	for off := int32(0); off < b.len; off += m {
		end := min(off+m, b.len)
		sh := s.dupShinfo(b.sh, false, site)
		n := s.newBuff(sh)
		n.headroom = b.headroom
		n.len = end - off
		n.CB = b.CB
		n.CB.Seq = b.CB.Seq + uint32(off)
		n.CB.EndSeq = n.CB.Seq + uint32(n.len)
		n.CB.Pcount = 1
		if !sg {
			n.lin = s.copyBytes(b, off, end)
			segs = append(segs, n)
			continue
		}
		if off < hl {
			n.lin = cutRuns(nil, b.lin, off, min(end, hl))
		}
		pos := hl
		for i := range int(b.sh.nrFrags) {
			f := &b.sh.frags[i]
			lo, hi := max(off, pos), min(end, pos+f.Size)
			if lo < hi {
				k := int(sh.nrFrags)
				s.scratch = cutRuns(s.scratch[:0], f.prov.runs(), lo-pos, hi-pos)
				sh.frags[k] = Frag{Page: f.Page, Off: f.Off + lo - pos, Size: hi - lo, Tag: f.Tag, prov: makeProv(s.scratch)}
				sh.nrFrags++
				n.dataLen += hi - lo
				s.fragGet(sh, k, site)
			}
			pos += f.Size
		}
		segs = append(segs, n)
	}
	return segs, nil
}
