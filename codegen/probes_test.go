package codegen

import (
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/internal/testenv"
	"github.com/gtrace/gtrace/lang"
)

func compileScript(t *testing.T, src string) *Object {
	t.Helper()
	prog, err := lang.Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	k := btf.NewKernel(btf.Options{})
	if err := lang.Check(prog, lang.CheckOptions{Kernel: k, Config: lang.DefaultConfig()}); err != nil {
		t.Fatal(lang.Render(err, map[string]string{"": src}))
	}
	obj, err := Compile(prog, nil, Options{CPUv4: true})
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// loadsFromCtx reports whether the program reads size bytes at off from
// its context (R1 at entry, before any call clobbers it).
func loadsFromCtx(insns asm.Instructions, off int16, size asm.Size) bool {
	ctx := map[asm.Register]bool{asm.R1: true}
	for _, ins := range insns {
		if ins.IsBuiltinCall() {
			break
		}
		if ins.OpCode.ALUOp() == asm.Mov && ins.OpCode.Source() == asm.RegSource && ctx[ins.Src] {
			ctx[ins.Dst] = true
		}
		if ins.OpCode.Class() == asm.LdXClass && ctx[ins.Src] && ins.Offset == off && ins.OpCode.Size() == size {
			return true
		}
	}
	return false
}

// fentry and fexit cannot be loaded on every kernel (this one refuses
// them), so their programs are checked as emitted: a tracing program
// attached to the function, reading arguments and retval from the
// context's 64-bit slots.
func TestFentryPrograms(t *testing.T) {
	testenv.File(t, "/sys/kernel/btf/vmlinux")
	cases := []struct {
		src        string
		attachType ebpf.AttachType
		off        int16
		size       asm.Size
	}{
		// vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)
		{`fentry:vfs_read { @[args.count] = count(); }`, ebpf.AttachTraceFEntry, 16, asm.DWord},
		{`kfunc:vfs_read { @ = sum(args.count); }`, ebpf.AttachTraceFEntry, 16, asm.DWord},
		{`fexit:vfs_read { @ = hist(retval); }`, ebpf.AttachTraceFExit, 32, asm.DWord},
		{`kretfunc:vfs_read { @[args.count] = sum(retval); }`, ebpf.AttachTraceFExit, 16, asm.DWord},
	}
	for _, c := range cases {
		obj := compileScript(t, c.src)
		p := obj.Programs[0].Spec
		if p.Type != ebpf.Tracing || p.AttachType != c.attachType || p.AttachTo != "vfs_read" {
			t.Errorf("%s: program %v/%v attached to %q", c.src, p.Type, p.AttachType, p.AttachTo)
		}
		if !loadsFromCtx(p.Instructions, c.off, c.size) {
			t.Errorf("%s: no %v load at ctx+%d:\n%v", c.src, c.size, c.off, p.Instructions)
		}
	}
}
