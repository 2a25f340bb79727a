package sim

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/zcsim/zcsim/skb"
	"github.com/zcsim/zcsim/strategies"
)

// Limits bound what one op-level script may create.
const (
	maxBufferPages = 4096    // pages in one buffer
	maxScriptPages = 1 << 16 // pages in all buffers of a script
	maxSendBytes   = 1 << 26
	maxSegments    = 4096
)

// OpScript interprets op-level scripts: each directive runs one operation
// of the skb model and returns, deterministically, the reference changes it
// caused. Check runs after every directive; a violated invariant is a model
// bug and panics.
type OpScript struct {
	st        *skb.Stack
	obs       []skb.Observer
	skbs      map[string]*skb.Buff
	skbNames  map[skb.BuffID]string
	used      map[string]bool
	bufs      map[string]*appBuffer
	sends     map[string]skb.SendID
	sendNames []string // by SendID
	pages     int      // pages in all buffers so far
	onPage    map[skb.PageID][]skb.SendID

	// With a design: the design observing the stack, the checker holding
	// its signals against the ground truth, the socket's copy page.
	entry  *strategies.Entry
	design strategies.Design
	chk    *Checker
	pf     skb.PageFrag
}

// appBuffer is an application buffer: pages the application owns and sends
// from.
type appBuffer struct {
	name  string
	pages []*skb.Page
}

// newLane returns an interpreter running design e (nil: no design); the
// observers are added to the stack its "kernel" directive creates.
func newLane(e *strategies.Entry, observers []skb.Observer) *OpScript {
	return &OpScript{
		entry:     e,
		obs:       observers,
		skbs:      map[string]*skb.Buff{},
		skbNames:  map[skb.BuffID]string{},
		used:      map[string]bool{},
		bufs:      map[string]*appBuffer{},
		sends:     map[string]skb.SendID{},
		sendNames: []string{""},
		onPage:    map[skb.PageID][]skb.SendID{},
	}
}

// Stack is the model the script drives (nil before "kernel").
func (o *OpScript) Stack() *skb.Stack { return o.st }

// BuffName implements skb.Namer with the script's skb names.
func (o *OpScript) BuffName(id skb.BuffID) string {
	if n, ok := o.skbNames[id]; ok {
		return n
	}
	return skb.IDNamer{}.BuffName(id)
}

// SendName implements skb.Namer with the script's send names.
func (o *OpScript) SendName(id skb.SendID) string {
	if int(id) < len(o.sendNames) && id > 0 {
		return o.sendNames[id]
	}
	return skb.IDNamer{}.SendName(id)
}

// Exec runs one directive and returns its output. An error means the
// directive is wrong (unknown command, bad argument, failed precondition)
// and carries its position.
func (o *OpScript) Exec(d *Directive) (string, error) {
	cmd, ok := opCommands[d.Cmd]
	if !ok {
		return "", d.Errorf("unknown command %q", d.Cmd)
	}
	if o.st == nil && d.Cmd != "kernel" {
		return "", d.Errorf("%s: no kernel yet: a script starts with 'kernel version=2.6.26|6.18'", d.Cmd)
	}
	a := newArgs(d)
	var raw strings.Builder
	err := cmd(o, a, &raw)
	if err == nil {
		err = a.err
	}
	if err != nil {
		if !strings.HasPrefix(err.Error(), d.Pos()+":") {
			err = d.Errorf("%s: %w", d.Cmd, &modelError{err: err, msg: o.rename(strings.TrimPrefix(err.Error(), "skb: "))})
		}
		if o.st != nil {
			o.st.TakeTrace()
		}
		return "", err
	}
	var out strings.Builder
	out.WriteString(raw.String())
	for _, e := range o.st.TakeTrace() {
		out.WriteString("  " + e.Format(o) + "\n")
	}
	if o.chk != nil {
		for _, line := range o.chk.TakeEvents() {
			out.WriteString("  " + line + "\n")
		}
	}
	if cerr := o.st.Check(); cerr != nil {
		panic(&skb.ModelBug{Msg: fmt.Sprintf("%s: after %s: %v", d.Pos(), d.Cmd, cerr)})
	}
	return out.String(), nil
}

// outcome turns the model's refusals (ErrRefused, ErrFragsFull,
// ErrNotInKernel) into printed results, with the model's skb identifiers
// replaced by the script's names; other errors stay errors.
//
// Names and identifiers are separate name spaces: commands print skbs by
// the script's names (BuffName), and only the model's own messages, which
// say b7, are renamed, so a script may name an skb "b1".
func (o *OpScript) outcome(err error, out *strings.Builder, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, skb.ErrRefused) || errors.Is(err, skb.ErrFragsFull) || errors.Is(err, skb.ErrNotInKernel) {
		fmt.Fprintf(out, "%s: %s\n", what, o.rename(strings.TrimPrefix(err.Error(), "skb: ")))
		return nil
	}
	return err
}

// modelError is a model error reworded with the script's names; it still
// unwraps to the model's error value.
type modelError struct {
	err error
	msg string
}

func (e *modelError) Error() string { return e.msg }
func (e *modelError) Unwrap() error { return e.err }

var buffIDRe = regexp.MustCompile(`\bb([0-9]+)\b`)

// rename replaces the model's skb identifiers (b7) in a message with the
// script's names.
func (o *OpScript) rename(msg string) string {
	return buffIDRe.ReplaceAllStringFunc(msg, func(m string) string {
		id, err := strconv.Atoi(m[1:])
		if err != nil {
			return m
		}
		return o.BuffName(skb.BuffID(id))
	})
}

// buff returns the live skb named by key.
func (o *OpScript) buff(a *args, key string) *skb.Buff {
	n := a.name(key, true)
	if a.err != nil {
		return nil
	}
	b, ok := o.skbs[n]
	if !ok {
		if o.used[n] {
			a.fail("%s: skb %s was freed", a.d.Cmd, n)
		} else {
			a.fail("%s: unknown skb %s", a.d.Cmd, n)
		}
		return nil
	}
	return b
}

// newName returns the name given by key for a new object, unused so far.
func (o *OpScript) newName(a *args, key string) string {
	n := a.name(key, true)
	if a.err == nil && o.used[n] {
		a.fail("%s: name %s is already used", a.d.Cmd, n)
	}
	return n
}

func (o *OpScript) bind(name string, b *skb.Buff) {
	o.used[name] = true
	o.skbs[name] = b
	o.skbNames[b.ID] = name
}

// forget drops the names of skbs the model has freed.
func (o *OpScript) forget() {
	for n, b := range o.skbs {
		if b.Freed() {
			delete(o.skbs, n)
		}
	}
}

// buffer returns the application buffer named by key.
func (o *OpScript) buffer(a *args, key string) *appBuffer {
	n := a.name(key, true)
	if a.err != nil {
		return nil
	}
	b, ok := o.bufs[n]
	if !ok {
		a.fail("%s: unknown buffer %s", a.d.Cmd, n)
	}
	return b
}
