package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/internal/e2e"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime"
)

// End-to-end tests of the flags, each running the gtrace binary on the
// real kernel. -l and -lv are tested by TestListing, --btf and
// --btf-archive by the kernel-type tests (ktypes_test.go), positional
// parameters and "-" by TestScriptSources, -f json by
// TestJSONMatchesBpftrace and -i on a terminal by TestREPL.

// gtraceRun runs gtrace with args and returns what it printed.
func gtraceRun(t *testing.T, r e2e.Run) e2e.Result {
	t.Helper()
	if r.Tracer == "" {
		r.Tracer = e2e.Gtrace(t)
	}
	res, err := e2e.Exec(r)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The README's examples: a one-liner, a script file with a parameter and
// JSON output. README.md copies the commands and their output from here.
func TestREADMEExamples(t *testing.T) {
	res := gtraceRun(t, e2e.Run{Args: []string{"-e", `BEGIN { printf("hello from %s\n", comm); @calls[comm] = count(); exit(); }`}})
	if want := "Attaching 1 probe...\nhello from gtrace\n\n\n@calls[gtrace]: 1\n"; res.Stdout != want || res.ExitCode != 0 {
		t.Errorf("one-liner: exit %d, stdout %q, want %q (stderr %s)", res.ExitCode, res.Stdout, want, res.Stderr)
	}
	res = gtraceRun(t, e2e.Run{Args: []string{filepath.Join("testdata", "countdown.bt"), "3"}})
	if want := "Attaching 3 probes...\n3...\n2...\n1...\nliftoff\n\n\n@n: 0\n"; res.Stdout != want || res.ExitCode != 0 {
		t.Errorf("countdown.bt 3: exit %d, stdout %q, want %q (stderr %s)", res.ExitCode, res.Stdout, want, res.Stderr)
	}
	res = gtraceRun(t, e2e.Run{Args: []string{"-f", "json", "-e", `BEGIN { printf("hello\n"); @bytes["read"] = lhist(100, 0, 400, 100); exit(); }`}})
	want := `{"type": "attached_probes", "data": {"probes": 1}}
{"type": "printf", "data": "hello\n"}
{"type": "hist", "data": {"@bytes": {"read": [{"min": 100, "max": 199, "count": 1}]}}}
`
	if res.Stdout != want {
		t.Errorf("-f json: stdout %q, want %q (stderr %s)", res.Stdout, want, res.Stderr)
	}
}

// -o writes the script's output to a file; stdout keeps only the attach
// notification (which e2e removes).
func TestOutputFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	res := gtraceRun(t, e2e.Run{Args: []string{"-o", path, "-e", `BEGIN { printf("to the file\n"); exit(); }`}})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Attaching 1 probe...\nto the file\n\n\n"; string(data) != want || res.Stdout != "" {
		t.Errorf("file %q, stdout %q; want file %q and no stdout (stderr %s)", data, res.Stdout, want, res.Stderr)
	}
}

// -f text is the default format.
func TestFormatText(t *testing.T) {
	script := `BEGIN { @x[1, "a"] = 2; exit(); }`
	a := gtraceRun(t, e2e.Run{Args: []string{"-f", "text", "-e", script}})
	b := gtraceRun(t, e2e.Run{Args: []string{"-e", script}})
	if want := "Attaching 1 probe...\n\n\n@x[1, a]: 2\n"; a.Stdout != want || b.Stdout != want {
		t.Errorf("-f text %q, default %q, want %q", a.Stdout, b.Stdout, want)
	}
}

