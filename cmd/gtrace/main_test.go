package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gtrace/gtrace/internal/e2e"
)

// Bad scripts: each gives one positioned error (file:line:col, the source
// line and a marker under the offending text), exits with 1 and leaves
// nothing loaded in the kernel.
func TestBadScripts(t *testing.T) {
	gtrace := e2e.Gtrace(t)
	cases := []struct {
		name, script string
		loc, msg     string // loc is "line:col" of the error
		marker       string // the marker line, exactly
	}{
		{"syntax", "BEGIN { @x = 1 +; }", "1:17", "syntax error, unexpected ;", "                ^"},
		{"unterminated block", "BEGIN {\n  @x = 1;\n", "2:10", "syntax error, unexpected end of file", "         ^"},
		{"missing semicolon", "BEGIN { @x = 1 @y = 2 }", "1:16", "syntax error, expecting ; or }", "               ^"},
		{"unknown probe type", "foo:bar { }", "1:1-8", "Invalid probe type: foo", "^~~~~~~"},
		{"unknown tracepoint", "tracepoint:syscalls:sys_enter_nope { }", "1:1-35", "tracepoint not found: syscalls:sys_enter_nope", "^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"},
		{"unknown field", "tracepoint:syscalls:sys_enter_read { @x = args->foo; }", "1:43-52",
			"Struct/union of type 'struct _tracepoint_syscalls_sys_enter_read' does not contain a field named 'foo'",
			"                                          ^~~~~~~~~"},
		{"type mismatch", "BEGIN {\n  @x = 1;\n  @x = \"a\";\n}", "3:8-11",
			"Type mismatch for @x: trying to assign value of type 'string[2]' when map already contains a value of type 'int64'",
			"       ^~~"},
		{"argument count", "BEGIN { exit(1, 2); }", "1:9-19", "exit() takes up to one argument (2 provided)", "        ^~~~~~~~~~"},
		{"printf argument count", `BEGIN { printf("%d %d\n", 1); }`, "1:9-29",
			"printf: Not enough arguments for format string (1 supplied, 2 expected)", "        ^~~~~~~~~~~~~~~~~~~~"},
		{"two key types", "BEGIN { @x[1] = 1; @x[\"a\"] = 2; }", "1:20-27",
			"Argument mismatch for @x: trying to access with arguments: [string[2]] when map expects arguments: [int64]",
			"                   ^~~~~~~"},
		{"undefined variable", "BEGIN { printf(\"%d\", $x); }", "1:22-24", "Undefined or undeclared variable: $x", "                     ^~"},
		{"unknown raw tracepoint module", "rawtracepoint:nonsense:sys_exit { }", "1:1-32",
			"No matches for rawtracepoint nonsense:sys_exit.", "^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "bad.bt")
			if err := os.WriteFile(path, []byte(c.script), 0o644); err != nil {
				t.Fatal(err)
			}
			unlock := e2e.Lock()
			defer unlock()
			before, err := e2e.LoadedPrograms()
			if err != nil {
				t.Fatal(err)
			}
			res, err := e2e.Exec(e2e.Run{Tracer: gtrace, Args: []string{path}})
			if err != nil {
				t.Fatal(err)
			}
			after, err := e2e.LoadedPrograms()
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != 1 {
				t.Errorf("exit code %d, want 1", res.ExitCode)
			}
			if res.Stdout != "" {
				t.Errorf("unexpected stdout %q", res.Stdout)
			}
			lines := strings.Split(strings.TrimRight(res.Stderr, "\n"), "\n")
			head := path + ":" + c.loc + ": ERROR: " + c.msg
			if len(lines) != 3 || lines[0] != head || lines[2] != c.marker {
				t.Errorf("stderr:\n%s\nwant:\n%s\n<source line>\n%s", res.Stderr, head, c.marker)
			}
			lineNo := 0
			if _, err := fmt.Sscanf(c.loc, "%d", &lineNo); err == nil && len(lines) == 3 {
				if want := strings.Split(c.script, "\n")[lineNo-1]; lines[1] != want {
					t.Errorf("source line %q, want %q", lines[1], want)
				}
			}
			for id := range after {
				if !before[id] {
					t.Errorf("BPF program %d is still loaded after the error", id)
				}
			}
		})
	}
}

// Scripts run from a file with positional parameters, and from stdin.
func TestScriptSources(t *testing.T) {
	gtrace := e2e.Gtrace(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "params.bt")
	script := `BEGIN { printf("%d %s %d\n", $1, str($2), $#); exit(); }`
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := e2e.Exec(e2e.Run{Tracer: gtrace, Args: []string{path, "42", "hello"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Attaching 1 probe...\n42 hello 2\n\n\n"; res.Stdout != want {
		t.Errorf("file with params: %q, want %q (stderr %s)", res.Stdout, want, res.Stderr)
	}
	res, err = e2e.Exec(e2e.Run{Tracer: gtrace, Args: []string{"-"}, Stdin: `BEGIN { printf("hi\n"); exit(); }`})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Attaching 1 probe...\nhi\n\n\n"; res.Stdout != want {
		t.Errorf("stdin: %q, want %q (stderr %s)", res.Stdout, want, res.Stderr)
	}
}

// SIGINT and SIGTERM stop tracing the way exit() does: END runs, maps
// print, and every program and link is gone afterwards.
func TestSignalsDetach(t *testing.T) {
	gtrace := e2e.Gtrace(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			unlock := e2e.Lock()
			defer unlock()
			before, err := e2e.LoadedPrograms()
			if err != nil {
				t.Fatal(err)
			}
			script := `tracepoint:syscalls:sys_enter_getppid { @calls = count(); } interval:s:1 { @ticks = count(); } END { printf("end\n"); }`
			res, err := e2e.Exec(e2e.Run{Tracer: gtrace, Args: []string{"-e", script},
				Trigger: "for i in 1 2 3; do sh -c 'echo $PPID' >/dev/null; done", Stop: true, Signal: sig})
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != 0 {
				t.Errorf("exit code %d (stderr %s)", res.ExitCode, res.Stderr)
			}
			if !strings.HasPrefix(res.Stdout, "Attaching 3 probes...\nend\n\n\n@calls: ") {
				t.Errorf("stdout %q", res.Stdout)
			}
			after, err := e2e.LoadedPrograms()
			if err != nil {
				t.Fatal(err)
			}
			for id := range after {
				if !before[id] {
					t.Errorf("BPF program %d is still loaded after %v", id, sig)
				}
			}
		})
	}
}
