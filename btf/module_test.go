package btf

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// fakeSysfs writes a synthetic /sys/kernel/btf with a vmlinux and two
// modules, amod and zmod, and returns a Kernel reading it.
func fakeSysfs(t *testing.T) *Kernel {
	t.Helper()
	dir := t.TempDir()
	base := marshalBTF(t, syntheticTypes())
	writeFile(t, filepath.Join(dir, "vmlinux"), base)
	const intID = 1 // the first of syntheticTypes

	b := newSplitBuilder(t, base)
	b.add("modstruct", kindStruct, 1, 4, b.str("mx"), intID, 0)
	b.add("mod_enum", kindEnum, 1, 4, b.str("MOD_VAL"), 7)
	proto := b.add("", kindFuncProto, 1, intID, b.str("a"), intID)
	b.add("mod_func", kindFunc, 1, uint32(proto))
	voidPtr := b.add("", kindPointer, 0, 0)
	tpProto := b.add("", kindFuncProto, 2, 0, 0, uint32(voidPtr), 0, intID)
	tpPtr := b.add("", kindPointer, 0, uint32(tpProto))
	b.add("btf_trace_mod_tp", kindTypedef, 0, uint32(tpPtr))
	stubProto := b.add("", kindFuncProto, 2, 0, b.str("__data"), uint32(voidPtr), b.str("val"), intID)
	b.add("__probestub_mod_tp", kindFunc, 0, uint32(stubProto))
	writeFile(t, filepath.Join(dir, "amod"), b.bytes())

	z := newSplitBuilder(t, base)
	z.add("modstruct", kindStruct, 0, 0) // shadowed by amod's
	z.add("zstruct", kindStruct, 0, 0)
	writeFile(t, filepath.Join(dir, "zmod"), z.bytes())

	k := NewKernel(Options{})
	k.sysfs = dir
	return k
}

func TestModules(t *testing.T) {
	k := fakeSysfs(t)

	mods, err := k.Modules()
	if err != nil || len(mods) != 2 || mods[0] != "amod" || mods[1] != "zmod" {
		t.Fatalf("Modules() = %v, %v", mods, err)
	}

	// A vmlinux type does not load any module.
	if typ, err := k.LookupType("struct ext_struct"); err != nil || typ.TypeName() != "ext_struct" {
		t.Fatalf("LookupType(struct ext_struct) = %v, %v", typ, err)
	}
	if len(k.modules) != 0 {
		t.Errorf("modules loaded for a vmlinux type: %v", k.modules)
	}

	// Module types, in module name order.
	typ, err := k.LookupType("struct modstruct")
	if err != nil {
		t.Fatal(err)
	}
	m, err := FindMember(typ, "mx")
	if err != nil || TypeString(m.Type) != "int" {
		t.Errorf("modstruct.mx = %+v, %v (want amod's modstruct)", m, err)
	}
	if _, err := k.LookupType("struct zstruct"); err != nil {
		t.Error(err)
	}

	fn, err := k.Function("mod_func")
	if err != nil || fn.Module != "amod" || len(fn.Params) != 1 || fn.Params[0].Name != "a" {
		t.Errorf("Function(mod_func) = %+v, %v", fn, err)
	}
	if fn, err := k.Function("ext_func"); err != nil || fn.Module != "" {
		t.Errorf("Function(ext_func) = %+v, %v", fn, err)
	}

	c, err := k.EnumConstant("MOD_VAL")
	if err != nil || c.Value != 7 || c.Module != "amod" || c.Enum.Name != "mod_enum" {
		t.Errorf("EnumConstant(MOD_VAL) = %+v, %v", c, err)
	}
	if c, err := k.EnumConstant("EXT_B"); err != nil || c.Value != 5 || c.Module != "" {
		t.Errorf("EnumConstant(EXT_B) = %+v, %v", c, err)
	}

	args, err := k.RawTracepointArgs("mod_tp")
	if err != nil || len(args) != 1 || args[0].Name != "val" || TypeString(args[0].Type) != "int" {
		t.Errorf("RawTracepointArgs(mod_tp) = %+v, %v", args, err)
	}

	spec, err := k.ModuleSpec("zmod")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := k.ModuleSpec("zmod"); again != spec {
		t.Error("ModuleSpec is not cached")
	}
	for _, bad := range []string{"", "vmlinux", "../vmlinux", ".hidden"} {
		if _, err := k.ModuleSpec(bad); err == nil {
			t.Errorf("ModuleSpec(%q) succeeded", bad)
		}
	}
	if _, err := k.ModuleSpec("nomod"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ModuleSpec(nomod) = %v, want ErrNotFound", err)
	}
	if _, err := k.LookupType("struct nowhere"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LookupType(struct nowhere) = %v, want ErrNotFound", err)
	}
}

