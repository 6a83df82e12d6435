package codegen

import (
	"reflect"
	"sort"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/internal/testenv"
	"github.com/gtrace/gtrace/lang"
)

// kernelVerifierScripts use kprobes, kretprobes, perf events, stacks,
// symbols and registers; each must pass the kernel's verifier. kprobe
// programs load on kernels without kprobes (they cannot attach there).
var kernelVerifierScripts = []string{
	`kprobe:vfs_read { @[kstack, func] = count(); printf("%d %d %d %u\n", arg0, arg1, arg2, reg("sp")); }`,
	`kretprobe:vfs_read { @r = hist(retval); @f[func] = count(); @s[kstack(perf, 5)] = sum(retval); }`,
	`kprobe:do_sys_openat2 { printf("%s %s\n", str(arg1), ksym(reg("ip"))); @u[ustack, comm] = count(); }`,
	`kprobe:tcp_sendmsg { @bytes[pid] = sum(arg2); @k[kstack(raw, 3), ustack(perf, 2)] = count(); $x = arg5; }`,
	`kprobe:vfs_write+4 { @[func] = count(); } kprobe:vfs_rea* { @n[probe] = count(); }`,
	`software:cpu-clock:1000000 { @[kstack(2)] = count(); @ip = hist(reg("ip")); }`,
	`software:faults { @[ustack(4)] = count(); } s:cs:10 { @c[cpu] = count(); }`,
	`hardware:cycles:100000 { @[kstack] = count(); }`,
	`watchpoint:0x10000000:8:w { @[ustack] = count(); printf("%s\n", ksym(reg("ip"))); }`,
	`tracepoint:syscalls:sys_enter_openat { @[kstack] = count(); @u[ustack(3)] = count(); print(kstack(1)); printf("%s\n", ustack(perf)); }`,
	`BEGIN { @k = ksym(kaddr("vfs_read")); @a = kaddr("vfs_read"); print(ksym(0)); @s = kstack; exit(); }`,
	`profile:hz:99 { @[kstack, ustack] = count(); printf("%x\n", reg("flags")); }`,
}

func TestKernelProbesVerifierAccepts(t *testing.T) {
	verify(t, kernelVerifierScripts, lang.CheckOptions{})
}

// TestKernelProbeKinds checks the program types and the stack maps.
func TestKernelProbeKinds(t *testing.T) {
	kernel := btf.NewKernel(btf.Options{})
	src := `kprobe:vfs_read { @k[kstack] = count(); } kretprobe:vfs_read { @u[ustack(5)] = count(); }
software:faults { @p[kstack(perf, 5)] = count(); } watchpoint:0x1000:4:w { @w = count(); }`
	prog, err := lang.Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := lang.Check(prog, lang.CheckOptions{Kernel: kernel, Config: lang.DefaultConfig()}); err != nil {
		testenv.SkipIfErr(t, "kernel functions", err)
	}
	obj, err := Compile(prog, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]ebpf.ProgramType{"kprobe": ebpf.Kprobe, "kretprobe": ebpf.Kprobe, "software": ebpf.PerfEvent, "watchpoint": ebpf.PerfEvent}
	for _, p := range obj.Programs {
		if p.Spec.Type != want[p.Kind] {
			t.Errorf("%s: program type %v, want %v", p.Name, p.Spec.Type, want[p.Kind])
		}
	}
	stackMaps := map[string]uint32{}
	for _, m := range obj.Internal {
		if m.Type == ebpf.StackTrace {
			stackMaps[m.Name] = m.ValueSize
		}
	}
	if !reflect.DeepEqual(stackMaps, map[string]uint32{StackMapName(127): 127 * 8, StackMapName(5): 5 * 8}) {
		t.Errorf("stack maps %v", stackMaps)
	}
}

// TestRegisterNames keeps lang's register names (which reg() checks)
// equal to the pt_regs table.
func TestRegisterNames(t *testing.T) {
	for arch, l := range ptRegsLayouts() {
		var names []string
		for n := range l.offsets {
			names = append(names, n)
		}
		sort.Strings(names)
		if got := lang.RegisterNames(arch); !reflect.DeepEqual(got, names) {
			t.Errorf("%s: lang knows registers %v, pt_regs has %v", arch, got, names)
		}
	}
}

// TestKprobeArgCount keeps kprobe's argN count equal to the argument
// registers of the pt_regs table.
func TestKprobeArgCount(t *testing.T) {
	k, ok := lang.LookupProbeKind("kprobe")
	if !ok {
		t.Fatal("no kprobe kind")
	}
	if l := ptRegsLayouts()[hostArch()]; l != nil && k.NumArgs != len(l.args) {
		t.Errorf("kprobe has %d arguments, pt_regs %d argument registers", k.NumArgs, len(l.args))
	}
}
