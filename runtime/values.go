package runtime

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// Decoding raw bytes into Go values and text. Layouts are the ones codegen
// writes: integers little-endian in their type's size, strings NUL
// terminated within their capacity, tuples field by field.

// decoder turns raw values into printable values. It knows the probe
// names, for the probe builtin.
type decoder struct {
	probeNames []string
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

// cString returns the text of a NUL-terminated string buffer.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// value decodes a value for printf: integers, strings, bools, and a
// Stringer for everything else.
func (d *decoder) value(t *lang.Type, b []byte) any {
	switch t.Kind {
	case lang.KindInt:
		return intValue(t, b)
	case lang.KindBool:
		return b[0] != 0
	case lang.KindString:
		return cString(b[:t.Size])
	case lang.KindPointer:
		return binary.LittleEndian.Uint64(b)
	}
	return textValue(d.text(t, b))
}

// textValue is an already rendered value.
type textValue string

func (t textValue) String() string { return string(t) }

// text renders a value the way bpftrace prints it in maps and print().
func (d *decoder) text(t *lang.Type, b []byte) string {
	switch t.Kind {
	case lang.KindInt:
		switch v := intValue(t, b).(type) {
		case int64:
			return strconv.FormatInt(v, 10)
		case uint64:
			return strconv.FormatUint(v, 10)
		}
	case lang.KindBool:
		if b[0] != 0 {
			return "true"
		}
		return "false"
	case lang.KindString:
		return cString(b[:t.Size])
	case lang.KindPointer:
		return "0x" + strconv.FormatUint(binary.LittleEndian.Uint64(b), 16)
	case lang.KindProbe:
		id := binary.LittleEndian.Uint64(b)
		if id < uint64(len(d.probeNames)) {
			return d.probeNames[id]
		}
		return "?"
	case lang.KindTuple:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = d.text(f.Type, b[f.Offset:])
		}
		return "(" + strings.Join(parts, ", ") + ")"
	case lang.KindArray:
		parts := make([]string, t.Len)
		for i := range parts {
			parts[i] = d.text(t.Elem, b[i*t.Elem.Size:])
		}
		return "[" + strings.Join(parts, ",") + "]"
	case lang.KindStruct:
		if len(t.Fields) == 0 {
			return "{}"
		}
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			v := b[f.Offset:]
			if f.Bitfield != nil {
				v = bitfieldBytes(f, v)
			}
			parts[i] = "." + f.Name + " = " + d.text(f.Type, v)
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return "?"
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