// Every -B mode prints the same output; they differ in when it is
// flushed.
func TestBuffering(t *testing.T) {
	script := `tracepoint:syscalls:sys_enter_getppid /comm == "gtrace-buf-trg"/ { @n++; printf("call %d\n", @n); if (@n == 3) { exit(); } }`
	// The shell runs under the name of a link to it, which becomes its comm.
	link := filepath.Join(t.TempDir(), "gtrace-buf-trg")
	trigger := "ln -sf /bin/sh " + link + " && for i in 1 2 3; do " + link + " -c 'echo $PPID' >/dev/null; done"
	want := "Attaching 1 probe...\ncall 1\ncall 2\ncall 3\n\n\n@n: 3\n"
	for _, mode := range []string{"line", "full", "none"} {
		res := gtraceRun(t, e2e.Run{Args: []string{"-B", mode, "-e", script}, Trigger: trigger})
		if res.Stdout != want {
			t.Errorf("-B %s: %q, want %q (stderr %s)", mode, res.Stdout, want, res.Stderr)
		}
	}
}

// -q leaves out "Attaching N probes...".
func TestQuiet(t *testing.T) {
	res := gtraceRun(t, e2e.Run{Args: []string{"-q", "-e", `BEGIN { printf("quiet\n"); exit(); }`}})
	if want := "quiet\n\n\n"; res.Stdout != want {
		t.Errorf("-q: %q, want %q", res.Stdout, want)
	}
}

// -v reports each program's verifier statistics and each attach point on
// stderr.
func TestVerbose(t *testing.T) {
	res := gtraceRun(t, e2e.Run{
		Args:    []string{"-v", "-e", `tracepoint:syscalls:sys_enter_getppid { exit(); } END { printf("end\n"); }`},
		Trigger: "sh -c 'echo $PPID' >/dev/null",
	})
	for _, re := range []string{
		`(?m)^Program ID: \d+ \(tracepoint:syscalls:sys_enter_getppid, \d+ instructions\)\n\nThe verifier log: \n(.*\n)*processed \d+ insns`,
		`(?m)^Program ID: \d+ \(END, \d+ instructions\)$`,
		`(?m)^Attaching tracepoint:syscalls:sys_enter_getppid$`,
	} {
		if !regexp.MustCompile(re).MatchString(res.Stderr) {
			t.Errorf("-v stderr does not match %s:\n%s", re, res.Stderr)
		}
	}
	if want := "Attaching 2 probes...\nend\n\n\n"; res.Stdout != want {
		t.Errorf("-v stdout %q, want %q", res.Stdout, want)
	}
}

// On a verifier rejection, -v prints the verifier's log, each instruction
// mapped to the script, before the error. The log comes from
// runtime.LoadError (TestLoadErrorLog in package runtime checks the
// mapping on a program the kernel rejects).
func TestRunErrorVerbose(t *testing.T) {
	le := &runtime.LoadError{
		Err: &lang.Error{Pos: lang.Position{Line: 1, Column: 9}, End: lang.Position{Line: 1, Column: 14}, Msg: "the kernel's BPF verifier rejected BEGIN: R0 !read_ok"},
		Log: []string{"0: (bf) r0 = r1        ; stdin:1:9", "R0 !read_ok"},
	}
	err := &gtrace.Error{Err: le, Sources: map[string]string{"": "BEGIN { @x = 1; }"}}
	render := "stdin:1:9-14: ERROR: the kernel's BPF verifier rejected BEGIN: R0 !read_ok\nBEGIN { @x = 1; }\n        ^~~~~\n"
	for _, verbose := range []bool{false, true} {
		var stderr strings.Builder
		c := &command{stderr: &stderr}
		c.runError(err, verbose)
		want := render
		if verbose {
			want = strings.Join(le.Log, "\n") + "\n" + render
		}
		if stderr.String() != want {
			t.Errorf("verbose=%v:\n%s\nwant:\n%s", verbose, stderr.String(), want)
		}
	}
}

