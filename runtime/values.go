package runtime

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime/output"
)

// Decoding raw bytes into Go values. Layouts are the ones codegen writes:
// integers little-endian in their type's size, strings NUL terminated
// within their capacity, tuples field by field.

// decoder turns raw values into output values. It knows the probe names,
// for the probe builtin.
type decoder struct {
	probeNames []string
	// syms names stacks and symbols (stacks.go).
	syms *symbolizer
	// render renders buffers, timestamps, addresses... (values_fmt.go).
	render *renderer
	// trailer is str_trunc_trailer: what a truncated string ends with.
	trailer string
}

// intValue reads an integer of type t: int64 when signed, uint64 when not.
func intValue(t *lang.Type, b []byte) any {
	var u uint64
	switch t.Size {
	case 1:
		u = uint64(b[0])
	case 2:
		u = uint64(binary.LittleEndian.Uint16(b))
	case 4:
		u = uint64(binary.LittleEndian.Uint32(b))
	default:
		u = binary.LittleEndian.Uint64(b)
	}
	if t.Signed {
		shift := 64 - 8*uint(t.Size)
		return int64(u<<shift) >> shift
	}
	return u
}

// enumValue reads an integer of an enum type: its value and the name of
// its enumerator, if any.
func enumValue(t *lang.Type, b []byte) output.Enum {
	v := intValue(t, b)
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case uint64:
		n = int64(x)
	}
	bits := uint64(n)
	if t.Size < 8 {
		bits &= 1<<(8*uint(t.Size)) - 1
	}
	name, _ := t.Enum.NameOf(n, t.Size)
	return output.Enum{Name: name, Value: v, Bits: bits}
}

// cString returns the text of a NUL-terminated string buffer.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// str returns the text of a string of type t. A string that fills its
// whole capacity, with no NUL, was truncated (str() reads one byte more
// than it keeps): it ends with the trailer, as in the newest bpftrace.
func (d *decoder) str(t *lang.Type, b []byte) string {
	b = b[:t.Size]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b) + d.trailer
}

// printfArg decodes a value for printf: integers, strings, bools and
// addresses as themselves, everything else as its text.
func (d *decoder) printfArg(t *lang.Type, b []byte) any {
	switch t.Kind {
	case lang.KindInt:
		if t.Enum != nil {
			return enumValue(t, b)
		}
		return intValue(t, b)
	case lang.KindBool:
		return b[0] != 0
	case lang.KindString:
		return d.str(t, b)
	case lang.KindPointer:
		return binary.LittleEndian.Uint64(b)
	case lang.KindBuffer:
		return bufferBytes(t, b)
	}
	return textValue(output.AppendText(nil, d.decode(t, b)))
}

// textValue is an already rendered value.
type textValue string

func (t textValue) String() string { return string(t) }

// decode turns a value of type t into its Go form (see package output).
func (d *decoder) decode(t *lang.Type, b []byte) any {
	switch t.Kind {
	case lang.KindInt:
		if t.Enum != nil {
			return enumValue(t, b)
		}
		return intValue(t, b)
	case lang.KindBool:
		return b[0] != 0
	case lang.KindString:
		return d.str(t, b)
	case lang.KindPointer:
		return output.Pointer(binary.LittleEndian.Uint64(b))
	case lang.KindProbe:
		id := binary.LittleEndian.Uint64(b)
		if id < uint64(len(d.probeNames)) {
			return d.probeNames[id]
		}
		return "?"
	case lang.KindStack:
		return d.syms.stack(t, b)
	case lang.KindSymbol:
		return d.syms.symbol(t, b)
	case lang.KindBuffer, lang.KindText:
		return d.render.decode(t, b)
	case lang.KindTuple:
		if len(t.Fields) > 0 && t.Fields[0].Name != "" {
			// A record: a tuple with named fields prints like a struct.
			rec := make(output.Record, len(t.Fields))
			for i, f := range t.Fields {
				rec[i] = output.Field{Name: f.Name, Value: d.decode(f.Type, b[f.Offset:])}
			}
			return rec
		}
		tup := make(output.Tuple, len(t.Fields))
		for i, f := range t.Fields {
			tup[i] = d.decode(f.Type, b[f.Offset:])
		}
		return tup
	case lang.KindArray:
		arr := make(output.Array, t.Len)
		for i := range arr {
			arr[i] = d.decode(t.Elem, b[i*t.Elem.Size:])
		}
		return arr
	case lang.KindStruct:
		rec := make(output.Record, len(t.Fields))
		for i, f := range t.Fields {
			v := b[f.Offset:]
			if f.Bitfield != nil {
				v = bitfieldBytes(f, v)
			}
			rec[i] = output.Field{Name: f.Name, Value: d.decode(f.Type, v)}
		}
		return rec
	}
	return "?"
}

// decodeKey decodes a map key into the values of its fields.
func (d *decoder) decodeKey(info *lang.MapInfo, key []byte) []any {
	if info.Key == nil {
		return nil
	}
	vals := make([]any, len(info.Key.Fields))
	for i, f := range info.Key.Fields {
		vals[i] = d.decode(f.Type, key[f.Offset:])
	}
	return vals
}

// bitfieldBytes extracts a bitfield and returns it as the little-endian
// bytes of its (integer) type.
func bitfieldBytes(f lang.Field, b []byte) []byte {
	bf := f.Bitfield
	var raw [8]byte
	copy(raw[:bf.LoadSize], b)
	v := binary.LittleEndian.Uint64(raw[:]) >> bf.Shift
	if bf.Bits < 64 {
		v &= 1<<bf.Bits - 1
		if f.Type.Signed && v>>(bf.Bits-1) != 0 {
			v |= ^uint64(0) << bf.Bits
		}
	}
	out := make([]byte, 8)
	binary.LittleEndian.PutUint64(out, v)
	return out
}

// compareKeys orders two keys of type t field by field: integers by
// value, strings bytewise.
func compareKeys(t *lang.Type, a, b []byte) int {
	switch t.Kind {
	case lang.KindInt:
		switch x := intValue(t, a).(type) {
		case int64:
			y := intValue(t, b).(int64)
			return cmp3(x < y, x > y)
		case uint64:
			y := intValue(t, b).(uint64)
			return cmp3(x < y, x > y)
		}
	case lang.KindString:
		return strings.Compare(cString(a[:t.Size]), cString(b[:t.Size]))
	case lang.KindTuple:
		for _, f := range t.Fields {
			if c := compareKeys(f.Type, a[f.Offset:], b[f.Offset:]); c != 0 {
				return c
			}
		}
		return 0
	}
	return bytes.Compare(a[:t.Size], b[:t.Size])
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}
