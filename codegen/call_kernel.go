package codegen

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/lang"
)

// Functions that reach into the kernel or the traced process (lang's
// funcs_kernel.go): percpu_kaddr (bpf_this_cpu_ptr, bpf_per_cpu_ptr on
// the variable's BTF id), unwatch (an event: user space closes the
// watchpoints), write_user (bpf_probe_write_user), override
// (bpf_override_return), socket_cookie (bpf_get_socket_cookie), path
// (bpf_d_path) and skboutput (bpf_skb_output).

func init() {
	calls["percpu_kaddr"] = lowerPercpuKaddr
	calls["unwatch"] = lowerUnwatch
	calls["write_user"] = lowerWriteUser
	calls["override"] = lowerOverride
	calls["socket_cookie"] = lowerSocketCookie
	intos["path"] = lowerPathInto
	calls["skboutput"] = lowerSkbOutput
}

// KernelVars is what Options.Kernel also answers when it knows the
// running kernel's variables (runtime.KernelFuncs does): the BTF id of a
// variable in vmlinux, for percpu_kaddr().
type KernelVars interface {
	VarID(name string) (btf.TypeID, error)
}

// lowerPercpuKaddr loads the per-CPU variable's address (ldimm64 with
// BPF_PSEUDO_BTF_ID) and asks for this CPU's copy, or CPU cpu's (0 when
// there is no such CPU).
func lowerPercpuKaddr(c *compiler, e *lang.Call) val {
	name := e.Args[0].(*lang.StrLit).Value
	fail := func(format string, args ...any) {
		panic(&lang.Error{Pos: e.Pos, End: e.EndPos, Msg: fmt.Sprintf(format, args...), ExpandedFrom: e.ExpandedFrom()})
	}
	vars, ok := c.opts.Kernel.(KernelVars)
	if !ok {
		fail("percpu_kaddr(\"%s\") needs the running kernel's BTF", name)
	}
	id, err := vars.VarID(name)
	if err != nil {
		fail("percpu_kaddr(\"%s\"): %v", name, err)
	}
	if len(e.Args) == 1 {
		return val{t: e.Type(), reg: c.b.call(asm.FnThisCpuPtr, c.b.kernelVar(int64(id)))}
	}
	cpu := c.normalize(c.b.copyReg(c.reg(c.value(e.Args[1]))), lang.IntType(32, false))
	return val{t: e.Type(), reg: c.b.call(asm.FnPerCpuPtr, c.b.kernelVar(int64(id)), cpu)}
}

// lowerUnwatch sends the address to user space, which closes the
// watchpoints on it.
func lowerUnwatch(c *compiler, e *lang.Call) val {
	a := &Action{Kind: ActUnwatch, Pos: e.Span, Args: []Arg{{Type: lang.IntType(64, false)}}}
	c.event(a, e.Args)
	return val{t: e.Type()}
}

// lowerWriteUser calls bpf_probe_write_user(dst, src, len): true when
// it returns 0. A value src is written from BPF memory (copied there
// first when it lives elsewhere); a length known only at run time is
// capped at its size, and nothing is written (false) for 0.
func lowerWriteUser(c *compiler, e *lang.Call) val {
	dst := c.reg(c.value(e.Args[0]))
	var src vreg
	size := int64(-1)
	if e.Args[1].Type().Kind == lang.KindPointer {
		src = c.reg(c.value(e.Args[1]))
	} else {
		v := c.inBPF(e.Args[1])
		src = c.addr(v.m)
		size = int64(v.t.Size)
	}
	res := c.b.movImm(0)
	done := c.b.newLabel()
	var n vreg
	lv := c.value(e.Args[2])
	if lv.konst {
		n = c.b.movImm(lv.imm)
	} else {
		n = c.normalize(c.b.copyReg(c.reg(lv)), lang.IntType(32, false))
		if size >= 0 {
			capped := c.b.newLabel()
			c.b.jumpImm(asm.JLE, n, size, capped)
			c.b.setImm(n, size)
			c.b.mark(capped)
		}
		c.b.jumpImm(asm.JLT, n, 1, done)
	}
	ret := c.b.call(asm.FnProbeWriteUser, dst, src, n)
	c.b.jumpImm(asm.JNE, ret, 0, done)
	c.b.setImm(res, 1)
	c.b.mark(done)
	return val{t: e.Type(), reg: res}
}