// -d and -dd print the syntax tree with types and the compiled programs
// with their source positions, and load nothing.
func TestDebug(t *testing.T) {
	for _, flag := range []string{"-d", "-dd"} {
		unlock := e2e.Lock()
		before, err := e2e.LoadedPrograms()
		if err != nil {
			t.Fatal(err)
		}
		res := gtraceRun(t, e2e.Run{Args: []string{flag, "-e", "BEGIN {\n  @x = 1 + 2;\n}"}})
		after, err := e2e.LoadedPrograms()
		unlock()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"AST\n---\nprobe BEGIN\n", "\nProgram\n-------\nmap @x: ", "\nprogram BEGIN (RawTracepoint, ", " 2:3\n"} {
			if !strings.Contains(res.Stdout, want) {
				t.Errorf("%s output lacks %q:\n%s", flag, want, res.Stdout)
			}
		}
		if strings.Contains(res.Stdout, "Attaching") || res.ExitCode != 0 {
			t.Errorf("%s ran the script (exit %d):\n%s", flag, res.ExitCode, res.Stdout)
		}
		for id := range after {
			if !before[id] {
				t.Errorf("%s loaded BPF program %d", flag, id)
			}
		}
	}
}

// --dry-run loads the programs into the kernel, so that the verifier
// checks them, and runs nothing.
func TestDryRun(t *testing.T) {
	res := gtraceRun(t, e2e.Run{Args: []string{"--dry-run", "-e", `BEGIN { printf("ran\n"); exit(); } tracepoint:syscalls:sys_enter_getppid { @n = count(); }`}})
	if res.Stdout != "" || res.ExitCode != 0 {
		t.Errorf("--dry-run: exit %d, stdout %q (stderr %s)", res.ExitCode, res.Stdout, res.Stderr)
	}
}

// signal() needs --unsafe, as in bpftrace.
func TestUnsafe(t *testing.T) {
	script := `profile:hz:99 { signal(9); }`
	res := gtraceRun(t, e2e.Run{Args: []string{"-e", script}})
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, "signal() is an unsafe function being used in safe mode") {
		t.Errorf("without --unsafe: exit %d, stderr %s", res.ExitCode, res.Stderr)
	}
	res = gtraceRun(t, e2e.Run{Args: []string{"--unsafe", "--dry-run", "-e", script}})
	if res.ExitCode != 0 {
		t.Errorf("with --unsafe: exit %d, stderr %s", res.ExitCode, res.Stderr)
	}
}

// -k reports failed helper calls (but not failed reads) as warnings in
// the output, pointing at the script; -kk reports failed reads too;
// --no-warnings leaves the warnings out.
func TestHelperErrors(t *testing.T) {
	script := "BEGIN {\n  @x[1] = 1;\n  delete(@x[2]);\n  $t = (struct task_struct *)1;\n  @pid = $t->pid;\n  exit();\n}"
	// The warning points into the call's line (bpftrace marks the whole
	// call; gtrace the expression evaluated just before the helper ran).
	deleteWarning := `stdin:3:\d+(-\d+)?: WARNING: Failed to map_delete_elem: No such file or directory \(-2\)\n  delete\(@x\[2\]\);\n *\^~*\n`
	readWarning := `stdin:5:\d+(-\d+)?: WARNING: Failed to probe_read_kernel: .* \(-\d+\)\n  @pid = \$t->pid;\n *\^~*\n`
	maps := "\n\n@pid: 0\n@x\\[1\\]: 1\n$"
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{nil, "^Attaching 1 probe...\n" + maps},
		{[]string{"-k"}, "^Attaching 1 probe...\n" + deleteWarning + maps},
		{[]string{"-kk"}, "^Attaching 1 probe...\n" + deleteWarning + readWarning + maps},
		{[]string{"-kk", "--no-warnings"}, "^Attaching 1 probe...\n" + maps},
	} {
		res := gtraceRun(t, e2e.Run{Args: append(c.flags, "-e", script)})
		if !regexp.MustCompile(c.want).MatchString(res.Stdout) {
			t.Errorf("%q:\n%s\nwant to match:\n%s", c.flags, res.Stdout, c.want)
		}
	}
}

