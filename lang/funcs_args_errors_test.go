package lang

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/btf"
)

// argsKernel answers the questions of the functions resolved while
// compiling, without the system: cgroupid() finds nothing, kaddr() knows
// one symbol.
type argsKernel struct{ cgroupKernel }

func (argsKernel) KernelSymbolAddress(name string) (uint64, error) {
	if name == "jiffies" {
		return 0xffffffff82a05000, nil
	}
	return 0, btf.ErrNotFound
}

// argsBinaries is one binary, /bin/prog, with a function main and a
// variable var, for uprobes and uaddr().
type argsBinaries struct{ noBinaries }

func (argsBinaries) Resolve(target string) ([]string, error) {
	if target == "/bin/prog" {
		return []string{target}, nil
	}
	return nil, errors.New("no such file")
}

func (argsBinaries) Functions(string) ([]UserFunc, error) {
	return []UserFunc{{Name: "main", Addr: 0x1000, Size: 0x100, Offset: 0x1000}}, nil
}

func (argsBinaries) Symbol(_, name string) (uint64, uint64, bool, error) {
	if name == "var" {
		return 0x2000, 4, false, nil
	}
	return 0, 0, false, errors.New("not found")
}

func argsOptions(unsafe bool) CheckOptions {
	return CheckOptions{Config: DefaultConfig(), Unsafe: unsafe, Kernel: argsKernel{}, Binaries: argsBinaries{}}
}

