package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/e2e"
)

// The missing_probes config: with warn, a probe point that cannot attach
// (a kprobe, on a kernel without kprobes; where kprobes exist, a function
// that is not there) is reported and skipped; with ignore it is skipped
// silently; when nothing attaches at all the run fails.
func TestMissingProbes(t *testing.T) {
	dir := t.TempDir()
	script := func(mode, probes string) string {
		return writeScript(t, dir, mode+".bt", "config = { missing_probes = "+mode+"; }\n"+probes)
	}
	res := gtraceRun(t, e2e.Run{Args: []string{script("warn", "kprobe:vfs_read, kprobe:no_such_function_x { }\ninterval:ms:50 { printf(\"ran\\n\"); exit(); }\n")}})
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "ran\n") {
		t.Errorf("warn: exit %d, stdout %q, stderr %s", res.ExitCode, res.Stdout, res.Stderr)
	}
	for _, want := range []string{"WARNING: kprobe:no_such_function_x: no kernel function no_such_function_x", ". Skipping."} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("warn: stderr lacks %q:\n%s", want, res.Stderr)
		}
	}

	res = gtraceRun(t, e2e.Run{Args: []string{script("ignore", "kprobe:no_such_function_x { }\ninterval:ms:50 { printf(\"ran\\n\"); exit(); }\n")}})
	if res.ExitCode != 0 || res.Stdout != "Attaching 1 probe...\nran\n\n\n" || res.Stderr != "" {
		t.Errorf("ignore: exit %d, stdout %q, stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}

	res = gtraceRun(t, e2e.Run{Args: []string{script("error", "kprobe:no_such_function_x { }\ninterval:ms:50 { exit(); }\n")}})
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "ERROR: kprobe:no_such_function_x") {
		t.Errorf("error: exit %d, stderr %s", res.ExitCode, res.Stderr)
	}
}

// writeScript writes a script file into dir and returns its path.
func writeScript(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
