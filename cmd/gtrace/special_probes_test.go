package main

import (
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/gtrace/gtrace/internal/e2e"
	"github.com/gtrace/gtrace/runtime"
)

// --test and --bench (or the newest bpftrace's --mode test|bench) select
// the mode; they exclude each other, as in bpftrace ("--test conflicts
// with existing --mode").
func TestParseModeFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want options
	}{
		{[]string{"--test", "-e", "x"}, options{program: "x", haveProg: true, mode: runtime.ModeTest}},
		{[]string{"s.bt", "--bench"}, options{script: "s.bt", mode: runtime.ModeBench}},
		{[]string{"--tes", "-e", "x"}, options{program: "x", haveProg: true, mode: runtime.ModeTest}},
		{[]string{"--mode", "bench", "-e", "x"}, options{program: "x", haveProg: true, mode: runtime.ModeBench}},
		{[]string{"--mode=test", "-e", "x"}, options{program: "x", haveProg: true, mode: runtime.ModeTest}},
	} {
		got, err := parseArgs(c.args)
		if err != nil {
			t.Errorf("parseArgs(%q): %v", c.args, err)
			continue
		}
		if !reflect.DeepEqual(*got, c.want) {
			t.Errorf("parseArgs(%q) =\n%+v\nwant\n%+v", c.args, *got, c.want)
		}
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--test", "--bench", "-e", "BEGIN{}"}, "ERROR: USAGE: --bench conflicts with existing --mode\n"},
		{[]string{"--bench", "--test", "-e", "BEGIN{}"}, "ERROR: USAGE: --test conflicts with existing --mode\n"},
		{[]string{"--test=1", "-e", "BEGIN{}"}, "gtrace: option '--test' doesn't allow an argument\n" + usage},
		{[]string{"--mode", "test", "--test", "-e", "BEGIN{}"}, "ERROR: USAGE: --test conflicts with existing --mode\n"},
		{[]string{"--mode", "codegen", "-e", "BEGIN{}"}, "ERROR: USAGE: --mode can only be 'bench' or 'test'.\n"},
	} {
		code, stdout, stderr := runCommand(c.args, nil)
		if code != 1 || stdout != "" || stderr != c.msg {
			t.Errorf("gtrace %q: exit %d, stdout %q, stderr %q; want exit 1 and %q", c.args, code, stdout, stderr, c.msg)
		}
	}
}

const modeScript = `
BEGIN { printf("begin\n"); }
test:passes { printf("hidden\n"); @t = count(); }
test:fails { printf("shown\n"); return 1; }
bench:count { @b = count(); }
bench:skipped { return 1; }
bench:loop { $a = 0; for ($i : 0..10) { $a++; } }
END { printf("end\n"); }
`

// gtrace --test runs the test probes between BEGIN and END, reports them
// and exits with 1 when one failed; the maps are not printed.
func TestTestMode(t *testing.T) {
	res := gtraceRun(t, e2e.Run{Args: []string{"--test", "-e", modeScript}})
	times := regexp.MustCompile(`\(\d+ (ns|us|ms|s)\)`)
	got := times.ReplaceAllString(res.Stdout, "(T)")
	want := "begin\n" +
		"\033[32m[==========]\033[0m Running 2 tests.\n" +
		"\033[32m[ RUN      ]\033[0m passes\n" +
		"\033[32m[       OK ]\033[0m passes (T)\n" +
		"\033[32m[ RUN      ]\033[0m fails\n" +
		"shown\n" +
		"\033[31m[  FAILED  ]\033[0m fails (T)\n" +
		"\033[32m[==========]\033[0m 2 tests ran.\n" +
		"\033[32m[  PASSED  ]\033[0m 1 test.\n" +
		"\033[31m[  FAILED  ]\033[0m 1 test, listed below:\n" +
		"\033[31m[  FAILED  ]\033[0m fails\n" +
		"end\n\n\n"
	if got != want || res.ExitCode != 1 {
		t.Errorf("exit %d, stdout:\n%q\nwant exit 1 and:\n%q\nstderr: %s", res.ExitCode, got, want, res.Stderr)
	}
	// All passing: exit 0.
	res = gtraceRun(t, e2e.Run{Args: []string{"--test", "-e", `test:a { } test:b { return 0; }`}})
	if res.ExitCode != 0 || !strings.Contains(res.Stdout, "[  PASSED  ]\033[0m 2 tests.\n") || strings.Contains(res.Stdout, "FAILED") {
		t.Errorf("passing tests: exit %d, stdout %q, stderr %s", res.ExitCode, res.Stdout, res.Stderr)
	}
	// JSON: one test_result line each, with the output.
	res = gtraceRun(t, e2e.Run{Args: []string{"--test", "-f", "json", "-e", `test:a { printf("x\n"); return 1; }`}})
	line := regexp.MustCompile(`^\{"type": "test_result", "data": \{"a": \{"duration": \d+, "passed": false, "output": "x\\n"\}\}\}\n$`)
	if !line.MatchString(res.Stdout) || res.ExitCode != 1 {
		t.Errorf("-f json: exit %d, stdout %q", res.ExitCode, res.Stdout)
	}
}

