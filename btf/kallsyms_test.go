package btf

import (
	"strings"
	"testing"
)

const kallsymsText = `ffffffff81000000 T srso_alias_untrain_ret
ffffffff81000000 T _stext
ffffffff81000000 T _text
ffffffff816bab60 T __pfx_vfs_read
ffffffff816bab70 T vfs_read
ffffffff816bad00 t vfs_readv.cold
ffffffffc0203000 t ftrace_trampoline	[__builtin__ftrace]
ffffffffc0a01000 t ext4_fill_super	[ext4]
ffffffff81500000 D some_data
bad line
`

func TestKallsyms(t *testing.T) {
	k, err := ParseKallsyms(strings.NewReader(kallsymsText))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		addr   uint64
		name   string
		off    uint64
		module string
		ok     bool
	}{
		{0xffffffff81000000, "_text", 0, "", true}, // the last of the names at one address
		{0xffffffff816bab70 + 397, "vfs_read", 397, "", true},
		{0xffffffff816bab6f, "__pfx_vfs_read", 15, "", true},
		{0xffffffff81500004, "some_data", 4, "", true},
		{0xffffffffc0a01010, "ext4_fill_super", 16, "ext4", true},
		{0x1000, "", 0, "", false},
	} {
		name, off, module, ok := k.Lookup(c.addr)
		if name != c.name || off != c.off || module != c.module || ok != c.ok {
			t.Errorf("Lookup(%#x) = %q %d %q %v, want %q %d %q %v", c.addr, name, off, module, ok, c.name, c.off, c.module, c.ok)
		}
	}
	if a, ok := k.Address("vfs_read"); !ok || a != 0xffffffff816bab70 {
		t.Errorf("Address(vfs_read) = %#x %v", a, ok)
	}
	if _, ok := k.Address("nope"); ok {
		t.Error("Address(nope) found")
	}
	hidden, _ := ParseKallsyms(strings.NewReader("0000000000000000 T vfs_read\n"))
	if _, _, _, ok := hidden.Lookup(5); ok || !hidden.Hidden() {
		t.Error("hidden addresses resolve")
	}
}

func TestKprobeFunctionsFromKallsyms(t *testing.T) {
	k := NewKernel(Options{})
	syms, err := ParseKallsyms(strings.NewReader(kallsymsText))
	if err != nil {
		t.Fatal(err)
	}
	k.syms.kallsyms = syms
	funcs, err := k.kallsymsFunctions()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range funcs {
		names = append(names, f.Module+":"+f.Name)
	}
	want := ":srso_alias_untrain_ret :_stext :_text :vfs_read ext4:ext4_fill_super"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("functions %q, want %q", got, want)
	}
}
