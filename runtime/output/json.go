package output

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// JSON writes bpftrace's JSON lines output (-f json): one JSON object a
// line, {"type": ..., "data": ...}, spelled as bpftrace 0.17 spells it.
type JSON struct {
	w *bufio.Writer
}

// NewJSON returns a JSON writer writing to w.
func NewJSON(w io.Writer) *JSON {
	return &JSON{w: bufio.NewWriterSize(w, 64<<10)}
}

// AttachedProbes writes {"type": "attached_probes", "data": {"probes": N}}.
func (j *JSON) AttachedProbes(n int) {
	fmt.Fprintf(j.w, "{\"type\": \"attached_probes\", \"data\": {\"probes\": %d}}\n", n)
}

// Message writes {"type": KIND, "data": TEXT}; system() output has the
// type "syscall", as in bpftrace.
func (j *JSON) Message(kind MessageKind, text string) {
	b := append([]byte(`{"type": "`), jsonType[kind]...)
	b = append(b, `", "data": `...)
	b = appendJSONString(b, text)
	j.w.Write(append(b, "}\n"...))
}

// Value writes {"type": "value", "data": VALUE}.
func (j *JSON) Value(v any) {
	b := AppendJSON([]byte(`{"type": "value", "data": `), v)
	j.w.Write(append(b, "}\n"...))
}

// Map writes {"type": "map", "data": {"@name": VALUE}} for a map without
// keys and {"type": "map", "data": {"@name": {"k1,k2": VALUE, ...}}} for
// one with keys, the type being "hist" for histograms and "stats" for
// avg() and stats(). An empty map writes nothing.
func (j *JSON) Map(m *Map) {
	if len(m.Entries) == 0 {
		return
	}
	typ := "map"
	switch m.Kind {
	case MapHist:
		typ = "hist"
	case MapAvg, MapStats:
		typ = "stats"
	case MapTSeries:
		typ = "tseries"
	}
	b := append([]byte(`{"type": "`), typ...)
	b = append(b, `", "data": `...)
	b = append(b, '{')
	b = appendJSONString(b, m.Name)
	b = append(b, ": "...)
	if !m.Keyed {
		b = AppendJSON(b, m.Entries[0].Value)
	} else {
		b = append(b, '{')
		for i, e := range m.Entries {
			if i > 0 {
				b = append(b, ", "...)
			}
			// The key is its values' text joined by commas.
			var key []byte
			for k, v := range e.Key {
				if k > 0 {
					key = append(key, ',')
				}
				key = appendKeyText(key, v)
			}
			b = appendJSONString(b, string(key))
			b = append(b, ": "...)
			b = AppendJSON(b, e.Value)
		}
		b = append(b, '}')
	}
	j.w.Write(append(b, "}}\n"...))
}

// End writes nothing, so that every line is a JSON object, as in newer
// bpftrace (0.17 writes the text format's two empty lines here).
func (j *JSON) End() {}

// LostEvents writes {"type": "lost_events", "data": {"events": N}}.
func (j *JSON) LostEvents(n uint64) {
	fmt.Fprintf(j.w, "{\"type\": \"lost_events\", \"data\": {\"events\": %d}}\n", n)
}

// HelperError writes {"type": "helper_error", "helper": NAME, "retcode":
// N, "line": L, "col": C}.
func (j *JSON) HelperError(e *HelperError) {
	if e.Msg != "" {
		// Any other runtime error: {"type": "runtime_error", "msg": ...}.
		b := appendJSONString([]byte(`{"type": "runtime_error", "msg": `), e.Msg)
		b = fmt.Appendf(b, `, "line": %d, "col": %d}`+"\n", e.Pos.Line, e.Pos.Column)
		j.w.Write(b)
		return
	}
	b := appendJSONString([]byte(`{"type": "helper_error", "helper": `), e.Helper)
	b = fmt.Appendf(b, `, "retcode": %d, "line": %d, "col": %d}`+"\n", e.Retcode, e.Pos.Line, e.Pos.Column)
	j.w.Write(b)
}

// Flush writes buffered output.
func (j *JSON) Flush() error { return j.w.Flush() }

// AppendJSON appends a value in bpftrace's JSON form: integers and
// pointers as numbers, strings quoted, tuples and arrays as JSON arrays,
// records as objects, stats as {"count": C, "average": A, "total": T},
// histograms as arrays of {"min": L, "max": H, "count": N} buckets (the
// first bucket may lack "min" and the last "max").
func AppendJSON(b []byte, v any) []byte {
	switch v := v.(type) {
	case int64:
		return strconv.AppendInt(b, v, 10)
	case uint64:
		return strconv.AppendUint(b, v, 10)
	case bool:
		return strconv.AppendBool(b, v)
	case string:
		return appendJSONString(b, v)
	case Stack:
		return appendJSONString(b, string(v.appendText(nil, valueStackIndent)))
	case Pointer:
		return strconv.AppendUint(b, uint64(v), 10)
	case Enum:
		return strconv.AppendUint(b, v.Bits, 10)
	case Tuple:
		return appendJSONList(b, v)
	case Array:
		return appendJSONList(b, v)
	case Record:
		if len(v) == 0 {
			return append(b, "{}"...)
		}
		b = append(b, "{ "...)
		for i, f := range v {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendJSONString(b, f.Name)
			b = append(b, ": "...)
			b = AppendJSON(b, f.Value)
		}
		return append(b, " }"...)
	case Stats:
		if v.Unsigned {
			return fmt.Appendf(b, `{"count": %d, "average": %d, "total": %d}`, uint64(v.Count), uint64(v.Average), uint64(v.Total))
		}
		return fmt.Appendf(b, `{"count": %d, "average": %d, "total": %d}`, v.Count, v.Average, v.Total)
	case *Histogram:
		b = append(b, '[')
		for i, bk := range v.Buckets {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, '{')
			if !bk.Below {
				b = fmt.Appendf(b, `"min": %d, `, bk.Min)
			}
			if !bk.Above {
				b = fmt.Appendf(b, `"max": %d, `, bk.Max)
			}
			b = fmt.Appendf(b, `"count": %d}`, bk.Count)
		}
		return append(b, ']')
	case *TimeSeries:
		return appendTSeriesJSON(b, v)
	}
	return appendJSONString(b, fmt.Sprint(v))
}

func appendJSONList(b []byte, vs []any) []byte {
	b = append(b, '[')
	for i, x := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSON(b, x)
	}
	return append(b, ']')
}

// appendJSONString quotes a string as bpftrace does: ", \, newline,
// carriage return and tab escaped by name, other control characters as
// \u00XX, everything else (UTF-8 included) as it is.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}
