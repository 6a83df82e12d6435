package lang

import (
	"testing"

	"golang.org/x/sys/unix"
)

// cgroupKernel answers cgroupid() from a table, without the system.
type cgroupKernel struct {
	noKernel
	ids map[string]uint64
}

func (k cgroupKernel) CgroupID(path string) (uint64, error) {
	if id, ok := k.ids[path]; ok {
		return id, nil
	}
	return 0, unix.ENOENT
}

// TestRuntimeFunctionErrors checks the diagnostics of the functions in
// funcs_runtime.go: wrong argument counts and types, non-literals where a
// literal is required, system() without --unsafe. Where bpftrace 0.17 has
// the function the wording is 0.17's (and so is the position: the whole
// call), fixed where 0.17's is broken; otherwise the newest bpftrace's.
func TestRuntimeFunctionErrors(t *testing.T) {
	cases := []struct {
		src    string
		want   string
		unsafe bool
	}{
		// time
		{src: `BEGIN { time("a", "b"); }`, want: `stdin:1:9-23: time() takes up to one argument (2 provided)`},
		{src: `BEGIN { time(1); }`, want: `stdin:1:9-16: time() expects a string literal (integer provided)`},
		{src: `BEGIN { $x = "a"; time($x); }`, want: `stdin:1:19-27: time() expects a string literal (string provided)`},
		{src: `BEGIN { $t = time(); }`, want: `stdin:1:14-20: Value does not have a type and cannot be assigned`},
		// strftime
		{src: `BEGIN { strftime("%H"); }`, want: `stdin:1:9-23: strftime() requires 2 arguments (1 provided)`},
		{src: `BEGIN { strftime(1, 2); }`, want: `stdin:1:9-23: strftime() expects a string literal (integer provided)`},
		{src: `BEGIN { strftime(comm, 2); }`, want: `stdin:1:9-26: strftime() expects a string literal (string provided)`},
		{src: `BEGIN { strftime("%H", "a"); }`, want: `stdin:1:9-28: strftime() only supports integer arguments (string provided)`},
		{src: `BEGIN { strftime("%H", -1); }`, want: `stdin:1:9-27: strftime() does not accept negative timestamps`},
		{src: `BEGIN { strftime("%H", nsecs(monotonic)); }`, want: `stdin:1:9-41: strftime() can not take a monotonic timestamp`},
		{src: `BEGIN { $t = nsecs(monotonic); strftime("%H", $t); }`, want: `stdin:1:32-50: strftime() can not take a monotonic timestamp`},
		{src: `BEGIN { if (strftime("%H", 1) == "x") {} }`, want: `stdin:1:13-37: Type mismatch for '==': comparing timestamp with string[2]`},
		// cat, system, errorf, warnf
		{src: `BEGIN { cat(); }`, want: `stdin:1:9-14: cat() requires at least one argument (0 provided)`},
		{src: `BEGIN { cat(1); }`, want: `stdin:1:9-15: cat() expects a string literal (integer provided)`},
		{src: `BEGIN { cat("%d"); }`, want: `stdin:1:9-18: cat: Not enough arguments for format string (0 supplied, 1 expected)`},
		{src: `BEGIN { cat("/etc/hostname", 1); }`, want: `stdin:1:9-32: cat: Too many arguments for format string (1 supplied, 0 expected)`},
		{src: `BEGIN { system("x"); }`, want: `stdin:1:9-20: system() is an unsafe function being used in safe mode`},
		{src: `BEGIN { system(); }`, unsafe: true, want: `stdin:1:9-17: system() requires at least one argument (0 provided)`},
		{src: `BEGIN { system(1); }`, unsafe: true, want: `stdin:1:9-18: system() expects a string literal (integer provided)`},
		{src: `BEGIN { system("%s %d", "a"); }`, unsafe: true, want: `stdin:1:9-29: system: Not enough arguments for format string (1 supplied, 2 expected)`},
		{src: `BEGIN { errorf(); }`, want: `stdin:1:9-17: errorf() requires at least one argument (0 provided)`},
		{src: `BEGIN { errorf(comm); }`, want: `stdin:1:9-21: errorf() expects a string literal (string provided)`},
		{src: `BEGIN { errorf("%d", "a"); }`, want: `stdin:1:9-26: errorf: %d specifier expects a value of type integer (string supplied)`},
		{src: `BEGIN { warnf(1); }`, want: `stdin:1:9-17: warnf() expects a string literal (integer provided)`},
		{src: `BEGIN { warnf("%s %s", 1); }`, want: `stdin:1:9-26: warnf: Not enough arguments for format string (1 supplied, 2 expected)`},
		// join
		{src: `BEGIN { join(); }`, want: `stdin:1:9-15: join() requires at least one argument (0 provided)`},
		{src: `BEGIN { join(1, " ", 3); }`, want: `stdin:1:9-24: join() takes up to 2 arguments (3 provided)`},
		{src: `BEGIN { join("a"); }`, want: `stdin:1:9-18: join() only supports int or pointer arguments (string provided)`},
		{src: `BEGIN { join(1, 2); }`, want: `stdin:1:9-19: join() expects a string literal (integer provided)`},
		{src: `BEGIN { join(1, comm); }`, want: `stdin:1:9-22: join() expects a string literal (string provided)`},
		// assert
		{src: `BEGIN { assert(1); }`, want: `stdin:1:9-18: assert() requires 2 arguments (1 provided)`},
		{src: `BEGIN { assert("a", "b"); }`, want: `stdin:1:16-19: assert() expects a boolean condition (string provided)`},
		{src: `BEGIN { assert(1, exit()); }`, want: `stdin:1:19-25: assert: %s specifier expects a value of type string (none supplied)`},
		// buf
		{src: `BEGIN { buf(); }`, want: `stdin:1:9-14: buf() requires at least one argument (0 provided)`},
		{src: `BEGIN { buf("a", 1, 2); }`, want: `stdin:1:9-23: buf() takes up to 2 arguments (3 provided)`},
		{src: `BEGIN { buf((1, 2), 1); }`, want: `stdin:1:9-23: buf() expects an integer, string, or array argument but saw tuple`},
		{src: `BEGIN { buf(1, "a"); }`, want: `stdin:1:9-20: buf() only supports integer arguments (string provided)`},
		{src: `BEGIN { buf(1); }`, want: `stdin:1:9-15: buf() expects a length argument for non-array type integer`},
		{src: `BEGIN { buf("ab", -1); }`, want: `stdin:1:9-22: buf cannot use negative length (-1)`},
		{src: `BEGIN { if (buf("a", 1) == "a") {} }`, want: `stdin:1:13-31: Type mismatch for '==': comparing buffer[1] with string[2]`},
		// ntop
		{src: `BEGIN { ntop(); }`, want: `stdin:1:9-15: ntop() requires at least one argument (0 provided)`},
		{src: `BEGIN { ntop(1, 2, 3); }`, want: `stdin:1:9-22: ntop() takes up to 2 arguments (3 provided)`},
		{src: `BEGIN { ntop((1, 2)); }`, want: `stdin:1:9-21: ntop() expects an integer or array argument, got tuple`},
		{src: `BEGIN { ntop("a", 1); }`, want: `stdin:1:9-21: ntop() only supports integer arguments (string provided)`},
		{src: `BEGIN { ntop("abcd"); }`, want: `stdin:1:9-21: ntop() argument must be 4 or 16 bytes in size`},
		// macaddr
		{src: `BEGIN { macaddr(); }`, want: `stdin:1:9-18: macaddr() requires one argument (0 provided)`},
		{src: `BEGIN { macaddr("abcdef"); }`, want: `stdin:1:9-26: macaddr() does not support literal string arguments`},
		{src: `BEGIN { macaddr((1, 2)); }`, want: `stdin:1:9-24: macaddr() only supports array or pointer arguments (tuple provided)`},
		{src: `BEGIN { macaddr(pton("1.2.3.4")); }`, want: `stdin:1:9-33: macaddr() argument must be at least 6 bytes in size`},
		// username
		{src: `BEGIN { username(1); }`, want: `stdin:1:9-20: username() requires no arguments (1 provided)`},
		{src: `BEGIN { if (username == "root") {} }`, want: `stdin:1:13-31: Type mismatch for '==': comparing username with string[5]`},
		// strerror, signal_name, syscall_name
		{src: `BEGIN { strerror(); }`, want: `stdin:1:9-19: strerror() requires one argument (0 provided)`},
		{src: `BEGIN { strerror("a"); }`, want: `stdin:1:9-22: strerror() only supports integer arguments (string provided)`},
		{src: `BEGIN { signal_name(1, 2); }`, want: `stdin:1:9-26: signal_name() requires one argument (2 provided)`},
		{src: `BEGIN { signal_name(comm); }`, want: `stdin:1:9-26: signal_name() only supports integer arguments (string provided)`},
		{src: `BEGIN { syscall_name((1, 2)); }`, want: `stdin:1:9-29: syscall_name() only supports integer arguments (tuple provided)`},
		// cgroup_path, cgroupid
		{src: `BEGIN { cgroup_path(); }`, want: `stdin:1:9-22: cgroup_path() requires at least one argument (0 provided)`},
		{src: `BEGIN { cgroup_path("a"); }`, want: `stdin:1:9-25: cgroup_path() only supports integer arguments (string provided)`},
		{src: `BEGIN { cgroup_path(1, 2); }`, want: `stdin:1:9-26: cgroup_path() only supports string arguments (integer provided)`},
		{src: `BEGIN { cgroup_path(1, comm); }`, want: `stdin:1:9-29: cgroup_path() expects a string literal (string provided)`},
		{src: `BEGIN { cgroupid(); }`, want: `stdin:1:9-19: cgroupid() requires one argument (0 provided)`},
		{src: `BEGIN { cgroupid(1); }`, want: `stdin:1:9-20: cgroupid() expects a string literal (integer provided)`},
		{src: `BEGIN { $x = "a"; cgroupid($x); }`, want: `stdin:1:19-31: cgroupid() expects a string literal (string provided)`},
		{src: `BEGIN { cgroupid("/nonexistent"); }`, want: `stdin:1:9-33: Failed to get ` + "`cgroupid`" + ` for path: "/nonexistent": No such file or directory`},
		// len
		{src: `BEGIN { len(); }`, want: `stdin:1:9-14: len() requires one argument (0 provided)`},
		{src: `BEGIN { len(1); }`, want: `stdin:1:9-15: call to len() expects a map, ustack, or kstack`},
		{src: `BEGIN { @m = 1; len(@m); }`, want: `stdin:1:17-24: call to len() expects a map with explicit keys (non-scalar map)`},
		{src: `BEGIN { @m[1] = 1; len(@m[1]); }`, want: `stdin:1:20-30: call to len() expects a map, ustack, or kstack`},
		{src: `BEGIN { @h[1] = hist(1); len(@h); }`, want: `stdin:1:26-33: len() does not support hist() maps`},
		{src: `BEGIN { len(@nope); }`, want: `stdin:1:13-18: Undefined map: @nope`},
	}
	for _, c := range cases {
		opts := CheckOptions{Config: DefaultConfig(), Unsafe: c.unsafe, Kernel: cgroupKernel{}}
		expectCheckError(t, c.src, c.want, opts)
	}
}

