package gtrace

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Imports are read from the file system relative to the importing file,
// and refused from a world-writable directory.
func TestImportFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("lib/defs.h", "#define ANSWER 42\n")
	write("lib/greet.bt", "macro greet() { printf(\"hello %d\\n\", ANSWER); }\n")
	main := write("main.bt", "import \"lib\";\nBEGIN { greet(); exit(); }\n")
	src, _ := os.ReadFile(main)
	if _, err := Compile(string(src), Options{Name: main}); err != nil {
		t.Fatalf("Compile: %s", Render(err))
	}

	open := filepath.Join(dir, "open")
	write("open/x.bt", "BEGIN { }\n")
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	_, err := Compile("import \"open/x.bt\";\nBEGIN { exit(); }\n", Options{Name: main})
	if err == nil || !strings.Contains(Render(err), "world-writable") {
		t.Errorf("import from a world-writable directory: %v", err)
	}
	// The error points at the import statement in the importing file.
	if err != nil && !strings.HasPrefix(Render(err), main+":1:1") {
		t.Errorf("error at %q", Render(err))
	}
}
