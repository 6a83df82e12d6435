package runtime_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gtrace/gtrace/internal/e2e"
	"github.com/gtrace/gtrace/internal/usertarget"
	"github.com/gtrace/gtrace/runtime/sym"
)

// End-to-end tests of user-space probes on programs the tests build
// (internal/usertarget): uprobes and uretprobes with arguments and
// return values, wildcards, libraries by name, USDT probes with every
// kind of argument location and a semaphore, -p and -c, symbols, C++
// and Go. Every run must leave no BPF program behind.

// trace runs gtrace and checks that it left no BPF program loaded.
func trace(t *testing.T, run e2e.Run) e2e.Result {
	t.Helper()
	run.Tracer = e2e.Gtrace(t)
	unlock := e2e.Lock()
	defer unlock()
	before, err := e2e.LoadedPrograms()
	if err != nil {
		t.Fatal(err)
	}
	res, err := e2e.Exec(run)
	if err != nil {
		t.Fatal(err)
	}
	after, err := e2e.LoadedPrograms()
	if err != nil {
		t.Fatal(err)
	}
	for id := range after {
		if !before[id] {
			t.Errorf("BPF program %d is still loaded after the run", id)
		}
	}
	return res
}

// script replaces T, S and G with the C, C++ and Go programs' paths.
func script(t *testing.T, s string) string {
	if strings.Contains(s, "T:") || strings.Contains(s, "T ") {
		s = regexp.MustCompile(`\bT\b`).ReplaceAllString(s, usertarget.C(t))
	}
	if strings.Contains(s, "S:") || strings.Contains(s, "S ") {
		s = regexp.MustCompile(`\bS\b`).ReplaceAllString(s, usertarget.CPP(t))
	}
	if strings.Contains(s, "G:") || strings.Contains(s, "G ") {
		s = regexp.MustCompile(`\bG\b`).ReplaceAllString(s, usertarget.Go(t))
	}
	return s
}

func wantStdout(t *testing.T, res e2e.Result, want string) {
	t.Helper()
	if res.Stdout != want || res.ExitCode != 0 {
		t.Errorf("exit code %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, want, res.Stderr)
	}
}

// -c: the command waits until the probes are attached and the run ends
// when it exits; arguments come from registers and the stack, retval
// from the return register, strings from user memory; a wildcard probes
// every match.
func TestUprobeArgsRetvalWildcard(t *testing.T) {
	prog := `uprobe:T:add { printf("add %d %d\n", arg0, arg1); }
uretprobe:T:add { printf("ret %d\n", retval); }
uprobe:T:many { printf("many %d %d %d\n", arg0, arg6, arg7); }
uprobe:T:greet { printf("greet %s\n", str(arg0)); }
uprobe:T:m* { @calls[probe] = count(); }`
	res := trace(t, e2e.Run{Args: []string{"-e", script(t, prog), "-c", script(t, "T 2")}})
	want := script(t, `Attaching 7 probes...
add 0 40
ret 40
greet world
many 1 7 8
add 1 40
ret 41
greet world
many 1 7 8


@calls[uprobe:T:main]: 1
@calls[uprobe:T:many]: 2
@calls[uprobe:T:mul3]: 2
`)
	wantStdout(t, res, want)
}

// A library named as the dynamic loader finds it; with -c, only the
// command's calls count.
func TestUprobeLibraryName(t *testing.T) {
	res := trace(t, e2e.Run{Args: []string{"-e", `uprobe:libc:usleep { @[arg0] = count(); }`, "-c", script(t, "T 3 0 1")}})
	wantStdout(t, res, "Attaching 1 probe...\n\n\n@[1000]: 3\n")
}

// USDT arguments in registers, constants, memory relative to the
// instruction pointer and at base + index * scale; a probe behind a
// semaphore (it fires only because attaching enabled it); a probe with
// two sites.
func TestUSDT(t *testing.T) {
	prog := `usdt:T:gtrace_test:loop { printf("loop %d %d %s\n", arg0, arg1, str(arg2)); }
usdt:T:gtrace_test:neg { printf("neg %d %d\n", arg0, arg1); }
usdt:T:gtrace_test:global { printf("global %d\n", arg0); }
usdt:T:gtrace_test:gated { printf("gated %d\n", arg0); }
usdt:T:gtrace_test:indexed { printf("indexed %d %d\n", arg0, arg1); }
usdt:T:gtrace_test:twice { printf("%s %d\n", probe, arg0); }`
	res := trace(t, e2e.Run{Args: []string{"-e", script(t, prog), "-c", script(t, "T 2")}})
	want := script(t, `Attaching 7 probes...
loop 0 40 hello
neg -5 -3
global 7
gated 0
indexed 10 10
usdt:T:gtrace_test:twice 1
loop 1 41 hello
neg -5 -3
global 8
gated 1
indexed 20 20
usdt:T:gtrace_test:twice 6


`)
	wantStdout(t, res, want)
}

// -c: cpid is the command's pid, which is also pid in its probes.
func TestCommandCpid(t *testing.T) {
	res := trace(t, e2e.Run{Args: []string{"-e", script(t, `uprobe:T:add { @[pid == cpid, cpid > 0] = count(); }`), "-c", script(t, "T 3")}})
	wantStdout(t, res, "Attaching 1 probe...\n\n\n@[true, true]: 3\n")
}

// startTarget runs the C program in the background for n steps of step
// milliseconds.
func startTarget(t *testing.T, n, stepMS int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(usertarget.C(t), fmt.Sprint(n), "0", fmt.Sprint(stepMS))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// -p: probes fire in that process only (another instance runs the same
// code); the binary may be left out; func and usym() name functions
// while the process runs.
func TestPID(t *testing.T) {
	traced := startTarget(t, 100000, 5)
	startTarget(t, 100000, 5)
	pid := traced.Process.Pid
	prog := `uprobe:add { @pids[pid] = count(); }
usdt:loop { @usdt[pid] = count(); }
uprobe:greet { @f[func] = count(); @u[usym(reg("ip"))] = count(); }
interval:ms:500 { exit(); }`
	res := trace(t, e2e.Run{Args: []string{"-p", fmt.Sprint(pid), "-e", prog}})
	if res.ExitCode != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", res.ExitCode, res.Stderr)
	}
	for _, re := range []string{
		fmt.Sprintf(`(?m)^@pids\[%d\]: \d+$`, pid),
		fmt.Sprintf(`(?m)^@usdt\[%d\]: \d+$`, pid),
		`(?m)^@f\[greet\]: \d+$`,
		`(?m)^@u\[greet\]: \d+$`,
	} {
		if !regexp.MustCompile(re).MatchString(res.Stdout) {
			t.Errorf("stdout does not match %s:\n%s", re, res.Stdout)
		}
	}
	if n := strings.Count(res.Stdout, "@pids["); n != 1 {
		t.Errorf("probes fired in %d processes, want 1:\n%s", n, res.Stdout)
	}
}

// -p with a process that does not exist.
func TestPIDMissing(t *testing.T) {
	res := trace(t, e2e.Run{Args: []string{"-p", "999999999", "-e", `uprobe:/bin/bash:readline { }`}})
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, "999999999") {
		t.Errorf("exit code %d, stderr:\n%s", res.ExitCode, res.Stderr)
	}
}

