package strategies

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Entry is a registered design: its description and its constructor.
type Entry struct {
	Info Info
	New  func(Env) Design
}

// registry is the explicit list of designs; Names returns it sorted.
var registry = map[string]Entry{
	"copy":                       {copyInfo, newCopy},
	"net-priv":                   {netPrivInfo, newNetPriv},
	"hashed":                     {hashedInfo, newHashed},
	"shinfo-destructor":          {shinfoDtorInfo, newShinfoDtor},
	"shinfo-destructor-refcheck": {refcheckInfo, newRefcheck},
	"token":                      {tokenInfo, newToken},
	"token-literal":              {tokenLiteralInfo, newTokenLiteral},
	"frag-destructor":            {fragDtorInfo, newFragDtor},
	"msg-zerocopy":               {msgZerocopyInfo, newMsgZerocopy},
	"last-put":                   {lastPutInfo, newLastPut},
	"last-put-holders":           {lastPutHoldersInfo, newLastPutHolders},
}

// Names returns the registered design names, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Lookup returns the design registered under name.
func Lookup(name string) (Entry, bool) {
	e, ok := registry[name]
	return e, ok
}

// ErrUnknown is returned by Parse for a name not in the registry.
var ErrUnknown = errors.New("strategies: unknown design")

// ErrDuplicate is returned by Parse for a name given twice.
var ErrDuplicate = errors.New("strategies: duplicate design")

// Parse resolves a comma-separated list of names, or "all", to entries in
// the order given (all: sorted).
func Parse(list string) ([]Entry, error) {
	names := strings.Split(list, ",")
	if list == "all" {
		names = Names()
	}
	var out []Entry
	for i, n := range names {
		if slices.Contains(names[:i], n) {
			return nil, fmt.Errorf("%w: %q is named twice", ErrDuplicate, n)
		}
		e, ok := Lookup(n)
		if !ok {
			return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknown, n, strings.Join(Names(), ", "))
		}
		out = append(out, e)
	}
	return out, nil
}
