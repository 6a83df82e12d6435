package btf

import (
	"testing"

	"github.com/cilium/ebpf/btf"
)

func TestTypeString(t *testing.T) {
	char := &btf.Int{Name: "char", Size: 1, Encoding: btf.Char}
	intT := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	ulong := &btf.Int{Name: "long unsigned int", Size: 8}
	task := &btf.Struct{Name: "task_struct", Size: 8}
	u64 := &btf.Typedef{Name: "u64", Type: ulong}
	proto := &btf.FuncProto{Return: intT, Params: []btf.FuncParam{{Name: "a", Type: intT}, {Type: &btf.Pointer{Target: char}}}}
	variadic := &btf.FuncProto{Return: &btf.Void{}, Params: []btf.FuncParam{{Name: "fmt", Type: &btf.Pointer{Target: &btf.Const{Type: char}}}, {Type: &btf.Void{}}}}

	tests := []struct {
		typ  btf.Type
		name string
		want string
	}{
		{intT, "", "int"},
		{intT, "x", "int x"},
		{u64, "v", "u64 v"},
		{&btf.Void{}, "", "void"},
		{&btf.Pointer{Target: &btf.Void{}}, "", "void *"},
		{&btf.Pointer{Target: task}, "prev", "struct task_struct *prev"},
		{&btf.Pointer{Target: &btf.Pointer{Target: char}}, "", "char **"},
		{&btf.Pointer{Target: &btf.Const{Type: char}}, "", "const char *"},
		{&btf.Const{Type: &btf.Pointer{Target: char}}, "p", "char *const p"},
		{&btf.Pointer{Target: &btf.Const{Type: &btf.Pointer{Target: &btf.Const{Type: char}}}}, "argv", "const char *const *argv"},
		{&btf.Array{Type: char, Nelems: 16}, "", "char[16]"},
		{&btf.Array{Type: char, Nelems: 16}, "comm", "char comm[16]"},
		{&btf.Array{Type: &btf.Array{Type: intT, Nelems: 3}, Nelems: 2}, "m", "int m[2][3]"},
		{&btf.Array{Type: &btf.Pointer{Target: char}, Nelems: 4}, "", "char *[4]"},
		{&btf.Pointer{Target: &btf.Array{Type: char, Nelems: 4}}, "", "char (*)[4]"},
		{&btf.Pointer{Target: proto}, "fn", "int (*fn)(int a, char *)"},
		{&btf.Pointer{Target: variadic}, "", "void (*)(const char *fmt, ...)"},
		{&btf.FuncProto{Return: intT}, "f", "int f(void)"},
		{&btf.Volatile{Type: intT}, "", "volatile int"},
		{&btf.Union{Name: ""}, "", "union {...}"},
		{&btf.Enum{Name: "pid_type"}, "t", "enum pid_type t"},
		{&btf.Fwd{Name: "sock", Kind: btf.FwdStruct}, "", "struct sock"},
		{&btf.Fwd{Name: "u", Kind: btf.FwdUnion}, "", "union u"},
	}
	for _, tt := range tests {
		if got := Declaration(tt.typ, tt.name); got != tt.want {
			t.Errorf("Declaration(%v, %q) = %q, want %q", tt.typ, tt.name, got, tt.want)
		}
	}
}

func TestTypeHelpers(t *testing.T) {
	intT := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	pid := &btf.Typedef{Name: "pid_t", Type: intT}
	cpid := &btf.Const{Type: pid}
	if Underlying(cpid) != intT {
		t.Errorf("Underlying(const pid_t) = %v", Underlying(cpid))
	}
	if StripQualifiers(cpid) != pid {
		t.Errorf("StripQualifiers(const pid_t) = %v", StripQualifiers(cpid))
	}
	if n, err := Sizeof(&btf.Array{Type: cpid, Nelems: 3}); n != 12 || err != nil {
		t.Errorf("Sizeof(const pid_t[3]) = %d, %v", n, err)
	}
	if _, err := Sizeof(&btf.Void{}); err == nil {
		t.Error("Sizeof(void) succeeded")
	}
	signed := map[btf.Type]bool{
		cpid:                                    true,
		&btf.Int{Name: "unsigned int", Size: 4}: false,
		&btf.Int{Name: "char", Size: 1, Encoding: btf.Char}:          false,
		&btf.Int{Name: "signed char", Size: 1, Encoding: btf.Signed}: true,
		&btf.Int{Name: "_Bool", Size: 1, Encoding: btf.Bool}:         false,
		&btf.Enum{Name: "e", Size: 4, Signed: true}:                  true,
		&btf.Enum{Name: "e", Size: 4}:                                false,
		&btf.Pointer{Target: intT}:                                   false,
	}
	for typ, want := range signed {
		if IsSigned(typ) != want {
			t.Errorf("IsSigned(%v) = %v", typ, !want)
		}
	}
}
