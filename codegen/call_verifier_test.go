package codegen

import (
	"testing"

	"github.com/gtrace/gtrace/lang"
)

// callVerifierScripts use the functions of call_*.go in the ways their
// lowering distinguishes (literal and run-time arguments, values in
// kernel and context memory, results stored, compared and printed); each
// must pass the kernel's verifier as generated, with and without the v4
// instructions.
var callVerifierScripts = []string{
	// Strings.
	`BEGIN { $s = "hello"; @l = strlen($s); printf("%d %d %d\n", strlen("abc"), strlen(comm), strlen(curtask->comm)); }`,
	`tracepoint:syscalls:sys_enter_openat { @[strlen(args->filename)] = count(); @c = strcap(args->filename); }`,
	`tracepoint:sched:sched_switch { @p[strlen(args->prev_comm), strcap(args->next_comm)] = count(); }`,
	`BEGIN { $a = "abc"; printf("%d %d %d\n", strncmp($a, "abd", 3), strncmp(comm, $a, 2), strncmp("x", "y", 0)); }`,
	`tracepoint:task:task_rename /strncmp(args->newcomm, "gtrace", 6) == 0/ { printf("%s\n", args->newcomm); }`,
	`BEGIN { $h = "hello world"; $n = "wor"; printf("%d %d %d %d\n", strstr($h, "o w"), strstr($h, $n), strstr($h, ""), strstr(comm, $h)); }`,
	`BEGIN { if (strcontains(comm, "gt")) { @yes = 1; } @b = strcontains("abc", str($1)); print(strcontains("", "")); }`,
	// Needles longer than the haystack's capacity.
	`BEGIN { print(strcontains("hello", "hello-longer")); print(strstr("hello", "hello-longer")); $n = "a much longer needle"; print(strstr("hi", $n)); print(strcontains(comm, "a needle longer than comm is")); }`,
	`tracepoint:sched:sched_process_exec { @[strcontains(str(args->filename), "bin")] = count(); @s[strstr(comm, "sh")] = count(); }`,
	`BEGIN { $c = str_concat("abc", comm); printf("%s %s\n", $c, str_concat($c, "!")); @k[str_concat(comm, "-x")] = 1; @v = str_concat("", ""); }`,
	`tracepoint:sched:sched_switch { @[str_concat(args->prev_comm, args->next_comm)] = count(); }`,
	`BEGIN { $t = (1, "ab"); printf("%d %d %d %d\n", memcmp("abc", "abd", 3), memcmp($t, (1, "ac"), 16), memcmp(1, 2, $1), memcmp(pid, 5, 4)); }`,
	// Tasks.
	`BEGIN { printf("%d %d %s %s\n", ppid, ppid(), pcomm, leader_comm()); @[leader_tid, pcomm] = count(); $t = curtask; print(ppid($t)); print(leader_comm($t->real_parent)); }`,
	`tracepoint:syscalls:sys_enter_kill { if (args->pid == 1) { signal("KILL"); signal(args->sig); signal_thread(15); } }`,
	`profile:hz:99 /pid == 12345/ { signal(cpu); }`,
	// Miscellaneous.
	`BEGIN { $x = (uint16)0x1234; printf("%x %x %x %x\n", bswap($x), bswap((uint32)pid), bswap(nsecs), bswap((int8)-2)); @b = bswap(7); }`,
	`BEGIN { @m[1, "a"] = 2; @n[comm] = count(); printf("%d %d\n", has_key(@m, (1, "a")), has_key(@n, comm)); if (!has_key(@m, (2, "b"))) { @no = 1; } }`,
	`BEGIN { @t = nsecs(boot) - nsecs(monotonic) + nsecs(tai) - nsecs(); printf("%d %d\n", ncpus, ncpus()); }`,
	`BEGIN { $a = pton("127.0.0.1"); print($a); print(pton("::1")); printf("%d\n", $a[0]); @p[pton("10.1.2.3")] = 1; @q = pton("fe80::1"); }`,
	`BEGIN { static_assert(is_str("a") && !is_ptr(1), "types"); printf("%d %d %d %d %d %d\n", is_array(pton("1.2.3.4")), is_integer(pid), is_literal(-1), is_ptr(curtask), is_str(comm), is_unsigned_integer(pid)); }`,
}

func TestCallVerifierAccepts(t *testing.T) {
	verify(t, callVerifierScripts, lang.CheckOptions{Params: []string{"3"}, Unsafe: true})
}