// TestFunctionArgumentErrors checks, for every function, the diagnostics
// of each kind of bad argument that applies to it: too few and too many
// arguments, a wrong type for each argument, a non-literal where a
// literal is required, a value out of the range the function accepts, and
// system() and signal() without --unsafe. It completes the tables of
// funcs_errors_test.go, funcs_runtime_errors_test.go,
// agg_tseries_test.go (tseries) and probe_perf_test.go (stack modes). The
// wording is bpftrace 0.17's where 0.17 has the function and its message
// is clear, else the newest bpftrace's; the position is the call, or the
// offending argument where that says more.
func TestFunctionArgumentErrors(t *testing.T) {
	cases := []struct {
		src, want string
		unsafe    bool
		named     string // name=value, a named parameter given after "--"
	}{
		// printf
		{src: `BEGIN { printf(); }`, want: "stdin:1:9-17: printf() requires at least one argument (0 provided)"},
		{src: `BEGIN { printf(1); }`, want: "stdin:1:9-18: printf() expects a string literal (integer provided)"},
		{src: `BEGIN { printf(comm); }`, want: "stdin:1:9-21: printf() expects a string literal (string provided)"},
		{src: `BEGIN { $f = "%d"; printf($f, 1); }`, want: "stdin:1:20-33: printf() expects a string literal (string provided)"},
		{src: `BEGIN { printf("%d"); }`, want: "stdin:1:9-21: printf: Not enough arguments for format string (0 supplied, 1 expected)"},
		{src: `BEGIN { printf("%d", 1, 2); }`, want: "stdin:1:9-27: printf: Too many arguments for format string (2 supplied, 1 expected)"},
		{src: `BEGIN { printf("%d\n", "a"); }`, want: "stdin:1:9-28: printf: %d specifier expects a value of type integer (string supplied)"},
		{src: `BEGIN { printf("%lld\n", "x"); }`, want: "stdin:1:9-30: printf: %lld specifier expects a value of type integer (string supplied)"},
		{src: `BEGIN { printf("%x\n", (1, 2)); }`, want: "stdin:1:9-31: printf: %x specifier expects a value of type integer (tuple supplied)"},
		{src: `BEGIN { printf("%d\n", exit()); }`, want: "stdin:1:9-31: printf: %d specifier expects a value of type integer (none supplied)"},
		{src: `BEGIN { printf("%r\n", 1); }`, want: "stdin:1:9-26: printf: %r specifier expects a value of type buffer (integer supplied)"},
		{src: `BEGIN { printf("%rx\n", "ab"); }`, want: "stdin:1:9-30: printf: %rx specifier expects a value of type buffer (string supplied)"},
		{src: `BEGIN { printf("%rh\n", comm); }`, want: "stdin:1:9-30: printf: %rh specifier expects a value of type buffer (string supplied)"},
		{src: `BEGIN { printf("%f\n", 1); }`, want: "stdin:1:9-26: printf: Unknown format string token: %f"},
		{src: `BEGIN { @h = hist(1); printf("%d\n", @h); }`, want: "stdin:1:38-40: The map @h of type hist cannot be read"},
		// print
		{src: `BEGIN { print(); }`, want: "stdin:1:9-16: print() requires at least one argument (0 provided)"},
		{src: `BEGIN { @m[1] = 1; print(@m, 1, 2, 3); }`, want: "stdin:1:20-38: print() takes up to 3 arguments (4 provided)"},
		{src: `BEGIN { print(1, 2); }`, want: "stdin:1:9-20: Non-map print() only takes 1 argument, 2 found"},
		{src: `BEGIN { @m[1] = 1; print(@m[1], 1); }`, want: "stdin:1:20-35: The map passed to print() should not be indexed by a key"},
		{src: `BEGIN { @m[1] = 1; print(@m, "a"); }`, want: "stdin:1:20-34: print() expects a integer literal (string provided)"},
		{src: `BEGIN { @m[1] = 1; print(@m, pid); }`, want: "stdin:1:20-34: print() expects a integer literal (integer provided)"},
		{src: `BEGIN { @m[1] = 1; print(@m, 1, pid); }`, want: "stdin:1:20-37: print() expects a integer literal (integer provided)"},
		{src: `BEGIN { print(exit()); }`, want: "stdin:1:15-21: print() of a value with no type"},
		{src: `BEGIN { print(@nope); }`, want: "stdin:1:15-20: Undefined map: @nope"},
		{src: `BEGIN { print(@nope, 1); }`, want: "stdin:1:15-20: Undefined map: @nope"},
		// errorf, warnf
		{src: `BEGIN { errorf("x", 1); }`, want: "stdin:1:9-23: errorf: Too many arguments for format string (1 supplied, 0 expected)"},
		{src: `BEGIN { errorf("%d"); }`, want: "stdin:1:9-21: errorf: Not enough arguments for format string (0 supplied, 1 expected)"},
		{src: `BEGIN { errorf(1); }`, want: "stdin:1:9-18: errorf() expects a string literal (integer provided)"},
		{src: `BEGIN { warnf(); }`, want: "stdin:1:9-16: warnf() requires at least one argument (0 provided)"},
		{src: `BEGIN { warnf(comm); }`, want: "stdin:1:9-20: warnf() expects a string literal (string provided)"},
		{src: `BEGIN { warnf("%d", "a"); }`, want: "stdin:1:9-25: warnf: %d specifier expects a value of type integer (string supplied)"},
		{src: `BEGIN { warnf("x", 1); }`, want: "stdin:1:9-22: warnf: Too many arguments for format string (1 supplied, 0 expected)"},
		// exit
		{src: `BEGIN { exit(1, 2); }`, want: "stdin:1:9-19: exit() takes up to one argument (2 provided)"},
		{src: `BEGIN { exit("a"); }`, want: "stdin:1:14-17: exit() expects an integer exit code (string provided)"},
		{src: `BEGIN { exit((1, 2)); }`, want: "stdin:1:14-20: exit() expects an integer exit code (tuple provided)"},
		{src: `BEGIN { exit(1 == 1); }`, want: "stdin:1:14-20: exit() expects an integer exit code (bool provided)"},
		{src: `BEGIN { $x = exit(); }`, want: "stdin:1:14-20: Value does not have a type and cannot be assigned"},
		// str
		{src: `BEGIN { str(); }`, want: "stdin:1:9-14: str() requires at least one argument (0 provided)"},
		{src: `BEGIN { str(1, 2, 3); }`, want: "stdin:1:9-21: str() takes up to 2 arguments (3 provided)"},
		{src: `BEGIN { str((1, 2)); }`, want: "stdin:1:13-19: str() expects an integer or a pointer type as first argument (tuple provided)"},
		{src: `BEGIN { str(true); }`, want: "stdin:1:13-17: str() expects an integer or a pointer type as first argument (bool provided)"},
		{src: `BEGIN { str(exit()); }`, want: "stdin:1:13-19: str() expects an integer or a pointer type as first argument (none provided)"},
		{src: `BEGIN { str("a", "b"); }`, want: "stdin:1:18-21: str() expects an integer length (string provided)"},
		{src: `BEGIN { str(1, comm); }`, want: "stdin:1:16-20: str() expects an integer length (string provided)"},
		{src: `BEGIN { str(1, -1); }`, want: "stdin:1:9-19: str cannot use negative length (-1)"},
		// strlen, strcap, strncmp, strcontains, strstr, str_concat, strerror
		{src: `BEGIN { strcap(); }`, want: "stdin:1:9-17: strcap() requires one argument (0 provided)"},
		{src: `BEGIN { strcap("a", "b"); }`, want: "stdin:1:9-25: strcap() requires one argument (2 provided)"},
		{src: `BEGIN { strcap((1, 2)); }`, want: "stdin:1:16-22: string-like values must be either strings, arrays or pointers"},
		{src: `BEGIN { strncmp("a", "b", 1, 2); }`, want: "stdin:1:9-32: strncmp() requires 3 arguments (4 provided)"},
		{src: `BEGIN { strcontains("a", "b", "c"); }`, want: "stdin:1:9-35: strcontains() requires 2 arguments (3 provided)"},
		{src: `BEGIN { strcontains(); }`, want: "stdin:1:9-22: strcontains() requires 2 arguments (0 provided)"},
		{src: `BEGIN { strstr("a"); }`, want: "stdin:1:9-20: strstr() requires 2 arguments (1 provided)"},
		{src: `BEGIN { strstr("a", 1); }`, want: "stdin:1:9-23: strstr() only supports string arguments (integer provided)"},
		{src: `BEGIN { str_concat("a", "b", "c"); }`, want: "stdin:1:9-34: str_concat() requires 2 arguments (3 provided)"},
		{src: `BEGIN { str_concat(1, "a"); }`, want: "stdin:1:9-27: str_concat() only supports string arguments (integer provided)"},
		{src: `BEGIN { strerror(1, 2); }`, want: "stdin:1:9-23: strerror() requires one argument (2 provided)"},
		{src: `BEGIN { strerror((1, 2)); }`, want: "stdin:1:9-25: strerror() only supports integer arguments (tuple provided)"},
		// pton, macaddr, bswap, ntop, buf
		{src: `BEGIN { pton("1.2.3.4", 1); }`, want: "stdin:1:9-27: pton() requires one argument (2 provided)"},
		{src: `BEGIN { pton(comm); }`, want: "stdin:1:9-19: pton() expects an string literal at the first argument"},
		{src: `BEGIN { macaddr(1, 2); }`, want: "stdin:1:9-22: macaddr() requires one argument (2 provided)"},
		{src: `BEGIN { macaddr(true); }`, want: "stdin:1:9-22: macaddr() only supports array or pointer arguments (bool provided)"},
		{src: `BEGIN { bswap(1, 2); }`, want: "stdin:1:9-20: bswap() requires one argument (2 provided)"},
		{src: `BEGIN { ntop(2, pton("1.2.3.4"), 3); }`, want: "stdin:1:9-36: ntop() takes up to 2 arguments (3 provided)"},
		{src: `BEGIN { ntop(true); }`, want: "stdin:1:9-19: ntop() expects an integer or array argument, got bool"},
		{src: `BEGIN { buf(comm, "a"); }`, want: "stdin:1:9-23: buf() only supports integer arguments (string provided)"},
		// time, strftime
		{src: `BEGIN { time(comm); }`, want: "stdin:1:9-19: time() expects a string literal (string provided)"},
		{src: `BEGIN { strftime(); }`, want: "stdin:1:9-19: strftime() requires 2 arguments (0 provided)"},
		{src: `BEGIN { strftime("%H", 1, 2); }`, want: "stdin:1:9-29: strftime() requires 2 arguments (3 provided)"},
		{src: `BEGIN { strftime("%H", comm); }`, want: "stdin:1:9-29: strftime() only supports integer arguments (string provided)"},
		// nsecs
		{src: `BEGIN { nsecs("boot"); }`, want: "stdin:1:9-22: nsecs() only supports timestamp_mode arguments (string provided)"},
		{src: `BEGIN { nsecs(boot + 1); }`, want: "stdin:1:15-19: Unknown identifier: 'boot'"},
		{src: `BEGIN { nsecs(nope); }`, want: "stdin:1:15-19: Invalid timestamp mode: nope"},
		// builtins as functions
		{src: `BEGIN { jiffies(1); }`, want: "stdin:1:9-19: jiffies() requires no arguments (1 provided)"},
		{src: `BEGIN { rand(1); }`, want: "stdin:1:9-16: rand() requires no arguments (1 provided)"},
		{src: `BEGIN { cpu(1); }`, want: "stdin:1:9-15: cpu() requires no arguments (1 provided)"},
		{src: `BEGIN { numaid(1); }`, want: "stdin:1:9-18: numaid() requires no arguments (1 provided)"},
		{src: `BEGIN { cgroup("a"); }`, want: "stdin:1:9-20: cgroup() requires no arguments (1 provided)"},
		{src: `BEGIN { elapsed(1, 2); }`, want: "stdin:1:9-22: elapsed() requires no arguments (2 provided)"},
		{src: `BEGIN { ncpus(1, 2); }`, want: "stdin:1:9-20: ncpus() requires no arguments (2 provided)"},
		{src: `BEGIN { username("x"); }`, want: "stdin:1:9-22: username() requires no arguments (1 provided)"},
		// cgroupid
		{src: `BEGIN { cgroupid("a", "b"); }`, want: "stdin:1:9-27: cgroupid() requires one argument (2 provided)"},
		{src: `BEGIN { cgroupid(comm); }`, want: "stdin:1:9-23: cgroupid() expects a string literal (string provided)"},
		// ppid, pcomm, leader_tid, leader_comm
		{src: `BEGIN { ppid(1, 2); }`, want: "stdin:1:9-19: ppid() takes up to one argument (2 provided)"},
		{src: `BEGIN { pcomm("x"); }`, want: "stdin:1:9-19: pcomm() only supports 'struct task_struct *' as the argument (string[2] provided)"},
		{src: `BEGIN { leader_tid(curtask, curtask); }`, want: "stdin:1:9-37: leader_tid() takes up to one argument (2 provided)"},
		{src: `BEGIN { leader_comm((1, 2)); }`, want: "stdin:1:9-28: leader_comm() only supports 'struct task_struct *' as the argument ((int64,int64) provided)"},
		// cat, system, signal
		{src: `BEGIN { cat(comm); }`, want: "stdin:1:9-18: cat() expects a string literal (string provided)"},
		{src: `BEGIN { $p = "/etc/hostname"; cat($p); }`, want: "stdin:1:31-38: cat() expects a string literal (string provided)"},
		{src: `BEGIN { system(comm); }`, want: "stdin:1:9-21: system() is an unsafe function being used in safe mode"},
		{src: `BEGIN { system(comm); }`, want: "stdin:1:9-21: system() expects a string literal (string provided)", unsafe: true},
		{src: `BEGIN { system("echo %d", "a"); }`, want: "stdin:1:9-31: system: %d specifier expects a value of type integer (string supplied)", unsafe: true},
		{src: `BEGIN { system("echo", 1); }`, want: "stdin:1:9-26: system: Too many arguments for format string (1 supplied, 0 expected)", unsafe: true},
		{src: `profile:hz:99 { signal(); }`, want: "stdin:1:17-25: signal() is an unsafe function being used in safe mode\nstdin:1:17-25: signal() requires at least one argument (0 provided)"},
		{src: `profile:hz:99 { signal("KILL", 1); }`, want: "stdin:1:17-34: signal() takes up to one argument (2 provided)", unsafe: true},
		{src: `profile:hz:99 { signal((1, 2)); }`, want: "stdin:1:17-31: signal only accepts string literals or integers", unsafe: true},
		{src: `profile:hz:99 { signal(0); }`, want: "stdin:1:17-26: 0 is not a valid signal, allowed range: [1,64]", unsafe: true},
		// has_key, len
		{src: `BEGIN { @m[1] = 1; has_key(@m, 1, 2); }`, want: "stdin:1:20-37: has_key() requires 2 arguments (3 provided)"},
		{src: `BEGIN { has_key(); }`, want: "stdin:1:9-18: has_key() requires 2 arguments (0 provided)"},
		{src: `BEGIN { @m[1, 2] = 1; has_key(@m, 1); }`, want: "stdin:1:31-33: Argument mismatch for @m: trying to access with arguments: [int64] when map expects arguments: [int64, int64]"},
		{src: `BEGIN { @m[1] = 1; len(@m, 1); }`, want: "stdin:1:20-30: len() requires one argument (2 provided)"},
		{src: `BEGIN { @m[1] = 1; $x = 1; len($x); }`, want: "stdin:1:28-35: call to len() expects a map, ustack, or kstack"},
		// delete
		{src: `BEGIN { delete(); }`, want: "stdin:1:9-17: delete() requires at least one argument (0 provided)"},
		{src: `BEGIN { @m[1] = 1; delete(@m, 1, 2); }`, want: "stdin:1:20-36: delete() takes up to 2 arguments (3 provided)"},
		{src: `BEGIN { delete(1); }`, want: "stdin:1:9-18: delete() expects a map to be provided"},
		{src: `BEGIN { $x = 1; delete($x); }`, want: "stdin:1:17-27: delete() expects a map to be provided"},
		{src: `BEGIN { @m[1] = 1; delete(@m[1], 2); }`, want: "stdin:1:20-36: delete() expects a map without a key and a key as second argument"},
		{src: `BEGIN { @m[1] = 1; delete(@m); }`, want: "stdin:1:20-30: delete() of @m needs a key: the map has keys"},
		{src: `BEGIN { @m = 1; delete(@m, 1); }`, want: "stdin:1:17-30: delete() of @m takes no key: the map has none"},
		{src: `BEGIN { @m = 1; delete(@m[1]); }`, want: "stdin:1:17-30: delete() of @m takes no key: the map has none"},
		{src: `BEGIN { @m[1] = 1; delete(@m, "a"); }`, want: "stdin:1:27-29: Argument mismatch for @m: trying to access with arguments: [string[2]] when map expects arguments: [int64]"},
		{src: `BEGIN { @m[1] = 1; delete(@m["a"]); }`, want: "stdin:1:27-34: Argument mismatch for @m: trying to access with arguments: [string[2]] when map expects arguments: [int64]"},
		{src: `BEGIN { @m[1, 2] = 1; delete(@m, 1); }`, want: "stdin:1:30-32: Argument mismatch for @m: trying to access with arguments: [int64] when map expects arguments: [int64, int64]"},
		{src: `BEGIN { delete(@nope, 1); }`, want: "stdin:1:16-21: Undefined map: @nope"},
		{src: `BEGIN { delete(@nope[1]); }`, want: "stdin:1:16-24: Undefined map: @nope"},
		// clear, zero
		{src: `BEGIN { clear(); }`, want: "stdin:1:9-16: clear() requires one argument (0 provided)"},
		{src: `BEGIN { @m[1] = 1; clear(@m, 1); }`, want: "stdin:1:20-32: clear() requires one argument (2 provided)"},
		{src: `BEGIN { clear(1); }`, want: "stdin:1:9-17: clear() expects a map to be provided"},
		{src: `BEGIN { @m[1] = 1; clear(@m[1]); }`, want: "stdin:1:20-32: The map passed to clear() should not be indexed by a key"},
		{src: `BEGIN { clear(@nope); }`, want: "stdin:1:15-20: Undefined map: @nope"},
		{src: `BEGIN { @m[1] = 1; $x = clear(@m); }`, want: "stdin:1:25-34: Value does not have a type and cannot be assigned"},
		{src: `BEGIN { zero(); }`, want: "stdin:1:9-15: zero() requires one argument (0 provided)"},
		{src: `BEGIN { @m[1] = 1; zero(@m, 1); }`, want: "stdin:1:20-31: zero() requires one argument (2 provided)"},
		{src: `BEGIN { zero(pid); }`, want: "stdin:1:9-18: zero() expects a map to be provided"},
		{src: `BEGIN { @m[1] = 1; zero(@m[1]); }`, want: "stdin:1:20-31: The map passed to zero() should not be indexed by a key"},
		{src: `BEGIN { zero(@nope); }`, want: "stdin:1:14-19: Undefined map: @nope"},
		// getopt
		{src: `BEGIN { getopt(); }`, want: "stdin:1:9-17: getopt() requires at least one argument (0 provided)"},
		{src: `BEGIN { getopt("a", 1, "d", 4); }`, want: "stdin:1:9-31: getopt() takes up to 3 arguments (4 provided)"},
		{src: `BEGIN { getopt(1); }`, want: "stdin:1:16: getopt() expects a string literal as the parameter name"},
		{src: `BEGIN { $n = "a"; getopt($n); }`, want: "stdin:1:26-28: getopt() expects a string literal as the parameter name"},
		{src: `BEGIN { getopt("a", pid); }`, want: "stdin:1:21-24: getopt() expects a literal default value (bool, integer or string)"},
		{src: `BEGIN { getopt("a", (1, 2)); }`, want: "stdin:1:21-27: getopt() expects a literal default value (bool, integer or string)"},
		{src: `BEGIN { getopt("a", 1, 2); }`, want: "stdin:1:24: getopt() expects a string literal as the description"},
		{src: `BEGIN { getopt("a", 1, comm); }`, want: "stdin:1:24-28: getopt() expects a string literal as the description"},
		{src: `BEGIN { print(getopt("a", 1)); print(getopt("a", 2)); }`, want: "stdin:1:38-52: Command line option 'a' needs to have the same default value in all places it is used. Previous default value: 1"},
		{src: `BEGIN { print(getopt("a", "1")); print(getopt("a", 1)); }`, want: "stdin:1:40-54: Command line option 'a' needs to have the same default value in all places it is used. Previous default value: \"1\""},
		{src: `BEGIN { print(getopt("a")); print(getopt("a", true)); }`, want: "stdin:1:35-52: Command line option 'a' needs to have the same default value in all places it is used. Previous default value: false"},
		{src: `BEGIN { print(getopt("a", 1, "x")); print(getopt("a", 1)); print(getopt("a", 1, "y")); }`, want: "stdin:1:66-85: Command line option 'a' must have the same description in all places it's used. Hint: You can wrap it in a macro"},
		{src: `BEGIN { print(getopt("n", 1)); }`, want: "stdin:1:15-29: --n=abc: expected an integer", named: "n=abc"},
		{src: `BEGIN { print(getopt("n")); }`, want: "stdin:1:15-26: --n=abc: expected a boolean (true, false, 1 or 0)", named: "n=abc"},
		// assert, static_assert, is_*
		{src: `BEGIN { assert(1, "a", 2); }`, want: "stdin:1:9-26: assert() requires 2 arguments (3 provided)"},
		{src: `BEGIN { assert(); }`, want: "stdin:1:9-17: assert() requires 2 arguments (0 provided)"},
		{src: `BEGIN { assert((1, 2), "a"); }`, want: "stdin:1:16-22: assert() expects a boolean condition (tuple provided)"},
		{src: `BEGIN { static_assert(true, "a", "b"); }`, want: "stdin:1:9-38: static_assert() requires 2 arguments (3 provided)"},
		{src: `BEGIN { static_assert(); }`, want: "stdin:1:9-24: static_assert() requires 2 arguments (0 provided)"},
		{src: `BEGIN { assert_str(1); }`, want: "stdin:1:9-22: string-like values must be either strings, arrays or pointers"},
		{src: `BEGIN { $p = (uint32 *)0; assert_str($p); }`, want: "stdin:1:27-41: string-like pointers must point to a char-like type"},
		{src: `BEGIN { $a = (uint16[2])(uint32)0; assert_str($a); }`, want: "stdin:1:36-50: string-like arrays must contain a char-like type"},
		{src: `BEGIN { assert_str(); }`, want: "stdin:1:9-21: assert_str() requires one argument (0 provided)"},
		{src: `BEGIN { @s = 1; $v = 0; find(@s, 1, $v); }`, want: "stdin:1:25-40: find() expects a map with explicit keys (non-scalar map)"},
		{src: `BEGIN { @m[1] = 1; find(@m, 1, @x); }`, want: "stdin:1:32-34: find() expects a scratch variable for the value"},
		{src: `BEGIN { @m[1] = 1; $v = 0; find(@m[1], 1, $v); }`, want: "stdin:1:28-46: find() expects a map as its first argument"},
		{src: `BEGIN { @m[1] = 1; $v = 0; find(@m, 1); }`, want: "stdin:1:28-39: find() requires 3 arguments (2 provided)"},
		{src: `BEGIN { $m = "x"; static_assert(true, $m); }`, want: "stdin:1:19-42: static_assert() expects a string literal (string provided)"},
		{src: `BEGIN { is_integer(); }`, want: "stdin:1:9-21: is_integer() requires one argument (0 provided)"},
		{src: `BEGIN { is_unsigned_integer(1, 2); }`, want: "stdin:1:9-34: is_unsigned_integer() requires one argument (2 provided)"},
		{src: `BEGIN { is_array(); }`, want: "stdin:1:9-19: is_array() requires one argument (0 provided)"},
		{src: `BEGIN { is_literal(); }`, want: "stdin:1:9-21: is_literal() requires one argument (0 provided)"},
		// memcmp, signal_name, syscall_name
		{src: `BEGIN { memcmp("a", "b", 1, 2); }`, want: "stdin:1:9-31: memcmp() requires 3 arguments (4 provided)"},
		{src: `BEGIN { memcmp("a", "b", (1, 2)); }`, want: "stdin:1:26-32: memcmp() expects an integer count (tuple provided)"},
		{src: `BEGIN { signal_name(); }`, want: "stdin:1:9-22: signal_name() requires one argument (0 provided)"},
		{src: `BEGIN { signal_name((1, 2)); }`, want: "stdin:1:9-28: signal_name() only supports integer arguments (tuple provided)"},
		{src: `BEGIN { syscall_name(1, 2); }`, want: "stdin:1:9-27: syscall_name() requires one argument (2 provided)"},
		{src: `BEGIN { syscall_name(); }`, want: "stdin:1:9-23: syscall_name() requires one argument (0 provided)"},
		{src: `BEGIN { syscall_name("read"); }`, want: "stdin:1:9-29: syscall_name() only supports integer arguments (string provided)"},
		// hist
		{src: `BEGIN { @ = hist(); }`, want: "stdin:1:13-19: hist() requires one argument (0 provided)"},
		{src: `BEGIN { @ = hist(1, 2, 3); }`, want: "stdin:1:13-26: hist() requires one argument (3 provided)"},
		{src: `BEGIN { @ = hist("a"); }`, want: "stdin:1:13-22: hist() only supports integer arguments (string provided)"},
		{src: `BEGIN { @ = hist((1, 2)); }`, want: "stdin:1:13-25: hist() only supports integer arguments (tuple provided)"},
		{src: `BEGIN { @ = hist(1, 6); }`, want: "stdin:1:21: hist() second argument must be an integer literal between 0 and 5"},
		{src: `BEGIN { @ = hist(1, -1); }`, want: "stdin:1:21-23: hist() second argument must be an integer literal between 0 and 5"},
		{src: `BEGIN { @ = hist(1, pid); }`, want: "stdin:1:21-24: hist() second argument must be an integer literal between 0 and 5"},
		{src: `BEGIN { @ = hist(1, "a"); }`, want: "stdin:1:21-24: hist() second argument must be an integer literal between 0 and 5"},
		{src: `BEGIN { @ = hist(1, 2); @ = hist(1, 3); }`, want: "stdin:1:29-39: Different bits in a single hist unsupported"},
		{src: `BEGIN { @ = hist(1); @ = hist(1, 1); }`, want: "stdin:1:26-36: Different bits in a single hist unsupported"},
		{src: `BEGIN { hist(1); }`, want: "stdin:1:9-16: hist() should be directly assigned to a map"},
		// lhist
		{src: `BEGIN { @ = lhist(1, 0, 10); }`, want: "stdin:1:13-28: lhist() requires 4 arguments (3 provided)"},
		{src: `BEGIN { @ = lhist(1, 0, 10, 1, 5); }`, want: "stdin:1:13-34: lhist() requires 4 arguments (5 provided)"},
		{src: `BEGIN { @ = lhist("a", 0, 10, 1); }`, want: "stdin:1:13-33: lhist() only supports integer arguments (string provided)"},
		{src: `BEGIN { @ = lhist(1, pid, 10, 1); }`, want: "stdin:1:22-25: lhist() expects an integer literal for argument 2"},
		{src: `BEGIN { @ = lhist(1, 0, pid, 1); }`, want: "stdin:1:25-28: lhist() expects an integer literal for argument 3"},
		{src: `BEGIN { @ = lhist(1, 0, 10, pid); }`, want: "stdin:1:29-32: lhist() expects an integer literal for argument 4"},
		{src: `BEGIN { @ = lhist(1, "a", 10, 1); }`, want: "stdin:1:22-25: lhist() expects an integer literal for argument 2"},
		{src: `BEGIN { @ = lhist(1, 0, 10, "a"); }`, want: "stdin:1:29-32: lhist() expects an integer literal for argument 4"},
		{src: `BEGIN { @ = lhist(1, 0, 10, 0); }`, want: "stdin:1:13-31: lhist() step must be >= 1 (0 provided)"},
		{src: `BEGIN { @ = lhist(1, 0, 10, -1); }`, want: "stdin:1:13-32: lhist() step must be >= 1 (-1 provided)"},
		{src: `BEGIN { @ = lhist(1, -1, 10, 1); }`, want: "stdin:1:13-32: lhist() min must be non-negative (provided min -1)"},
		{src: `BEGIN { @ = lhist(1, 10, 0, 1); }`, want: "stdin:1:13-31: lhist() min must be less than max (provided min 10, max 0)"},
		{src: `BEGIN { @ = lhist(1, 0, 100000, 1); }`, want: "stdin:1:13-35: lhist() too many buckets, must be <= 1000 (would need 100000)"},
		{src: `BEGIN { @ = lhist(1, 0, 10, 1); @ = lhist(1, 0, 20, 1); }`, want: "stdin:1:37-55: Different lhist bounds in a single map unsupported"},
		{src: `BEGIN { $x = lhist(1, 0, 10, 1); }`, want: "stdin:1:14-32: lhist() should be directly assigned to a map"},
		// count, sum, avg, min, max, stats
		{src: `BEGIN { @ = count(1); }`, want: "stdin:1:13-21: count() requires no arguments (1 provided)"},
		{src: `BEGIN { @ = sum(); }`, want: "stdin:1:13-18: sum() requires one argument (0 provided)"},
		{src: `BEGIN { @ = sum(1, 2); }`, want: "stdin:1:13-22: sum() requires one argument (2 provided)"},
		{src: `BEGIN { @ = sum("a"); }`, want: "stdin:1:13-21: sum() only supports integer arguments (string provided)"},
		{src: `BEGIN { @ = avg(); }`, want: "stdin:1:13-18: avg() requires one argument (0 provided)"},
		{src: `BEGIN { @ = avg((1, 2)); }`, want: "stdin:1:13-24: avg() only supports integer arguments (tuple provided)"},
		{src: `BEGIN { @ = min(1, 2); }`, want: "stdin:1:13-22: min() requires one argument (2 provided)"},
		{src: `BEGIN { @ = min(comm); }`, want: "stdin:1:13-22: min() only supports integer arguments (string provided)"},
		{src: `BEGIN { @ = max(); }`, want: "stdin:1:13-18: max() requires one argument (0 provided)"},
		{src: `BEGIN { @ = max(exit()); }`, want: "stdin:1:13-24: max() only supports integer arguments (none provided)"},
		{src: `BEGIN { @ = stats(); }`, want: "stdin:1:13-20: stats() requires one argument (0 provided)"},
		{src: `BEGIN { @ = stats("a"); }`, want: "stdin:1:13-23: stats() only supports integer arguments (string provided)"},
		{src: `BEGIN { count(); }`, want: "stdin:1:9-16: count() should be directly assigned to a map"},
		{src: `BEGIN { $x = sum(1); }`, want: "stdin:1:14-20: sum() should be directly assigned to a map"},
		{src: `BEGIN { @[avg(1)] = 1; }`, want: "stdin:1:11-17: avg() should be directly assigned to a map"},
		{src: `BEGIN { @ = count(); @ = sum(1); }`, want: "stdin:1:26-32: Type mismatch for @: trying to assign value of type 'sum' when map already contains a value of type 'count'"},
		// kstack, ustack
		{src: `BEGIN { @[kstack(perf, 5, 1)] = count(); }`, want: "stdin:1:11-29: kstack() takes up to 2 arguments (3 provided)"},
		{src: `BEGIN { @[kstack("perf")] = count(); }`, want: "stdin:1:11-25: kstack() expects a integer literal (string provided)"},
		{src: `BEGIN { @[ustack(perf, "a")] = count(); }`, want: "stdin:1:11-28: ustack() expects a integer literal (string provided)"},
		{src: `BEGIN { @[ustack(perf, 2000)] = count(); }`, want: "stdin:1:24-28: ustack([int limit]): limit must be between 1 and 1024, 2000 given"},
		{src: `BEGIN { @[kstack(0)] = count(); }`, want: "stdin:1:18: kstack([int limit]): limit must be between 1 and 1024, 0 given"},
		{src: `BEGIN { @[ustack(-1)] = count(); }`, want: "stdin:1:18-20: ustack([int limit]): limit must be between 1 and 1024, -1 given"},
		{src: `BEGIN { $n = 5; @[ustack(perf, $n)] = count(); }`, want: "stdin:1:19-35: ustack() expects a integer literal (integer provided)"},
		{src: `BEGIN { @[kstack(3, 5)] = count(); }`, want: "stdin:1:18: kstack() expects a stack mode (bpftrace, perf, raw or build_id) as first argument"},
		// ksym, usym, kaddr, uaddr, reg
		{src: `BEGIN { print(ksym()); }`, want: "stdin:1:15-21: ksym() requires one argument (0 provided)"},
		{src: `BEGIN { print(ksym(1, 2)); }`, want: "stdin:1:15-25: ksym() requires one argument (2 provided)"},
		{src: `BEGIN { print(ksym((1, 2))); }`, want: "stdin:1:15-27: ksym() expects an integer or a pointer argument (tuple provided)"},
		{src: `BEGIN { print(usym()); }`, want: "stdin:1:15-21: usym() requires one argument (0 provided)"},
		{src: `BEGIN { print(usym(1, 2)); }`, want: "stdin:1:15-25: usym() requires one argument (2 provided)"},
		{src: `BEGIN { print(usym("a")); }`, want: "stdin:1:15-24: usym() expects an integer or a pointer argument (string provided)"},
		{src: `BEGIN { print(kaddr()); }`, want: "stdin:1:15-22: kaddr() requires one argument (0 provided)"},
		{src: `BEGIN { print(kaddr("a", "b")); }`, want: "stdin:1:15-30: kaddr() requires one argument (2 provided)"},
		{src: `BEGIN { print(kaddr(1)); }`, want: "stdin:1:15-23: kaddr() expects a string literal (integer provided)"},
		{src: `BEGIN { print(kaddr(comm)); }`, want: "stdin:1:15-26: kaddr() expects a string literal (string provided)"},
		{src: `BEGIN { print(kaddr("no_such_symbol")); }`, want: "stdin:1:15-38: Failed to resolve kernel symbol: no_such_symbol"},
		{src: `uprobe:/bin/prog:main { print(uaddr()); }`, want: "stdin:1:31-38: uaddr() requires one argument (0 provided)"},
		{src: `uprobe:/bin/prog:main { print(uaddr("a", "b")); }`, want: "stdin:1:31-46: uaddr() requires one argument (2 provided)"},
		{src: `uprobe:/bin/prog:main { print(uaddr(1)); }`, want: "stdin:1:31-39: uaddr() expects a string literal (integer provided)"},
		{src: `uprobe:/bin/prog:main { print(uaddr(comm)); }`, want: "stdin:1:31-42: uaddr() expects a string literal (string provided)"},
		{src: `uprobe:/bin/prog:main { print(uaddr("no_such_symbol")); }`, want: "stdin:1:31-54: Could not resolve symbol: /bin/prog:no_such_symbol"},
		{src: `BEGIN { print(uaddr("var")); }`, want: "stdin:1:15-27: uaddr can not be used with \"BEGIN\" probes"},
		{src: `profile:hz:99 { print(reg()); }`, want: "stdin:1:23-28: reg() requires one argument (0 provided)"},
		{src: `profile:hz:99 { print(reg("ip", 1)); }`, want: "stdin:1:23-35: reg() requires one argument (2 provided)"},
		{src: `profile:hz:99 { print(reg(1)); }`, want: "stdin:1:23-29: reg() expects a string literal (integer provided)"},
		{src: `profile:hz:99 { $r = "ip"; print(reg($r)); }`, want: "stdin:1:34-41: reg() expects a string literal (string provided)"},
		{src: `END { print(reg("ip")); }`, want: "stdin:1:13-22: reg can not be used with \"END\" probes"},
	}
	for _, c := range cases {
		opts := argsOptions(c.unsafe)
		if name, value, ok := strings.Cut(c.named, "="); ok {
			opts.Named = map[string]string{name: value}
		}
		expectCheckError(t, c.src, c.want, opts)
	}
}

