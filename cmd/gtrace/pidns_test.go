package main

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/e2e"
)

// pidNSRun runs gtrace with args in a new PID namespace (and a new /proc
// to match), as a container would: unshare forks, so gtrace is the
// namespace's pid 1.
func pidNSRun(t *testing.T, r e2e.Run) e2e.Result {
	t.Helper()
	gtrace := e2e.Gtrace(t)
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is not installed")
	}
	r.Tracer = unshare
	r.Args = append([]string{"--pid", "--fork", "--mount-proc", gtrace}, r.Args...)
	return gtraceRun(t, r)
}

// scanInts reads the whitespace-separated integers of one output line.
func scanInts(t *testing.T, line string, n int) []int {
	t.Helper()
	fields := strings.Fields(line)
	if len(fields) < n {
		t.Fatalf("line %q: want %d numbers", line, n)
	}
	out := make([]int, n)
	for i := range out {
		if _, err := fmt.Sscan(fields[i], &out[i]); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
	}
	return out
}

// outputLine returns the first line of stdout after "Attaching ...".
func outputLine(t *testing.T, res e2e.Result) string {
	t.Helper()
	for _, l := range strings.Split(res.Stdout, "\n") {
		if l != "" && !strings.HasPrefix(l, "Attaching ") {
			return l
		}
	}
	t.Fatalf("no output line\nstdout:\n%s\nstderr:\n%s", res.Stdout, res.Stderr)
	return ""
}

// TestPidNamespace checks pid and tid in a PID namespace, as the newest
// bpftrace has them: the bare builtins, pid(), tid() and curr_ns count in
// the namespace gtrace runs in, init in the initial one; cpid (-c) is in
// gtrace's namespace too, so pid == cpid picks the command; a task of
// another namespace has pid 0.
func TestPidNamespace(t *testing.T) {
	const ids = `BEGIN { printf("%d %d %d %d %d %d\n", pid, pid(curr_ns), pid(init), tid, tid(), tid(init)); exit(); }`

	// In the initial namespace both views agree.
	res := gtraceRun(t, e2e.Run{Args: []string{"-e", ids}})
	v := scanInts(t, outputLine(t, res), 6)
	if v[0] != v[1] || v[0] != v[2] || v[3] != v[4] || v[3] != v[5] || v[0] <= 1 {
		t.Errorf("initial namespace: pid, pid(curr_ns), pid(init), tid, tid(), tid(init) = %v", v)
	}

	// BEGIN runs in gtrace, pid 1 of its namespace.
	res = pidNSRun(t, e2e.Run{Args: []string{"-e", ids}})
	v = scanInts(t, outputLine(t, res), 6)
	if v[0] != 1 || v[1] != 1 || v[2] <= 1 {
		t.Errorf("in a namespace: pid, pid(curr_ns), pid(init) = %v, want 1, 1 and gtrace's pid outside", v[:3])
	}
	if v[3] != v[4] || v[3] == v[5] || v[5] <= 1 {
		t.Errorf("in a namespace: tid, tid(), tid(init) = %v, want the same two and another", v[3:])
	}

	// The -c command: pid == cpid, both in the namespace.
	res = pidNSRun(t, e2e.Run{Args: []string{"-c", "/bin/true", "-e",
		`tracepoint:syscalls:sys_enter_execve /pid == cpid/ { printf("%d %d %d %d %s\n", pid, cpid, pid(init), tid, comm(pid(init))); }`}})
	line := outputLine(t, res)
	v = scanInts(t, line, 4)
	if v[0] != v[1] || v[0] <= 1 || v[0] == v[2] || v[3] != v[0] {
		t.Errorf("-c command in a namespace: pid, cpid, pid(init), tid = %v", v)
	}
	if !strings.HasSuffix(line, " sh") {
		t.Errorf("-c command in a namespace: comm(pid(init)) in %q, want sh (the command before its exec)", line)
	}

	// A process outside gtrace's namespace (the trigger runs in the
	// test's) has no pid in it.
	res = pidNSRun(t, e2e.Run{Trigger: "/bin/true", Args: []string{"-e",
		`tracepoint:syscalls:sys_enter_execve /str(args->filename) == "/bin/true"/ { printf("%d %d %d %d\n", pid, pid(init), tid, tid(init)); exit(); }`}})
	v = scanInts(t, outputLine(t, res), 4)
	if v[0] != 0 || v[2] != 0 || v[1] <= 1 || v[3] <= 1 {
		t.Errorf("outside the namespace: pid, pid(init), tid, tid(init) = %v, want 0, its pid, 0, its tid", v)
	}
}
