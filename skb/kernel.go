package skb

import "fmt"

// Kernel is a modelled Linux flavour. Where the two flavours differ (the
// transient reference pair of pskb_expand_head, skb_shift's existence,
// MAX_SKB_FRAGS, zerocopy state in the shared info) the model follows the
// flavour of its Stack.
type Kernel uint8

const (
	// Linux2626 is Linux 2.6.26, the kernel of the 2008 netdev thread.
	Linux2626 Kernel = iota + 1
	// Linux618 is Linux 6.18, today's kernel.
	Linux618
)

// Kernels lists the modelled flavours, oldest first.
var Kernels = []Kernel{Linux2626, Linux618}

// String returns the version as written on the command line ("2.6.26", "6.18").
func (k Kernel) String() string {
	switch k {
	case Linux2626:
		return "2.6.26"
	case Linux618:
		return "6.18"
	}
	return fmt.Sprintf("kernel(%d)", uint8(k))
}

// ParseKernel parses a version as written by String.
func ParseKernel(s string) (Kernel, error) {
	for _, k := range Kernels {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("%w: %q (want 2.6.26 or 6.18)", ErrUnknownKernel, s)
}

// MaxFrags is MAX_SKB_FRAGS with 4 KiB pages: 65536/PAGE_SIZE+2 = 18 in
// 2.6.26 (include/linux/skbuff.h), the CONFIG_MAX_SKB_FRAGS default 17 in
// 6.18.
func (k Kernel) MaxFrags() int {
	if k == Linux2626 {
		return 18
	}
	return 17
}

// Old reports whether k is the 2.6.26 flavour.
func (k Kernel) Old() bool { return k == Linux2626 }

// maxFragsAny is the largest MaxFrags of any flavour; it sizes the frag array.
const maxFragsAny = 18

// PageSize is PAGE_SIZE in bytes.
const PageSize = 4096
