package lang

import (
	"debug/dwarf"
	"testing"
)

// dwarfInt is a DWARF base type.
func dwarfInt[T any, P interface {
	*T
	dwarf.Type
	Basic() *dwarf.BasicType
}](name string, size int64) P {
	t := P(new(T))
	b := t.Basic()
	b.Name, b.ByteSize = name, size
	return t
}

func TestDWARFTypeName(t *testing.T) {
	char := dwarfInt[dwarf.CharType]("char", 1)
	point := &dwarf.StructType{StructName: "point", Kind: "struct"}
	ptr := func(t dwarf.Type) dwarf.Type { return &dwarf.PtrType{Type: t} }
	qual := func(q string, t dwarf.Type) dwarf.Type { return &dwarf.QualType{Qual: q, Type: t} }
	cases := []struct {
		t    dwarf.Type
		want string
	}{
		{dwarfInt[dwarf.IntType]("int", 4), "int"},
		{&dwarf.TypedefType{CommonType: dwarf.CommonType{Name: "uint64_t"}, Type: dwarfInt[dwarf.UintType]("long unsigned int", 8)}, "uint64_t"},
		{ptr(point), "struct point*"},
		{ptr(qual("const", char)), "const char*"},
		{qual("const", ptr(char)), "char* const"},
		{ptr(ptr(char)), "char**"},
		{ptr(&dwarf.VoidType{}), "void*"},
		{&dwarf.StructType{Kind: "union"}, "union <anonymous>"},
		{&dwarf.EnumType{EnumName: "color"}, "enum color"},
		{qual("volatile", dwarfInt[dwarf.IntType]("int", 4)), "<unknown type>"},
		{ptr(&dwarf.FuncType{}), "<unknown type>*"},
	}
	for _, c := range cases {
		if got := dwarfTypeName(c.t); got != c.want {
			t.Errorf("dwarfTypeName(%v) = %q, want %q", c.t, got, c.want)
		}
	}
}

// DWARF structs become structs as kernel ones do: char arrays are
// strings, anonymous members lend theirs, bitfields are read from the
// smallest aligned load, in both DWARF 4 (DW_AT_bit_offset) and DWARF 5
// (DW_AT_data_bit_offset) layouts, and a struct that points to itself is
// one Type.
func TestDWARFStruct(t *testing.T) {
	u32 := dwarfInt[dwarf.UintType]("unsigned int", 4)
	i32 := dwarfInt[dwarf.IntType]("int", 4)
	char := dwarfInt[dwarf.CharType]("char", 1)
	node := &dwarf.StructType{StructName: "node", Kind: "struct", CommonType: dwarf.CommonType{ByteSize: 40}}
	anon := &dwarf.StructType{Kind: "union", CommonType: dwarf.CommonType{ByteSize: 4}, Field: []*dwarf.StructField{
		{Name: "i", Type: i32}, {Name: "u", Type: u32},
	}}
	node.Field = []*dwarf.StructField{
		{Name: "id", Type: i32, ByteOffset: 0},
		{Type: anon, ByteOffset: 4},
		{Name: "name", Type: &dwarf.ArrayType{Type: char, Count: 8}, ByteOffset: 8},
		{Name: "next", Type: &dwarf.PtrType{Type: node}, ByteOffset: 16},
		// DWARF 5: 5 bits at bit 192; DWARF 4: 11 bits after them.
		{Name: "a", Type: i32, DataBitOffset: 192, BitSize: 5},
		{Name: "b", Type: u32, ByteOffset: 24, ByteSize: 4, BitOffset: 32 - 5 - 11, BitSize: 11},
		// DWARF 4 with a bit offset of 0: the most significant bits.
		{Name: "c", Type: u32, ByteOffset: 28, ByteSize: 4, BitOffset: 0, BitSize: 8},
	}
	conv := dwarfConverter{space: AddrUser, seen: map[dwarf.Type]*Type{}}
	st := conv.convert(&dwarf.PtrType{Type: node}).Elem
	if st.Kind != KindStruct || st.Name != "struct node" || st.Size != 40 || st.Space != AddrUser {
		t.Fatalf("struct node: %+v", st)
	}
	// bit is where each member starts, in bits; width is a bitfield's.
	want := []struct {
		name       string
		bit        int
		kind       Kind
		bitfieldOf int
	}{
		{"id", 0, KindInt, 0}, {"i", 32, KindInt, 0}, {"u", 32, KindInt, 0},
		{"name", 64, KindString, 0}, {"next", 128, KindPointer, 0},
		{"a", 192, KindInt, 5}, {"b", 197, KindInt, 11}, {"c", 248, KindInt, 8},
	}
	if len(st.Fields) != len(want) {
		t.Fatalf("fields %+v", st.Fields)
	}
	for i, w := range want {
		f := st.Fields[i]
		bit, width := f.Offset*8, 0
		if f.Bitfield != nil {
			bit, width = bit+f.Bitfield.Shift, f.Bitfield.Bits
		}
		if f.Name != w.name || bit != w.bit || width != w.bitfieldOf || f.Type.Kind != w.kind {
			t.Errorf("field %d: %s at bit %d width %d (%v), want %+v", i, f.Name, bit, width, f.Type, w)
		}
	}
	if next := st.Fields[4].Type; next.Elem != st {
		t.Errorf("next points to %p, want the struct itself %p", next.Elem, st)
	}
}

func TestUprobeSourceLocationSplit(t *testing.T) {
	cases := []struct {
		parts        []string
		target, file string
		ok           bool
	}{
		{[]string{"/bin/app@app.c", "12"}, "/bin/app", "app.c", true},
		{[]string{"./app@src/app.c", "12", "3"}, "./app", "src/app.c", true},
		{[]string{"@app.c", "12"}, "", "app.c", true},
		{[]string{"/bin/app", "main"}, "", "", false},
	}
	for _, c := range cases {
		target, file, ok := splitSourceLocation(noBinaries{}, c.parts)
		if target != c.target || file != c.file || ok != c.ok {
			t.Errorf("%q: %q %q %v, want %q %q %v", c.parts, target, file, ok, c.target, c.file, c.ok)
		}
	}
}
