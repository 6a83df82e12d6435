package codegen

import (
	"testing"

	"github.com/gtrace/gtrace/lang"
)

// runtimeVerifierScripts use the functions of call_runtime.go and
// call_names.go in the ways their lowering distinguishes (values printed,
// stored in variables, map keys and values, tuples; arguments in BPF,
// context, kernel and user memory); each must pass the kernel's verifier.
var runtimeVerifierScripts = []string{
	// Events.
	`BEGIN { time(); time("%H:%M:%S %Y\n"); cat("/proc/%d/status", pid); system("echo %s %d", comm, 1); errorf("e %d", 1); warnf("w %s", "x"); }`,
	`tracepoint:syscalls:sys_enter_execve { join(args->argv); join(args->argv, ","); join(args->envp, ""); }`,
	`BEGIN { assert(pid > 0, "pid"); assert(1, comm); $x = 1; for ($i : 0..3) { assert($i < 5, "in a loop"); $x++; } }`,
	// Rendered values.
	`BEGIN { $t = strftime("%H:%M:%S.%f", nsecs); print($t); @t[strftime("%Y", nsecs(tai))] = strftime("%s", 5); printf("%s %s\n", $t, strftime("%j", elapsed)); }`,
	`BEGIN { $n = ntop(0x0100007f); $a = pton("::1"); @n[ntop($a), ntop(2, $a)] = ntop(10, pton("fe80::1")); printf("%s %s\n", $n, ntop(pid)); print(($n, 1)); }`,
	`tracepoint:sock:inet_sock_set_state { printf("%s %s %s\n", ntop(args->saddr), ntop(args->family, args->daddr_v6), macaddr(args->saddr_v6)); @[ntop(args->daddr)] = count(); }`,
	`BEGIN { $m = macaddr(pton("1:2:3:4:5:6::")); @m[macaddr(curtask->comm)] = macaddr(curtask); printf("%s %s\n", $m, macaddr((uint8 *)curtask)); }`,
	`BEGIN { $u = username; @u[username] = count(); @v = username(); printf("%s\n", username); print(($u, 1)); }`,
	`BEGIN { $c = cgroup_path(cgroup); @c[cgroup_path(1, "unified")] = cgroup_path(cgroup, "*"); printf("%s\n", $c); print(cgroup_path(1)); }`,
	// Buffers.
	`BEGIN { $b = buf("abc", 2); @b[buf(comm, 16)] = buf(pton("::1")); printf("%r %rx %rh %s\n", $b, buf(curtask->comm), buf(curtask, $1), buf(curtask->comm, pid)); @b2 = buf("a", 1); @b2 = buf("abcdef", 5); print(@b2); }`,
	`tracepoint:syscalls:sys_enter_write { printf("%r\n", buf(args->buf, args->count)); @w[buf(args->buf, 8)] = count(); }`,
	`BEGIN { $z = buf(1, 0); $s = buf("abc", 0); print(($z, $s)); $p = buf(curtask, 0); @z[buf(0, 0)] = $p; }`,
	// Names.
	`BEGIN { $e = strerror(22); printf("%s %s %s\n", $e, strerror(-1), strerror(pid)); @s[signal_name(2)] = syscall_name(0); @x = strerror(1000); if (signal_name(9) == "Killed") { print(syscall_name(pid)); } }`,
	`tracepoint:raw_syscalls:sys_enter { @[syscall_name(args->id)] = count(); } tracepoint:signal:signal_generate { @sig[signal_name(args->sig), strerror(args->errno)] = count(); }`,
	// Map sizes.
	`BEGIN { @a[1] = 1; @b[comm] = count(); @c[1, 2] = sum(3); printf("%d %d %d\n", len(@a), len(@b), len(@c)); for ($kv : @a) { @n = len(@b); } }`,
}

func TestRuntimeVerifierAccepts(t *testing.T) {
	verify(t, runtimeVerifierScripts, lang.CheckOptions{Params: []string{"3"}, Unsafe: true})
}
