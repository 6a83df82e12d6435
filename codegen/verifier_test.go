package codegen

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/internal/testenv"
	"github.com/gtrace/gtrace/lang"
)

// verifierScripts exercise every construct lowering handles; each must be
// accepted by the kernel's verifier as generated.
var verifierScripts = []string{
	`BEGIN { printf("%d %s %u %x\n", pid, comm, uid, nsecs); exit(); }`,
	`BEGIN { @c = count(); @s = sum(-3); @mi = min(4); @ma = max(-4); @a = avg(7); @st = stats(9); }`,
	`BEGIN { @h = hist(12345); @h2 = hist(-1); @hk[comm] = hist(7); @l = lhist(5, 0, 100, 10); @lk[1, "x"] = lhist(500, 0, 100, 10); }`,
	`BEGIN { @hp = hist(1000, 3); @hp2[1] = hist(0, 5); }`,
	`BEGIN { @x = 1; @x += 2; @x++; --@x; @y[pid, comm] = @x * 2; delete(@y[pid, comm]); clear(@y); zero(@x); print(@x); print(@y, 5, 2); }`,
	`BEGIN { $i = 0; while ($i < 100) { @[$i % 7] = count(); if ($i == 50) { break; } $i++; } }`,
	`BEGIN { $s = "abc"; $t = comm; if ($t == $s) { printf("same\n"); } if (comm != "x") { @n[str($1)] = count(); } }`,
	`BEGIN { $t = (1, "two", (3, "four")); print($t); printf("%d %s\n", $t.0, $t.2.1); @k[$t.1, $t.0] = $t; }`,
	`BEGIN { $a = (int8)200; $b = (uint16)-1; $c = (int32)0x80000000; $d = -$a / 3 % 2 >> 1 << 3; printf("%d %d %d %d\n", $a, $b, $c, $d); }`,
	`BEGIN { $x = 7; $y = $x > 3 ? $x : -$x; $z = $x > 3 ? "big" : "small"; unroll(3) { $x = $x * 2; } printf("%d %s %d\n", $y, $z, $x); }`,
	`BEGIN { for ($i : 0..10) { if ($i == 2) { continue; } @r = sum($i); } return; }`,
	`BEGIN { $a = 1; $b = &$a; $t = (1, "x"); $s = "abc"; $c = (int8 *)&$s; @m[1] = 2; for ($kv : @m) { $q = &$a; $a += *$q; } printf("%d %c %p\n", *$b, *++$c, &@m); print(*(&$t)); }`,
	`BEGIN { @p[probe] = count(); printf("%s %d %d\n", probe, cpu, elapsed); exit(3); } END { print(@p); }`,
	`tracepoint:syscalls:sys_enter_openat { @[str(args->filename)] = count(); printf("%d %d\n", args->dfd, args.flags); }`,
	`tracepoint:sched:sched_switch { @[args->prev_comm, args->next_pid] = count(); }`,
	`tracepoint:sched:sched_process_exec { printf("%s\n", str(args->filename)); }`,
	`tracepoint:syscalls:sys_enter_read /args->count > 100/ { @bytes = hist(args->count); @fd[args->fd] = sum(args->count); }`,
	`interval:ms:10 { @ticks = count(); } profile:hz:99 { @cpu[cpu] = count(); }`,
	// bpftrace 0.17 cannot load this one: LLVM's code exceeds the verifier's limits.
	`BEGIN { $i = 0; while ($i < 1000) { @a[comm, $i % 10] = count(); @b[comm] = sum($i); @c = hist($i); @d = max($i); @e = min($i); @f = avg($i); @g = stats($i); @h[$i % 7] = lhist($i, 0, 1000, 10); $i++; } }`,
	`BEGIN { @c = count(); @s[1] = sum(-5); @mi = min(3); @ma[comm] = max(4); printf("%d %d %d %d\n", @c, @s[1], @mi, @ma[comm]); }`,
	`tracepoint:syscalls:sys_enter_openat { $s = str(args.filename); $a = pton("::1"); $n = 0; for ($i : 0..64) { if ($s[$i] == 47) { $n++; } } printf("%d %d %d\n", $n, $a[$n], curtask->comm[$n % 16]); }`,
	`BEGIN { @a = avg(-5); @u[1] = avg((uint8)4); printf("%d %d\n", @a, @u[1]); for ($kv : @u) { @v = $kv.1; } }`,
	// Map loops: callbacks sharing variables with the probe, nested, with
	// break, continue and return, reading the context from the body.
	`tracepoint:syscalls:sys_enter_openat { @a[args.dfd, comm] = count(); @b[pid] = 1; $n = 0; $s = "x";
	  for ($kv : @a) { if ($kv.1 > 5) { continue; } for ($j : @b) { $n += $j.1; if ($n > 10) { return; } }
	    $s = $kv.0.1; @f[args.flags] = $kv.1; if ($n > 3) { break; } }
	  printf("%s %d\n", $s, $n); }`,
	// Empty ranges, known to be empty or not, after a loop that runs, in
	// a loop body: the verifier skips a callback bpf_loop never calls.
	`BEGIN { for ($i : 0..2) { printf("%d ", $i); } for ($j : 5..5) { printf("never\n"); } for ($k : 0..1) { } for ($l : 3..1) { } }`,
	`BEGIN { $a = 3; for ($i : $a..$a) { } @m[1] = 1; for ($kv : @m) { for ($j : 0..0) { @n = $j; } for ($k : $kv.0..1) { } } }`,
	`tracepoint:syscalls:sys_enter_read { for ($i : 0..args.count) { @c = count(); } for ($j : 0..0) { } }`,
	// A variable first assigned in a loop body and read after the loop.
	`BEGIN { for ($i : 0..3) { $x = $i; $s = str(0); } print(($x, $s)); @m[1] = 1; for ($kv : @m) { $y = $kv.1; } print($y); }`,
	// A record as a map key, alone and with other keys.
	`BEGIN { @k[(p = 1, q = "k")] = 1; $r = (q = "z", p = 2); @k[$r] += 2; @j[1, (a = 1)] = has_key(@k, $r); for ($kv : @k) { print($kv.0); } }`,
	// A macro with loops, expanded twice in one probe.
	`macro first_key(@x) { let $x; for ($k : @x) { $x = $k.0; break; } $x }
	 macro f() { for ($i : 0..2) { } 1 }
	 BEGIN { @a[1] = 0; @b[2] = 0; print((first_key(@a), first_key(@b))); $p = f(); $q = f(); }`,
	// Output inside the arguments of print() and printf().
	`BEGIN { print({ printf("a "); 7 }); printf("%d %s\n", { printf("b "); 8 }, { printf("c"); comm }); $x = 1; print(($x, { $x = 2; $x })); }`,
}

