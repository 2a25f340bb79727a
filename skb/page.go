package skb

// PageID is a page's dense identifier, assigned from a counter (p1, p2, …).
type PageID int32

// Page is a struct page. Its reference count, like the kernel's _count, is
// shared by everyone: the holders outside the network stack (the buffer that
// owns it, the page cache, user mappings: Extern) and one reference per frag
// that points at it from a live SharedInfo. Only the Stack changes refs.
type Page struct {
	ID PageID
	// NetPriv is the design slot the 2008 patch added to struct page
	// (page->net_priv). The model never reads it.
	NetPriv any

	refs   int32
	extern int32
	mapped int32
	gen    uint32
	user   bool
	freed  bool
	idx    int32 // position in Stack.pages while live
}

// Refs is the page's reference count (_count): Extern plus one per frag.
func (p *Page) Refs() int32 { return p.refs }

// Extern is the number of references held outside the network stack: the
// owning buffer or page cache, plus user mappings.
func (p *Page) Extern() int32 { return p.extern }

// Mapped is the number of user-process mappings of the page (part of Extern).
func (p *Page) Mapped() int32 { return p.mapped }

// Gen is the content generation: it goes up each time the application
// rewrites the page.
func (p *Page) Gen() uint32 { return p.gen }

// User reports whether the page belongs to the application (as opposed to a
// page the kernel allocated for a copy).
func (p *Page) User() bool { return p.user }

// Freed reports whether the page's count reached zero and it was freed.
func (p *Page) Freed() bool { return p.freed }
