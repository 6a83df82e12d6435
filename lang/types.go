package lang

import (
	"fmt"
	"sort"
	"strings"

	cbtf "github.com/cilium/ebpf/btf"
)

// Kind classifies a Type.
type Kind uint8

// The kinds of values a script computes with.
const (
	KindNone    Kind = iota // no value: the result of printf(), exit(), ...
	KindInt                 // an integer of 8, 16, 32 or 64 bits
	KindBool                // true or false, one byte
	KindString              // a NUL-terminated string of fixed capacity
	KindTuple               // an ordered list of fields
	KindPointer             // an address with a pointee type
	KindArray               // a fixed number of elements
	KindAgg                 // the value of an aggregating map (count(), hist(), ...)
	KindStruct              // a C struct or union: tracepoint args, kernel types
	KindProbe               // the probe builtin: an id that names the probe
	KindStack               // kstack, ustack: a stack id, frames read and named in user space
	KindSymbol              // ksym(), func: an address printed as the symbol it falls in
	KindBuffer              // buf(): a length and up to Len bytes, printed hex-escaped
	KindText                // strftime(), ntop(), username...: data user space renders as text
)

// AggKind names the aggregation a map value accumulates.
type AggKind uint8

// Aggregations, in the order bpftrace documents them.
const (
	AggNone AggKind = iota
	AggCount
	AggSum
	AggMin
	AggMax
	AggAvg
	AggStats
	AggHist
	AggLhist
	AggTSeries
)

var aggNames = [...]string{"", "count", "sum", "min", "max", "avg", "stats", "hist", "lhist", "tseries"}

func (a AggKind) String() string { return aggNames[a] }

// AddrSpace says which address space a pointer points into.
type AddrSpace uint8

// Address spaces.
const (
	AddrNone AddrSpace = iota
	AddrKernel
	AddrUser
	// AddrCtx points into the program's context: loads are direct.
	AddrCtx
)

// Field is one element of a tuple or member of a struct.
type Field struct {
	Name   string // empty for tuple elements
	Type   *Type
	Offset int
	// Bitfield says how to extract a bitfield member, nil otherwise.
	Bitfield *Bitfield
}

// Bitfield describes how to read a bitfield: load LoadSize bytes at the
// field's offset, shift right by Shift, keep Bits bits (sign-extended when
// the field's type is signed).
type Bitfield struct {
	LoadSize int
	Shift    int
	Bits     int
}

// Type is the static type of a value.
type Type struct {
	Kind   Kind
	Bits   int  // KindInt: 8, 16, 32 or 64
	Signed bool // KindInt
	Size   int  // bytes this value occupies in memory
	Fields []Field
	Elem   *Type // KindPointer, KindArray
	Len    int   // KindArray
	Agg    AggKind
	// Signed aggregation (sum/min/max of a signed integer).
	AggSigned bool
	Space     AddrSpace
	// Literal marks an integer literal whose type may still widen.
	Literal bool
	// Name of a struct ("struct _tracepoint_sched_sched_switch").
	Name string
	// DataLoc marks a tracepoint __data_loc string: the field holds a
	// 32-bit locator (offset in the low 16 bits) of the text in the record.
	DataLoc bool
	// BTF is the kernel type of a struct or union; its members are looked
	// up on demand and Fields is filled only when the whole value is needed.
	BTF cbtf.Type
	// Stack describes a KindStack value (funcs_stack.go).
	Stack *StackSpec
	// Render says how a KindText value prints (types_rendered.go).
	Render Rendering
	// Clock is the clock an integer from nsecs(clock) counts on ("tai",
	// "monotonic", ...; "" for boot time): strftime() needs it, also when
	// the value went through a variable or map.
	Clock string
	// Enum is set on an integer of an enum type (an enumerator, a variable
	// or map holding one, a cast to an enum, a member of enum type): user
	// space prints it by name (enums.go).
	Enum *EnumType
}

