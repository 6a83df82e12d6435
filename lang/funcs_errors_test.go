package lang

import (
	"os"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/btf"
)

// TestFunctionErrors checks the diagnostics of the functions in
// funcs_str.go, funcs_task.go and funcs_misc.go: wrong argument counts and
// types, non-literals where a literal is required, unsafe functions
// without --unsafe. Where bpftrace 0.17 has the function, the wording is
// 0.17's (and so is the position: the whole call); otherwise the newest
// bpftrace's.
func TestFunctionErrors(t *testing.T) {
	cases := []struct {
		src    string
		want   string
		unsafe bool
		kernel bool // needs the kernel's BTF (curtask)
	}{
		// strlen, strcap
		{src: `BEGIN { strlen(); }`, want: `stdin:1:9-17: strlen() requires one argument (0 provided)`},
		{src: `BEGIN { strlen("a", "b"); }`, want: `stdin:1:9-25: strlen() requires one argument (2 provided)`},
		{src: `BEGIN { strlen(1); }`, want: `stdin:1:16: string-like values must be either strings, arrays or pointers`},
		{src: `BEGIN { strlen((1, "a")); }`, want: `stdin:1:16-24: string-like values must be either strings, arrays or pointers`},
		{src: `BEGIN { strlen((uint64 *)0); }`, want: `stdin:1:16-27: string-like pointers must point to a char-like type`},
		{src: `BEGIN { strcap(pid); }`, want: `stdin:1:16-19: string-like values must be either strings, arrays or pointers`},
		// strncmp (bpftrace 0.17)
		{src: `BEGIN { strncmp("a"); }`, want: `stdin:1:9-21: strncmp() requires 3 arguments (1 provided)`},
		{src: `BEGIN { strncmp(1, "a", 1); }`, want: `stdin:1:9-27: strncmp() only supports string arguments (integer provided)`},
		{src: `BEGIN { strncmp("a", (1, 2), 1); }`, want: `stdin:1:9-32: strncmp() only supports string arguments (tuple provided)`},
		{src: `BEGIN { strncmp((int8 *)0, "b", 1); }`, want: `stdin:1:9-35: strncmp() only supports string arguments (pointer provided)`},
		{src: `BEGIN { strncmp("a", "b", pid); }`, want: `stdin:1:9-31: strncmp() expects a integer literal (integer provided)`},
		{src: `BEGIN { strncmp("a", "b", "c"); }`, want: `stdin:1:9-31: strncmp() expects a integer literal (string provided)`},
		{src: `BEGIN { strncmp("a", "b", -1); }`, want: `stdin:1:9-30: Builtin strncmp requires a non-negative size`},
		// strcontains (bpftrace 0.17), strstr, str_concat
		{src: `BEGIN { strcontains("a"); }`, want: `stdin:1:9-25: strcontains() requires 2 arguments (1 provided)`},
		{src: `BEGIN { strcontains(1, "a"); }`, want: `stdin:1:9-28: strcontains() only supports string arguments (integer provided)`},
		{src: `BEGIN { strcontains("a", 2); }`, want: `stdin:1:9-28: strcontains() only supports string arguments (integer provided)`},
		{src: `BEGIN { strstr("a", "b", "c"); }`, want: `stdin:1:9-30: strstr() requires 2 arguments (3 provided)`},
		{src: `BEGIN { strstr((int8 *)0, "a"); }`, want: `stdin:1:9-31: strstr() only supports string arguments (pointer provided)`},
		{src: `BEGIN { str_concat("a"); }`, want: `stdin:1:9-24: str_concat() requires 2 arguments (1 provided)`},
		{src: `BEGIN { str_concat("a", true); }`, want: `stdin:1:9-30: str_concat() only supports string arguments (bool provided)`},
		// memcmp
		{src: `BEGIN { memcmp("a", "b"); }`, want: `stdin:1:9-25: memcmp() requires 3 arguments (2 provided)`},
		{src: `BEGIN { memcmp("a", "b", "c"); }`, want: `stdin:1:26-29: memcmp() expects an integer count (string provided)`},
		{src: `BEGIN { memcmp("a", "b", -1); }`, want: `stdin:1:26-28: memcmp() count must be non-negative (-1 provided)`},
		{src: `BEGIN { memcmp(exit(), "b", 1); }`, want: `stdin:1:16-22: memcmp() can not compare a value of type none`},
		// bswap (bpftrace 0.17)
		{src: `BEGIN { bswap(); }`, want: `stdin:1:9-16: bswap() requires one argument (0 provided)`},
		{src: `BEGIN { bswap("a"); }`, want: `stdin:1:9-19: bswap() only supports integer arguments (string provided)`},
		{src: `BEGIN { bswap((1, 2)); }`, want: `stdin:1:9-22: bswap() only supports integer arguments (tuple provided)`},
		{src: `BEGIN { bswap(1 == 1); }`, want: `stdin:1:9-22: bswap() only supports integer arguments (bool provided)`},
		// has_key
		{src: `BEGIN { @m[1] = 1; has_key(@m); }`, want: `stdin:1:20-31: has_key() requires 2 arguments (1 provided)`},
		{src: `BEGIN { has_key(1, 2); }`, want: `stdin:1:9-22: has_key() expects a map to be provided`},
		{src: `BEGIN { @m[1] = 1; has_key(@m[1], 2); }`, want: `stdin:1:20-37: The map passed to has_key() should not be indexed by a key`},
		{src: `BEGIN { @m = 1; has_key(@m, 1); }`, want: `stdin:1:17-31: call to has_key() expects a map with explicit keys (non-scalar map)`},
		{src: `BEGIN { @h[1] = hist(5); has_key(@h, 1); }`, want: `stdin:1:26-40: has_key() does not support hist() maps`},
		{src: `BEGIN { @m[1, 2] = 1; has_key(@m, "a"); }`, want: `stdin:1:31-33: Argument mismatch for @m: trying to access with arguments: [string[2]] when map expects arguments: [int64, int64]`},
		{src: `BEGIN { has_key(@nope, 1); }`, want: `stdin:1:17-22: Undefined map: @nope`},
		// ncpus, nsecs
		{src: `BEGIN { ncpus(1); }`, want: `stdin:1:9-17: ncpus() requires no arguments (1 provided)`},
		{src: `BEGIN { nsecs(boot, 1); }`, want: `stdin:1:9-23: nsecs() takes up to one argument (2 provided)`},
		{src: `BEGIN { nsecs(foo); }`, want: `stdin:1:15-18: Invalid timestamp mode: foo`},
		{src: `BEGIN { nsecs(1); }`, want: `stdin:1:9-17: nsecs() only supports timestamp_mode arguments (integer provided)`},
		// pton (bpftrace 0.17, and the newest for a non-literal)
		{src: `BEGIN { pton(); }`, want: `stdin:1:9-15: pton() requires one argument (0 provided)`},
		{src: `BEGIN { pton("1.2.3"); }`, want: `stdin:1:9-22: pton() expects a valid IPv4/IPv6 address, got 1.2.3`},
		{src: `BEGIN { pton("::ffff:1.2.3.4"); }`, want: `stdin:1:9-31: pton() expects a valid IPv4/IPv6 address, got ::ffff:1.2.3.4`},
		{src: `BEGIN { pton("abc"); }`, want: `stdin:1:9-20: pton() expects an string argument of an IPv4/IPv6 address, got abc`},
		{src: `BEGIN { $x = "1.2.3.4"; pton($x); }`, want: `stdin:1:25-33: pton() expects an string literal at the first argument`},
		{src: `BEGIN { pton(1); }`, want: `stdin:1:9-16: pton() expects an string literal at the first argument`},
		// is_*, static_assert, fail
		{src: `BEGIN { is_str(); }`, want: `stdin:1:9-17: is_str() requires one argument (0 provided)`},
		{src: `BEGIN { is_literal(1, 2); }`, want: `stdin:1:9-25: is_literal() requires one argument (2 provided)`},
		{src: `BEGIN { is_ptr($x); }`, want: `stdin:1:16-18: Undefined or undeclared variable: $x`},
		{src: `BEGIN { static_assert(is_str(1), "want a string"); }`, want: `stdin:1:9-50: want a string`},
		{src: `BEGIN { static_assert(pid == 1, "x"); }`, want: `stdin:1:23-31: static_assert() expects a condition known at compile time`},
		{src: `BEGIN { static_assert(true, 1); }`, want: `stdin:1:9-31: static_assert() expects a string literal (integer provided)`},
		{src: `BEGIN { static_assert(1); }`, want: `stdin:1:9-25: static_assert() requires 2 arguments (1 provided)`},
		// Map declarations (newest bpftrace): the kind must suit the values.
		{src: `let @a = percpuhash(2); BEGIN { @a = 1; }`, want: `stdin:1:33-35: Incompatible map types. Type from declaration: percpuhash. Type from value/key type: hash`},
		{src: `let @a = percpulruhash(2); BEGIN { @a[1] = "x"; }`, want: `stdin:1:36-38: Incompatible map types. Type from declaration: percpulruhash. Type from value/key type: hash`},
		{src: `let @a = hash(2); BEGIN { @a = count(); }`, want: `stdin:1:27-29: Incompatible map types. Type from declaration: hash. Type from value/key type: percpuhash`},
		{src: `let @a = lruhash(2); BEGIN { @a[1] = hist(1); }`, want: `stdin:1:30-32: Incompatible map types. Type from declaration: lruhash. Type from value/key type: percpuhash`},
		{src: `let @a = potato(2); BEGIN { @a[1] = count(); }`, want: `stdin:1:1-20: Invalid map type 'potato': expected hash, lruhash, percpuhash or percpulruhash`},
		{src: `let @a = percpuarray(2); BEGIN { @a = count(); }`, want: `stdin:1:1-25: Invalid map type 'percpuarray': expected hash, lruhash, percpuhash or percpulruhash`},
		// comptime, typeinfo, default_str_length (newest bpftrace)
		{src: `BEGIN { $x = 0; comptime ($x + 1) }`, want: `stdin:1:17-34: Unable to resolve comptime expression`},
		{src: `BEGIN { @a = 1; if comptime (@a > 1) { print(1); } }`, want: `stdin:1:20-37: Unable to resolve comptime expression`},
		{src: `BEGIN { if comptime ("a") { } }`, want: `stdin:1:12-26: Unable to resolve comptime expression`},
		{src: `BEGIN { @a[1] = 1; if (comptime true) { @a = 1; } }`, want: `stdin:1:41-43: @a used as a map without keys, but it was used with keys`},
		{src: `BEGIN { $x = 1; if comptime (typeinfo($x) == 1) { } }`, want: `stdin:1:30-42: typeinfo feature is not enabled by default. To enable this unstable feature, set the config flag to enable. unstable_typeinfo=enable`},
		{src: `config = { unstable_typeinfo = enable } BEGIN { $x = 1; if comptime (typeinfo($x) == typeinfo(1)) { fail("no integers"); } }`, want: `stdin:1:101-120: no integers`},
		{src: `BEGIN { default_str_length(1); }`, want: `stdin:1:9-30: default_str_length() requires no arguments (1 provided)`},
		{src: `BEGIN { fail("bad %s: %d", "x", -3); }`, want: `stdin:1:9-36: bad x: -3`},
		{src: `BEGIN { fail("pid %d", pid); }`, want: `stdin:1:9-28: fail() arguments need to be literals`},
		{src: `BEGIN { fail(1); }`, want: `stdin:1:9-16: first argument to fail() must be a string literal`},
		{src: `BEGIN { fail(); }`, want: `stdin:1:9-15: fail() requires at least one argument (0 provided)`},
		// ppid, pcomm, leader_tid, leader_comm
		{src: `BEGIN { ppid(1); }`, want: `stdin:1:9-16: ppid() only supports 'struct task_struct *' as the argument (int64 provided)`},
		{src: `BEGIN { pcomm(curtask, 1); }`, want: `stdin:1:9-26: pcomm() takes up to one argument (2 provided)`},
		{src: `BEGIN { leader_tid(curtask->mm); }`, want: `stdin:1:9-32: leader_tid() only supports 'struct task_struct *' as the argument (struct mm_struct * provided)`, kernel: true},
		{src: `BEGIN { @[leader_comm("x")] = 1; }`, want: `stdin:1:11-27: leader_comm() only supports 'struct task_struct *' as the argument (string[2] provided)`},
		{src: `BEGIN { print(ppid); }`, want: `stdin:1:15-19: ppid() needs the kernel's BTF: curtask is not typed as struct task_struct *`},
		// signal (bpftrace 0.17)
		{src: `profile:hz:99 { signal(9); }`, want: `stdin:1:17-26: signal() is an unsafe function being used in safe mode`},
		{src: `profile:hz:99 { signal_thread("KILL"); }`, want: `stdin:1:17-38: signal_thread() is an unsafe function being used in safe mode`},
		{src: `BEGIN { signal(9); }`, unsafe: true, want: `stdin:1:9-18: signal can not be used with "BEGIN" probes`},
		{src: `interval:s:1 { signal(1); }`, unsafe: true, want: `stdin:1:16-25: signal can not be used with "interval" probes`},
		{src: `profile:hz:99 { signal(); }`, unsafe: true, want: `stdin:1:17-25: signal() requires at least one argument (0 provided)`},
		{src: `profile:hz:99 { signal(1, 2); }`, unsafe: true, want: `stdin:1:17-29: signal() takes up to one argument (2 provided)`},
		{src: `profile:hz:99 { signal("SIGFOO"); }`, unsafe: true, want: `stdin:1:17-33: SIGFOO is not a valid signal`},
		{src: `profile:hz:99 { signal(65); }`, unsafe: true, want: `stdin:1:17-27: 65 is not a valid signal, allowed range: [1,64]`},
		{src: `profile:hz:99 { signal(-1); }`, unsafe: true, want: `stdin:1:17-27: -1 is not a valid signal, allowed range: [1,64]`},
		{src: `profile:hz:99 { signal(comm); }`, unsafe: true, want: `stdin:1:17-29: signal only accepts string literals or integers`},
		{src: `profile:hz:99 { $x = signal(1); }`, unsafe: true, want: `stdin:1:22-31: Value does not have a type and cannot be assigned`},
	}
	_, btfErr := os.Stat("/sys/kernel/btf/vmlinux")
	for _, c := range cases {
		opts := CheckOptions{Config: DefaultConfig(), Unsafe: c.unsafe}
		// Without kernel information curtask is an integer: the checker's
		// answers must not depend on the machine, unless the case says so.
		if c.kernel {
			if btfErr != nil {
				t.Logf("%s: skipped, the kernel has no BTF", c.src)
				continue
			}
			opts.Kernel = btf.NewKernel(btf.Options{})
		}
		expectCheckError(t, c.src, c.want, opts)
	}
}

