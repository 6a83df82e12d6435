package sym

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gtrace/gtrace/lang"
)

func TestParseUSDTArg(t *testing.T) {
	syms := func(name string) (int64, bool) {
		if name == "counter" {
			return 0x2000, true
		}
		return 0, false
	}
	cases := []struct {
		arch, spec string
		want       lang.USDTArg
	}{
		{"amd64", "-4@%eax", lang.USDTArg{Size: 4, Signed: true, Kind: lang.USDTReg, Reg: "ax"}},
		{"amd64", "8@%r9", lang.USDTArg{Size: 8, Kind: lang.USDTReg, Reg: "r9"}},
		{"amd64", "1@%sil", lang.USDTArg{Size: 1, Kind: lang.USDTReg, Reg: "si"}},
		{"amd64", "-2@%r10w", lang.USDTArg{Size: 2, Signed: true, Kind: lang.USDTReg, Reg: "r10"}},
		{"amd64", "-4@$-5", lang.USDTArg{Size: 4, Signed: true, Kind: lang.USDTConst, Value: -5}},
		{"amd64", "8@-8(%rbp)", lang.USDTArg{Size: 8, Kind: lang.USDTMem, Reg: "bp", Value: -8}},
		{"amd64", "-4@112(%rsp)", lang.USDTArg{Size: 4, Signed: true, Kind: lang.USDTMem, Reg: "sp", Value: 112}},
		{"amd64", "8@(%rdx,%rax,8)", lang.USDTArg{Size: 8, Kind: lang.USDTMem, Reg: "dx", Index: "ax", Scale: 8}},
		{"amd64", "8@16(%rdx,%rax)", lang.USDTArg{Size: 8, Kind: lang.USDTMem, Reg: "dx", Value: 16, Index: "ax", Scale: 1}},
		{"amd64", "-8@counter(%rip)", lang.USDTArg{Size: 8, Signed: true, Kind: lang.USDTMem, Reg: "ip", Value: 0x2000}},
		{"amd64", "-8@counter+8(%rip)", lang.USDTArg{Size: 8, Signed: true, Kind: lang.USDTMem, Reg: "ip", Value: 0x2008}},
		{"amd64", "-8@counter(,%rsi,8)", lang.USDTArg{Size: 8, Signed: true, Kind: lang.USDTMem, Reg: "ip", Value: 0x2000, Index: "si", Scale: 8}},
		{"arm64", "-4@x0", lang.USDTArg{Size: 4, Signed: true, Kind: lang.USDTReg, Reg: "r0"}},
		{"arm64", "4@w3", lang.USDTArg{Size: 4, Kind: lang.USDTReg, Reg: "r3"}},
		{"arm64", "8@[sp, 16]", lang.USDTArg{Size: 8, Kind: lang.USDTMem, Reg: "sp", Value: 16}},
		{"arm64", "-8@[x1, -8]", lang.USDTArg{Size: 8, Signed: true, Kind: lang.USDTMem, Reg: "r1", Value: -8}},
		{"arm64", "-4@[x19]", lang.USDTArg{Size: 4, Signed: true, Kind: lang.USDTMem, Reg: "r19"}},
		{"arm64", "-4@5", lang.USDTArg{Size: 4, Signed: true, Kind: lang.USDTConst, Value: 5}},
	}
	for _, c := range cases {
		got, err := parseUSDTArg(c.arch, c.spec, syms)
		c.want.Spec = c.spec
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %s: got %+v, %v; want %+v", c.arch, c.spec, got, err, c.want)
		}
	}
	for _, bad := range []string{"3@%eax", "x@%eax", "4@%ah", "4@%xmm0", "4@nosuch(%rip)", "4@sym(%rax)", "8@(%rax,%rbx,3)"} {
		if got, err := parseUSDTArg("amd64", bad, syms); err == nil {
			t.Errorf("%s: got %+v, want an error", bad, got)
		}
	}
}

