package btf

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// dumpTestTypes are types that exercise every part of the C writer:
// nested anonymous members, arrays, function pointers, bitfields,
// padding, packing, enums and a repeated name.
func dumpTestTypes() []btf.Type {
	intT := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	uint := &btf.Int{Name: "unsigned int", Size: 4}
	char := &btf.Int{Name: "char", Size: 1, Encoding: btf.Char}
	u8 := &btf.Int{Name: "unsigned char", Size: 1}
	long := &btf.Int{Name: "long int", Size: 8, Encoding: btf.Signed}
	u64 := &btf.Typedef{Name: "u64", Type: &btf.Int{Name: "long long unsigned int", Size: 8}}
	void := (*btf.Void)(nil)
	node := &btf.Struct{Name: "node", Size: 16}
	node.Members = []btf.Member{
		{Name: "next", Type: &btf.Pointer{Target: node}},
		{Name: "prev", Type: &btf.Pointer{Target: node}, Offset: 64},
	}
	fwd := &btf.Fwd{Name: "opaque", Kind: btf.FwdStruct}
	cb := &btf.FuncProto{Return: intT, Params: []btf.FuncParam{
		{Name: "n", Type: &btf.Pointer{Target: node}}, {Type: &btf.Pointer{Target: &btf.Const{Type: char}}},
	}}
	printfLike := &btf.FuncProto{Return: void, Params: []btf.FuncParam{
		{Type: &btf.Pointer{Target: &btf.Const{Type: char}}}, {Type: void},
	}}
	noArgs := &btf.FuncProto{Return: &btf.Pointer{Target: fwd}}
	state := &btf.Enum{Name: "state", Size: 4, Signed: true, Values: []btf.EnumValue{
		{Name: "ST_NONE", Value: 0}, {Name: "ST_ERR", Value: ^uint64(0)}, {Name: "ST_OK", Value: 1},
	}}
	anonUnion := &btf.Union{Size: 8, Members: []btf.Member{
		{Name: "l", Type: long},
		{Type: &btf.Struct{Size: 8, Members: []btf.Member{
			{Name: "lo", Type: uint},
			{Name: "hi", Type: uint, Offset: 32},
		}}},
	}}
	mode := &btf.Enum{Size: 4, Values: []btf.EnumValue{{Name: "M_R", Value: 1}, {Name: "M_W", Value: 2}}}
	kitchen := &btf.Struct{Name: "kitchen", Size: 152, Members: []btf.Member{
		{Name: "flags", Type: uint, Offset: 0, BitfieldSize: 3},
		{Name: "kind", Type: uint, Offset: 3, BitfieldSize: 5},
		{Name: "id", Type: u64, Offset: 64},
		{Name: "name", Type: &btf.Array{Index: intT, Type: char, Nelems: 16}, Offset: 128},
		{Type: anonUnion, Offset: 256},
		{Name: "matrix", Type: &btf.Array{Index: intT, Type: &btf.Array{Index: intT, Type: intT, Nelems: 3}, Nelems: 2}, Offset: 320},
		{Name: "visit", Type: &btf.Pointer{Target: cb}, Offset: 512},
		{Name: "log", Type: &btf.Pointer{Target: printfLike}, Offset: 576},
		{Name: "hooks", Type: &btf.Array{Index: intT, Type: &btf.Pointer{Target: noArgs}, Nelems: 2}, Offset: 640},
		{Name: "st", Type: state, Offset: 768},
		{Name: "mode", Type: mode, Offset: 800},
		{Name: "list", Type: node, Offset: 832},
		{Name: "opaque", Type: &btf.Pointer{Target: fwd}, Offset: 960},
		{Name: "tail", Type: u8, Offset: 1024},
		{Name: "data", Type: &btf.Array{Index: intT, Type: u8, Nelems: 0}, Offset: 1032},
	}}
	packed := &btf.Struct{Name: "packed", Size: 5, Members: []btf.Member{
		{Name: "c", Type: char},
		{Name: "i", Type: intT, Offset: 8},
	}}
	empty := &btf.Struct{Name: "empty"}
	u := &btf.Union{Name: "value", Size: 8, Members: []btf.Member{
		{Name: "i", Type: intT},
		{Name: "p", Type: &btf.Pointer{Target: void}},
	}}
	small := &btf.Enum{Name: "small", Size: 1, Values: []btf.EnumValue{{Name: "SMALL_A", Value: 1}}}
	big := &btf.Enum{Name: "big", Size: 8, Values: []btf.EnumValue{{Name: "BIG_A", Value: 1 << 40}}}
	other := &btf.Struct{Name: "node", Size: 4, Members: []btf.Member{{Name: "x", Type: intT}}}
	bits := &btf.Struct{Name: "bits", Size: 16, Members: []btf.Member{
		{Name: "a", Type: uint, BitfieldSize: 3},
		{Name: "b", Type: uint, Offset: 16, BitfieldSize: 4},
		{Name: "c", Type: intT, Offset: 64},
		{Name: "d", Type: u8, Offset: 96, BitfieldSize: 1},
	}}
	return []btf.Type{kitchen, packed, empty, u, small, big, other, bits}
}

