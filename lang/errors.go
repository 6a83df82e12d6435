package lang

import (
	"errors"
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Position is a location in a script: file name, byte offset, line and
// column (both 1-based).
type Position = lexer.Position

// Span is a range of source text, EndPos exclusive. Participle fills both
// fields of every grammar node that embeds a Span.
type Span struct {
	Pos, EndPos Position
	// from is the macro call this text was expanded from (whose own from
	// is the call that one came from, and so on); nil outside macros.
	from *Span
}

// ExpandedFrom returns the macro calls a span's text was expanded from,
// innermost first; none for text outside macros.
func (s Span) ExpandedFrom() []Span {
	var out []Span
	for f := s.from; f != nil; f = f.from {
		out = append(out, Span{Pos: f.Pos, EndPos: f.EndPos})
	}
	return out
}

// Loc returns the span itself; every node embeds a Span and so has Loc.
func (s Span) Loc() Span { return s }

// Error is a diagnostic that points at a range of a script.
type Error struct {
	Pos, End Position
	Msg      string
	Warning  bool
	// ExpandedFrom are the macro calls the text at Pos was expanded from,
	// innermost first: each prints as a note, "expanded from".
	ExpandedFrom []Span
}

func (e *Error) Error() string {
	if e.Pos.Line == 0 {
		// Not about a place in the script (a command-line option).
		return e.Msg
	}
	return e.location() + ": " + e.Msg
}

func (e *Error) location() string {
	name := e.Pos.Filename
	if name == "" {
		name = "stdin"
	}
	loc := fmt.Sprintf("%s:%d:%d", name, e.Pos.Line, e.Pos.Column)
	if e.End.Line == e.Pos.Line && e.End.Column > e.Pos.Column+1 {
		loc += fmt.Sprintf("-%d", e.End.Column)
	}
	return loc
}

// Render formats the diagnostic the way bpftrace does: the location, the
// message, the source line and a marker under the offending text.
// Each macro call the text was expanded from follows as a note,
// "expanded from", in the same form.
func (e *Error) Render(src string) string {
	return e.render(func(string) string { return src })
}

// render is Render with the sources of every file: a macro call may be in
// another file than the text expanded from the macro.
func (e *Error) render(source func(filename string) string) string {
	var b strings.Builder
	e.renderOne(&b, source(e.Pos.Filename))
	for _, s := range e.ExpandedFrom {
		note := &Error{Pos: s.Pos, End: s.EndPos, Msg: "expanded from", Warning: e.Warning}
		note.renderOne(&b, source(s.Pos.Filename))
	}
	return b.String()
}

func (e *Error) renderOne(b *strings.Builder, src string) {
	kind := "ERROR"
	if e.Warning {
		kind = "WARNING"
	}
	if e.Pos.Line == 0 {
		fmt.Fprintf(b, "%s: %s\n", kind, e.Msg)
		return
	}
	fmt.Fprintf(b, "%s: %s: %s\n", e.location(), kind, e.Msg)
	line := sourceLine(src, e.Pos.Line)
	if line == "" && e.Pos.Line == 0 {
		return
	}
	b.WriteString(line)
	b.WriteByte('\n')
	col := e.Pos.Column - 1
	if col < 0 {
		col = 0
	}
	width := 1
	if e.End.Line == e.Pos.Line && e.End.Column > e.Pos.Column {
		width = e.End.Column - e.Pos.Column
	} else if e.End.Line > e.Pos.Line {
		width = len(line) - col
	}
	if width < 1 {
		width = 1
	}
	// Keep tabs so that the marker lines up under tab-indented source.
	for i := 0; i < col && i < len(line); i++ {
		if line[i] == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteByte('^')
	b.WriteString(strings.Repeat("~", width-1))
	b.WriteByte('\n')
}

func sourceLine(src string, n int) string {
	if n < 1 {
		return ""
	}
	for i := 1; i < n; i++ {
		nl := strings.IndexByte(src, '\n')
		if nl < 0 {
			return ""
		}
		src = src[nl+1:]
	}
	if nl := strings.IndexByte(src, '\n'); nl >= 0 {
		src = src[:nl]
	}
	return strings.TrimRight(src, "\r")
}

// ErrorList collects diagnostics. It is an error when it holds at least one
// diagnostic that is not a warning.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var msgs []string
	for _, e := range l {
		if !e.Warning {
			msgs = append(msgs, e.Error())
		}
	}
	return strings.Join(msgs, "\n")
}

// Err returns the list as an error if it holds any error, or nil.
func (l ErrorList) Err() error {
	for _, e := range l {
		if !e.Warning {
			return l
		}
	}
	return nil
}

// Render formats every diagnostic in the list. sources maps file names to
// their text; the empty name is used for a script without a file name.
func Render(err error, sources map[string]string) string {
	var list ErrorList
	var one *Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = ErrorList{one}
	default:
		return "ERROR: " + err.Error() + "\n"
	}
	var b strings.Builder
	for _, e := range list {
		b.WriteString(e.render(func(name string) string { return sources[name] }))
	}
	return b.String()
}

// errorAt makes an error spanning a node.
func errorAt(s Span, format string, args ...any) *Error {
	return &Error{Pos: s.Pos, End: s.EndPos, Msg: fmt.Sprintf(format, args...), ExpandedFrom: s.ExpandedFrom()}
}

// Message and Position make Error a participle.Error, so that errors from
// the expression parser flow through participle unchanged.
func (e *Error) Message() string { return e.Msg }

// Position returns where the error starts.
func (e *Error) Position() Position { return e.Pos }
