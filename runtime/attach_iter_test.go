package runtime_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gtrace/gtrace/internal/e2e"
	"github.com/gtrace/gtrace/internal/testenv"
)

// End-to-end tests of iterator probes: reading an iterator to its end,
// with a traced process (-p) whose tasks alone it walks, printf()'s
// formats, JSON output and pinning. Every run that does not pin must
// leave no BPF program behind.

// startSleeper starts sleep with known files (stdin /dev/null, stdout a
// file of the test's, stderr /dev/zero) and waits until it has run exec,
// so that its comm and files are sleep's.
func startSleeper(t *testing.T) (pid int, stdout string) {
	t.Helper()
	stdout = filepath.Join(t.TempDir(), "out")
	out, err := os.Create(stdout)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	in, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	zero, err := os.OpenFile("/dev/zero", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer zero.Close()
	cmd := exec.Command("sleep", "60")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, out, zero
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	comm := fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(comm); err == nil && string(b) == "sleep\n" {
			return cmd.Process.Pid, stdout
		}
	}
	t.Fatal("sleep did not start")
	return 0, ""
}

// With -p, a task iterator walks the process's tasks only: sleep's one
// task, its files (descriptor 0 never shows: a context field that reads 0
// ends the probe, as in bpftrace; the test's harness may pass it more
// than 0, 1 and 2) and its memory mappings.
func TestIterTracedProcess(t *testing.T) {
	testenv.BPF(t)
	pid, stdout := startSleeper(t)
	p := fmt.Sprint(pid)
	res := trace(t, e2e.Run{Args: []string{"-p", p, "-e",
		`iter:task { printf("%s %d %d\n", ctx.task.comm, ctx.task.pid == ` + p + `, ctx.task.tgid == ` + p + `); }`}})
	wantStdout(t, res, "Attaching 1 probe...\nsleep 1 1\n\n\n")

	res = trace(t, e2e.Run{Args: []string{"-p", p, "-e",
		`iter:task_file /ctx.fd <= 2/ { printf("%s %d %s\n", ctx.task.comm, ctx.fd, path(ctx.file.f_path)); }`}})
	wantStdout(t, res, fmt.Sprintf("Attaching 1 probe...\nsleep 1 %s\nsleep 2 /dev/zero\n\n\n", stdout))

	res = trace(t, e2e.Run{Args: []string{"-p", p, "-e",
		`iter:task_vma { @vmas = count(); @tasks[ctx.task.comm, ctx.task.tgid == ` + p + `] = count(); }
		 END { printf("%d\n", @vmas > 3); clear(@vmas); }`}})
	if res.ExitCode != 0 || !strings.HasPrefix(res.Stdout, "Attaching 2 probes...\n1\n") || !strings.Contains(res.Stdout, "@tasks[sleep, true]: ") {
		t.Errorf("iter:task_vma -p: exit %d, stdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
}

// printf() in an iterator keeps printf()'s meaning though the kernel
// formats it: 64-bit integers, h and hh lengths, flags and widths, %c,
// %% and a %s followed by a letter (which bpf_seq_printf refuses, so
// gtrace splits the format), more than the kernel's 12 arguments, and
// printf() in a map loop's body and in a while loop.
func TestIterPrintf(t *testing.T) {
	testenv.BPF(t)
	printf := `printf("%s|%5d|%-5d|%x|%c|%hhd|%hu|%sabc|%d %d %d %d %d %d %d %d %d %d %d %d %d|100%%|%d|%lu\n", ` +
		`"str", 42, 7, 255, 65, 300, 70000, "x", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 1 << 40, -1);`
	res := trace(t, e2e.Run{Args: []string{"-e", `iter:task /ctx.task.pid == 2/ { ` + printf + `
		@m[1] = 1; for ($kv : @m) { printf("loop %d\n", $kv.0); }
		$i = 0; while ($i < 2) { printf("while %d\n", $i); $i++; } }`}})
	line := "str|   42|7    |ff|A|44|4464|xabc|1 2 3 4 5 6 7 8 9 10 11 12 13|100%|1099511627776|18446744073709551615\n"
	wantStdout(t, res, "Attaching 1 probe...\n"+line+"loop 1\nwhile 0\nwhile 1\n\n\n@m[1]: 1\n")
	// The same printf in BEGIN, formatted in user space.
	res = trace(t, e2e.Run{Args: []string{"-e", `BEGIN { ` + printf + ` exit(); }`}})
	wantStdout(t, res, "Attaching 1 probe...\n"+line+"\n\n")
}

// With -f json, what the iterator wrote is a printf message.
func TestIterJSON(t *testing.T) {
	testenv.BPF(t)
	res := trace(t, e2e.Run{Args: []string{"-f", "json", "-e", `iter:task /ctx.task.pid == 2/ { printf("%s\n", ctx.task.comm); }`}})
	want := `{"type": "attached_probes", "data": {"probes": 1}}
{"type": "printf", "data": "kthreadd\n"}
`
	wantStdout(t, res, want)
}

// iter:task:PATH pins the iterator's link and ends the run; reading the
// pinned file runs the program. An existing file is an error.
func TestIterPin(t *testing.T) {
	testenv.BPF(t)
	dir := t.TempDir()
	if err := syscall.Mount("bpf", dir, "bpf", 0, ""); err != nil {
		testenv.Skip(t, "mounting a BPF file system: "+err.Error())
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	pin := filepath.Join(dir, "tasks")
	prog := `iter:task:` + pin + ` /ctx.task.pid == 2/ { printf("%s:%d\n", ctx.task.comm, ctx.task.pid); }`
	unlock := e2e.Lock()
	defer unlock()
	before, err := e2e.LoadedPrograms()
	if err != nil {
		t.Fatal(err)
	}
	res, err := e2e.Exec(e2e.Run{Tracer: e2e.Gtrace(t), Args: []string{"-e", prog}})
	if err != nil {
		t.Fatal(err)
	}
	wantStdout(t, res, "Attaching 1 probe...\nProgram pinned to "+pin+"\n\n\n")
	for i := 0; i < 2; i++ {
		// Each read of the pin runs the iterator anew.
		if out, err := os.ReadFile(pin); err != nil || string(out) != "kthreadd:2\n" {
			t.Errorf("reading %s: %q, %v", pin, out, err)
		}
	}

	res, err = e2e.Exec(e2e.Run{Tracer: e2e.Gtrace(t), Args: []string{"-e", prog}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "ERROR: failed to pin iter probe link to " + pin + ": file exists\n"; res.ExitCode != 1 || res.Stderr != want {
		t.Errorf("pinning to an existing file: exit %d, stderr %q, want 1 and %q", res.ExitCode, res.Stderr, want)
	}

	if err := os.Remove(pin); err != nil {
		t.Fatal(err)
	}
	// The kernel frees the program once the last link is gone, after a
	// grace period.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		after, err := e2e.LoadedPrograms()
		if err != nil {
			t.Fatal(err)
		}
		left := 0
		for id := range after {
			if !before[id] {
				left++
			}
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%d BPF programs still loaded after the pin is removed", left)
			break
		}
	}
}