// gtrace --bench prints the table of the benchmarks that ran, in script
// order, between BEGIN's and END's output; a skipped benchmark has no
// row.
func TestBenchMode(t *testing.T) {
	res := gtraceRun(t, e2e.Run{Args: []string{"--bench", "-e", modeScript}})
	table := regexp.MustCompile(`^begin
Benchmark {32}Time\(ns\) {7}Iterations
-{66}
count {36}(\d+) +(\d+)
loop {37}(\d+) +(\d+)
end


$`)
	m := table.FindStringSubmatch(res.Stdout)
	if m == nil || res.ExitCode != 0 {
		t.Fatalf("exit %d, stdout:\n%s\nstderr: %s", res.ExitCode, res.Stdout, res.Stderr)
	}
	for _, row := range [][]string{m[1:3], m[3:5]} {
		// Runs are added until they take a millisecond.
		if row[0] == "0" || len(row[1]) < 3 {
			t.Errorf("row %q: want a time and a number of runs", row)
		}
	}
	// A benchmark that fails (exit() with a code, errorf()) is reported
	// on stderr and makes the exit code 1.
	res = gtraceRun(t, e2e.Run{Args: []string{"--bench", "-e", `bench:bad { errorf("no"); } bench:good { }`}})
	if res.ExitCode != 1 || res.Stderr != "ERROR: Benchmark 'bad' failed.\n" || !regexp.MustCompile(`(?m)^good +\d+ +\d+$`).MatchString(res.Stdout) {
		t.Errorf("failing benchmark: exit %d, stdout %q, stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	res = gtraceRun(t, e2e.Run{Args: []string{"--bench", "-f", "json", "-e", `bench:a { @a++; } bench:b { @b++; }`}})
	lines := regexp.MustCompile(`^\{"type": "benchmark_result", "data": \{"a": \{"average": \d+, "iters": \d+\}\}\}
\{"type": "benchmark_result", "data": \{"b": \{"average": \d+, "iters": \d+\}\}\}
$`)
	if !lines.MatchString(res.Stdout) {
		t.Errorf("-f json: stdout %q, stderr %q", res.Stdout, res.Stderr)
	}
}

// A script whose only probes are test or bench probes has nothing to run
// outside their mode: bpftrace's errors say which flag to use.
func TestNothingToRun(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-e", `test:a { }`}, "ERROR: No probes attached; use --test to run test probes.\n"},
		{[]string{"-e", `test:a { } bench:b { }`}, "ERROR: No probes attached; use --test to run test probes.\n"},
		{[]string{"-e", `bench:b { }`}, "ERROR: No probes attached; use --bench to run benchmark probes.\n"},
		{[]string{"--test", "-e", `bench:b { }`}, "ERROR: No probes attached; use --bench to run benchmark probes.\n"},
		{[]string{"--bench", "-e", `interval:s:1 { }`}, "ERROR: Attachment failed for all probes.\n"},
	} {
		res := gtraceRun(t, e2e.Run{Args: c.args})
		if res.ExitCode != 1 || res.Stdout != "" || res.Stderr != c.msg {
			t.Errorf("gtrace %q: exit %d, stdout %q, stderr %q; want exit 1 and %q", c.args, res.ExitCode, res.Stdout, res.Stderr, c.msg)
		}
	}
}

// self:signal:SIGUSR1 probes run each time gtrace gets the signal; the
// script keeps running until one calls exit().
func TestSelfSignal(t *testing.T) {
	script := `self:signal:SIGUSR1 { @n++; printf("signal %d\n", @n); if (@n == 2) { exit(); } }`
	res := gtraceRun(t, e2e.Run{Args: []string{"-e", script},
		Trigger: "kill -USR1 $TRACER_PID; sleep 0.2; kill -USR1 $TRACER_PID"})
	if want := "Attaching 1 probe...\nsignal 1\nsignal 2\n\n\n@n: 2\n"; res.Stdout != want || res.ExitCode != 0 {
		t.Errorf("exit %d, stdout %q, want %q (stderr %s)", res.ExitCode, res.Stdout, want, res.Stderr)
	}
	// SIGINT still ends the run.
	res = gtraceRun(t, e2e.Run{Args: []string{"-e", `self:signal:SIGUSR1 { printf("x\n"); }`}, Stop: true, Signal: syscall.SIGINT})
	if want := "Attaching 1 probe...\n\n\n"; res.Stdout != want {
		t.Errorf("after SIGINT: stdout %q, want %q (stderr %s)", res.Stdout, want, res.Stderr)
	}
}
