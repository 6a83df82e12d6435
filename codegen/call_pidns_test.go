package codegen_test

import (
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/internal/testenv"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime"
)

// otherNS stands for a PID namespace other than the initial one; the
// verifier accepts any device and inode.
var otherNS = codegen.PidNS{Dev: 4, Ino: 0xF0000123}

// compilePidNS checks and compiles src with the running kernel's types
// and functions, gtrace counting pids in ns.
func compilePidNS(t *testing.T, src string, ns codegen.PidNS, v4 bool) (*codegen.Object, error) {
	t.Helper()
	kernel := btf.NewKernel(btf.Options{})
	prog, err := lang.Parse("", src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	if err := lang.Check(prog, lang.CheckOptions{Kernel: kernel, Config: lang.DefaultConfig()}); err != nil {
		t.Fatalf("%s: %v", src, lang.Render(err, map[string]string{"": src}))
	}
	return codegen.Compile(prog, nil, codegen.Options{CPUv4: v4, PidNS: ns, Kernel: &runtime.KernelFuncs{Kernel: kernel}})
}

// helpers lists the helpers and kfunc calls of an object's programs.
func helpers(obj *codegen.Object) map[string]int {
	seen := map[string]int{}
	for _, p := range obj.Programs {
		for _, ins := range p.Spec.Instructions {
			switch {
			case ins.IsKfuncCall():
				seen["kfunc"]++
			case ins.IsBuiltinCall():
				seen[asm.BuiltinFunc(ins.Constant).String()]++
			}
		}
	}
	return seen
}

// TestPidNSVerifier loads pid, tid, their init forms, user stacks and
// symbols (which carry a pid) and comm(pid), in and out of a namespace.
func TestPidNSVerifier(t *testing.T) {
	testenv.BPF(t)
	scripts := []string{
		`BEGIN { printf("%d %d %d %d %d %d\n", pid, tid, pid(), tid(curr_ns), pid(init), tid(init)); @[pid, tid(init)] = count(); }`,
		`tracepoint:syscalls:sys_enter_getppid /pid != pid(init)/ { @s[ustack, usym(0)] = count(); @t = tid; }`,
		`tracepoint:syscalls:sys_enter_getppid { printf("%s %s\n", comm(pid(init)), comm(tid(init))); @c[comm(1)] = count(); $s = comm(pid); @short = (uint8)1; }`,
		`profile:hz:99 { @[comm(pid(init)), pid] = count(); }`,
	}
	for _, ns := range []codegen.PidNS{{}, otherNS} {
		for _, src := range scripts {
			for _, v4 := range []bool{false, true} {
				obj, err := compilePidNS(t, src, ns, v4)
				if err != nil {
					t.Fatalf("%s: %v", src, err)
				}
				coll, err := ebpf.NewCollection(obj.CollectionSpec())
				if err != nil {
					err = codegen.WithVerifierLog(err, obj)
					t.Errorf("ns=%v v4=%v %s:\n%v", ns, v4, src, err)
					continue
				}
				coll.Close()
			}
		}
	}
}

// TestPidNSHelpers checks which helper pid and tid cost: in the initial
// namespace, and for pid(init) and tid(init), bpf_get_current_pid_tgid
// only; in another, bpf_get_ns_current_pid_tgid.
func TestPidNSHelpers(t *testing.T) {
	testenv.BPF(t)
	const ns, plain = "FnGetNsCurrentPidTgid", "FnGetCurrentPidTgid"
	for _, c := range []struct {
		src       string
		ns        codegen.PidNS
		wantNS    bool
		wantPlain bool
	}{
		{`BEGIN { @ = pid; @t = tid(); }`, codegen.PidNS{}, false, true},
		{`BEGIN { @ = pid; @t = tid(); }`, otherNS, true, false},
		{`BEGIN { @ = pid(init); @t = tid(init); }`, otherNS, false, true},
		{`BEGIN { @ = pid(curr_ns) + pid(init); }`, otherNS, true, true},
	} {
		obj, err := compilePidNS(t, c.src, c.ns, false)
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		got := helpers(obj)
		if (got[ns] > 0) != c.wantNS || (got[plain] > 0) != c.wantPlain {
			t.Errorf("%s in %v: calls %v", c.src, c.ns, got)
		}
	}
}

// TestCommPidProbeTypes checks that comm(pid) is refused where the
// probe's programs may not call bpf_task_from_pid, as in bpftrace, and
// without kernel information.
func TestCommPidProbeTypes(t *testing.T) {
	testenv.BPF(t)
	for _, c := range []struct{ src, want string }{
		{`BEGIN { printf("%s\n", comm(1)); }`, "stdin:1:24-31: Syntax comm(PID) is not supported in this probe type yet. Type: special"},
		{`kprobe:vfs_read { @[comm(pid)] = count(); }`, "stdin:1:21-30: Syntax comm(PID) is not supported in this probe type yet. Type: kprobe"},
		{`rawtracepoint:sched_switch { @[comm(pid)] = count(); }`, "stdin:1:32-41: Syntax comm(PID) is not supported in this probe type yet. Type: rawtracepoint"},
	} {
		_, err := compilePidNS(t, c.src, codegen.PidNS{}, false)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %s (...)", c.src, err, c.want)
		}
	}
	prog, err := lang.Parse("", `tracepoint:syscalls:sys_enter_getppid { @ = comm(1); }`)
	if err != nil {
		t.Fatal(err)
	}
	if err := lang.Check(prog, lang.CheckOptions{Kernel: btf.NewKernel(btf.Options{}), Config: lang.DefaultConfig()}); err != nil {
		t.Fatal(err)
	}
	_, err = codegen.Compile(prog, nil, codegen.Options{})
	if want := "stdin:1:45-52: Syntax comm(PID) is not supported in this probe type yet. Type: tracepoint"; err == nil || err.Error() != want {
		t.Errorf("without kernel functions: got %v, want %s", err, want)
	}
}
