package lang

import (
	"strings"
	"testing"
)

// test, bench and self probes: their attach points, and bpftrace's
// errors for malformed ones, at the attach point.
func TestSpecialProbePoints(t *testing.T) {
	cases := []struct {
		src  string
		kind string
		name string
	}{
		{`test:okay { }`, "test", "test:okay"},
		{`TEST:okay { }`, "test", "test:okay"},
		{`bench:my_loop { }`, "bench", "bench:my_loop"},
		{`BENCH:a { }`, "bench", "bench:a"},
		{`self:signal:SIGUSR1 { }`, "self", "self:signal:SIGUSR1"},
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
		pt := prog.Probes[0].Points[0]
		if pt.Kind != c.kind || pt.Name != c.name {
			t.Errorf("%q: point %s %s, want %s %s", c.src, pt.Kind, pt.Name, c.kind, c.name)
		}
	}
}

func TestSpecialProbeErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{`self:signal:SIGFOO { }`, `stdin:1:1-19: SIGFOO is not a supported signal`},
		{`self:signal:sighup { }`, `stdin:1:1-19: sighup is not a supported signal`},
		{`self:keypress:space { }`, `stdin:1:1-20: keypress is not a supported trigger`},
		{`self:signal { }`, `stdin:1:1-12: self probe type requires 2 arguments`},
		{`self:signal:SIGUSR1:x { }`, `stdin:1:1-22: self probe type requires 2 arguments`},
		{`test { }`, `stdin:1:1-5: test probe type requires 1 argument`},
		{`test:a:b { }`, `stdin:1:1-9: test probe type requires 1 argument`},
		{`test: { }`, `stdin:1:1-6: test probes must have a name`},
		{`bench: { }`, `stdin:1:1-7: bench probes must have a name`},
		{`bench { }`, `stdin:1:1-6: bench probe type requires 1 argument`},
		// A name used twice: at the second use, then at the first.
		{`BENCH:a { 1 } BENCH:a { 2 }`,
			"stdin:1:15-22: \"a\" was used as the name for more than one BENCH probe\nstdin:1:1-8: this is the other instance"},
		{`test:a { } BEGIN { } test:b, test:a { }`,
			"stdin:1:30-36: \"a\" was used as the name for more than one TEST probe\nstdin:1:1-7: this is the other instance"},
		// Probe return values (newest bpftrace).
		{`test:a { return "x"; }`, `stdin:1:10-21: Probe return values can only be integers. Found string[2]`},
		{`BEGIN { return (1, 2); }`, `stdin:1:9-23: Probe return values can only be integers. Found (int64,int64)`},
	}
	for _, c := range cases {
		expectCheckError(t, c.src, c.want, CheckOptions{Config: DefaultConfig()})
	}
}

// `return EXPR` parses in every probe (the probe's return value) and
// prints with its value; break and continue take none.
func TestReturnValue(t *testing.T) {
	for _, src := range []string{
		`test:a { return 1; }`,
		`test:a { if (1) { return 1 } return 0 }`,
		`bench:a { return; }`,
		`BEGIN { return 2 + 3; }`,
		`test:a { return; }`,
	} {
		prog, err := Parse("", src)
		if err != nil {
			t.Errorf("Parse(%q): %v", src, err)
			continue
		}
		if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
			t.Errorf("Check(%q): %v", src, err)
		}
	}
	prog, err := Parse("", `test:a { return 1 + 2; }`)
	if err != nil {
		t.Fatal(err)
	}
	ret := prog.Items[0].(*Probe).Body.Stmts[0].(*JumpStmt)
	want := ExprString(&Binary{Op: "+", L: &IntLit{Value: 1, Text: "1"}, R: &IntLit{Value: 2, Text: "2"}})
	if ret.Kind != "return" || ret.Value == nil || ExprString(ret.Value) != want || !ret.Semi {
		t.Errorf("return 1 + 2; parsed as %+v", ret)
	}
	if _, err := Parse("", `BEGIN { while (1) { break 1; } }`); err == nil {
		t.Errorf("break 1 parsed")
	}
	if _, err := Parse("", `test:a { return 1 + }`); err == nil || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("return 1 + : %v, want a syntax error", err)
	}
}

// probetype names the kinds as bpftrace does.
func TestSpecialProbetype(t *testing.T) {
	for src, want := range map[string]string{
		`test:a { $t = probetype; }`:              "test",
		`bench:a { $t = probetype; }`:             "benchmark",
		`self:signal:SIGUSR1 { $t = probetype; }`: "special",
	} {
		prog, err := Parse("", src)
		if err != nil {
			t.Fatal(err)
		}
		if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
			t.Fatalf("Check(%q): %v", src, err)
		}
		var got string
		Inspect(prog, func(n Node) {
			if call, ok := n.(*Call); ok && call.Name == "probetype" {
				if s, ok := call.Expansion.(*StrLit); ok {
					got = s.Value
				}
			}
		})
		if got != want {
			t.Errorf("%s: probetype %q, want %q", src, got, want)
		}
	}
}

// gtrace -l lists the self probes, as bpftrace does.
func TestListSelf(t *testing.T) {
	for _, pattern := range []string{"self:*", "self:signal:*", "self:signal:SIG*", "self:*:*"} {
		got, err := List(nil, pattern, false)
		if err != nil || len(got) != 1 || got[0].Name != "self:signal:SIGUSR1" {
			t.Errorf("List(%q) = %v, %v; want self:signal:SIGUSR1", pattern, got, err)
		}
	}
}

// gtrace -l lists the units of interval and profile probes, as the newest
// bpftrace does ("it lists interval probes with regex filter").
func TestListTimers(t *testing.T) {
	for pattern, want := range map[string]string{
		"interval:*":  "interval:hz: interval:ms: interval:s: interval:us:",
		"profile:*":   "profile:hz: profile:ms: profile:s: profile:us:",
		"profile:m*":  "profile:ms:",
		"i:*":         "interval:hz: interval:ms: interval:s: interval:us:",
		"interval:ns": "",
	} {
		got, err := List(nil, pattern, false)
		var names []string
		for _, l := range got {
			names = append(names, l.Name)
		}
		if err != nil || strings.Join(names, " ") != want {
			t.Errorf("List(%q) = %v, %v; want %s", pattern, names, err, want)
		}
	}
}
