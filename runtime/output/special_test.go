package output

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// The test report, as the newest bpftrace writes it (src/output/text.cpp,
// TextOutput::test_result), with the time a test took where bpftrace
// writes the unit's scale.
func TestTextTestResult(t *testing.T) {
	var b bytes.Buffer
	w := NewText(&b)
	tests := []string{"okay", "failure", "slow"}
	w.TestResult(tests, 0, 340*time.Nanosecond, []bool{true}, "suppressed\n")
	w.TestResult(tests, 1, 5300*time.Nanosecond, []bool{true, false}, "shown\n\nagain\n")
	w.TestResult(tests, 2, 2500*time.Millisecond, []bool{true, false, true}, "")
	w.Flush()
	want := strings.ReplaceAll(strings.ReplaceAll(`G[==========]R Running 3 tests.
G[ RUN      ]R okay
G[       OK ]R okay (340 ns)
G[ RUN      ]R failure
shown
again
F[  FAILED  ]R failure (5 us)
G[ RUN      ]R slow
G[       OK ]R slow (2 s)
G[==========]R 3 tests ran.
G[  PASSED  ]R 2 tests.
F[  FAILED  ]R 1 test, listed below:
F[  FAILED  ]R failure
`, "G[", "\033[32m["), "F[", "\033[31m[")
	want = strings.ReplaceAll(want, "]R", "]\033[0m")
	if b.String() != want {
		t.Errorf("got:\n%q\nwant:\n%q", b.String(), want)
	}

	// One test that passes: "Running 1 tests." as bpftrace spells it.
	b.Reset()
	w.TestResult([]string{"a"}, 0, time.Microsecond, []bool{true}, "")
	w.Flush()
	want = "\033[32m[==========]\033[0m Running 1 tests.\n\033[32m[ RUN      ]\033[0m a\n\033[32m[       OK ]\033[0m a (1 us)\n" +
		"\033[32m[==========]\033[0m 1 test ran.\n\033[32m[  PASSED  ]\033[0m 1 test.\n"
	if b.String() != want {
		t.Errorf("got:\n%q\nwant:\n%q", b.String(), want)
	}
}

// The benchmark table (TextOutput::benchmark_result): the name column is
// at least 40 wide and as wide as the longest name, plus one; the time
// column 15; rows in script order, as reported.
func TestTextBenchResult(t *testing.T) {
	var b bytes.Buffer
	w := NewText(&b)
	benches := []string{"lhist", "count", "my_loop"}
	w.BenchResult(benches, 0, 88, 20000, true)
	w.BenchResult(benches, 1, 40, 40000, false)
	w.BenchResult(benches, 2, 124, 16000, false)
	w.Flush()
	want := "" +
		"Benchmark                                Time(ns)       Iterations\n" +
		"------------------------------------------------------------------\n" +
		"lhist                                    88             20000\n" +
		"count                                    40             40000\n" +
		"my_loop                                  124            16000\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}

	b.Reset()
	long := strings.Repeat("n", 45)
	w.BenchResult([]string{"skipped", long}, 1, 7, 100, true)
	w.Flush()
	want = "Benchmark" + strings.Repeat(" ", 46-9) + "Time(ns)       Iterations\n" +
		strings.Repeat("-", 46+15+10) + "\n" +
		long + " " + "7              100\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestJSONSpecialResults(t *testing.T) {
	var b bytes.Buffer
	w := NewJSON(&b)
	w.TestResult([]string{"a", "b"}, 1, 1234, []bool{true, false}, "x\n\"y\"\n")
	w.BenchResult([]string{"c"}, 0, 40, 40000, true)
	w.Flush()
	want := `{"type": "test_result", "data": {"b": {"duration": 1234, "passed": false, "output": "x\n\"y\"\n"}}}
{"type": "benchmark_result", "data": {"c": {"average": 40, "iters": 40000}}}
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
