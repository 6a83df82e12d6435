package output

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/lang"
)

// Text writes bpftrace's text output, byte for byte as bpftrace 0.17 does.
type Text struct {
	// NoWarnings leaves out warnings, such as those about failed helper
	// calls, as bpftrace's --no-warnings does in text output.
	NoWarnings bool
	// Stderr receives errorf() and warnf() messages; nil means os.Stderr.
	Stderr io.Writer

	w *bufio.Writer
}

// NewText returns a Text writer writing to w.
func NewText(w io.Writer) *Text {
	return &Text{w: bufio.NewWriterSize(w, 64<<10)}
}

// AttachedProbes writes "Attaching N probes...".
func (t *Text) AttachedProbes(n int) {
	if n == 1 {
		t.w.WriteString("Attaching 1 probe...\n")
		return
	}
	fmt.Fprintf(t.w, "Attaching %d probes...\n", n)
}

// Message writes text as it is; join()'s text gets a newline.
func (t *Text) Message(kind MessageKind, text string) {
	t.w.WriteString(text)
	if kind == Join {
		t.w.WriteByte('\n')
	}
}

// Value writes a value on a line of its own.
func (t *Text) Value(v any) {
	t.w.Write(AppendText(nil, v))
	t.w.WriteByte('\n')
}

// Map writes a map's entries one a line, "@name[key]: value", histograms
// as bar charts, then an empty line; avg and stats maps get a second one.
func (t *Text) Map(m *Map) {
	if m.Kind == MapTSeries {
		t.w.Write(appendTSeriesMap(nil, m))
		return
	}
	var b []byte
	for i, e := range m.Entries {
		if i > 0 {
			b = append(b, '\n')
		}
		b = appendEntryName(b, m, e)
		b = append(b, ": "...)
		if h, ok := e.Value.(*Histogram); ok {
			b = append(b, '\n')
			b = appendBars(b, h)
			continue
		}
		b = AppendText(b, e.Value)
	}
	b = append(b, '\n')
	if m.Kind == MapAvg || m.Kind == MapStats {
		b = append(b, '\n')
	}
	t.w.Write(b)
}

// appendEntryName writes how an entry is named: "@name", or
// "@name[k1, k2]" in a map with keys.
func appendEntryName(b []byte, m *Map, e Entry) []byte {
	b = append(b, m.Name...)
	if !m.Keyed {
		return b
	}
	b = append(b, '[')
	for j, k := range e.Key {
		if j > 0 {
			b = append(b, ", "...)
		}
		b = appendKeyText(b, k)
	}
	return append(b, ']')
}

// End writes the two newlines bpftrace prints when tracing stops.
func (t *Text) End() { t.w.WriteString("\n\n") }

// LostEvents writes "Lost N events".
func (t *Text) LostEvents(n uint64) { fmt.Fprintf(t.w, "Lost %d events\n", n) }

// HelperError writes a warning that points at the call in the script.
func (t *Text) HelperError(e *HelperError) {
	if t.NoWarnings {
		return
	}
	w := &lang.Error{Pos: e.Pos, End: e.End, Msg: e.Message(), Warning: true, ExpandedFrom: e.ExpandedFrom}
	t.w.WriteString(w.Render(e.Source))
}

// Flush writes buffered output.
func (t *Text) Flush() error { return t.w.Flush() }

// AppendText appends a value's text form, as bpftrace prints values in
// maps and print(): integers in decimal, pointers in hexadecimal, strings
// as they are, tuples as (a, b), arrays as [a,b], records as { .f = v }.
func AppendText(b []byte, v any) []byte {
	switch v := v.(type) {
	case int64:
		return strconv.AppendInt(b, v, 10)
	case uint64:
		return strconv.AppendUint(b, v, 10)
	case bool:
		return strconv.AppendBool(b, v)
	case string:
		return append(b, v...)
	case Pointer:
		return strconv.AppendUint(append(b, "0x"...), uint64(v), 16)
	case Enum:
		return append(b, v.String()...)
	case Tuple:
		b = append(b, '(')
		for i, x := range v {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = AppendText(b, x)
		}
		return append(b, ')')
	case Array:
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendText(b, x)
		}
		return append(b, ']')
	case Record:
		if len(v) == 0 {
			return append(b, "{}"...)
		}
		b = append(b, "{ "...)
		for i, f := range v {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, '.')
			b = append(b, f.Name...)
			b = append(b, " = "...)
			b = AppendText(b, f.Value)
		}
		return append(b, " }"...)
	case Stats:
		if v.Unsigned {
			return fmt.Appendf(b, "count %d, average %d, total %d", uint64(v.Count), uint64(v.Average), uint64(v.Total))
		}
		return fmt.Appendf(b, "count %d, average %d, total %d", v.Count, v.Average, v.Total)
	case *Histogram:
		return appendBars(b, v)
	case *TimeSeries:
		return appendTSeries(b, v)
	case Stack:
		return v.appendText(b, valueStackIndent)
	}
	return fmt.Append(b, v)
}

// appendBars writes histogram rows: a 16-column label, an 8-column count
// and a bar of up to 52 '@' scaled to the largest bucket (in single
// precision, as bpftrace computes it).
func appendBars(b []byte, h *Histogram) []byte {
	var max uint64
	for _, bk := range h.Buckets {
		if bk.raw > max {
			max = bk.raw
		}
	}
	for _, bk := range h.Buckets {
		width := int(float32(float32(bk.raw)/float32(max)) * float32(52))
		b = fmt.Appendf(b, "%-16s%8d |%-52s|\n", bk.label, bk.Count, strings.Repeat("@", width))
	}
	return b
}

// strerror describes an errno the way the C library does: "Bad address".
func strerror(errno int64) string {
	msg := unix.Errno(errno).Error()
	if strings.HasPrefix(msg, "errno ") {
		return "Unknown error " + strconv.FormatInt(errno, 10)
	}
	r, n := utf8.DecodeRuneInString(msg)
	return string(unicode.ToUpper(r)) + msg[n:]
}