// TestRuntimeFunctionTypes checks the types of the functions' values and
// what the checker resolves while compiling.
func TestRuntimeFunctionTypes(t *testing.T) {
	src := `BEGIN {
  $t = strftime("%H", nsecs); $n = ntop(1); $m = macaddr(pton("::1")); $u = username;
  $c = cgroup_path(1, "unified"); $b = buf("abc", 2); $a = buf(pton("::1")); $e = strerror(1);
  @l[1] = 1; $len = len(@l); $id = cgroupid("/sys/fs/cgroup/unified");
  let $d; let $unset; if (pid > 1) { $d = ntop(2, pton("1.2.3.4")); } else { $d = ntop(pton("::1")); }
  print(($t, $n, $m, $u, $c, $b, $a, $e, $len, $id, $d, $unset));
}`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	k := cgroupKernel{ids: map[string]uint64{"/sys/fs/cgroup/unified": 42}}
	if err := Check(prog, CheckOptions{Config: DefaultConfig(), Kernel: k}); err != nil {
		t.Fatal(Render(err, map[string]string{"": src}))
	}
	want := map[string]string{
		"$t": "timestamp", "$n": "inet", "$m": "macaddr_t", "$u": "username", "$c": "cgroup_path_t",
		"$b": "buffer[2]", "$a": "buffer[16]", "$e": "string[64]", "$len": "int64", "$id": "uint64",
		// `let $d;` takes the type of its first assignment (tcpconnect.bt).
		"$d": "inet", "$unset": "int64",
	}
	found := map[string]bool{}
	Inspect(prog, func(n Node) {
		v, ok := n.(*Var)
		if !ok || v.Decl == nil {
			return
		}
		if w, ok := want[v.Name]; ok {
			found[v.Name] = true
			if got := v.Decl.Type.String(); got != w {
				t.Errorf("%s: type %s, want %s", v.Name, got, w)
			}
		}
	})
	if len(found) != len(want) {
		t.Errorf("found %d of the %d variables", len(found), len(want))
	}
	var id *Call
	Inspect(prog, func(n Node) {
		if c, ok := n.(*Call); ok && c.Name == "cgroupid" {
			id = c
		}
	})
	if id == nil {
		t.Fatal("no cgroupid() call")
	}
	cast, ok := id.Expansion.(*Cast)
	if !ok {
		t.Fatalf("cgroupid() expands to %#v, want a cast of the constant 42", id.Expansion)
	}
	if lit, ok := cast.X.(*IntLit); !ok || lit.Value != 42 {
		t.Errorf("cgroupid() expands to (uint64)%#v, want the constant 42", cast.X)
	}
}
