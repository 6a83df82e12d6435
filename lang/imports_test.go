package lang

import (
	"io/fs"
	"path"
	"strings"
	"testing"
)

// mapFiles is an in-memory file system for import tests: file contents by
// path; a directory is any prefix of a path.
type mapFiles map[string]string

func (m mapFiles) ReadFile(name string) (string, error) {
	if src, ok := m[name]; ok {
		return src, nil
	}
	return "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (m mapFiles) ReadDir(name string) ([]string, bool, error) {
	if _, ok := m[name]; ok {
		return nil, false, nil
	}
	var entries []string
	for p := range m {
		if path.Dir(p) == name {
			entries = append(entries, path.Base(p))
		}
	}
	if entries == nil {
		return nil, false, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return entries, true, nil
}

func TestResolveImports(t *testing.T) {
	files := mapFiles{
		"/s/helpers.bt":  "macro greet() { printf(\"hello\\n\"); }\nBEGIN { @order = 1; }\n",
		"/s/lib/a.h":     "#define ANSWER 42\nstruct point { int x; int y; };\n",
		"/s/lib/b.bt":    "import \"../helpers.bt\";\nmacro twice(x) { x * 2 }\n",
		"/s/lib/notes.t": "not imported: a directory only brings supported files",
	}
	src := `import "helpers.bt";
import "lib";
import "/s/helpers.bt";
BEGIN { greet(); printf("%d %d\n", twice(ANSWER), sizeof(struct point)); }`
	prog, err := Parse("/s/main.bt", src)
	if err != nil {
		t.Fatal(err)
	}
	sources, err := ResolveImports(prog, "/s/main.bt", files)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"/s/helpers.bt", "/s/lib/a.h", "/s/lib/b.bt"} {
		if sources[name] != files[name] {
			t.Errorf("sources[%s] missing", name)
		}
	}
	probes := 0
	for _, it := range prog.Items {
		if p, ok := it.(*Probe); ok {
			probes++
			if probes == 1 && p.Pos.Filename != "/s/helpers.bt" {
				t.Errorf("first probe from %s, want the imported one first", p.Pos.Filename)
			}
		}
	}
	if probes != 2 {
		t.Errorf("%d probes, want 2 (helpers.bt imported once)", probes)
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
		t.Fatal(Render(err, sources))
	}
}

func TestImportErrors(t *testing.T) {
	files := mapFiles{
		"/s/conf.bt":   "config = { max_strlen = 16 }\nBEGIN { }\n",
		"/s/probe.h":   "BEGIN { }\n",
		"/s/x.bpf.c":   "int f(void) { return 0; }\n",
		"/s/x.txt":     "",
		"/s/broken.bt": "BEGIN { @x = 1 +; }\n",
		"/s/a.bt":      "import \"b.bt\";\n",
		"/s/b.bt":      "import \"a.bt\";\nBEGIN { }\n",
	}
	cases := []struct{ src, want string }{
		{`import "none.bt";`, `/s/main.bt:1:1-18: cannot import /s/none.bt: file does not exist`},
		{`import "conf.bt";`, `/s/conf.bt:1:1-29: an imported script cannot have a config block: only the main script can`},
		{`import "probe.h";`, `/s/probe.h:1:1-10: a header can only hold C definitions`},
		{`import "x.bpf.c";`, `/s/main.bt:1:1-18: cannot import /s/x.bpf.c: BPF C sources need a C compiler, and gtrace compiles scripts without one`},
		{`import "x.txt";`, `/s/main.bt:1:1-16: cannot import /s/x.txt: only .bt scripts, .h headers and directories of them can be imported`},
		{`import "broken.bt";`, `/s/broken.bt:1:17: syntax error, unexpected ;`},
		{"BEGIN { }\nimport \"a.bt\";", `/s/main.bt:2:1-15: import statements must come before probes, macros and map declarations`},
		{`import "";`, `/s/main.bt:1:1-11: invalid import path ""`},
	}
	for _, c := range cases {
		prog, err := Parse("/s/main.bt", c.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.src, err)
			continue
		}
		_, err = ResolveImports(prog, "/s/main.bt", files)
		if err == nil || err.Error() != c.want {
			t.Errorf("ResolveImports(%q):\n got %v\nwant %s", c.src, err, c.want)
		}
	}
	// Import cycles end: each file is imported once.
	prog, err := Parse("/s/main.bt", `import "a.bt";`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ResolveImports(prog, "/s/main.bt", files); err != nil {
		t.Errorf("cycle: %v", err)
	}
	// An import the caller did not resolve is an error, not ignored.
	prog, _ = Parse("", `import "a.bt"; BEGIN { }`)
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err == nil || !strings.Contains(err.Error(), "imports are not resolved") {
		t.Errorf("unresolved import: %v", err)
	}
}
