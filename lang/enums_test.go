package lang

import (
	"os"
	"testing"

	"github.com/gtrace/gtrace/btf"
)

// TestEnumErrors checks the diagnostics about enums: a cast of a constant
// to an enum without that value, as the newest bpftrace words it.
func TestEnumErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{`enum Foo { ONE = 1 }; BEGIN { print((enum Foo)100); }`, `stdin:1:37-50: Enum: Foo doesn't contain a variant value of 100`},
		{`enum Foo { ONE = 1 }; BEGIN { $x = (enum Foo)-1; }`, `stdin:1:36-48: Enum: Foo doesn't contain a variant value of -1`},
	}
	for _, c := range cases {
		expectCheckError(t, c.src, c.want, CheckOptions{Config: DefaultConfig()})
	}
}

// TestEnumTypes checks which expressions have an enum type, that is, which
// print by name: enumerators, variables and maps holding them, casts to
// enums, tuples of them; not the results of arithmetic, and not a map that
// also holds plain integers.
func TestEnumTypes(t *testing.T) {
	src := `enum Foo { ONE = 1, TWO = 2, DUP = 2 }; enum { ANON };
BEGIN {
  $e = ONE; $c = (enum Foo)$e; $a = ONE + 1; $n = -ONE; $t = (ONE, 5); $q = pid > 1 ? ONE : TWO; $z = ANON;
  @v = TWO; @mixed = ONE; @mixed = 7; @k[TWO] = 1;
  printf("%s %s %d\n", ONE, $e, $e);
}`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
		t.Fatal(Render(err, map[string]string{"": src}))
	}
	want := map[string]string{"$e": "enum Foo", "$c": "enum Foo", "$a": "", "$n": "", "$q": "enum Foo", "$z": "enum <anon ANON>"}
	Inspect(prog, func(n Node) {
		v, ok := n.(*Var)
		if !ok || v.Decl == nil {
			return
		}
		if w, ok := want[v.Name]; ok {
			if got := enumName(v.Decl.Type); got != w {
				t.Errorf("%s: enum %q, want %q", v.Name, got, w)
			}
		}
		if v.Name == "$t" {
			if f := v.Decl.Type.Fields; len(f) != 2 || enumName(f[0].Type) != "enum Foo" || enumName(f[1].Type) != "" {
				t.Errorf("$t: %v, want (enum Foo, int64)", v.Decl.Type)
			}
		}
	})
	if got := enumName(prog.Maps["@v"].Value); got != "enum Foo" {
		t.Errorf("@v: enum %q, want enum Foo", got)
	}
	if got := enumName(prog.Maps["@mixed"].Value); got != "" {
		t.Errorf("@mixed: enum %q, want none", got)
	}
	if got := enumName(prog.Maps["@k"].Key.Fields[0].Type); got != "enum Foo" {
		t.Errorf("@k's key: enum %q, want enum Foo", got)
	}
	e := prog.Maps["@v"].Value.Enum
	for _, c := range []struct {
		v    int64
		size int
		want string
	}{{1, 8, "ONE"}, {2, 8, "DUP"}, {3, 8, ""}, {1, 4, "ONE"}} {
		if got, _ := e.NameOf(c.v, c.size); got != c.want {
			t.Errorf("NameOf(%d, %d) = %q, want %q", c.v, c.size, got, c.want)
		}
	}
}

// TestKernelEnumTypes checks that kernel enumerators, casts to kernel
// enums and tracepoint fields of enum type carry the enum's names from
// BTF.
func TestKernelEnumTypes(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("the kernel has no BTF")
	}
	src := `BEGIN { $k = BPF_MAP_TYPE_HASH; $c = (enum bpf_map_type)2; printf("%s %s\n", $k, $c); }`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig(), Kernel: btf.NewKernel(btf.Options{})}); err != nil {
		t.Fatal(Render(err, map[string]string{"": src}))
	}
	want := map[string]string{"$k": "BPF_MAP_TYPE_HASH", "$c": "BPF_MAP_TYPE_ARRAY"}
	values := map[string]int64{"$k": 1, "$c": 2}
	Inspect(prog, func(n Node) {
		v, ok := n.(*Var)
		if !ok || v.Decl == nil || want[v.Name] == "" {
			return
		}
		if got, _ := v.Decl.Type.Enum.NameOf(values[v.Name], v.Decl.Type.Size); got != want[v.Name] {
			t.Errorf("%s: %d names %q, want %q", v.Name, values[v.Name], got, want[v.Name])
		}
	})
	expectCheckError(t, `BEGIN { print((enum bpf_map_type)1000); }`,
		`stdin:1:15-38: Enum: bpf_map_type doesn't contain a variant value of 1000`,
		CheckOptions{Config: DefaultConfig(), Kernel: btf.NewKernel(btf.Options{})})
}

func enumName(t *Type) string {
	if t == nil || t.Enum == nil {
		return ""
	}
	return t.Enum.Name
}
