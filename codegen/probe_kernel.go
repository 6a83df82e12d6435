package codegen

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// Kernel function probes and perf events. kprobe and kretprobe programs
// read arguments, the return value and registers from the struct pt_regs
// their context points to; software, hardware and watchpoint programs
// are perf event programs, whose context (struct bpf_perf_event_data)
// starts with the same registers.

func init() {
	programKinds["kprobe"] = programKind{progType: ebpf.Kprobe, arg: ptRegsBuiltin(lang.AddrKernel, false)}
	programKinds["kretprobe"] = programKind{progType: ebpf.Kprobe, arg: ptRegsBuiltin(lang.AddrKernel, true)}
	for _, k := range []string{"software", "hardware", "watchpoint"} {
		programKinds[k] = programKind{progType: ebpf.PerfEvent}
	}
}

// ptRegsBuiltin lowers argN, retval and func for probes whose context is
// struct pt_regs. Arguments past the register ones are read from the
// stack, in space's memory. func is the probed function's address: the
// instruction pointer at entry; at return (ret set) the pointer is past
// the function, and bpf_get_func_ip gives its entry instead.
func ptRegsBuiltin(space lang.AddrSpace, ret bool) func(c *compiler, e *lang.Ident) (val, bool) {
	return func(c *compiler, e *lang.Ident) (val, bool) {
		t := e.Type()
		arch := hostArch()
		switch e.Name {
		case "retval":
			off, ok := ptRegsRet(arch)
			if !ok {
				panic("codegen: retval: unsupported architecture " + arch)
			}
			return val{t: t, reg: c.b.load(c.ctx, off, asm.DWord, false)}, true
		case "func":
			if ret {
				return val{t: t, reg: c.b.call(asm.FnGetFuncIp, c.ctx)}, true
			}
			off, _ := ptRegsPC(arch)
			return val{t: t, reg: c.b.load(c.ctx, off, asm.DWord, false)}, true
		}
		var n int
		if _, err := fmt.Sscanf(e.Name, "arg%d", &n); err != nil {
			return val{}, false
		}
		if off, ok := ptRegsArg(arch, n); ok {
			return val{t: t, reg: c.b.load(c.ctx, off, asm.DWord, false)}, true
		}
		spOff, addend, ok := ptRegsStackArg(arch, n)
		if !ok {
			panic(fmt.Sprintf("codegen: %s: unsupported architecture %s", e.Name, arch))
		}
		sp := c.b.load(c.ctx, spOff, asm.DWord, false)
		tmp := c.temp(8)
		c.probeRead(tmp, mem{base: sp, off: addend, space: space}, 8, false)
		return val{t: t, reg: c.load(tmp, asm.DWord, false)}, true
	}
}

func init() {
	// fentry and fexit name the probed function with bpf_get_func_ip.
	for _, k := range []string{"fentry", "fexit"} {
		pk := programKinds[k]
		pk.arg = withFuncIP(pk.arg)
		programKinds[k] = pk
	}
}

// withFuncIP adds func, from bpf_get_func_ip, to a kind's builtins.
func withFuncIP(arg func(c *compiler, e *lang.Ident) (val, bool)) func(c *compiler, e *lang.Ident) (val, bool) {
	return func(c *compiler, e *lang.Ident) (val, bool) {
		if e.Name == "func" {
			return val{t: e.Type(), reg: c.b.call(asm.FnGetFuncIp, c.ctx)}, true
		}
		return arg(c, e)
	}
}