func TestParseMaps(t *testing.T) {
	text := `55d0c3a00000-55d0c3a2c000 r--p 00000000 08:01 1234                       /usr/bin/bash
55d0c3a2c000-55d0c3b00000 r-xp 0002c000 08:01 1234                       /usr/bin/bash
7f0000000000-7f0000001000 rw-p 00000000 00:00 0 
7f0000002000-7f0000003000 r-xp 00001000 08:01 99                         /tmp/with space (deleted)
7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]
`
	maps, err := parseMaps([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(maps) != 5 {
		t.Fatalf("got %d mappings", len(maps))
	}
	if m := maps[1]; m.start != 0x55d0c3a2c000 || m.offset != 0x2c000 || m.path != "/usr/bin/bash" || !m.exec() || !m.file() {
		t.Errorf("bash text mapping: %+v", m)
	}
	if m := maps[2]; m.file() || m.path != "" {
		t.Errorf("anonymous mapping: %+v", m)
	}
	if m := maps[3]; m.path != "/tmp/with space" {
		t.Errorf("deleted file with a space: %q", m.path)
	}
	if m := maps[4]; m.file() {
		t.Errorf("[stack] is not a file: %+v", m)
	}
	if m, ok := findMapping(maps, 0x55d0c3a2c010); !ok || m.offset != 0x2c000 {
		t.Errorf("findMapping: %+v %v", m, ok)
	}
	if _, ok := findMapping(maps, 0x7f0000001800); ok {
		t.Error("findMapping found a hole")
	}
}

func TestDemangle(t *testing.T) {
	cases := map[string]string{
		"_ZN5MyApp6Server14handle_requestEi":   "MyApp::Server::handle_request(int)",
		"_ZN5MyApp6Server14handle_requestEPKc": "MyApp::Server::handle_request(char const*)",
		"_ZNSt6vectorIiSaIiEE9push_backERKi":   "std::vector<int, std::allocator<int> >::push_back(int const&)",
		"main":                                 "",
		"_Znotmangled":                         "",
	}
	for in, want := range cases {
		if got := demangleName(in); got != want {
			t.Errorf("demangleName(%q) = %q, want %q", in, got, want)
		}
	}
}

// The C++ standard library, when installed, has demangled names for
// its mangled symbols.
func TestDemangleLibstdcxx(t *testing.T) {
	b := NewBinaries(0)
	paths, _ := b.Resolve("libstdc++")
	if len(paths) == 0 {
		t.Skip("no libstdc++ here")
	}
	funcs, err := b.Functions(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range funcs {
		if strings.HasPrefix(f.Name, "_ZNSt") && f.Demangled != "" {
			if !strings.Contains(f.Demangled, "std::") {
				t.Errorf("%s demangles to %s", f.Name, f.Demangled)
			}
			n++
		}
	}
	if n == 0 {
		t.Errorf("no std:: symbol of %s was demangled", paths[0])
	}
}

func TestLDCache(t *testing.T) {
	entries, err := readLDCache("/etc/ld.so.cache")
	if err != nil {
		t.Skipf("no usable /etc/ld.so.cache: %v", err)
	}
	found := false
	for _, e := range entries {
		if e.soname == "libc.so.6" && strings.HasPrefix(e.path, "/") {
			found = true
		}
	}
	if !found {
		t.Errorf("libc.so.6 is not in the loader's cache (%d entries)", len(entries))
	}
}

func TestResolve(t *testing.T) {
	b := NewBinaries(0)
	libc, err := b.Resolve("libc")
	if err != nil || len(libc) != 1 || !strings.Contains(filepath.Base(libc[0]), "libc.so") {
		t.Errorf("Resolve(libc) = %v, %v", libc, err)
	}
	if soname, _ := b.Resolve("libc.so.6"); len(soname) != 1 || soname[0] != libc[0] {
		t.Errorf("Resolve(libc.so.6) = %v, want %v", soname, libc)
	}
	sh, _ := exec.LookPath("sh")
	if got, _ := b.Resolve("sh"); len(got) != 1 || got[0] != sh {
		t.Errorf("Resolve(sh) = %v, want [%s] (from PATH)", got, sh)
	}
	for _, missing := range []string{"/nonexistent/binary", "/etc/passwd", "libnosuchlibrary"} {
		if got, _ := b.Resolve(missing); len(got) != 0 {
			t.Errorf("Resolve(%s) = %v, want nothing", missing, got)
		}
	}
	self, _ := os.Executable()
	glob := filepath.Join(filepath.Dir(self), "*")
	if got, _ := b.Resolve(glob); len(got) == 0 {
		t.Errorf("Resolve(%s) found nothing", glob)
	}
}

// Functions convert between addresses and file offsets consistently.
func TestFunctions(t *testing.T) {
	b := NewBinaries(0)
	libc, _ := b.Resolve("libc")
	if len(libc) == 0 {
		t.Skip("no libc")
	}
	funcs, err := b.Functions(libc[0])
	if err != nil {
		t.Fatal(err)
	}
	bin, _ := b.cache.Open(libc[0])
	var malloc *lang.UserFunc
	for i, f := range funcs {
		if i > 0 && funcs[i-1].Name > f.Name {
			t.Fatalf("functions not sorted: %s before %s", funcs[i-1].Name, f.Name)
		}
		if f.Name == "malloc" {
			malloc = &funcs[i]
		}
	}
	if malloc == nil || malloc.Size == 0 {
		t.Fatalf("malloc: %+v", malloc)
	}
	if back, ok := bin.Vaddr(malloc.Offset); !ok || back != malloc.Addr {
		t.Errorf("malloc at 0x%x, offset 0x%x maps back to 0x%x", malloc.Addr, malloc.Offset, back)
	}
	if f, ok := bin.FuncAt(malloc.Addr + 1); !ok || f.Addr != malloc.Addr {
		t.Errorf("FuncAt(malloc+1) = %+v", f)
	}
}

// startSleep runs sleep and returns it with its C library's executable
// mapping.
func startSleep(t *testing.T) (*exec.Cmd, mapping) {
	t.Helper()
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	// The loader maps the libraries before sleep runs main.
	for i := 0; i < 100; i++ {
		maps, err := readMaps(cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range maps {
			if m.file() && m.exec() && strings.Contains(m.path, "libc") {
				return cmd, m
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Skip("sleep maps no C library")
	return nil, mapping{}
}

// The resolver names an address of a running process from its mappings
// and the symbols of the mapped file, wherever the file was loaded.
func TestResolverProcess(t *testing.T) {
	cmd, text := startSleep(t)
	funcs, err := NewBinaries(0).Functions(text.path)
	if err != nil {
		t.Fatal(err)
	}
	var malloc lang.UserFunc
	for _, f := range funcs {
		if f.Name == "malloc" {
			malloc = f
		}
	}
	if malloc.Size == 0 || malloc.Offset < text.offset || malloc.Offset-text.offset >= text.end-text.start {
		t.Skipf("malloc %+v is not in %+v", malloc, text)
	}
	addr := text.start + malloc.Offset - text.offset + 5
	r := NewResolver()
	name, off, module, ok := r.Lookup(cmd.Process.Pid, addr)
	if !ok || !strings.Contains(name, "malloc") || off != 5 || module != text.path {
		t.Errorf("Lookup = %q+%d in %q, %v; want malloc+5 in %s", name, off, module, ok, text.path)
	}
	if _, _, _, ok := r.Lookup(cmd.Process.Pid, 8); ok {
		t.Error("address 8 resolved")
	}
}

// A process that has exited: addresses resolve from the mappings seen
// while it ran, and not at all when it was never seen.
func TestResolverExited(t *testing.T) {
	cmd, text := startSleep(t)
	pid := cmd.Process.Pid
	seen, fresh := NewResolver(), NewResolver()
	addr := text.start + 0x100
	_, _, mod1, _ := seen.Lookup(pid, addr)
	cmd.Process.Kill()
	cmd.Wait()
	if _, _, mod2, _ := seen.Lookup(pid, addr); mod1 != text.path || mod2 != text.path {
		t.Errorf("module before exit %q, after %q; want %q", mod1, mod2, text.path)
	}
	if _, _, _, ok := fresh.Lookup(pid, addr); ok {
		t.Error("an exited process never seen alive resolved")
	}
}

func TestParseNotesTruncated(t *testing.T) {
	// namesz 8, descsz 100, type 3, but only a few bytes follow.
	data := []byte{8, 0, 0, 0, 100, 0, 0, 0, 3, 0, 0, 0, 's', 't', 'a', 'p'}
	if got := parseNotes(data, littleEndian{}); len(got) != 0 {
		t.Errorf("truncated note parsed: %+v", got)
	}
}

type littleEndian struct{}

func (littleEndian) Uint32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
