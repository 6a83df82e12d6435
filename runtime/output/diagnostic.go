package output

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// Diagnostic is a message a script printed with errorf() or warnf(),
// which points at the call in the script.
type Diagnostic struct {
	// Warning is set for warnf(), clear for errorf().
	Warning bool
	Msg     string
	// Pos and End delimit the call in the script.
	Pos, End lang.Position
	// ExpandedFrom are the macro calls the call was expanded from,
	// innermost first, and Sources the script's files by name: each
	// prints as a note, "expanded from", with its source line.
	ExpandedFrom []lang.Span
	Sources      map[string]string
}

// location returns where the call is, as bpftrace writes it:
// "stdin:1:9-62".
func (d *Diagnostic) location() string {
	e := &lang.Error{Pos: d.Pos, End: d.End, Msg: d.Msg}
	return strings.TrimSuffix(e.Error(), ": "+d.Msg)
}

// Diagnostic writes "LOCATION: ERROR: MSG" (or WARNING) on the standard
// error, as bpftrace does; NoWarnings leaves out warnings.
func (t *Text) Diagnostic(d *Diagnostic) {
	if d.Warning && t.NoWarnings {
		return
	}
	kind := "ERROR"
	if d.Warning {
		kind = "WARNING"
	}
	var w io.Writer = os.Stderr
	if t.Stderr != nil {
		w = t.Stderr
	}
	fmt.Fprintf(w, "%s: %s: %s\n", d.location(), kind, d.Msg)
	for _, s := range d.ExpandedFrom {
		note := &lang.Error{Pos: s.Pos, End: s.EndPos, Msg: "expanded from", Warning: d.Warning}
		io.WriteString(w, note.Render(d.Sources[s.Pos.Filename]))
	}
}

// Diagnostic writes {"type": "errorf", "msg": MSG, "filename": F, "line":
// L, "col": C} ("warnf" for a warning), as the newest bpftrace does.
func (j *JSON) Diagnostic(d *Diagnostic) {
	typ := "errorf"
	if d.Warning {
		typ = "warnf"
	}
	name := d.Pos.Filename
	if name == "" {
		name = "stdin"
	}
	b := fmt.Appendf(nil, `{"type": %q, "msg": `, typ)
	b = appendJSONString(b, d.Msg)
	b = append(b, `, "filename": `...)
	b = appendJSONString(b, name)
	b = fmt.Appendf(b, `, "line": %d, "col": %d}`+"\n", d.Pos.Line, d.Pos.Column)
	j.w.Write(b)
}