// lowerOverride makes the probed function return rc.
func lowerOverride(c *compiler, e *lang.Call) val {
	rc := c.reg(c.value(e.Args[0]))
	c.b.call(asm.FnOverrideReturn, c.ctx, rc)
	return val{t: e.Type()}
}

// lowerSocketCookie calls bpf_get_socket_cookie on a struct sock *.
func lowerSocketCookie(c *compiler, e *lang.Call) val {
	return val{t: e.Type(), reg: c.b.call(asm.FnGetSocketCookie, c.reg(c.value(e.Args[0])))}
}

// lowerPathInto writes path(p [, size]): bpf_d_path into a zeroed
// buffer of the string's size.
func lowerPathInto(c *compiler, e *lang.Call, dst mem, t *lang.Type, exact bool) {
	st := e.Type()
	var p vreg
	if arg := e.Args[0]; arg.Type().Kind == lang.KindStruct {
		// A member (args.file->f_path): its address, not its bytes.
		p = c.addr(c.locate(arg))
	} else {
		p = c.reg(c.value(arg))
	}
	m := c.temp(st.Size)
	c.zero(m, st.Size)
	c.b.call(asm.FnDPath, p, c.addr(m), c.b.movImm(int64(st.Size)))
	c.storeVal(dst, val{t: st, inMem: true, m: m}, t, exact)
}

// bpfCurrentCPU is BPF_F_CURRENT_CPU: a perf event output to this CPU's
// buffer.
const bpfCurrentCPU = 0xffffffff

// lowerSkbOutput sends the packet to user space with bpf_skb_output(skb,
// map, flags, header, SkbHeader): flags hold the number of the skb's
// bytes to append in their upper 32 bits (the kernel refuses more than
// the skb holds) and BPF_F_CURRENT_CPU; the header, the file's index,
// the time and the length, which user space uses to cut off the padding
// of perf samples. The result is the helper's (0 or a negative error).
func lowerSkbOutput(c *compiler, e *lang.Call) val {
	path, off := lang.LiteralText(e.Args[0]), int64(e.Args[3].(*lang.IntLit).Value)
	id := -1
	for i, a := range c.obj.Actions {
		if a.Kind == ActSkbOutput && a.Text == path && a.Offset == off {
			id = i
		}
	}
	if id < 0 {
		id = len(c.obj.Actions)
		c.obj.Actions = append(c.obj.Actions, &Action{Kind: ActSkbOutput, Text: path, Offset: off, Pos: e.Span})
	}
	c.obj.skbEvents()
	skb := c.reg(c.value(e.Args[1]))
	n := c.normalize(c.b.copyReg(c.reg(c.value(e.Args[2]))), lang.IntType(32, false))
	hdr := c.temp(SkbHeader)
	c.storeImm(hdr, int64(id), asm.DWord)
	c.store(hdr.plus(8), c.b.call(asm.FnKtimeGetBootNs), asm.DWord)
	c.store(hdr.plus(16), n, asm.DWord)
	flags := c.b.alu(asm.Or, c.b.aluImm(asm.LSh, n, 32), c.b.movImm(bpfCurrentCPU))
	r := c.b.call(asm.FnSkbOutput, skb, c.b.mapPtr(SkbEventsMap), flags, c.addr(hdr), c.b.movImm(SkbHeader))
	return val{t: e.Type(), reg: r}
}

// skbEvents adds the perf event array of skboutput() (its size, one
// entry a CPU, is set when it is created).
func (o *Object) skbEvents() {
	for _, m := range o.Internal {
		if m.Name == SkbEventsMap {
			return
		}
	}
	o.Internal = append(o.Internal, &ebpf.MapSpec{Name: SkbEventsMap, Type: ebpf.PerfEventArray, KeySize: 4, ValueSize: 4})
}