func TestLookupTypeSynthetic(t *testing.T) {
	k := fakeSysfs(t)
	tests := []struct{ name, want string }{
		{"struct ext_struct", "struct ext_struct"},
		{"  struct   ext_struct  ", "struct ext_struct"},
		{"ext_t", "ext_t"},
		{"ext_struct", "struct ext_struct"}, // bare tag
		{"enum ext_enum", "enum ext_enum"},
		{"int", "int"},
		{"signed int", "int"},
		{"signed", "int"},
		{"void", "void"},
		{"void *", "void *"},
		{"ext_t **", "ext_t **"},
		{"struct ext_struct*", "struct ext_struct *"},
	}
	for _, tt := range tests {
		typ, err := k.LookupType(tt.name)
		if err != nil {
			t.Errorf("LookupType(%q): %v", tt.name, err)
			continue
		}
		if got := TypeString(typ); got != tt.want {
			t.Errorf("LookupType(%q) = %s, want %s", tt.name, got, tt.want)
		}
	}
	for _, name := range []string{"union ext_struct", "struct ext_enum", "enum ext_struct", "struct int", "", "*", "long"} {
		if typ, err := k.LookupType(name); err == nil {
			t.Errorf("LookupType(%q) = %v, want an error", name, typ)
		}
	}
	_, err := k.LookupType("struct nope")
	if !errors.Is(err, ErrNotFound) || err.Error() != "type struct nope: not found" {
		t.Errorf("LookupType(struct nope) = %v", err)
	}
}

func TestGCCIntName(t *testing.T) {
	tests := map[string]string{
		"int":                    "int",
		"unsigned":               "unsigned int",
		"unsigned int":           "unsigned int",
		"signed":                 "int",
		"long":                   "long int",
		"unsigned long":          "long unsigned int",
		"long unsigned int":      "long unsigned int",
		"long long":              "long long int",
		"unsigned long long":     "long long unsigned int",
		"long long unsigned int": "long long unsigned int",
		"short":                  "short int",
		"unsigned short":         "short unsigned int",
		"char":                   "char",
		"signed char":            "signed char",
		"unsigned char":          "unsigned char",
		"u64":                    "",
		"long char":              "",
		"unsigned signed":        "",
		"short long":             "",
		"long long long":         "",
	}
	for in, want := range tests {
		if got := gccIntName(in); got != want {
			t.Errorf("gccIntName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnumConstantInt64(t *testing.T) {
	tests := []struct {
		c    EnumConstant
		want int64
	}{
		{EnumConstant{Value: 0xfffffffe, Enum: &btf.Enum{Size: 4, Signed: true}}, -2},
		{EnumConstant{Value: 0xfffffffe, Enum: &btf.Enum{Size: 4}}, 0xfffffffe},
		{EnumConstant{Value: 0xff, Enum: &btf.Enum{Size: 1, Signed: true}}, -1},
		{EnumConstant{Value: ^uint64(0), Enum: &btf.Enum{Size: 8, Signed: true}}, -1},
		{EnumConstant{Value: 3}, 3},
	}
	for _, tt := range tests {
		if got := tt.c.Int64(); got != tt.want {
			t.Errorf("%+v: Int64() = %d, want %d", tt.c, got, tt.want)
		}
	}
}
