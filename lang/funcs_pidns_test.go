package lang

import "testing"

// TestPidNSErrors checks the diagnostics of pid([curr_ns|init]),
// tid([curr_ns|init]) and comm([pid]), worded as in the newest bpftrace.
func TestPidNSErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`BEGIN { pid(foo); }`, `stdin:1:13-16: Invalid PID namespace mode: foo (expects: curr_ns or init)`},
		{`BEGIN { tid(current); }`, `stdin:1:13-20: Invalid PID namespace mode: current (expects: curr_ns or init)`},
		{`BEGIN { pid(1); }`, `stdin:1:9-15: pid() only supports curr_ns and init as the argument`},
		{`BEGIN { tid("init"); }`, `stdin:1:9-20: tid() only supports curr_ns and init as the argument`},
		{`BEGIN { pid($x); }`, `stdin:1:9-16: pid() only supports curr_ns and init as the argument`},
		{`BEGIN { pid(init, curr_ns); }`, `stdin:1:9-27: pid() takes up to one argument (2 provided)`},
		{`BEGIN { tid(init, 1); }`, `stdin:1:9-21: tid() takes up to one argument (2 provided)`},
		{`BEGIN { comm("x"); }`, `stdin:1:9-18: Only integer supported for comm()'s pid`},
		{`BEGIN { comm((1, 2)); }`, `stdin:1:9-21: Only integer supported for comm()'s pid`},
		{`BEGIN { comm(1, 2); }`, `stdin:1:9-19: comm() takes up to one argument (2 provided)`},
		{`BEGIN { comm(foo); }`, `stdin:1:14-17: Unknown identifier: 'foo'`},
	} {
		expectCheckError(t, c.src, c.want, CheckOptions{Config: DefaultConfig()})
	}
}

// TestPidNSTypes checks what the calls mean: pid(), pid(curr_ns) and
// tid() are the builtins, pid(init) stays a call, comm() is the builtin
// comm and comm(pid) a string of TASK_COMM_LEN bytes.
func TestPidNSTypes(t *testing.T) {
	src := `BEGIN {
  static_assert(is_unsigned_integer(pid()) && is_unsigned_integer(pid(init)) && is_unsigned_integer(tid(curr_ns)), "ids");
  static_assert(sizeof(pid(init)) == 4 && sizeof(tid(init)) == 4 && sizeof(pid(curr_ns)) == 4, "sizes");
  static_assert(is_str(comm()) && strcap(comm()) == 16 && is_str(comm(pid)) && strcap(comm(1)) == 16, "comm");
  $p = pid(init); $t = tid(); $c = comm(pid(init));
}`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
		t.Fatal(err)
	}
	var calls []string
	Inspect(prog, func(n Node) {
		if c, ok := n.(*Call); ok && (c.Name == "pid" || c.Name == "tid" || c.Name == "comm") {
			calls = append(calls, c.Name)
			switch {
			case c.Name != "comm" && PidNSInit(c) != (c.Expansion == nil):
				t.Errorf("%s(%v): init %v but expansion %v", c.Name, c.Args, PidNSInit(c), c.Expansion)
			case c.Name == "comm" && (len(c.Args) == 0) != (c.Expansion != nil):
				t.Errorf("comm with %d arguments: expansion %v", len(c.Args), c.Expansion)
			}
		}
	})
	if len(calls) == 0 {
		t.Fatal("no calls found")
	}
}
