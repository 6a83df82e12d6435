package sym

import (
	"debug/dwarf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestPathEndsWith(t *testing.T) {
	// bpftrace's tests of util::path_ends_with, and cleaning.
	yes := [][2]string{
		{"/", "/"}, {"/a", "/a"}, {"/a/b/c", "c"}, {"/a/b/c", "b/c"}, {"/a/b/c", "a/b/c"},
		{"/a/b/c", "/a/b/c"}, {"/lib64/libbpf.so", "libbpf.so"}, {".", "."},
		{"./a/b/c", "./a/b/c"}, {"/a/./b/c", "./c"}, {"/a/b/c", "./c"},
	}
	no := [][2]string{
		{"/", ""}, {"", "/a"}, {"/a/b/c", "x"}, {"/a/b/c", "x/c"}, {"/a/b/c", "x/b/c"},
		{"/a/b/c", "/a/x/c"}, {"/a/b/c", "/b/c"}, {"/a/bc", "c"},
	}
	for _, c := range yes {
		if !pathEndsWith(c[0], c[1]) {
			t.Errorf("pathEndsWith(%q, %q) = false, want true", c[0], c[1])
		}
	}
	for _, c := range no {
		if pathEndsWith(c[0], c[1]) {
			t.Errorf("pathEndsWith(%q, %q) = true, want false", c[0], c[1])
		}
	}
}

// dwarfSources is a program of two compilation units whose source files
// share a name (a/util.c, b/util.c) and a header with an inline function.
var dwarfSources = map[string]string{
	"main.c": `#include "helper.h"
struct point { int x; long y; char tag[8]; struct point *next; unsigned flags : 3; };
int a_util(int);
int b_util(int);

int add(int a, struct point *p, const char *name)
{
	return a + p->x + helper(name[0]);
}

int main(void)
{
	struct point p = { 1, 2, "t", 0, 3 };
	return add(0, &p, "x") + a_util(1) + b_util(2);
}
`,
	"helper.h": `static inline int helper(int x)
{
	return x * 2;
}
`,
	"a/util.c": "int a_util(int v)\n{\n\treturn v + 1;\n}\n",
	"b/util.c": "int b_util(int v)\n{\n\treturn v + 2;\n}\n",
}

// buildDWARF compiles dwarfSources with gcc into a temporary directory
// and returns the directory.
func buildDWARF(t *testing.T, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("needs gcc")
	}
	dir := t.TempDir()
	for name, src := range dwarfSources {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := append(flags, "-O0", "-o", "prog", "main.c", "a/util.c", "b/util.c")
	cmd := exec.Command("gcc", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return dir
}

func TestFuncParams(t *testing.T) {
	dir := buildDWARF(t, "-g")
	b := NewBinaries(0)
	params, ok, err := b.FuncParams(filepath.Join(dir, "prog"), "add")
	if err != nil || !ok {
		t.Fatalf("FuncParams: %v, %v", ok, err)
	}
	var got []string
	for _, p := range params {
		got = append(got, p.Type.String()+" "+p.Name)
	}
	if want := "int a|*struct point p|*const char name"; strings.Join(got, "|") != want {
		t.Errorf("params %q, want %q", strings.Join(got, "|"), want)
	}
	if st, ok := params[1].Type.(*dwarf.PtrType).Type.(*dwarf.StructType); !ok || len(st.Field) != 5 {
		t.Errorf("struct point: %v", params[1].Type)
	}
	if params, ok, err := b.FuncParams(filepath.Join(dir, "prog"), "_start"); err != nil || !ok || len(params) != 0 {
		t.Errorf("_start: %v, %v, %v", params, ok, err)
	}
	st, err := b.StructType(filepath.Join(dir, "prog"), "struct point")
	if err != nil || st == nil || st.Size() != 40 {
		t.Errorf("StructType: %v, %v", st, err)
	}
	if st, err := b.StructType(filepath.Join(dir, "prog"), "struct nope"); err != nil || st != nil {
		t.Errorf("StructType(struct nope): %v, %v", st, err)
	}

	// Without DWARF: none, and no error.
	nodw := buildDWARF(t)
	if params, ok, err := b.FuncParams(filepath.Join(nodw, "prog"), "add"); err != nil || ok || params != nil {
		t.Errorf("without DWARF: %v, %v, %v", params, ok, err)
	}
}

// A stripped binary's DWARF comes from its separate debug file, found by
// .gnu_debuglink.
func TestFuncParamsDebugLink(t *testing.T) {
	dir := buildDWARF(t, "-g")
	for _, args := range [][]string{
		{"objcopy", "--only-keep-debug", "prog", "prog.debug"},
		{"strip", "--strip-debug", "--strip-unneeded", "prog"},
		{"objcopy", "--add-gnu-debuglink=prog.debug", "prog"},
	} {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("%s: %v\n%s", args[0], err, out)
		}
	}
	params, ok, err := NewBinaries(0).FuncParams(filepath.Join(dir, "prog"), "add")
	if err != nil || !ok || len(params) != 3 {
		t.Fatalf("FuncParams: %v, %v, %v", params, ok, err)
	}
}