// TestTypeDefinitions checks the C that -lv prints for types. The
// expected text is what libbpf's btf_dump writes for the same BTF (bpftool
// btf dump ... format c, libbpf 1.1, agrees but for the newer
// mode(byte)), cut into definitions and sorted as bpftrace sorts them.
func TestTypeDefinitions(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "types.btf"), marshalBTF(t, dumpTestTypes()))
	k := NewKernel(Options{BTFFile: path})
	defs, err := k.TypeDefinitions("*")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, d := range defs {
		b.WriteString(d.Name + " in " + strings.Join(d.BTF, ",") + ": " + d.C + "\n\n")
	}
	want := `enum big in vmlinux: enum big {
	BIG_A = 1099511627776ULL,
};

enum small in vmlinux: enum small {
	SMALL_A = 1,
} __attribute__((mode(byte)));

enum state in vmlinux: enum state {
	ST_NONE = 0,
	ST_ERR = -1,
	ST_OK = 1,
};

struct bits in vmlinux: struct bits {
	unsigned int a: 3;
	short: 13;
	unsigned int b: 4;
	long: 0;
	int c;
	unsigned char d: 1;
};

struct empty in vmlinux: struct empty {};

struct kitchen in vmlinux: struct kitchen {
	unsigned int flags: 3;
	unsigned int kind: 5;
	u64 id;
	char name[16];
	union {
		long int l;
		struct {
			unsigned int lo;
			unsigned int hi;
		};
	};
	int matrix[2][3];
	int (*visit)(struct node *n, const char *);
	void (*log)(const char *, ...);
	struct opaque * (*hooks[2])(void);
	enum state st;
	enum {
		M_R = 1,
		M_W = 2,
	} mode;
	struct node list;
	struct opaque *opaque;
	unsigned char tail;
	unsigned char data[0];
	long: 64;
	long: 64;
};

struct node in vmlinux: struct node {
	struct node *next;
	struct node *prev;
};

struct node___2 in vmlinux: struct node___2 {
	int x;
};

struct packed in vmlinux: struct packed {
	char c;
	int i;
} __attribute__((packed));

union value in vmlinux: union value {
	int i;
	void *p;
};

`
	if got := b.String(); got != want {
		t.Errorf("definitions:\n%s\nwant:\n%s", got, want)
	}

	defs, err = k.TypeDefinitions("struct node")
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != 1 || defs[0].Name != "struct node" {
		t.Errorf(`TypeDefinitions("struct node") = %v, want struct node alone`, defs)
	}
}

func TestTypeNames(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "types.btf"), marshalBTF(t, dumpTestTypes()))
	k := NewKernel(Options{BTFFile: path})
	for _, c := range []struct {
		pattern string
		want    string
	}{
		// Anonymous types and forward declarations (struct opaque) are left
		// out; a name used twice is listed once.
		{"*", "enum big,enum small,enum state,struct bits,struct empty,struct kitchen,struct node,struct packed,union value"},
		{"struct n*", "struct node"},
		{"union *", "union value"},
		{"enum s*", "enum small,enum state"},
		{"struct nothing", ""},
	} {
		names, err := k.TypeNames(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(names, ","); got != c.want {
			t.Errorf("TypeNames(%q) = %s, want %s", c.pattern, got, c.want)
		}
	}
}

func TestIsTypeName(t *testing.T) {
	for s, want := range map[string]bool{
		"struct path": true, "union *": true, "enum cpu_usage_stat": true,
		"struct": false, "structure": false, "tracepoint:sched:*": false, "*": false,
	} {
		if got := IsTypeName(s); got != want {
			t.Errorf("IsTypeName(%q) = %v, want %v", s, got, want)
		}
	}
}

// Module types are listed with the module they come from, sorted by
// their text as bpftrace sorts them.
func TestTypeDefinitionsModules(t *testing.T) {
	k := fakeSysfs(t)
	names, err := k.TypeNames("*")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(names, ","), "enum ext_enum,enum mod_enum,struct ext_struct,struct modstruct,struct zstruct"; got != want {
		t.Errorf("TypeNames(*) = %s, want %s", got, want)
	}
	defs, err := k.TypeDefinitions("*")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, d := range defs {
		b.WriteString(strings.Join(d.BTF, ",") + ": " + d.C + "\n")
	}
	want := `vmlinux: enum ext_enum {
	EXT_A = 1,
	EXT_B = 5,
};
amod: enum mod_enum {
	MOD_VAL = 7,
};
vmlinux: struct ext_struct {
	int x;
	int y;
};
amod: struct modstruct {
	int mx;
};
zmod: struct modstruct {};
zmod: struct zstruct {};
`
	if got := b.String(); got != want {
		t.Errorf("definitions:\n%s\nwant:\n%s", got, want)
	}
}
