package codegen

import (
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime/sym"
)

// TestSpelledBuiltinsVerifier loads the newest bpftrace's builtin
// spellings and call forms (__builtin_X, probe(), func(), usermode,
// config()) into the verifier, in the probe kinds whose lowering differs:
// usermode reads pt_regs in kprobes, kretprobes, uprobes and perf events
// and is a constant elsewhere; func and probe are compared.
func TestSpelledBuiltinsVerifier(t *testing.T) {
	verify(t, []string{
		`BEGIN { printf("%s %d %d %d %d %s %d\n", __builtin_comm, __builtin_cpu, __builtin_elapsed, __builtin_ncpus, __builtin_cpid, __builtin_probetype, __builtin_usermode); print(__builtin_probe); }`,
		`kprobe:vfs_read { if (__builtin_func == func() && __builtin_func == func) { print(func); } @[usermode, probe()] = count(); }`,
		`kretprobe:vfs_read { if (__builtin_retval == retval() && func != func()) { @u = usermode(); } }`,
		`uprobe:libc:chdir { if (func == func() && probe != __builtin_probe) { print(func); } @u[usermode] = count(); }`,
		`profile:hz:99 { @[usermode] = count(); } software:cpu-clock:1000000 { @s[__builtin_usermode] = count(); }`,
		`tracepoint:syscalls:sys_enter_read { @[usermode] = count(); } END { print(usermode); }`,
		`BEGIN { $c = config(); print($c); printf("%d %s %d\n", config.max_strlen, __builtin_config.stack_mode, $c.cpp_demangle); @m[config().max_map_keys] = 1; }`,
	}, lang.CheckOptions{Binaries: sym.NewBinaries(0)})
}
