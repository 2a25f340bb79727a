package strategies

// Global holds the state a design keeps for the whole machine rather than
// per socket: the kernel-wide page-to-command table of hashed and last-put
// (struct page's net_priv is global by being on the page itself). A run
// builds one Global and passes it in every Env of the run, so that the
// design instances of all its sockets share it; everything else a design
// keeps belongs to its own socket.
type Global struct{ m map[string]any }

// NewGlobal returns an empty store.
func NewGlobal() *Global { return &Global{m: map[string]any{}} }

// get returns the value kept under key, made by init on first use. A nil
// Global (a design alone on a stack) keeps nothing: init's value is the
// caller's own.
func (g *Global) get(key string, init func() any) any {
	if g == nil {
		return init()
	}
	v, ok := g.m[key]
	if !ok {
		v = init()
		g.m[key] = v
	}
	return v
}