// TestFunctionConstants checks the compile-time values of the functions
// lang expands: the is_* predicates, strcap, and static_assert accepting
// what it can decide.
func TestFunctionConstants(t *testing.T) {
	src := `BEGIN {
  static_assert(is_str("a") && is_str(comm) && !is_str(1), "is_str");
  static_assert(is_integer(1) && is_integer(pid) && !is_integer(true) && !is_integer("1"), "is_integer");
  static_assert(is_unsigned_integer(pid) && !is_unsigned_integer(1) && !is_unsigned_integer((int8)1), "is_unsigned_integer");
  static_assert(is_literal(1) && is_literal(-1) && is_literal("a") && is_literal(true) && !is_literal(pid) && !is_literal(1 + 1), "is_literal");
  static_assert(is_ptr((int8 *)0) && !is_ptr(0), "is_ptr");
  static_assert(is_array(pton("1.2.3.4")) && !is_array("abc"), "is_array");
  static_assert(strcap("abc") == 4 && strcap(comm) == 16 && strcap(pton("::1")) == 16, "strcap");
  static_assert(sizeof(pton("::1")) == 16 && 2 > 1 && (1 == 1 || 0), "constants");
}`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
		t.Fatal(Render(err, map[string]string{"": src}))
	}
}

// TestBareFunctionCalls checks that functions without arguments can be
// written without parentheses: `(ppid) * 2` is a product, not a cast,
// and Check turns `ncpus` into a call.
func TestBareFunctionCalls(t *testing.T) {
	src := `BEGIN { $x = (ppid) * 2; $y = ncpus + ncpus(); }`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if got := Dump(prog); !strings.Contains(got, "(* ppid 2)") {
		t.Errorf("(ppid) * 2 parsed as:\n%s", got)
	}
	prog, err = Parse("", `BEGIN { $y = ncpus + ncpus(); }`)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
		t.Fatal(err)
	}
	calls := 0
	Inspect(prog, func(n Node) {
		if c, ok := n.(*Call); ok && c.Name == "ncpus" {
			calls++
		}
	})
	if calls != 2 {
		t.Errorf("found %d calls to ncpus, want 2", calls)
	}
}