// -I adds a directory for #include's headers, whose #defines the
// script reads; --include includes a header before the script's; a
// header --include names must exist.
func TestIncludeFlags(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "foo.h"), []byte("#define FOO 42\n#define BAR (FOO << 1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := gtraceRun(t, e2e.Run{Args: []string{"-I", dir, "-e", "#include <foo.h>\nBEGIN { printf(\"%d\\n\", BAR); exit(); }"}})
	if want := "Attaching 1 probe...\n84\n\n\n"; res.Stdout != want {
		t.Errorf("-I: %q, want %q (stderr %s)", res.Stdout, want, res.Stderr)
	}
	res = gtraceRun(t, e2e.Run{Args: []string{"--include", "foo.h", "-I" + dir, "-e", "BEGIN { printf(\"%d\\n\", FOO); exit(); }"}})
	if want := "Attaching 1 probe...\n42\n\n\n"; res.Stdout != want {
		t.Errorf("--include: %q, want %q (stderr %s)", res.Stdout, want, res.Stderr)
	}
	res = gtraceRun(t, e2e.Run{Args: []string{"--include", "nope.h", "-e", "BEGIN { exit(); }"}})
	if !strings.HasPrefix(res.Stderr, "ERROR: --include nope.h: no such header in the include path (") || res.ExitCode != 1 {
		t.Errorf("--include nope.h: exit %d, stderr %q", res.ExitCode, res.Stderr)
	}
}

// A division or modulo by zero known only at run time gives 1 and a
// warning pointing at the operation, as in the newest bpftrace (its
// tests/runtime/regression zero_divide and zero_modulo).
func TestDivideByZero(t *testing.T) {
	script := "BEGIN {\n  @mod0 = 0;\n  print((uint64)10 / (uint64)@mod0);\n  $s = (int64)-7;\n  $s %= @mod0;\n  print($s);\n  exit();\n}"
	warning := func(line int, text, caret string) string {
		return fmt.Sprintf("stdin:%d:\\d+-\\d+: WARNING: Divide or modulo by 0 detected\\. This can lead to unexpected results\\. 1 is being used as the result\\.\n%s\n%s\n", line, regexp.QuoteMeta(text), caret)
	}
	// print()'s event is reserved before its argument runs, so the value
	// comes first there.
	want := "^Attaching 1 probe...\n1\n" +
		warning(3, "  print((uint64)10 / (uint64)@mod0);", ` {8}\^~{25}`) +
		warning(5, "  $s %= @mod0;", ` {2}\^~+`) + "1\n" +
		"\n\n@mod0: 0\n$"
	res := gtraceRun(t, e2e.Run{Args: []string{"-e", script}})
	if !regexp.MustCompile(want).MatchString(res.Stdout) {
		t.Errorf("stdout:\n%s\nwant to match:\n%s\nstderr: %s", res.Stdout, want, res.Stderr)
	}
}

// Named parameters come after "--" and the script reads them with
// getopt(); one it does not read is an error, with a hint naming those it
// reads ("--help" prints only the hint), as in
// bpftrace.
func TestNamedParams(t *testing.T) {
	script := `BEGIN { printf("%s %d %d %s\n", str($1), getopt("n", 1), getopt("verbose"), getopt("name", "x")); exit(); }`
	res := gtraceRun(t, e2e.Run{Args: []string{"-e", script, "p1", "--", "--n=5", "--verbose"}})
	if want := "Attaching 1 probe...\np1 5 1 x\n\n\n"; res.Stdout != want {
		t.Errorf("named parameters: %q, want %q (stderr %s)", res.Stdout, want, res.Stderr)
	}
	res = gtraceRun(t, e2e.Run{Args: []string{"-e", script, "p1", "--", "--nn=5", "--bb"}})
	if want := "ERROR: unexpected program command line options: --bb, --nn\nHINT: expected program options: --n: --verbose: --name\n"; res.ExitCode != 1 || res.Stderr != want {
		t.Errorf("unread named parameters: exit %d, stderr %q, want %q", res.ExitCode, res.Stderr, want)
	}
	// --help lists the parameters the script reads, with getopt()'s
	// descriptions, and exits (the newest bpftrace).
	script = `BEGIN { print((getopt("aa", 10, "Description of aa"), getopt("bb", 1))); }`
	res = gtraceRun(t, e2e.Run{Args: []string{"-e", script, "--", "--help"}})
	if want := "HINT: expected program options:\n--aa: Description of aa\n--bb\n"; res.ExitCode != 1 || res.Stdout != "" || res.Stderr != want {
		t.Errorf("--help: exit %d, stdout %q, stderr %q, want %q", res.ExitCode, res.Stdout, res.Stderr, want)
	}
	res = gtraceRun(t, e2e.Run{Args: []string{"-e", `BEGIN { exit(); }`, "--", "--x"}})
	if want := "ERROR: unexpected program command line options: --x\nHINT: no custom program options defined.\n"; res.ExitCode != 1 || res.Stderr != want {
		t.Errorf("no getopt(): exit %d, stderr %q, want %q", res.ExitCode, res.Stderr, want)
	}
}

