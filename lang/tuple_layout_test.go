package lang

import "testing"

// TestTupleLayout checks tuple sizes and offsets against the newest
// bpftrace's (tests/runtime/tuples: tuple struct sizing, complex tuple).
func TestTupleLayout(t *testing.T) {
	i8, i16, i32, i64 := IntType(8, true), IntType(16, true), IntType(32, true), IntType(64, true)
	cases := []struct {
		elems   []*Type
		size    int
		offsets []int
	}{
		{[]*Type{i8, i64, i8, i64}, 32, []int{0, 8, 16, 24}},
		{[]*Type{i8, i16, i32}, 8, []int{0, 2, 4}},
		{[]*Type{i32, i16, i8}, 8, []int{0, 4, 6}},
		{[]*Type{i8, i8, StringType(7), i8, i32, i64, i8, i16, StringType(4)}, 32, []int{0, 1, 2, 9, 12, 16, 24, 26, 28}},
		{[]*Type{i8, i8, StringType(7), i64, i32, i64, i8, i16, StringType(4)}, 48, []int{0, 1, 2, 16, 24, 32, 40, 42, 44}},
		{[]*Type{i32, {Kind: KindArray, Elem: i32, Len: 4, Size: 16}}, 20, []int{0, 4}},
		{[]*Type{i8, TupleType([]*Type{i8, i8})}, 3, []int{0, 1}},
		{[]*Type{i8, TupleType([]*Type{i16, i8})}, 6, []int{0, 2}},
		{[]*Type{i8, TypeBool, StringType(3)}, 5, []int{0, 1, 2}},
		{[]*Type{i8, SymbolType(AddrUser), i8}, 18, []int{0, 1, 17}},
		{[]*Type{i8, SymbolType(AddrKernel)}, 16, []int{0, 8}},
		{[]*Type{i8, BufferType(3), i8}, 13, []int{0, 1, 12}},
		{nil, 0, nil},
	}
	for _, c := range cases {
		tt := TupleType(c.elems)
		if tt.Size != c.size {
			t.Errorf("%s: size %d, want %d", tt, tt.Size, c.size)
		}
		for i, f := range tt.Fields {
			if f.Offset != c.offsets[i] {
				t.Errorf("%s: field %d at %d, want %d", tt, i, f.Offset, c.offsets[i])
			}
		}
	}
}

// TestTupleStorage checks that a tuple stored in a variable or a map keeps
// its integers' widths, as in the newest bpftrace.
func TestTupleStorage(t *testing.T) {
	src := `BEGIN { $t = ((int8)1, (int16)1, (int32)1); @m = $t; @l = (1, (int8)2); }`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
		t.Fatal(Render(err, map[string]string{"": src}))
	}
	if v := prog.Maps["@m"].Value; v.Size != 8 || v.String() != "(int8,int16,int32)" {
		t.Errorf("@m's value is %v (%d bytes), want (int8,int16,int32) (8 bytes)", v, v.Size)
	}
	if v := prog.Maps["@l"].Value; v.Size != 16 || v.String() != "(int64,int8)" {
		t.Errorf("@l's value is %v (%d bytes), want (int64,int8) (16 bytes)", v, v.Size)
	}
}
