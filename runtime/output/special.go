package output

import (
	"fmt"
	"strings"
	"time"
)

// The results of test and bench probes (gtrace --test, --bench), written
// as the newest bpftrace writes them.

// ANSI colours of the test report, which bpftrace writes whatever the
// output is.
const (
	green = "\033[32m"
	red   = "\033[31m"
	reset = "\033[0m"
)

// TestResult writes the outcome of test index of tests, gtest-style: a
// "Running N tests." line before the first, a RUN line, the test's output
// if it failed, an OK or FAILED line with the time it took, and after the
// last a summary listing the failed tests. passed holds the outcome of
// tests 0 to index.
func (t *Text) TestResult(tests []string, index int, d time.Duration, passed []bool, out string) {
	w := t.w
	if index == 0 {
		fmt.Fprintf(w, "%s[==========]%s Running %d tests.\n", green, reset, len(tests))
	}
	fmt.Fprintf(w, "%s[ RUN      ]%s %s\n", green, reset, tests[index])
	if passed[index] {
		fmt.Fprintf(w, "%s[       OK ]%s %s", green, reset, tests[index])
	} else {
		// A failed test's output shows, without its empty lines.
		for _, l := range strings.Split(out, "\n") {
			if l != "" {
				w.WriteString(l + "\n")
			}
		}
		fmt.Fprintf(w, "%s[  FAILED  ]%s %s", red, reset, tests[index])
	}
	// bpftrace prints the unit's scale here instead of the time (always
	// "(1 ns)" under a microsecond): gtrace prints the time.
	unit, scale := durationUnit(d)
	fmt.Fprintf(w, " (%d %s)\n", uint64(d)/scale, unit)
	if index != len(tests)-1 {
		return
	}
	failed := 0
	for _, p := range passed {
		if !p {
			failed++
		}
	}
	fmt.Fprintf(w, "%s[==========]%s %d %s ran.\n", green, reset, len(tests), testOrTests(len(tests)))
	fmt.Fprintf(w, "%s[  PASSED  ]%s %d %s.\n", green, reset, len(passed)-failed, testOrTests(len(passed)-failed))
	if failed == 0 {
		return
	}
	fmt.Fprintf(w, "%s[  FAILED  ]%s %d %s, listed below:\n", red, reset, failed, testOrTests(failed))
	for i, p := range passed {
		if !p {
			fmt.Fprintf(w, "%s[  FAILED  ]%s %s\n", red, reset, tests[i])
		}
	}
}

func testOrTests(n int) string {
	if n == 1 {
		return "test"
	}
	return "tests"
}

// durationUnit returns the unit a duration reads best in and its size in
// nanoseconds, as bpftrace chooses them.
func durationUnit(d time.Duration) (string, uint64) {
	switch {
	case d >= time.Second:
		return "s", uint64(time.Second)
	case d >= time.Millisecond:
		return "ms", uint64(time.Millisecond)
	case d >= time.Microsecond:
		return "us", uint64(time.Microsecond)
	}
	return "ns", 1
}

// BenchResult writes one row of the benchmark table: the benchmark's name
// (in a column at least 40 wide), the average time of a run in
// nanoseconds and the number of runs measured. first says that no row was
// written before: the table's header goes first.
func (t *Text) BenchResult(benches []string, index int, avg time.Duration, iters uint64, first bool) {
	width := 40
	for _, b := range benches {
		width = max(width, len(b))
	}
	if first {
		fmt.Fprintf(t.w, "%-*s%-15s%s\n", width+1, "Benchmark", "Time(ns)", "Iterations")
		t.w.WriteString(strings.Repeat("-", width+1+15+len("Iterations")) + "\n")
	}
	fmt.Fprintf(t.w, "%-*s%-15d%d\n", width+1, benches[index], int64(avg), iters)
}

// TestResult writes {"type": "test_result", "data": {NAME: {"duration":
// NS, "passed": BOOL, "output": TEXT}}}.
func (j *JSON) TestResult(tests []string, index int, d time.Duration, passed []bool, out string) {
	b := appendJSONString([]byte(`{"type": "test_result", "data": {`), tests[index])
	b = fmt.Appendf(b, `: {"duration": %d, "passed": %t, "output": `, int64(d), passed[index])
	b = appendJSONString(b, out)
	j.w.Write(append(b, "}}}\n"...))
}

// BenchResult writes {"type": "benchmark_result", "data": {NAME:
// {"average": NS, "iters": N}}}.
func (j *JSON) BenchResult(benches []string, index int, avg time.Duration, iters uint64, _ bool) {
	b := appendJSONString([]byte(`{"type": "benchmark_result", "data": {`), benches[index])
	b = fmt.Appendf(b, `: {"average": %d, "iters": %d}}}`+"\n", int64(avg), iters)
	j.w.Write(b)
}
