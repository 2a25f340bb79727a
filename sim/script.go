package sim

import (
	"errors"
	"fmt"
	"strings"
)

// ErrScript is wrapped by every error about a script's text or meaning.
var ErrScript = errors.New("sim: script")

// Arg is one key=value argument of a directive (Val is "" for a bare key).
type Arg struct {
	Key, Val string
}

// Directive is one command of a script: the command line, and the expected
// output that followed its "----" separator.
type Directive struct {
	File     string
	Line     int // 1-based line of the command
	Cmd      string
	Args     []Arg
	Text     string // the command line as written
	Expected string
	// HasOutput is false when the command had no "----" block.
	HasOutput bool
}

// Pos is "file:line" of the command.
func (d *Directive) Pos() string { return fmt.Sprintf("%s:%d", d.File, d.Line) }

// Errorf returns an error prefixed with the directive's position.
func (d *Directive) Errorf(format string, args ...any) error {
	return fmt.Errorf("%s: %w", d.Pos(), fmt.Errorf(format, args...))
}

// chunk is a piece of a script file: a directive, or literal text (comments
// and blank lines) kept as written.
type chunk struct {
	lit string
	d   *Directive
}

// Script is a parsed script file.
type Script struct {
	chunks []chunk
	// bom and crlf keep the file's own encoding marks for Render: a UTF-8
	// byte order mark, and CRLF line endings.
	bom, crlf bool
}

// Directives returns the script's directives in order.
func (s *Script) Directives() []*Directive {
	var out []*Directive
	for _, c := range s.chunks {
		if c.d != nil {
			out = append(out, c.d)
		}
	}
	return out
}

// Parse reads a script: blocks of
//
//	command key=value key …
//	----
//	expected output
//
// separated by blank lines; lines starting with '#' are comments. When the
// output itself contains blank lines it is fenced by a doubled separator:
// "----" "----" before and "----" "----" after.
//
// A UTF-8 byte order mark and CRLF line endings are accepted and kept by
// Render. A line longer than DefaultLimits.LineBytes is an error.
func Parse(file, src string) (*Script, error) { return parse(file, src, DefaultLimits.LineBytes) }

func parse(file, src string, maxLine int) (*Script, error) {
	var sc Script
	src, sc.bom = strings.CutPrefix(src, "\ufeff")
	lines := strings.Split(src, "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	sc.crlf = len(lines) > 0 && strings.HasSuffix(lines[0], "\r")
	for i, l := range lines {
		if len(l) > maxLine {
			return nil, fmt.Errorf("%s:%d: %w: the line has %d bytes, over the limit of %d (raise it with -max-line)", file, i+1, ErrScript, len(l), maxLine)
		}
		lines[i] = strings.TrimSuffix(l, "\r")
		if strings.Contains(lines[i], "\r") {
			return nil, fmt.Errorf("%s:%d: %w: a carriage return inside a line (line ends are LF or CRLF)", file, i+1, ErrScript)
		}
	}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			sc.chunks = append(sc.chunks, chunk{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			lit.WriteString(line + "\n")
			continue
		}
		if trimmed == "----" {
			return nil, fmt.Errorf("%s:%d: %w: '----' without a command", file, i+1, ErrScript)
		}
		d := &Directive{File: file, Line: i + 1, Text: trimmed}
		fields := strings.Fields(trimmed)
		d.Cmd = fields[0]
		for _, f := range fields[1:] {
			k, v, _ := strings.Cut(f, "=")
			if k == "" {
				return nil, fmt.Errorf("%s:%d: %w: argument %q has no name", file, i+1, ErrScript, f)
			}
			d.Args = append(d.Args, Arg{Key: k, Val: v})
		}
		if i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" && strings.TrimSpace(lines[i+1]) != "----" {
			return nil, fmt.Errorf("%s:%d: %w: expected '----' or a blank line after the command, got %q", file, i+2, ErrScript, lines[i+1])
		}
		if i+1 < len(lines) && strings.TrimSpace(lines[i+1]) == "----" {
			d.HasOutput = true
			i++
			var out []string
			if i+1 < len(lines) && strings.TrimSpace(lines[i+1]) == "----" {
				i++
				closed := false
				for i+1 < len(lines) {
					i++
					if strings.TrimSpace(lines[i]) == "----" && i+1 < len(lines) && strings.TrimSpace(lines[i+1]) == "----" {
						i++
						closed = true
						break
					}
					out = append(out, lines[i])
				}
				if !closed {
					return nil, fmt.Errorf("%s:%d: %w: doubled '----' block is not closed", file, d.Line, ErrScript)
				}
				if i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
					return nil, fmt.Errorf("%s:%d: %w: expected a blank line after the closing '----' '----', got %q", file, i+2, ErrScript, lines[i+1])
				}
			} else {
				for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
					i++
					out = append(out, lines[i])
				}
			}
			if len(out) > 0 {
				d.Expected = strings.Join(out, "\n") + "\n"
			}
		}
		flush()
		sc.chunks = append(sc.chunks, chunk{d: d})
	}
	flush()
	return &sc, nil
}

// Render writes the script with each directive's output replaced by
// outputs[d] (directives absent from the map keep their expected output).
func (s *Script) Render(outputs map[*Directive]string) string {
	out := s.render(outputs)
	if s.crlf {
		out = strings.ReplaceAll(out, "\n", "\r\n")
	}
	if s.bom {
		out = "\ufeff" + out
	}
	return out
}

func (s *Script) render(outputs map[*Directive]string) string {
	var b strings.Builder
	for _, c := range s.chunks {
		if c.d == nil {
			b.WriteString(c.lit)
			continue
		}
		out, ok := outputs[c.d]
		if !ok {
			out = c.d.Expected
		}
		b.WriteString(c.d.Text + "\n")
		if needsFence(out) {
			b.WriteString("----\n----\n" + out + "----\n----\n")
			continue
		}
		b.WriteString("----\n" + out)
	}
	return b.String()
}

// needsFence reports whether an output must be fenced by doubled
// separators to read back as itself: a plain block ends at the first
// blank (or whitespace-only) line, and one whose first line is "----"
// would read as the opening of a fenced block.
func needsFence(out string) bool {
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if out == "" {
		return false
	}
	if strings.TrimSpace(lines[0]) == "----" {
		return true
	}
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			return true
		}
	}
	return false
}