// TestFunctionArgumentWarnings checks the arguments that are accepted
// with a warning.
func TestFunctionArgumentWarnings(t *testing.T) {
	cases := []struct{ src, want string }{
		{`BEGIN { @s = stats(1); print(@s, 1); }`, `stdin:1:24-36: print()'s top and div arguments are ignored when used on stats() maps.`},
		{`BEGIN { @s[1] = stats(1); print(@s, 1, 2); }`, `stdin:1:27-42: print()'s top and div arguments are ignored when used on stats() maps.`},
		// Not a function, but the same kind of check: the newest bpftrace
		// warns about a declared map nothing uses.
		{`let @a = percpuhash(1); BEGIN { }`, `stdin:1:1-24: Unused map: @a`},
		// Config variables the newest bpftrace dropped, and those it
		// has that change nothing in gtrace.
		{`config = { unstable_map_decl=enable; symbol_source = x } BEGIN { }`, "stdin:1:12-36: unstable_map_decl is deprecated and has no effect\nstdin:1:38-55: symbol_source is deprecated and has no effect"},
		{`config = { unstable_dw_ustack=error; unstable_import_statement=warn; use_blazesym=true; show_debug_info=0 } BEGIN { }`, ``},
		{`BEGIN { @a[1] = 1; has_key(@a, 1); }`, `stdin:1:20-35: Return value discarded.`},
		{`BEGIN { @a[1] = 1; _ = has_key(@a, 1); $x = 1; $x++; delete(@a, 1); }`, ``},
		{`BEGIN { $v = 300; let $x: uint8 = $v; }`, `stdin:1:35-37: Expression of type: int64 being cast to type: uint8. This may cause unexpected results. Use an explicit cast to suppress this warning.`},
		// The newest bpftrace's warning at the first statement after a
		// return, break, continue or exit(), or an if whose every branch
		// ends so.
		{`BEGIN { @++; exit(); @++; @++ }`, `stdin:1:22-26: Unreachable statement.`},
		{`BEGIN { if (1) { return; } else { exit(); } printf("x"); }`, `stdin:1:45-57: Unreachable statement.`},
		{`BEGIN { while (1) { break; @++ } }`, `stdin:1:28-31: Unreachable statement.`},
		{`BEGIN { if (1) { return; } printf("x"); exit(); }`, ``},
		{`BEGIN { { exit(); } @++ }`, `stdin:1:21-24: Unreachable statement.`},
		// In block expressions and macro bodies too; a block's value after
		// the end is the newest's "Unreachable expression".
		{`BEGIN { $y = { exit(); @++; 5 }; }`, "stdin:1:24-28: Unreachable statement.\nstdin:1:29: Unreachable expression; block type is implicitly none."},
		{`macro f() { return; printf("x"); } BEGIN { f(); }`, "stdin:1:21-33: Unreachable statement."},
	}
	for _, c := range cases {
		prog, err := Parse("", c.src)
		if err != nil {
			t.Fatal(err)
		}
		if err := Check(prog, argsOptions(false)); err != nil {
			t.Errorf("Check(%q): %v", c.src, err)
			continue
		}
		var got []string
		for _, w := range prog.Warnings {
			got = append(got, w.Error())
		}
		if strings.Join(got, "\n") != c.want {
			t.Errorf("Check(%q): warnings\n%q\nwant %q", c.src, got, c.want)
		}
	}
}