func TestVerifierAccepts(t *testing.T) {
	verify(t, verifierScripts, lang.CheckOptions{Params: []string{"param"}})
}

// WithVerifierLog adds to a load error the verifier's log and obj's
// instructions, when the verifier refused a program. Exported for the
// package's external tests.
func WithVerifierLog(err error, obj *Object) error {
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) {
		return fmt.Errorf("%w\n%+v\n%s", err, ve, obj.Dump())
	}
	return err
}

// verify checks, compiles (with and without the v4 instructions) and
// loads each script into the kernel verifier. opts gets the kernel's
// types and, unless it has one, the default configuration.
func verify(t *testing.T, scripts []string, opts lang.CheckOptions) {
	testenv.BPF(t)
	opts.Kernel = btf.NewKernel(btf.Options{})
	if opts.Config.MaxStrlen == 0 {
		opts.Config = lang.DefaultConfig()
	}
	for _, src := range scripts {
		prog, err := lang.Parse("", src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if err := lang.Check(prog, opts); err != nil {
			t.Fatalf("%s: %v", src, lang.Render(err, map[string]string{"": src}))
		}
		for _, v4 := range []bool{false, true} {
			obj, err := Compile(prog, nil, Options{CPUv4: v4})
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			coll, err := ebpf.NewCollection(obj.CollectionSpec())
			if err != nil {
				err = WithVerifierLog(err, obj)
				t.Errorf("v4=%v %s:\n%v", v4, src, err)
				continue
			}
			coll.Close()
		}
	}
}
