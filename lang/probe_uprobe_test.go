package lang_test

import (
	"os"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime/sym"
)

// check checks a script against the system's binaries.
func check(src string) (*lang.Program, error) {
	prog, err := lang.Parse("", src)
	if err != nil {
		return nil, err
	}
	return prog, lang.Check(prog, lang.CheckOptions{Binaries: sym.NewBinaries(0), Config: lang.DefaultConfig()})
}

func needFile(t *testing.T, path string) {
	if _, err := os.Stat(path); err != nil {
		t.Skipf("needs %s", path)
	}
}

func TestUprobeExpansion(t *testing.T) {
	needFile(t, "/bin/bash")
	cases := []struct {
		src   string
		names []string
	}{
		{`uprobe:/bin/bash:readline { }`, []string{"uprobe:/bin/bash:readline"}},
		{`u:/bin/bash:readline+4 { }`, []string{"uprobe:/bin/bash:readline+4"}},
		{`ur:/bin/bash:readline { }`, []string{"uretprobe:/bin/bash:readline"}},
		{`uprobe:/bin/bash:readline_internal_set* { }`, []string{"uprobe:/bin/bash:readline_internal_setup"}},
	}
	for _, c := range cases {
		prog, err := check(c.src)
		if err != nil {
			t.Errorf("%s: %v", c.src, lang.Render(err, map[string]string{"": c.src}))
			continue
		}
		var names []string
		for _, p := range prog.Probes[0].Points {
			names = append(names, p.Name)
			if p.FileOffset == 0 || p.Addr == 0 || p.Target != "/bin/bash" {
				t.Errorf("%s: point %+v", c.src, p)
			}
		}
		if strings.Join(names, " ") != strings.Join(c.names, " ") {
			t.Errorf("%s: points %v, want %v", c.src, names, c.names)
		}
	}
	// An address inside readline names the same place as readline+4.
	prog, err := check(`uprobe:/bin/bash:readline+4 { }`)
	if err != nil {
		t.Fatal(err)
	}
	at := prog.Probes[0].Points[0]
	prog, err = check("uprobe:/bin/bash:0x" + strings.TrimLeft(hex(at.Addr), "0") + " { }")
	if err != nil {
		t.Fatal(lang.Render(err, nil))
	}
	if p := prog.Probes[0].Points[0]; p.FileOffset != at.FileOffset || p.Func != "readline" {
		t.Errorf("address point %+v, want offset 0x%x in readline", p, at.FileOffset)
	}
}

func hex(v uint64) string {
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b[:])
}

func TestUprobeErrors(t *testing.T) {
	needFile(t, "/bin/bash")
	cases := []struct{ src, want string }{
		{`uprobe:/bin/bash { }`, "stdin:1:1-17: uprobe probe type requires 2 arguments"},
		{`uprobe:/bin/bash:readline+1+2 { }`, "stdin:1:1-30: Cannot take more than one offset"},
		{`uretprobe:/bin/bash:readline+1 { }`, "stdin:1:1-31: Offset not allowed"},
		{`uprobe:/bin/bash:rust:foo { }`, "stdin:1:1-26: unsupported language type: rust"},
		{`uprobe:"/bin/*":0x10 { }`, "stdin:1:1-21: Cannot use wildcards with absolute address"},
		{`uprobe:/bin/bash:nosuchfn { }`, "stdin:1:1-26: Could not resolve symbol: /bin/bash:nosuchfn"},
		{`uprobe:/bin/bash:readline { print(retval); }`, "stdin:1:35-41: The retval builtin can only be used with"},
		{`usdt:/bin/bash:nosuch { }`, "stdin:1:1-22: No USDT probes in /bin/bash match nosuch"},
		{`usdt:/bin/bash { }`, "stdin:1:1-15: usdt probe type requires 2 arguments"},
		{`BEGIN { print(usym(comm)); }`, "usym() expects an integer or a pointer argument"},
		{`BEGIN { print(uaddr("x")); }`, `uaddr can not be used with "BEGIN" probes`},
		{`uprobe:/bin/bash:readline { print(uaddr("no_such_symbol")); }`, "Could not resolve symbol: /bin/bash:no_such_symbol"},
	}
	for _, c := range cases {
		_, err := check(c.src)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %s", c.src, err, c.want)
		}
	}
}

// USDT probes of the system's Python, which has sys/sdt.h markers
// behind semaphores.
func TestUSDTExpansion(t *testing.T) {
	needFile(t, "/usr/bin/python3")
	prog, err := check(`usdt:/usr/bin/python3:python:gc__start { print(arg0); } usdt:/usr/bin/python3:gc__* { }`)
	if err != nil {
		t.Fatal(err)
	}
	pts := prog.Probes[0].Points
	if len(pts) != 1 || pts[0].Name != "usdt:/usr/bin/python3:python:gc__start" || pts[0].Provider != "python" ||
		pts[0].Semaphore == 0 || pts[0].FileOffset == 0 || len(pts[0].USDTArgs) != 1 {
		t.Fatalf("points %+v", pts)
	}
	if n := len(prog.Probes[1].Points); n != 2 {
		t.Errorf("gc__* names %d probes, want 2 (gc__start, gc__done)", n)
	}
	if _, err := check(`usdt:/usr/bin/python3:python:gc__start { print(arg1); }`); err == nil ||
		!strings.Contains(err.Error(), "couldn't get argument 1 for usdt:/usr/bin/python3:python:gc__start") {
		t.Errorf("arg1 of a probe with one argument: %v", err)
	}
}
