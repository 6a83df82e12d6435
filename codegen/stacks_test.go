package codegen

import (
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// stackExtraScripts use ustack(build_id) and len() of stacks; each must
// pass the kernel's verifier.
var stackExtraScripts = []string{
	`tracepoint:syscalls:sys_enter_openat { @[ustack(build_id)] = count(); print(ustack(build_id, 3)); printf("%s\n", ustack(build_id, 1)); }`,
	`config = { stack_mode = build_id } software:faults { @[ustack, kstack] = count(); @n = hist(len(ustack)); }`,
	`tracepoint:syscalls:sys_enter_openat { @k = len(kstack); @u = len(ustack(build_id, 5)); $s = ustack(3); @s = len($s); @m[1] = kstack(raw, 100); @l = len(@m[1]); if (len(kstack(2)) > 1) { @deep = count(); } }`,
	`profile:hz:99 { @[len(kstack), len(ustack)] = count(); @s[kstack(perf, 4)] = count(); }`,
	`BEGIN { @k = len(kstack); @u = len(ustack); exit(); }`,
}

func TestStackExtrasVerifierAccepts(t *testing.T) {
	verify(t, stackExtraScripts, lang.CheckOptions{})
}

// TestBuildIDStackMaps checks the stack maps of ustack(build_id): their
// own, flagged BPF_F_STACK_BUILD_ID, with a 32-byte struct
// bpf_stack_build_id per frame.
func TestBuildIDStackMaps(t *testing.T) {
	obj := compileScript(t, `tracepoint:syscalls:sys_enter_openat { @a[ustack(build_id, 5)] = count(); @b[ustack(5)] = count(); @c[ustack(build_id)] = count(); }`)
	type info struct {
		size  uint32
		flags uint32
	}
	got := map[string]info{}
	for _, m := range obj.Internal {
		if m.Type == ebpf.StackTrace {
			got[m.Name] = info{m.ValueSize, m.Flags}
		}
	}
	want := map[string]info{
		BuildIDStackMapName(5):   {5 * BuildIDFrameSize, stackBuildID},
		StackMapName(5):          {5 * 8, 0},
		BuildIDStackMapName(127): {127 * BuildIDFrameSize, stackBuildID},
	}
	if len(got) != len(want) {
		t.Errorf("stack maps %v, want %v", got, want)
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %+v, want %+v", name, got[name], w)
		}
	}
}

// TestStackLenCode checks that stacks are walked a second time
// (bpf_get_stack) only in scripts that take len() of a stack.
func TestStackLenCode(t *testing.T) {
	for _, c := range []struct {
		src  string
		want int
	}{
		{`tracepoint:syscalls:sys_enter_openat { @[kstack, ustack] = count(); }`, 0},
		{`tracepoint:syscalls:sys_enter_openat { @[kstack, ustack] = count(); @n = len(kstack); }`, 3},
		{`tracepoint:syscalls:sys_enter_openat { @[kstack] = count(); } tracepoint:syscalls:sys_enter_read { $s = ustack; @n = len($s); }`, 2},
	} {
		obj := compileScript(t, c.src)
		n := 0
		for _, p := range obj.Programs {
			for _, ins := range p.Spec.Instructions {
				if ins.IsBuiltinCall() && asm.BuiltinFunc(ins.Constant) == asm.FnGetStack {
					n++
				}
			}
		}
		if n != c.want {
			t.Errorf("%s: %d bpf_get_stack calls, want %d", c.src, n, c.want)
		}
	}
}
