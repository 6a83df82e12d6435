package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/e2e"
	"github.com/gtrace/gtrace/internal/testenv"
)

// Listing a program (gtrace -l -e 'PROGRAM', gtrace -l FILE) lists the
// probes it attaches to, as the newest bpftrace does: its attach points
// expanded, in the form a pattern listing prints them.
func TestListProgram(t *testing.T) {
	gtrace := e2e.Gtrace(t)
	testenv.File(t, "/sys/kernel/btf/vmlinux")
	list := func(args ...string) e2e.Result {
		t.Helper()
		res := gtraceRun(t, e2e.Run{Tracer: gtrace, Args: args})
		if res.ExitCode != 0 || res.Stderr != "" {
			t.Fatalf("gtrace %s: exit %d\n%s%s", strings.Join(args, " "), res.ExitCode, res.Stdout, res.Stderr)
		}
		return res
	}

	// The program's wildcard lists what the same pattern lists; BEGIN
	// and END attach to nothing and are left out.
	pattern := list("-l", "tracepoint:syscalls:sys_enter_open*").Stdout
	if !strings.Contains(pattern, "tracepoint:syscalls:sys_enter_openat\n") {
		t.Fatalf("gtrace -l 'tracepoint:syscalls:sys_enter_open*':\n%s", pattern)
	}
	got := list("-l", "-e", `BEGIN { printf("hi\n"); } tracepoint:syscalls:sys_enter_open* { exit(); } END { }`).Stdout
	if got != pattern {
		t.Errorf("gtrace -l -e: got\n%swant (as the pattern lists)\n%s", got, pattern)
	}

	// A script file, probes in the program's order; with -v each with
	// its arguments, as -lv 'pattern' prints them.
	script := filepath.Join(t.TempDir(), "my_script.bt")
	src := "tracepoint:sched:sched_process_exit,\n  tracepoint:syscalls:sys_enter_openat\n{ @[comm] = count(); }\n" +
		"interval:s:1 { exit(); }\nprofile:hz:99 { }\nsoftware:cpu-clock:1000 { }\n"
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "tracepoint:sched:sched_process_exit\ntracepoint:syscalls:sys_enter_openat\ninterval:s:\nprofile:hz:\nsoftware:cpu-clock:\n"
	if got := list("-l", script).Stdout; got != want {
		t.Errorf("gtrace -l %s: got\n%swant\n%s", script, got, want)
	}
	verbose := list("-lv", "-e", "tracepoint:syscalls:sys_enter_openat { exit(); }").Stdout
	if want := list("-lv", "tracepoint:syscalls:sys_enter_openat").Stdout; verbose != want {
		t.Errorf("gtrace -lv -e: got\n%swant (as -lv 'pattern')\n%s", verbose, want)
	}
	if !strings.HasPrefix(verbose, "tracepoint:syscalls:sys_enter_openat\n") || !strings.Contains(verbose, "\n    const char * filename\n") {
		t.Errorf("gtrace -lv -e: no arguments in\n%s", verbose)
	}

	// A program with errors: the usual positioned error, exit 1.
	for _, c := range []struct{ prog, want string }{
		{"tracepoint:syscalls:sys_enter_openat { exit( }", "stdin:1:46: ERROR: syntax error, unexpected }\n" +
			"tracepoint:syscalls:sys_enter_openat { exit( }\n" +
			"                                             ^\n"},
		{"tracepoint:syscalls:no_such_tracepoint { exit(); }", "stdin:1:1-39: ERROR: tracepoint not found: syscalls:no_such_tracepoint\n"},
	} {
		res := gtraceRun(t, e2e.Run{Tracer: gtrace, Args: []string{"-l", "-e", c.prog}})
		if res.ExitCode != 1 || res.Stdout != "" || !strings.HasPrefix(res.Stderr, c.want) {
			t.Errorf("gtrace -l -e %q: exit %d, stdout %q, stderr\n%s\nwant exit 1 and\n%s", c.prog, res.ExitCode, res.Stdout, res.Stderr, c.want)
		}
	}
}

// -l 'struct path*' lists kernel types by name and -lv their definitions,
// as bpftrace does; the newest bpftrace writes "vmlinux: " before each
// definition, which 0.17 (installed here) does not.
func TestListTypes(t *testing.T) {
	gtrace := e2e.Gtrace(t)
	testenv.File(t, "/sys/kernel/btf/vmlinux")
	cases := []struct {
		args []string
		want string // "" when it depends on the kernel
		// newest marks what bpftrace 0.17 does not do: the newest
		// collapses the spaces in the pattern.
		newest bool
	}{
		{[]string{"-l", "struct path*"}, "", false},
		{[]string{"-l", "union *"}, "", false},
		{[]string{"-lv", "struct path"}, "vmlinux: struct path {\n\tstruct vfsmount *mnt;\n\tstruct dentry *dentry;\n};\n\n", false},
		{[]string{"-lv", "struct list_head"}, "vmlinux: struct list_head {\n\tstruct list_head *next;\n\tstruct list_head *prev;\n};\n\n", false},
		{[]string{"-lv", "struct  hlist_node"}, "vmlinux: struct hlist_node {\n\tstruct hlist_node *next;\n\tstruct hlist_node **pprev;\n};\n\n", true},
		{[]string{"-lv", "enum cpu_usage_stat"}, "", false},
	}
	bpftrace := e2e.Bpftrace()
	for _, c := range cases {
		res := gtraceRun(t, e2e.Run{Tracer: gtrace, Args: c.args})
		if res.ExitCode != 0 || res.Stderr != "" || res.Stdout == "" {
			t.Errorf("gtrace %q: exit %d\n%s%s", c.args, res.ExitCode, res.Stdout, res.Stderr)
			continue
		}
		if c.want != "" && res.Stdout != c.want {
			t.Errorf("gtrace %q: got\n%swant\n%s", c.args, res.Stdout, c.want)
		}
		if bpftrace == "" || c.newest {
			continue
		}
		out, err := exec.Command(bpftrace, c.args...).Output()
		if err != nil {
			t.Fatalf("bpftrace %q: %v", c.args, err)
		}
		want := string(out)
		if c.args[0] == "-lv" {
			want = "vmlinux: " + want
		}
		if res.Stdout != want {
			t.Errorf("gtrace %q: got\n%swant (as bpftrace, with the newest's vmlinux: prefix)\n%s", c.args, res.Stdout, want)
		}
	}
}
