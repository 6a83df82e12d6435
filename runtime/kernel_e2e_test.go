package runtime_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gtrace/gtrace/internal/e2e"
	"github.com/gtrace/gtrace/internal/testenv"
)

// End-to-end tests of kernel probes, perf events, stacks and symbols:
// gtrace runs real scripts on this kernel against processes the tests
// start, some compiled here with gcc.

// run runs gtrace and fails the test on a harness error.
func run(t *testing.T, r e2e.Run) e2e.Result {
	t.Helper()
	r.Tracer = e2e.Gtrace(t)
	res, err := e2e.Exec(r)
	if err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, res.Stdout, res.Stderr)
	}
	return res
}

// buildC compiles a C program with frame pointers (for user stacks) and
// returns its path.
func buildC(t *testing.T, name, src string, flags ...string) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		testenv.Skip(t, "needs gcc")
	}
	dir := t.TempDir()
	c := filepath.Join(dir, name+".c")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, name)
	args := append([]string{"-O1", "-g", "-fno-omit-frame-pointer", "-o", bin, c}, flags...)
	if out, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return bin
}

// start starts a program and stops it when the test ends.
func start(t *testing.T, path string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// busyCPUs keeps every CPU busy until the test ends: cpu-clock events
// only fire on CPUs that run something in this VM.
func busyCPUs(t *testing.T) {
	t.Helper()
	cpus, err := onlineCPUCount()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < cpus; i++ {
		start(t, "taskset", "-c", strconv.Itoa(i), "sh", "-c", "while :; do :; done")
	}
}

func onlineCPUCount() (int, error) {
	data, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, part := range strings.Split(strings.TrimSpace(string(data)), ",") {
		lo, hi, ok := strings.Cut(part, "-")
		a, _ := strconv.Atoi(lo)
		b := a
		if ok {
			b, _ = strconv.Atoi(hi)
		}
		n += b - a + 1
	}
	return n, nil
}

// mapCounts parses "@name[key]: N" lines.
func mapCounts(out, name string) map[string]int {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\[(.*)\]: (\d+)$`)
	m := map[string]int{}
	for _, sub := range re.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(sub[2])
		m[sub[1]] = n
	}
	return m
}

func TestSoftwareEventsEveryCPU(t *testing.T) {
	if _, err := exec.LookPath("taskset"); err != nil {
		testenv.Skip(t, "needs taskset")
	}
	busyCPUs(t)
	res := run(t, e2e.Run{
		Args:    []string{"-e", `software:cpu-clock:1000000 { @[cpu] = count(); } s:faults:1 { @f = count(); } software:cs:1 { @cs = count(); }`},
		Trigger: "sleep 0.5; head -c 10000000 /dev/zero | cat >/dev/null",
		Stop:    true,
	})
	if res.ExitCode != 0 {
		t.Fatalf("exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	cpus, _ := onlineCPUCount()
	counts := mapCounts(res.Stdout, "@")
	for i := 0; i < cpus; i++ {
		if counts[strconv.Itoa(i)] == 0 {
			t.Errorf("no cpu-clock samples on CPU %d:\n%s", i, res.Stdout)
		}
	}
	for _, m := range []string{"@f", "@cs"} {
		if !regexp.MustCompile(`(?m)^` + m + `: [1-9]\d*$`).MatchString(res.Stdout) {
			t.Errorf("no %s events:\n%s", m, res.Stdout)
		}
	}
}

func TestHardwareEventWithoutPMU(t *testing.T) {
	if _, err := os.Stat("/sys/bus/event_source/devices/cpu"); err == nil {
		testenv.Skip(t, "this machine has a CPU PMU: hardware events work here")
	}
	before := loaded(t)
	res := run(t, e2e.Run{Args: []string{"-e", `software:cpu-clock:1000000 { @s = count(); } hardware:cycles:100000 { @ = count(); }`}, Timeout: 20 * time.Second})
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "failed to attach hardware:cycles:100000: this machine has no hardware performance counter") {
		t.Errorf("exit %d, stderr:\n%s", res.ExitCode, res.Stderr)
	}
	if strings.Count(strings.TrimSpace(res.Stderr), "\n") != 2 {
		t.Errorf("want a one-line error (with the script line and caret), got:\n%s", res.Stderr)
	}
	sameLoaded(t, before)
}

const watchedProgram = `#include <unistd.h>
volatile long counter;
int main(void) { for (;;) { counter++; usleep(2000); } }
`

func TestWatchpointOnWrite(t *testing.T) {
	bin := buildC(t, "watched", watchedProgram, "-no-pie")
	addr := symbolAddress(t, bin, "counter")
	cmd := start(t, bin)
	pid := cmd.Process.Pid
	res := run(t, e2e.Run{Args: []string{"-p", strconv.Itoa(pid), "-e",
		fmt.Sprintf(`watchpoint:0x%x:8:w { @[comm, pid == %d] = count(); if (@n++ >= 5) { exit(); } }`, addr, pid)}})
	if res.ExitCode != 0 {
		t.Fatalf("exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if n := mapCounts(res.Stdout, "@")["watched, true"]; n < 5 {
		t.Errorf("watchpoint fired %d times for the watched process:\n%s", n, res.Stdout)
	}
}

// symbolAddress reads a symbol's address in a non-PIE binary with nm.
func symbolAddress(t *testing.T, bin, name string) uint64 {
	out, err := exec.Command("nm", bin).Output()
	if err != nil {
		testenv.Skip(t, "needs nm")
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[2] == name {
			a, err := strconv.ParseUint(f[0], 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
	}
	t.Fatalf("%s has no symbol %s", bin, name)
	return 0
}

// chainProgram spins in cfunc, called through afunc and bfunc.
const chainProgram = `#include <fcntl.h>
#include <unistd.h>
volatile unsigned long sink;
__attribute__((noinline)) void cfunc(void) {
	for (unsigned long i = 0; i < 100000000UL; i++) sink += i;
	int fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) close(fd);
}
__attribute__((noinline)) void bfunc(void) { cfunc(); sink++; }
__attribute__((noinline)) void afunc(void) { bfunc(); sink++; }
int main(void) { for (;;) afunc(); }
`

func TestStacksWithSymbols(t *testing.T) {
	bin := buildC(t, "chain", chainProgram)
	cmd := start(t, bin)
	time.Sleep(100 * time.Millisecond)
	script := fmt.Sprintf(`profile:hz:199 /pid == %d/ { @u[ustack] = count(); @p[ustack(perf, 4)] = count(); }
tracepoint:syscalls:sys_enter_openat /pid == %[1]d/ { @k[kstack] = count(); @r[kstack(raw, 2)] = count(); }`, cmd.Process.Pid)
	res := run(t, e2e.Run{Args: []string{"-e", script}, Trigger: "sleep 1.5", Stop: true})
	if res.ExitCode != 0 {
		t.Fatalf("exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	chain := regexp.MustCompile(`(?s)@u\[\n    cfunc\+\d+\n    bfunc\+\d+\n    afunc\+\d+\n    main\+\d+\n.*?\]: \d+`)
	if !chain.MatchString(res.Stdout) {
		t.Errorf("no user stack cfunc, bfunc, afunc, main:\n%s", res.Stdout)
	}
	perf := regexp.MustCompile(`(?m)^\t[0-9a-f]+ cfunc\+\d+ \(` + regexp.QuoteMeta(bin) + `\)$`)
	if !perf.MatchString(res.Stdout) {
		t.Errorf("no perf-mode frame for cfunc in %s:\n%s", bin, res.Stdout)
	}
	kernel := regexp.MustCompile(`(?s)@k\[\n(    \S+\+\d+\n)*    do_syscall_64\+\d+\n    entry_SYSCALL_64\S*\+\d+\n\]: \d+`)
	if !kernel.MatchString(res.Stdout) {
		t.Errorf("no kernel stack ending in do_syscall_64, entry_SYSCALL_64:\n%s", res.Stdout)
	}
	if !regexp.MustCompile(`@r\[\nffffffff[0-9a-f]{8}\nffffffff[0-9a-f]{8}\n\]: \d+`).MatchString(res.Stdout) {
		t.Errorf("no raw kernel stack:\n%s", res.Stdout)
	}
}

func TestKsymKaddr(t *testing.T) {
	res := run(t, e2e.Run{Args: []string{"-e", `BEGIN { printf("%s %s %s|%s\n", ksym(kaddr("vfs_read")), ksym(kaddr("vfs_read") + 3), ksym(0), ksym(1)); @[ksym(kaddr("vfs_write"))] = count(); exit(); }`}})
	want := "Attaching 1 probe...\nvfs_read vfs_read 0|0x1\n\n\n@[vfs_write]: 1\n"
	if res.Stdout != want {
		t.Errorf("stdout %q, want %q\nstderr:\n%s", res.Stdout, want, res.Stderr)
	}
	res = run(t, e2e.Run{Args: []string{"-e", `BEGIN { print(kaddr("no_such_kernel_symbol")); }`}})
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "Failed to resolve kernel symbol: no_such_kernel_symbol") {
		t.Errorf("exit %d, stderr:\n%s", res.ExitCode, res.Stderr)
	}
}

// kprobeScripts use arguments, return values, stacks and registers on
// several kernel functions.
var kprobeScripts = []string{
	`kprobe:vfs_read { @[kstack, func] = count(); @b = hist(arg2); }`,
	`kretprobe:vfs_read { @r = hist(retval); @f[func] = count(); }`,
	`kprobe:do_sys_openat2 { printf("%s %d\n", str(arg1), reg("ip") > 0); @[ustack(5)] = count(); }`,
	`kprobe:tcp_sendmsg { @bytes[comm] = sum(arg2); } kretprobe:tcp_sendmsg { @ret = stats(retval); }`,
	`kprobe:vfs_writ* { @[probe] = count(); } kprobe:vfs_write+4 { @o = count(); }`,
}

func TestKprobeDryRun(t *testing.T) {
	before := loaded(t)
	for _, src := range kprobeScripts {
		res := run(t, e2e.Run{Args: []string{"--dry-run", "-e", src}})
		if res.ExitCode != 0 || res.Stdout != "" {
			t.Errorf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", src, res.ExitCode, res.Stdout, res.Stderr)
		}
	}
	sameLoaded(t, before)
}

func TestKprobeErrors(t *testing.T) {
	for _, c := range []struct{ src, msg string }{
		{`kprobe:no_such_function_here { }`, "kprobe:no_such_function_here: no kernel function no_such_function_here"},
		{`kprobe:no_such_function_*x { }`, "kprobe:no_such_function_*x: no kernel function matches no_such_function_*x"},
		{`kretprobe:vfs_read+4 { }`, "kretprobe: offsets are not allowed"},
		{`software:nope { }`, "nope is not a software probe"},
		{`hardware:nope:100 { }`, "nope is not a hardware probe"},
		{`watchpoint:0x1000:3:w { }`, "watchpoint length must be one of (1,2,4,8)"},
		{`watchpoint:0:8:w { }`, "watchpoint must be attached to a non-zero address"},
		{`tracepoint:syscalls:sys_enter_openat { print(reg("ip")); }`, `reg can not be used with "tracepoint" probes`},
		{`kprobe:vfs_read { print(reg("xyz")); }`, "'xyz' is not a valid register on this architecture"},
	} {
		res := run(t, e2e.Run{Args: []string{"-e", c.src}})
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, c.msg) || !strings.HasPrefix(res.Stderr, "stdin:1:") {
			t.Errorf("%s: exit %d, want an error with %q, stderr:\n%s", c.src, res.ExitCode, c.msg, res.Stderr)
		}
	}
}

// haveKprobes mirrors the runtime's check.
func haveKprobes() bool {
	for _, p := range []string{"/sys/bus/event_source/devices/kprobe/type", "/sys/kernel/tracing/kprobe_events", "/sys/kernel/debug/tracing/kprobe_events"} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

func TestKprobeAttach(t *testing.T) {
	before := loaded(t)
	res := run(t, e2e.Run{Args: []string{"-e", `kprobe:vfs_read { @[comm] = count(); } kretprobe:vfs_read { @r = count(); }`},
		Trigger: "cat /etc/hostname >/dev/null", Stop: true})
	if haveKprobes() {
		if res.ExitCode != 0 || !strings.Contains(res.Stdout, "@r: ") {
			t.Errorf("exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
		}
	} else {
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, "this kernel has no kprobes") {
			t.Errorf("exit %d, stderr:\n%s", res.ExitCode, res.Stderr)
		}
		if res.Stdout != "Attaching 2 probes...\n" {
			t.Errorf("stdout %q", res.Stdout)
		}
	}
	sameLoaded(t, before)
}

// TestPerfProbesDetach checks that every exit path leaves no program (and
// so no link or perf event holding one) behind.
func TestPerfProbesDetach(t *testing.T) {
	script := `software:cpu-clock:1000000 { @c = count(); } software:cs:1 { @s[kstack(3)] = count(); } watchpoint:0x%x:8:w { @w = count(); }`
	bin := buildC(t, "watched", watchedProgram, "-no-pie")
	src := fmt.Sprintf(script, symbolAddress(t, bin, "counter"))
	for _, c := range []struct {
		name string
		r    e2e.Run
	}{
		{"SIGINT", e2e.Run{Args: []string{"-e", src}, Trigger: "sleep 0.2", Stop: true}},
		{"SIGTERM", e2e.Run{Args: []string{"-e", src}, Trigger: "sleep 0.2", Stop: true, Signal: syscall.SIGTERM}},
		{"exit", e2e.Run{Args: []string{"-e", src + ` interval:ms:100 { exit(); }`}}},
		{"attach error", e2e.Run{Args: []string{"-e", src + ` hardware:cycles:100000 { }`}}},
		{"compile error", e2e.Run{Args: []string{"-e", src + ` software:nope { }`}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := start(t, bin)
			c.r.Args = append([]string{"-p", strconv.Itoa(cmd.Process.Pid)}, c.r.Args...)
			before := loaded(t)
			res := run(t, c.r)
			if c.name == "SIGINT" || c.name == "exit" {
				if res.ExitCode != 0 || !strings.Contains(res.Stdout, "@c: ") {
					t.Errorf("exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
				}
			}
			sameLoaded(t, before)
		})
	}
}

func loaded(t *testing.T) map[string]bool {
	t.Helper()
	ids, err := e2e.LoadedPrograms()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for id := range ids {
		out[fmt.Sprint(id)] = true
	}
	return out
}

// sameLoaded fails when programs were loaded since before and are still
// there.
func sameLoaded(t *testing.T, before map[string]bool) {
	t.Helper()
	defer e2e.Lock()()
	var left []string
	for i := 0; i < 50; i++ {
		left = left[:0]
		for id := range loaded(t) {
			if !before[id] {
				left = append(left, id)
			}
		}
		if len(left) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("BPF programs left loaded: %v", left)
}

func TestListKernelProbes(t *testing.T) {
	res := run(t, e2e.Run{Args: []string{"-l", "software:*"}})
	want := "software:alignment-faults:\nsoftware:bpf-output:\nsoftware:context-switches:\nsoftware:cpu:\nsoftware:cpu-clock:\n" +
		"software:cpu-migrations:\nsoftware:cs:\nsoftware:dummy:\nsoftware:emulation-faults:\nsoftware:faults:\n" +
		"software:major-faults:\nsoftware:minor-faults:\nsoftware:page-faults:\nsoftware:task-clock:\n"
	if res.Stdout != want {
		t.Errorf("software listing:\n%s", res.Stdout)
	}
	res = run(t, e2e.Run{Args: []string{"-l", "hardware:*cycles*"}})
	if want := "hardware:bus-cycles:\nhardware:cpu-cycles:\nhardware:cycles:\nhardware:ref-cycles:\n"; res.Stdout != want {
		t.Errorf("hardware listing:\n%s", res.Stdout)
	}
	res = run(t, e2e.Run{Args: []string{"-l", "kprobe:vfs_rea*"}})
	if !strings.Contains(res.Stdout, "kprobe:vfs_read\n") || strings.Contains(res.Stdout, "vfs_write") {
		t.Errorf("kprobe listing:\n%s%s", res.Stdout, res.Stderr)
	}
}