// Common types.
var (
	TypeNone   = &Type{Kind: KindNone}
	TypeBool   = &Type{Kind: KindBool, Size: 1}
	TypeInt64  = IntType(64, true)
	TypeUint64 = IntType(64, false)
)

// IntType returns the integer type of the given width and signedness.
func IntType(bits int, signed bool) *Type {
	return &Type{Kind: KindInt, Bits: bits, Signed: signed, Size: bits / 8}
}

// StringType returns a string type with capacity n bytes (NUL included).
func StringType(n int) *Type {
	return &Type{Kind: KindString, Size: n}
}

// TupleType lays out a tuple of the given element types as the newest
// bpftrace does (its Struct::CreateRecord): like a C struct, each field at
// the next offset that is a multiple of its alignment (Align), the whole
// padded to a multiple of the largest alignment. ((int8)1, (int16)1,
// (int32)1) is 8 bytes, (int32, int16, int8) too, (int8, int64, int8,
// int64) 32.
func TupleType(elems []*Type) *Type {
	t := &Type{Kind: KindTuple}
	off, align := 0, 1
	for _, e := range elems {
		a := e.Align()
		align = max(align, a)
		off = (off + a - 1) / a * a
		t.Fields = append(t.Fields, Field{Type: e, Offset: off})
		off += e.Size
	}
	t.Size = (off + align - 1) / align * align
	return t
}

// RecordType lays out a record: a tuple whose fields are named, ordered by
// name so that records written in any order have the same type.
func RecordType(names []string, elems []*Type) *Type {
	idx := make([]int, len(names))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return names[idx[a]] < names[idx[b]] })
	sorted := make([]*Type, len(elems))
	for i, j := range idx {
		sorted[i] = elems[j]
	}
	t := TupleType(sorted)
	for i, j := range idx {
		t.Fields[i].Name = names[j]
	}
	return t
}

// AggType returns the map value type of an aggregation.
func AggType(a AggKind, signed bool) *Type {
	t := &Type{Kind: KindAgg, Agg: a, AggSigned: signed, Size: 8}
	switch a {
	case AggSum, AggMin, AggMax, AggAvg, AggStats:
		t.Size = 16
	case AggTSeries:
		t.Size = TSeriesValueSize
	}
	return t
}

// Align returns the alignment of the type in memory, and of a field of its
// type in a tuple or record, by the newest bpftrace's rule
// (SizedType::GetInTupleAlignment): an integer its size; strings and the
// values bpftrace keeps as byte arrays (buffers, strftime(), ntop(),
// macaddr(), cgroup_path(), usym()) 1; an array of one or two bytes its
// size, another its element's; a tuple, record or struct its largest
// field's (a packed struct 1); anything else 8.
func (t *Type) Align() int {
	switch t.Kind {
	case KindInt:
		return max(t.Size, 1)
	case KindBool, KindString, KindNone, KindBuffer, KindText:
		return 1
	case KindSymbol:
		if t.Size > 8 {
			// A user symbol (its address and pid; a tuple's copy no
			// longer says AddrUser): bpftrace's usym_t byte array.
			return 1
		}
	case KindArray:
		if t.Size == 1 || t.Size == 2 {
			return t.Size
		}
		return t.Elem.Align()
	case KindTuple:
		a := 1
		for _, f := range t.Fields {
			if fa := f.Type.Align(); fa > a {
				a = fa
			}
		}
		return a
	case KindStruct:
		return structAlign(t)
	}
	return 8
}

// structAlign is the alignment of a struct or union: a kernel one's from
// its BTF, a script one's the largest of its members' (1 when a member is
// not at a multiple of its alignment, or the size not a multiple of the
// result: a packed struct).
func structAlign(t *Type) int {
	if t.BTF != nil {
		return btfAlign(t.BTF, 0)
	}
	if len(t.Fields) == 0 {
		return 8
	}
	a := 1
	for _, f := range t.Fields {
		ft := f.Type
		for ft.Kind == KindArray {
			// C's rule, not the tuple one: char[2] is 1-aligned.
			ft = ft.Elem
		}
		fa := ft.Align()
		if f.Bitfield == nil && f.Offset%fa != 0 {
			return 1
		}
		a = max(a, fa)
	}
	if t.Size%a != 0 {
		return 1
	}
	return a
}

