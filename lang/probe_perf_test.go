package lang

import (
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

// TestPerfProbePoints checks how software, hardware and watchpoint attach
// points expand: event, alias, default and explicit counts, watchpoint
// address, length and mode (sorted).
func TestPerfProbePoints(t *testing.T) {
	cases := []struct {
		src  string
		want ProbePoint
	}{
		{`software:cpu-clock:1000 {}`, ProbePoint{Name: "software:cpu-clock:1000", Func: "cpu-clock", PerfType: unix.PERF_TYPE_SOFTWARE, PerfConfig: unix.PERF_COUNT_SW_CPU_CLOCK, Count: 1000}},
		{`s:faults {}`, ProbePoint{Name: "software:faults", Func: "faults", PerfType: unix.PERF_TYPE_SOFTWARE, PerfConfig: unix.PERF_COUNT_SW_PAGE_FAULTS, Count: 100}},
		{`software:cs:0 {}`, ProbePoint{Name: "software:cs:0", Func: "cs", PerfType: unix.PERF_TYPE_SOFTWARE, PerfConfig: unix.PERF_COUNT_SW_CONTEXT_SWITCHES, Count: 1000}},
		{`h:cycles:5000 {}`, ProbePoint{Name: "hardware:cycles:5000", Func: "cycles", PerfType: unix.PERF_TYPE_HARDWARE, PerfConfig: unix.PERF_COUNT_HW_CPU_CYCLES, Count: 5000}},
		{`hardware:branches {}`, ProbePoint{Name: "hardware:branches", Func: "branches", PerfType: unix.PERF_TYPE_HARDWARE, PerfConfig: unix.PERF_COUNT_HW_BRANCH_INSTRUCTIONS, Count: 100000}},
		{`watchpoint:0x1000:4:wr {}`, ProbePoint{Name: "watchpoint:0x1000:4:wr", WatchAddr: 0x1000, WatchLen: 4, WatchMode: "rw"}},
		{`w:4096:8:x {}`, ProbePoint{Name: "watchpoint:4096:8:x", WatchAddr: 4096, WatchLen: 8, WatchMode: "x"}},
	}
	for _, c := range cases {
		prog, err := Parse("", c.src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.src, err)
		}
		if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
			t.Errorf("Check(%q): %v", c.src, err)
			continue
		}
		got := *prog.Probes[0].Points[0]
		got.Span, got.Kind = Span{}, ""
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.src, got, c.want)
		}
	}
}

// TestKernelProbeErrors checks the diagnostics of perf event attach
// points, stacks, symbols and registers.
func TestKernelProbeErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{`software:nope {}`, `stdin:1:1-14: nope is not a software probe (see gtrace -l 'software:*')`},
		{`software:cpu* {}`, `stdin:1:1-14: wildcards are not allowed for software probe type`},
		{`software {}`, `stdin:1:1-9: software probe type requires 1 or 2 arguments`},
		{`software:cs:1:2 {}`, `stdin:1:1-16: software probe type requires 1 or 2 arguments`},
		{`software:cs:x {}`, `stdin:1:1-14: software:cs:x: invalid count 'x': software probes take an integer count`},
		{`hardware:nope {}`, `stdin:1:1-14: nope is not a hardware probe (see gtrace -l 'hardware:*')`},
		{`watchpoint:0x1000:4 {}`, `stdin:1:1-20: watchpoint probe type requires 3 arguments`},
		{`watchpoint:0:4:w {}`, `stdin:1:1-17: watchpoint must be attached to a non-zero address`},
		{`watchpoint:0x10:3:w {}`, `stdin:1:1-20: watchpoint length must be one of (1,2,4,8)`},
		{`watchpoint:0x10:4:ww {}`, `stdin:1:1-21: watchpoint modes may not be duplicated`},
		{`watchpoint:0x10:4:q {}`, `stdin:1:1-20: watchpoint mode must be combination of (r,w,x)`},
		{`BEGIN { @[kstack(fancy)] = count(); }`, `stdin:1:18-23: kstack(): unknown stack mode 'fancy' (expected bpftrace, perf, raw or build_id)`},
		{`BEGIN { @[ustack(0)] = count(); }`, `stdin:1:18: ustack([int limit]): limit must be between 1 and 1024, 0 given`},
		{`BEGIN { $n = 3; @[kstack($n)] = count(); }`, `stdin:1:19-29: kstack() expects a integer literal (integer provided)`},
		{`BEGIN { @[kstack(1, 2)] = count(); }`, `stdin:1:18: kstack() expects a stack mode (bpftrace, perf, raw or build_id) as first argument`},
		{`BEGIN { print(ksym("x")); }`, `stdin:1:15-24: ksym() expects an integer or a pointer argument (string provided)`},
		{`BEGIN { print(reg("ip")); }`, `stdin:1:15-24: reg can not be used with "BEGIN" probes`},
		{`software:cs:1 { print(reg("nope")); }`, `stdin:1:23-34: 'nope' is not a valid register on this architecture (` + archNames[hostArch] + `)`},
		{`software:cs:1 { print(func); }`, `stdin:1:23-27: The func builtin can not be used with 'software' probes`},
	}
	for _, c := range cases {
		expectCheckError(t, c.src, c.want, CheckOptions{Config: DefaultConfig()})
	}
}

// TestStackTypes checks the stack types kstack and ustack calls make.
func TestStackTypes(t *testing.T) {
	src := `config = { stack_mode = perf } BEGIN { @a = kstack; @b = ustack(raw); @c = kstack(5); @d = ustack(bpftrace, 9); }`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"@a": "kstack_perf_127", "@b": "ustack_raw_127", "@c": "kstack_perf_5", "@d": "ustack_bpftrace_9"}
	for name, w := range want {
		if got := prog.Maps[name].Value.String(); got != w {
			t.Errorf("%s: %s, want %s", name, got, w)
		}
	}
}
