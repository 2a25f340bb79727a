package sim

import (
	"fmt"
	"strings"
)

// args reads a directive's arguments, remembering which were used so that
// an unknown or misspelt argument is an error rather than silently ignored.
type args struct {
	d    *Directive
	used []bool
	err  error
}

func newArgs(d *Directive) *args { return &args{d: d, used: make([]bool, len(d.Args))} }

func (a *args) fail(format string, v ...any) {
	if a.err == nil {
		a.err = a.d.Errorf(format, v...)
	}
}

func (a *args) lookup(key string) (string, bool) {
	for i, x := range a.d.Args {
		if x.Key == key {
			a.used[i] = true
			return x.Val, true
		}
	}
	return "", false
}

// str returns the value of key; a required key that is missing or empty is
// an error.
func (a *args) str(key string, required bool) string {
	v, ok := a.lookup(key)
	if required && (!ok || v == "") {
		a.fail("%s: missing argument %s=", a.d.Cmd, key)
	}
	return v
}

// name returns the value of key checked to be a usable name.
func (a *args) name(key string, required bool) string {
	v := a.str(key, required)
	for _, r := range v {
		if !(r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			a.fail("%s: %s=%q is not a name (letters, digits, _ - .)", a.d.Cmd, key, v)
			break
		}
	}
	return v
}

// num returns the integer value of key, def when absent; it must lie in
// [lo, hi].
func (a *args) num(key string, def int, required bool, lo, hi int) int {
	v, ok := a.lookup(key)
	if !ok {
		if required {
			a.fail("%s: missing argument %s=", a.d.Cmd, key)
		}
		return def
	}
	n, err := ParseInt(v, int64(lo), int64(hi))
	if err != nil {
		a.fail("%s: %s=%v", a.d.Cmd, key, err)
		return def
	}
	return int(n)
}

// flag reports a boolean: a bare key, or key=true / key=false.
func (a *args) flag(key string, def bool) bool {
	v, ok := a.lookup(key)
	if !ok {
		return def
	}
	if v == "" {
		return true
	}
	b, err := ParseBool(v)
	if err != nil {
		a.fail("%s: %s=%v", a.d.Cmd, key, err)
		return def
	}
	return b
}

// list returns the comma-separated values of key.
func (a *args) list(key string) []string {
	v, ok := a.lookup(key)
	if !ok || v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// done reports the first error, including arguments nobody asked for.
func (a *args) done() error {
	if a.err != nil {
		return a.err
	}
	for i, u := range a.used {
		if !u {
			return a.d.Errorf("%s: unknown argument %q", a.d.Cmd, a.d.Args[i].Key)
		}
	}
	return nil
}

// fmtBytes renders a byte range [lo, hi).
func fmtRange(lo, hi int64) string { return fmt.Sprintf("[%d,%d)", lo, hi) }