func TestLineAddress(t *testing.T) {
	for _, flag := range []string{"-g", "-gdwarf-4"} {
		t.Run(flag, func(t *testing.T) { testLineAddress(t, flag) })
	}
}

func testLineAddress(t *testing.T, flag string) {
	dir := buildDWARF(t, flag)
	b := NewBinaries(0)
	prog := filepath.Join(dir, "prog")
	funcs, err := b.Functions(prog)
	if err != nil {
		t.Fatal(err)
	}
	in := func(addr uint64, fn string) bool {
		for _, f := range funcs {
			if f.Name == fn {
				return f.Addr < addr && addr < f.Addr+f.Size
			}
		}
		return false
	}
	// Line 8 of main.c is add's return statement; of helper.h, nothing.
	for _, file := range []string{"main.c", "./main.c", filepath.Join(dir, "main.c"), filepath.Base(dir) + "/main.c"} {
		addr, ok, err := b.LineAddress(prog, file, 8, 0)
		if err != nil || !ok || !in(addr, "add") {
			t.Errorf("%s:8: 0x%x, %v, %v", file, addr, ok, err)
		}
	}
	// A column: the first row of line 8 that has it, else no address.
	if addr, _, err := b.LineAddress(prog, "main.c", 8, 9999); err == nil {
		t.Errorf("main.c:8:9999 at 0x%x", addr)
	}
	// Statements of an included file are its own, not main.c's.
	if addr, _, err := b.LineAddress(prog, "helper.h", 3, 0); err != nil || !in(addr, "helper") {
		t.Errorf("helper.h:3: 0x%x, %v", addr, err)
	}
	errs := []struct {
		file string
		line uint64
		want string
	}{
		{"main.c", 1, "Unable to map 'main.c:1' to address"},
		{"main.c", 3, "Unable to map 'main.c:3' to address"},
		{"nope.c", 3, "No compilation unit matches nope.c"},
		{"util.c", 3, "Ambiguous source path, matches multiple files: " + filepath.Join(dir, "a/util.c") + ", " + filepath.Join(dir, "b/util.c")},
	}
	for _, c := range errs {
		if _, _, err := b.LineAddress(prog, c.file, c.line, 0); err == nil || err.Error() != c.want {
			t.Errorf("%s:%d: %v, want %s", c.file, c.line, err, c.want)
		}
	}
	for _, file := range []string{"a/util.c", "b/util.c"} {
		want := map[string]string{"a/util.c": "a_util", "b/util.c": "b_util"}[file]
		if addr, _, err := b.LineAddress(prog, file, 3, 0); err != nil || !in(addr, want) {
			t.Errorf("%s:3: 0x%x, %v", file, addr, err)
		}
	}
}