// BPFTRACE_* environment variables set config variables, under their
// current names and bpftrace 0.17's, and a script's config block cannot
// override them.
func TestEnvironment(t *testing.T) {
	script := `config = { max_strlen = 64 } BEGIN { printf("%s\n", str(curtask->comm)); exit(); }`
	for _, env := range []string{"BPFTRACE_MAX_STRLEN=4", "BPFTRACE_STRLEN=4"} {
		res := gtraceRun(t, e2e.Run{Args: []string{"-q", "-e", script}, Env: []string{env}})
		if want := "gtr\n\n\n"; res.Stdout != want {
			t.Errorf("%s: %q, want %q (stderr %s)", env, res.Stdout, want, res.Stderr)
		}
	}
}

// gtrace exits with the code exit() was given, 1 on errors, else 0.
func TestExitCodes(t *testing.T) {
	for script, want := range map[string]int{
		`BEGIN { exit(); }`:        0,
		`BEGIN { exit(3); }`:       3,
		`BEGIN { @x = 1 +; }`:      1,
		`BEGIN { @x = nosuch(); }`: 1,
	} {
		if res := gtraceRun(t, e2e.Run{Args: []string{"-e", script}}); res.ExitCode != want {
			t.Errorf("%s: exit %d, want %d (stderr %s)", script, res.ExitCode, want, res.Stderr)
		}
	}
}

// With __BPFTRACE_NOTIFY_PROBES_ATTACHED set, gtrace announces that its
// probes are attached, as bpftrace does also after exit() in BEGIN, when
// there is nothing more to attach.
func TestNotifyAttached(t *testing.T) {
	// Other packages' tests count the system's BPF programs meanwhile.
	defer e2e.Lock()()
	for _, script := range []string{
		`BEGIN { printf("begin\n"); exit(); }`,
		`BEGIN { printf("begin\n"); } tracepoint:syscalls:sys_enter_getpid { } interval:ms:1 { exit(); }`,
	} {
		cmd := exec.Command(e2e.Gtrace(t), "-e", script)
		cmd.Env = append(os.Environ(), e2e.NotifyLine+"=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", script, err)
		}
		if want := "Attaching "; !strings.HasPrefix(string(out), want) || !strings.Contains(string(out), "begin\n"+e2e.NotifyLine+"\n") {
			t.Errorf("%s: stdout %q, want the notification after BEGIN's output", script, out)
		}
	}
}

// -i reads programs from stdin when it is not a terminal.
func TestInteractiveStdin(t *testing.T) {
	res := gtraceRun(t, e2e.Run{
		Args:  []string{"-i"},
		Env:   []string{"HOME=" + t.TempDir()},
		Stdin: "BEGIN {\n  printf(\"first\\n\");\n  exit();\n}\n.set max_strlen 4\nBEGIN { printf(\"%s\\n\", str(curtask->comm)); exit(); }\n.quit\n",
	})
	if !strings.Contains(res.Stdout, "Attaching 1 probe...\nfirst\n\n\n") || !strings.Contains(res.Stdout, "Attaching 1 probe...\ngtr\n\n\n") || res.ExitCode != 0 {
		t.Errorf("-i: exit %d, stdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
}