// TestBuiltinCalls checks the builtins that may be called as functions,
// as in the newest bpftrace: jiffies() is jiffies.
func TestBuiltinCalls(t *testing.T) {
	for _, name := range builtinCalls {
		src := "BEGIN { $a = " + name + "(); $b = " + name + "; $c = $a == $b; @[" + name + "()] = count(); }"
		prog, err := Parse("", src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		if err := Check(prog, argsOptions(false)); err != nil {
			t.Errorf("Check(%q): %v", src, err)
			continue
		}
		types := map[string]string{}
		Inspect(prog, func(n Node) {
			if v, ok := n.(*Var); ok && v.Decl != nil {
				types[v.Name] = v.Decl.Type.String()
			}
		})
		if types["$a"] == "" || types["$a"] != types["$b"] {
			t.Errorf("%s: %s() has type %q, %s has %q", src, name, types["$a"], name, types["$b"])
		}
	}
}

// TestFunctionArgumentsNeverPanic calls every function with arguments of
// every kind, in several places and probes: the checker reports errors
// (positioned on the script's line) and never panics.
func TestFunctionArgumentsNeverPanic(t *testing.T) {
	names := FunctionNames()
	sort.Strings(names)
	args := []string{"", "1", "-1", `"a"`, "@m", "@m[1]", "@h", "comm", "(1, 2)", "1, 2", `"a", "b"`,
		"1, 2, 3", "1, 2, 3, 4, 5", "exit()", "$x", "true", "kstack", `"a", 1`, `1, "a"`, "@m, 1",
		"(int8 *)0", "$1", "boot", "perf, 3", `"%d", 1`, `"1.2.3.4"`, "1, 0, 10, 0", "1, 1s, 10"}
	contexts := []string{"%s;", "@r = %s;", "print(%s);"}
	for _, name := range names {
		for _, a := range args {
			for _, probe := range []string{"BEGIN", "profile:hz:99"} {
				for _, ctx := range contexts {
					body := strings.Replace(ctx, "%s", name+"("+a+")", 1)
					src := probe + " { @m[1] = 1; @h = hist(1); " + body + " }"
					for _, unsafe := range []bool{false, true} {
						checkNoPanic(t, src, unsafe)
					}
				}
			}
		}
	}
}

func checkNoPanic(t *testing.T, src string, unsafe bool) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("Check(%q): panic: %v", src, r)
		}
	}()
	prog, err := Parse("", src)
	if err != nil {
		return
	}
	opts := argsOptions(unsafe)
	opts.Params = []string{"x"}
	err = Check(prog, opts)
	var list ErrorList
	if err != nil && !errors.As(err, &list) {
		t.Errorf("Check(%q): %v is not a list of positioned errors", src, err)
		return
	}
	for _, e := range list {
		if e.Pos.Line != 1 || e.Pos.Column < 1 || e.End.Column > len(src)+1 {
			t.Errorf("Check(%q): %v is not on the line", src, e)
		}
	}
}

