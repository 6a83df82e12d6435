package btf

import (
	"errors"
	"slices"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// outerStruct is
//
//	struct outer {
//		int a;
//		union {
//			struct { u32 lo; u32 hi; };
//			u64 both;
//		};
//		unsigned int f1:3, f2:7;
//		unsigned long big:40;
//		char name[8];
//	};
func outerStruct() *btf.Struct {
	u32 := &btf.Typedef{Name: "u32", Type: &btf.Int{Name: "unsigned int", Size: 4}}
	u64 := &btf.Typedef{Name: "u64", Type: &btf.Int{Name: "long long unsigned int", Size: 8}}
	uint := &btf.Int{Name: "unsigned int", Size: 4}
	ulong := &btf.Int{Name: "long unsigned int", Size: 8}
	lohi := &btf.Struct{Size: 8, Members: []btf.Member{
		{Name: "lo", Type: u32, Offset: 0},
		{Name: "hi", Type: u32, Offset: 32},
	}}
	anon := &btf.Union{Size: 8, Members: []btf.Member{
		{Type: lohi},
		{Name: "both", Type: u64},
	}}
	return &btf.Struct{Name: "outer", Size: 32, Members: []btf.Member{
		{Name: "a", Type: &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}},
		{Type: anon, Offset: 32},
		{Name: "f1", Type: uint, Offset: 96, BitfieldSize: 3},
		{Name: "f2", Type: uint, Offset: 99, BitfieldSize: 7},
		{Name: "big", Type: ulong, Offset: 128, BitfieldSize: 40},
		{Name: "name", Type: &btf.Array{Type: &btf.Int{Name: "char", Size: 1, Encoding: btf.Char}, Nelems: 8}, Offset: 192},
	}}
}

func TestFindMember(t *testing.T) {
	outer := outerStruct()
	// Through a typedef and a const, as a script would reach it.
	typ := &btf.Const{Type: &btf.Typedef{Name: "outer_t", Type: outer}}

	tests := []struct {
		name    string
		offset  btf.Bits
		bits    btf.Bits
		typName string
	}{
		{"a", 0, 0, "int"},
		{"lo", 32, 0, "u32"},
		{"hi", 64, 0, "u32"},
		{"both", 32, 0, "u64"},
		{"f1", 96, 3, "unsigned int"},
		{"f2", 99, 7, "unsigned int"},
		{"big", 128, 40, "long unsigned int"},
		{"name", 192, 0, "char[8]"},
	}
	for _, tt := range tests {
		m, err := FindMember(typ, tt.name)
		if err != nil {
			t.Errorf("FindMember(%s): %v", tt.name, err)
			continue
		}
		if m.Name != tt.name || m.Offset != tt.offset || m.BitfieldSize != tt.bits || TypeString(m.Type) != tt.typName {
			t.Errorf("FindMember(%s) = %+v (%s)", tt.name, m, TypeString(m.Type))
		}
		if m.ByteOffset() != uint32(tt.offset/8) || m.IsBitfield() != (tt.bits != 0) {
			t.Errorf("%s: ByteOffset %d IsBitfield %v", tt.name, m.ByteOffset(), m.IsBitfield())
		}
	}

	members, err := Members(typ)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range members {
		names = append(names, m.Name)
	}
	if got, want := names, []string{"a", "lo", "hi", "both", "f1", "f2", "big", "name"}; !slices.Equal(got, want) {
		t.Errorf("Members = %v, want %v", got, want)
	}
}

func TestFindMemberErrors(t *testing.T) {
	outer := outerStruct()
	_, err := FindMember(outer, "bgi")
	var mnf *MemberNotFoundError
	if !errors.As(err, &mnf) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("FindMember(bgi) error = %v", err)
	}
	if mnf.Suggestion != "big" || mnf.Name != "bgi" || mnf.Type != btf.Type(outer) {
		t.Errorf("error = %+v", mnf)
	}
	if got, want := err.Error(), `struct outer has no member named "bgi"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if s := SuggestMember(outer, "hii"); s != "hi" {
		t.Errorf("SuggestMember(hii) = %q, want a member of the anonymous struct", s)
	}
	if _, err := FindMember(outer, ""); err == nil {
		t.Error("FindMember with an empty name succeeded")
	}
	if _, err := FindMember(&btf.Int{Name: "int", Size: 4}, "x"); err == nil {
		t.Error("FindMember on an int succeeded")
	}
	if _, err := FindMember(&btf.Fwd{Name: "sock"}, "x"); err == nil {
		t.Error("FindMember on a forward declaration succeeded")
	}
}

func TestBitfieldAccess(t *testing.T) {
	tests := []struct {
		m    Member
		want BitfieldAccess
	}{
		{Member{Offset: 96, BitfieldSize: 3}, BitfieldAccess{12, 1, 0, 0x7}},
		{Member{Offset: 99, BitfieldSize: 7}, BitfieldAccess{12, 2, 3, 0x7f}},
		{Member{Offset: 128, BitfieldSize: 40}, BitfieldAccess{16, 8, 0, 1<<40 - 1}},
		{Member{Offset: 13, BitfieldSize: 1}, BitfieldAccess{1, 1, 5, 1}},
		{Member{Offset: 28, BitfieldSize: 4}, BitfieldAccess{3, 1, 4, 0xf}},
		{Member{Offset: 20, BitfieldSize: 10}, BitfieldAccess{2, 2, 4, 0x3ff}},
		{Member{Offset: 10, BitfieldSize: 20}, BitfieldAccess{0, 4, 10, 0xfffff}},
		{Member{Offset: 30, BitfieldSize: 4}, BitfieldAccess{0, 8, 30, 0xf}},
		{Member{Offset: 64, BitfieldSize: 64}, BitfieldAccess{8, 8, 0, ^uint64(0)}},
		// Crosses an 8-byte boundary: only an unaligned load covers it.
		{Member{Offset: 60, BitfieldSize: 8}, BitfieldAccess{7, 8, 4, 0xff}},
	}
	for _, tt := range tests {
		got, ok := tt.m.Bitfield()
		if !ok || got != tt.want {
			t.Errorf("%+v: Bitfield() = %+v, %v; want %+v", tt.m, got, ok, tt.want)
		}
	}
	if _, ok := (Member{Offset: 8}).Bitfield(); ok {
		t.Error("Bitfield() of a plain member succeeded")
	}
	if _, ok := (Member{Offset: 60, BitfieldSize: 63}).Bitfield(); ok {
		t.Error("Bitfield() of a field no 8-byte load covers succeeded")
	}
}