// C++: the cpp qualifier matches demangled names (every overload); func
// prints demangled. The script exits while the program still runs, so
// its symbols can be read.
func TestCPlusPlus(t *testing.T) {
	prog := `uprobe:S:cpp:"MyApp::Server::handle_request" { @[func] = count(); }
uretprobe:S:cpp:"MyApp::Server::handle_request(int)" { @ret = max(retval); }
interval:ms:300 { exit(); }`
	res := trace(t, e2e.Run{Args: []string{"-e", script(t, prog), "-c", script(t, "S 2 3000")}})
	wantStdout(t, res, `Attaching 4 probes...


@[MyApp::Server::handle_request(char const*)]: 1
@[MyApp::Server::handle_request(int)]: 2
@ret: 118
`)
}

// Go: main.work's argument is in RAX (Go's register ABI).
func TestGoProgram(t *testing.T) {
	res := trace(t, e2e.Run{Args: []string{"-e", script(t, `uprobe:G:main.work { @[reg("ax")] = count(); }`), "-c", script(t, "G 3")}})
	wantStdout(t, res, "Attaching 1 probe...\n\n\n@[1]: 1\n@[2]: 1\n@[3]: 1\n")
}

// /bin/bash: a builtin runs once per echo.
func TestBash(t *testing.T) {
	dir := t.TempDir()
	sh := filepath.Join(dir, "echo.sh")
	if err := os.WriteFile(sh, []byte("echo a >/dev/null\necho b >/dev/null\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := trace(t, e2e.Run{Args: []string{"-e", `uprobe:/bin/bash:echo_builtin { @echo = count(); }`, "-c", "/bin/bash " + sh}})
	wantStdout(t, res, "Attaching 1 probe...\n\n\n@echo: 2\n")
}

// Listing a binary's functions and USDT probes.
func TestListUser(t *testing.T) {
	target := usertarget.C(t)
	res := trace(t, e2e.Run{Args: []string{"-l", "uprobe:" + target + ":m*"}})
	wantStdout(t, res, script(t, "uprobe:T:main\nuprobe:T:many\nuprobe:T:mul3\n"))
	res = trace(t, e2e.Run{Args: []string{"-l", "usdt:" + target + ":*"}})
	var want string
	for _, n := range []string{"gated", "global", "indexed", "loop", "neg", "twice"} {
		want += "usdt:" + target + ":gtrace_test:" + n + "\n"
	}
	wantStdout(t, res, want)
	res = trace(t, e2e.Run{Args: []string{"-l", "uprobe:libc:mallo?"}})
	if !regexp.MustCompile(`(?m)^uprobe:/.*libc\.so\.6:malloc$`).MatchString(res.Stdout) {
		t.Errorf("libc's malloc is not listed:\n%s%s", res.Stdout, res.Stderr)
	}
}

// Probe specs that are wrong: one error naming the probe and the reason,
// at the attach point, exit code 1, nothing loaded.
func TestUserProbeErrors(t *testing.T) {
	cases := []struct{ probe, msg string }{
		{"uprobe:/nonexistent:foo", "uprobe target file '/nonexistent' does not exist or is not executable"},
		{"uprobe:/etc/passwd:foo", "uprobe target file '/etc/passwd' does not exist or is not executable"},
		{"uprobe:libnosuchlib:foo", "uprobe target file 'libnosuchlib' does not exist or is not executable"},
		{"uprobe:T:nosuchfunction", "Could not resolve symbol: T:nosuchfunction"},
		{"uprobe:T:nosuch*", "No functions in T match nosuch*"},
		{"uprobe:T:add+4096", "Offset outside the function bounds ('add' size is"},
		{"uretprobe:T:add+1", "Offset not allowed"},
		{"uprobe:T:0x1", "Could not resolve address: T:0x1"},
		{"usdt:/nonexistent:foo", "usdt target file '/nonexistent' does not exist or is not executable"},
		{"usdt:T:gtrace_test:nosuch", "No USDT probes in T match gtrace_test:nosuch"},
	}
	for _, c := range cases {
		t.Run(c.probe, func(t *testing.T) {
			res := trace(t, e2e.Run{Args: []string{"-e", script(t, c.probe) + " { exit(); }"}})
			msg := script(t, c.msg)
			if res.ExitCode != 1 || !strings.Contains(res.Stderr, "ERROR: "+msg) || !strings.HasPrefix(res.Stderr, "stdin:1:") {
				t.Errorf("exit code %d, stderr:\n%s\nwant an error at the probe: %s", res.ExitCode, res.Stderr, msg)
			}
		})
	}
	res := trace(t, e2e.Run{Args: []string{"-e", script(t, `usdt:T:gtrace_test:neg { print(arg2); }`)}})
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, "couldn't get argument 2 for usdt:") {
		t.Errorf("exit code %d, stderr:\n%s", res.ExitCode, res.Stderr)
	}
}

// Every way a run ends detaches everything (trace checks): signals,
// exit(), the -c command exiting (the tests above) and a probe that
// fails to attach after others attached.
func TestUserProbesDetach(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			pid := startTarget(t, 100000, 5).Process.Pid
			res := trace(t, e2e.Run{Args: []string{"-p", fmt.Sprint(pid), "-e", `uprobe:add { @ = count(); } usdt:gated { @g = count(); }`},
				Trigger: "sleep 0.3", Stop: true, Signal: sig})
			if res.ExitCode != 0 || !regexp.MustCompile(`(?m)^@: \d+\n@g: \d+$`).MatchString(res.Stdout) {
				t.Errorf("exit code %d, stdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
			}
		})
	}
	t.Run("exit", func(t *testing.T) {
		res := trace(t, e2e.Run{Args: []string{"-e", script(t, `uprobe:T:add { @[arg0] = count(); exit(); }`), "-c", script(t, "T 1000 0 10")}})
		wantStdout(t, res, "Attaching 1 probe...\n\n\n@[0]: 1\n")
	})
	t.Run("attach error", func(t *testing.T) {
		// A uprobe at the gated USDT site without its semaphore: the
		// kernel refuses it once the USDT probe (with the semaphore) is
		// attached there.
		target := usertarget.C(t)
		bins := sym.NewBinaries(0)
		probes, err := bins.USDTProbes(target)
		if err != nil {
			t.Fatal(err)
		}
		funcs, err := bins.Functions(target)
		if err != nil {
			t.Fatal(err)
		}
		var site, gated uint64
		for _, p := range probes {
			if p.Name == "gated" {
				site = p.Offset
			}
		}
		for _, f := range funcs {
			if f.Name == "gated" {
				gated = f.Offset
			}
		}
		prog := fmt.Sprintf("usdt:%s:gtrace_test:gated { @g = count(); }\nuprobe:%s:gated+%d { @u = count(); }", target, target, site-gated)
		res := trace(t, e2e.Run{Args: []string{"-e", prog}, Timeout: 20 * time.Second})
		if res.ExitCode != 1 || !strings.Contains(res.Stderr, "stdin:2:1") || !strings.Contains(res.Stderr, "failed to attach uprobe:") {
			t.Errorf("exit code %d, stdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
		}
	})
}