// TestFunctionArgumentErrorRender checks the rendered form of argument
// errors: location, message, source line and a marker under the call or
// under the offending argument.
func TestFunctionArgumentErrorRender(t *testing.T) {
	cases := []struct{ src, want string }{
		{"BEGIN {\n\t@ = lhist(1, 0, pid, 1);\n}",
			"stdin:2:18-21: ERROR: lhist() expects an integer literal for argument 3\n\t@ = lhist(1, 0, pid, 1);\n\t                ^~~\n"},
		{"BEGIN { $n = \"x\"; printf($n); }",
			"stdin:1:19-29: ERROR: printf() expects a string literal (string provided)\nBEGIN { $n = \"x\"; printf($n); }\n                  ^~~~~~~~~~\n"},
		{"BEGIN { system(\"ls\"); }",
			"stdin:1:9-21: ERROR: system() is an unsafe function being used in safe mode\nBEGIN { system(\"ls\"); }\n        ^~~~~~~~~~~~\n"},
	}
	for _, c := range cases {
		prog, err := Parse("", c.src)
		if err != nil {
			t.Fatal(err)
		}
		err = Check(prog, argsOptions(false))
		if err == nil {
			t.Errorf("Check(%q): no error", c.src)
			continue
		}
		if got := Render(err, map[string]string{"": c.src}); got != c.want {
			t.Errorf("Render(%q):\n%s\nwant\n%s", c.src, got, c.want)
		}
	}
}
