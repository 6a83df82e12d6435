package codegen_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	cbtf "github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/internal/testenv"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime"
)

// btfVars answers percpu_kaddr()'s question from the kernel's BTF only,
// without runtime.KernelFuncs's check that /proc/kallsyms lists the
// variable (the test machine's does not), so that the code can be seen.
type btfVars struct {
	*runtime.KernelFuncs
	k *btf.Kernel
}

func (v btfVars) VarID(name string) (cbtf.TypeID, error) { return v.k.VarID(name) }

// compileKernelFuncs checks and compiles src (with --unsafe) with the
// running kernel's types, functions and variables.
func compileKernelFuncs(t *testing.T, src string, v4 bool) *codegen.Object {
	t.Helper()
	kernel := btf.NewKernel(btf.Options{})
	prog, err := lang.Parse("", src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	if err := lang.Check(prog, lang.CheckOptions{Kernel: kernel, Config: lang.DefaultConfig(), Unsafe: true}); err != nil {
		t.Fatalf("%s: %v", src, lang.Render(err, map[string]string{"": src}))
	}
	obj, err := codegen.Compile(prog, nil, codegen.Options{CPUv4: v4,
		Kernel: btfVars{&runtime.KernelFuncs{Kernel: kernel}, kernel}})
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return obj
}

// kernelFuncScripts use percpu_kaddr, unwatch, write_user, override and
// nsecs(sw_tai) in the ways their lowering distinguishes. Some need what
// a kernel may lack (refused says how it says so); each must otherwise
// pass the verifier.
var kernelFuncScripts = []struct {
	src     string
	refused string
}{
	{`BEGIN { $a = nsecs(sw_tai); @t = nsecs(sw_tai) - nsecs(tai); print(strftime("%Y", nsecs(sw_tai))); }`, ""},
	{`BEGIN { unwatch(0x1000); $p = (int8 *)curtask; unwatch($p); unwatch(pid); }`, ""},
	{`watchpoint:0x10000000:8:w { @ = count(); unwatch(0x10000000); } tracepoint:syscalls:sys_enter_getpid { unwatch(args.__syscall_nr); }`, ""},
	{`interval:s:1 { $p = percpu_kaddr("process_counts"); printf("%d %d\n", *$p, cpu); @c = *percpu_kaddr("process_counts", 0);
	  $r = (struct rq *)percpu_kaddr("runqueues", cpu); if ($r != 0) { print($r->nr_running); } @x = percpu_kaddr("runqueues", 100000) == 0; }`,
		"failed to find the address for kernel symbol"},
	{`tracepoint:syscalls:sys_enter_openat { $s = "abc"; @ok = write_user(args.filename, $s, 3); $n = args.flags; @n = write_user(args.filename, "hello", $n);
	  @i = write_user(args.mode, 0x41424344, 4); @t = write_user(args.filename, (1, "x"), $n + 1); $x = 7; @p = write_user(args.filename, &$x, 8); }`,
		"cannot use helper bpf_probe_write_user"},
	{`kprobe:__x64_sys_getuid /comm == "id"/ { override(2 << 21); } kprobe:vfs_read { override(-1); override(arg2); }`,
		"cannot use helper bpf_override_return"},
}

// TestKernelFuncsVerifier loads the scripts: where the kernel refuses a
// helper or cannot resolve a variable in the way its entry says, the
// test logs it (the test machine lacks bpf_probe_write_user,
// bpf_override_return and variables in /proc/kallsyms); any other
// complaint fails it.
func TestKernelFuncsVerifier(t *testing.T) {
	testenv.BPF(t)
	for _, c := range kernelFuncScripts {
		for _, v4 := range []bool{false, true} {
			obj := compileKernelFuncs(t, c.src, v4)
			coll, err := ebpf.NewCollection(obj.CollectionSpec())
			if err == nil {
				coll.Close()
				continue
			}
			if c.refused != "" && strings.Contains(err.Error(), c.refused) {
				t.Logf("v4=%v: this kernel refuses %s", v4, c.src)
				continue
			}
			err = codegen.WithVerifierLog(err, obj)
			t.Errorf("v4=%v %s:\n%v", v4, c.src, err)
		}
	}
}

// TestKernelFuncsCode checks the instructions the calls become: the
// variable's address loaded by BTF id (ldimm64, BPF_PSEUDO_BTF_ID) for
// the per-CPU helpers, the helpers of write_user, override (with the
// context), socket_cookie and path (fentry programs, which this machine
// cannot load), and no helper but the clock for nsecs(sw_tai).
func TestKernelFuncsCode(t *testing.T) {
	testenv.BPF(t)
	kernel := btf.NewKernel(btf.Options{})
	varID, err := kernel.VarID("process_counts")
	if err != nil {
		t.Skipf("no process_counts in the kernel's BTF: %v", err)
	}
	for _, c := range []struct {
		src  string
		want []string
	}{
		{`interval:s:1 { @ = *percpu_kaddr("process_counts"); }`, []string{fmt.Sprintf("btfvar#%d", varID), "FnThisCpuPtr"}},
		{`interval:s:1 { @ = *percpu_kaddr("process_counts", 1); }`, []string{fmt.Sprintf("btfvar#%d", varID), "FnPerCpuPtr"}},
		{`tracepoint:syscalls:sys_enter_openat { @ = write_user(args.filename, "x", 1); }`, []string{"FnProbeWriteUser"}},
		{`kprobe:vfs_read { override(0); }`, []string{"FnOverrideReturn"}},
		{`fentry:tcp_rcv_established { @[socket_cookie(args.sk)] = count(); }`, []string{"FnGetSocketCookie"}},
		{`fentry:vfs_open { @[path(args.path)] = count(); @f[path(args.file->f_path, 32)] = count(); }`, []string{"FnDPath"}},
		{`BEGIN { @ = nsecs(sw_tai); }`, []string{"FnKtimeGetBootNs"}},
	} {
		obj := compileKernelFuncs(t, c.src, false)
		seen := helpers(obj)
		for _, p := range obj.Programs {
			insns := p.Spec.Instructions
			for _, ins := range insns {
				if ins.OpCode == asm.LoadImmOp(asm.DWord) && ins.Src == asm.R3 {
					seen[fmt.Sprintf("btfvar#%d", ins.Constant)]++
				}
			}
		}
		for _, w := range c.want {
			if seen[w] == 0 {
				t.Errorf("%s: no %s in %v", c.src, w, seen)
			}
		}
	}
}