// IsInt reports whether t is an integer type.
func (t *Type) IsInt() bool { return t.Kind == KindInt }

// IsScalar reports whether the value fits in a register.
func (t *Type) IsScalar() bool {
	switch t.Kind {
	case KindInt, KindBool, KindPointer:
		return true
	}
	return false
}

// Equal reports whether two types are identical.
func (t *Type) Equal(u *Type) bool {
	if t == u {
		return true
	}
	if t == nil || u == nil || t.Kind != u.Kind {
		return false
	}
	switch t.Kind {
	case KindInt:
		return t.Bits == u.Bits && t.Signed == u.Signed
	case KindString:
		return true
	case KindTuple:
		if len(t.Fields) != len(u.Fields) {
			return false
		}
		for i := range t.Fields {
			if !t.Fields[i].Type.Equal(u.Fields[i].Type) || t.Fields[i].Name != u.Fields[i].Name {
				return false
			}
		}
		return true
	case KindPointer:
		return t.Elem.Equal(u.Elem)
	case KindArray:
		return t.Len == u.Len && t.Elem.Equal(u.Elem)
	case KindAgg:
		return t.Agg == u.Agg
	case KindStruct:
		return t.Name == u.Name && t.Size == u.Size
	case KindStack:
		return *t.Stack == *u.Stack
	case KindSymbol:
		return t.Space == u.Space
	case KindText:
		return t.Render == u.Render
	}
	return true
}

// IsRecord reports whether t is a record: a tuple with named fields.
func (t *Type) IsRecord() bool {
	return t.Kind == KindTuple && len(t.Fields) > 0 && t.Fields[0].Name != ""
}

// FieldByName returns the field of a struct or tuple with the given name.
func (t *Type) FieldByName(name string) (Field, bool) {
	for _, f := range t.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// WithSpace returns t marked as living in (or, for a pointer, pointing
// into) the given address space.
func (t *Type) WithSpace(space AddrSpace) *Type {
	if t.Space == space {
		return t
	}
	u := *t
	u.Space = space
	return &u
}

// PointerTo returns a pointer to elem in the given address space.
func PointerTo(elem *Type, space AddrSpace) *Type {
	return &Type{Kind: KindPointer, Elem: elem, Size: 8, Space: space}
}

// String spells the type the way bpftrace's messages do.
func (t *Type) String() string {
	if t == nil {
		return "none"
	}
	switch t.Kind {
	case KindNone:
		return "none"
	case KindInt:
		if t.Signed {
			return fmt.Sprintf("int%d", t.Bits)
		}
		return fmt.Sprintf("uint%d", t.Bits)
	case KindBool:
		return "bool"
	case KindString:
		return fmt.Sprintf("string[%d]", t.Size)
	case KindTuple:
		var parts []string
		for _, f := range t.Fields {
			if f.Name != "" {
				parts = append(parts, f.Name+"="+f.Type.String())
			} else {
				parts = append(parts, f.Type.String())
			}
		}
		return "(" + strings.Join(parts, ",") + ")"
	case KindPointer:
		return t.Elem.String() + " *"
	case KindArray:
		return fmt.Sprintf("%s[%d]", t.Elem.String(), t.Len)
	case KindAgg:
		return t.Agg.String()
	case KindStruct:
		return t.Name
	case KindProbe:
		return "probe"
	case KindStack:
		return t.Stack.String()
	case KindSymbol:
		if t.Space == AddrUser {
			return "usym"
		}
		return "ksym"
	case KindBuffer:
		return fmt.Sprintf("buffer[%d]", t.Len)
	case KindText:
		return t.Render.String()
	}
	return "?"
}
