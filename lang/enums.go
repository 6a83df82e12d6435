package lang

import (
	"strconv"

	cbtf "github.com/cilium/ebpf/btf"
)

// Enum types. As in the newest bpftrace, an integer whose type is an enum
// (an enumerator of a script or kernel enum, a variable, map key or value
// holding one, a cast `(enum E)x`, a struct member of enum type) prints by
// name: with printf's %s, with print() and in maps. Its %d is the number,
// and so is its JSON. Arithmetic makes a plain integer, and a map or
// variable that holds values of two types keeps the number.

// EnumType is the enum an integer type stands for: its name and its
// enumerators, by value.
type EnumType struct {
	// Name is "enum Name", or for an anonymous enum "enum <anon FIRST>",
	// after its first enumerator.
	Name  string
	names map[int64]string
}

// newEnum returns an empty enum named name ("enum E").
func newEnum(name string) *EnumType {
	return &EnumType{Name: name, names: map[int64]string{}}
}

// add records an enumerator. Of enumerators with the same value, the last
// names it, as in bpftrace.
func (e *EnumType) add(name string, value int64) {
	e.names[value] = name
}

// NameOf returns the name of the enumerator with value v, read from a
// value of size bytes (which may have sign-extended or truncated it), and
// whether there is one.
func (e *EnumType) NameOf(v int64, size int) (string, bool) {
	if e == nil {
		return "", false
	}
	if n, ok := e.names[v]; ok {
		return n, true
	}
	if size > 0 && size < 8 {
		shift := 64 - 8*uint(size)
		if n, ok := e.names[int64(uint64(v)<<shift>>shift)]; ok {
			return n, true
		}
		if n, ok := e.names[v<<shift>>shift]; ok {
			return n, true
		}
	}
	return "", false
}

// sameEnum reports whether two integer types stand for the same enum (or
// neither for one).
func sameEnum(a, b *EnumType) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a == b || a.Name == b.Name
}

// enumFromBTF returns the enum type of a kernel enum.
func enumFromBTF(t *cbtf.Enum) *EnumType {
	name := "enum " + t.Name
	if t.Name == "" {
		first := ""
		if len(t.Values) > 0 {
			first = t.Values[0].Name
		}
		name = "enum <anon " + first + ">"
	}
	e := newEnum(name)
	for _, v := range t.Values {
		n := int64(v.Value)
		if t.Signed && t.Size > 0 && t.Size < 8 {
			shift := 64 - 8*uint(t.Size)
			n = n << shift >> shift
		}
		e.add(v.Name, n)
	}
	return e
}

// withEnum returns the integer type t standing for enum e.
func withEnum(t *Type, e *EnumType) *Type {
	if e != nil {
		t.Enum = e
	}
	return t
}

// plainInt returns t without its enum: the type of a map or variable
// that holds values of different enums, or of an enum and a plain integer.
func plainInt(t *Type) *Type {
	if t.Enum == nil {
		return t
	}
	u := *t
	u.Enum = nil
	return &u
}

// checkEnumCast rejects a cast of a constant to an enum that has no
// enumerator of that value, as the newest bpftrace does:
// `(enum E)100` when E has no enumerator 100.
func (c *checker) checkEnumCast(e *Cast, to *Type) {
	if to.Enum == nil || to.Kind != KindInt {
		return
	}
	v, ok := c.constInt(e.X)
	if !ok {
		return
	}
	if _, ok := to.Enum.NameOf(v, 8); !ok {
		name := to.Enum.Name[len("enum "):]
		c.errorf(e, "Enum: %s doesn't contain a variant value of %s", name, strconv.FormatInt(v, 10))
	}
}
