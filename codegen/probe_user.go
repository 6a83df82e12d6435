package codegen

import (
	"fmt"
	"math/bits"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// User-space probes. uprobe, uretprobe and usdt programs are kprobe-type
// programs whose context is the traced thread's struct pt_regs: uprobes
// read argN from the argument registers (then the user stack) and retval
// from the return register; USDT arguments are wherever the probe site's
// note says (a register, memory at a register plus displacement, or a
// constant). func is the probed function as a user symbol: its address
// and the process id.

func init() {
	programKinds["uprobe"] = programKind{progType: ebpf.Kprobe, userSpace: true, arg: userProbeArg(false), args: uprobeArgs}
	programKinds["uretprobe"] = programKind{progType: ebpf.Kprobe, userSpace: true, arg: userProbeArg(true)}
	programKinds["usdt"] = programKind{progType: ebpf.Kprobe, userSpace: true, arg: usdtArg}
	calls["usym"] = lowerUsym
	builtins["cpid"] = lowerCpid
}

// lowerCpid reads the pid of the command -c started, which the runtime
// writes in the globals map before anything runs.
func lowerCpid(c *compiler, e *lang.Ident) val {
	key := c.temp(4)
	c.storeImm(key, 0, asm.Word)
	p := c.b.call(asm.FnMapLookupElem, c.b.mapPtr(GlobalsMap), c.addr(key))
	r := c.b.movImm(0)
	done := c.b.newLabel()
	c.b.jumpImm(asm.JEq, p, 0, done)
	c.b.mov(r, c.b.load(p, GlobalCpid, asm.Word, false))
	c.b.mark(done)
	return val{t: e.Type(), reg: r}
}

// userProbeArg lowers argN, retval and func for uprobes and uretprobes.
func userProbeArg(ret bool) func(c *compiler, e *lang.Ident) (val, bool) {
	regs := ptRegsBuiltin(lang.AddrUser, ret)
	return func(c *compiler, e *lang.Ident) (val, bool) {
		if e.Name != "func" {
			return regs(c, e)
		}
		var addr vreg
		if ret {
			// At return the instruction pointer is in the caller; the
			// helper knows the probed function's entry.
			addr = c.b.call(asm.FnGetFuncIp, c.ctx)
		} else {
			off, ok := ptRegsPC(hostArch())
			if !ok {
				panic("codegen: func: unsupported architecture " + hostArch())
			}
			addr = c.b.load(c.ctx, off, asm.DWord, false)
		}
		return c.userSymbol(e.Type(), addr), true
	}
}

// uprobeArgs builds the struct `args` points to in a uprobe (typed from
// DWARF by the checker): one 64-bit slot per parameter, holding the
// argument register of its position; a narrower parameter is the slot's
// low bytes.
func uprobeArgs(c *compiler) mem {
	n := c.v.Args.Size / 8
	m := c.temp(max(c.v.Args.Size, 8))
	for i := 0; i < n; i++ {
		off, ok := ptRegsArg(hostArch(), i)
		if !ok {
			panic(fmt.Sprintf("codegen: args: parameter %d is not passed in a register on %s", i, hostArch()))
		}
		c.store(m.plus(8*i), c.b.load(c.ctx, off, asm.DWord, false), asm.DWord)
	}
	return m
}

// userSymbol builds a user symbol value (func, usym()): the address,
// then the id of the process it belongs to, which user space needs to
// name it.
func (c *compiler) userSymbol(t *lang.Type, addr vreg) val {
	m := c.temp(16)
	c.store(m, addr, asm.DWord)
	// The pid as gtrace sees it: user space reads its /proc (call_pidns.go).
	c.store(m.plus(8), c.currentPid(false), asm.DWord)
	return val{t: t, inMem: true, m: m}
}

// lowerUsym lowers usym(addr): the address with the current process.
func lowerUsym(c *compiler, e *lang.Call) val {
	addr := c.reg(c.value(e.Args[0]))
	return c.userSymbol(e.Type(), addr)
}

// usdtArg reads a USDT argument where the probe site keeps it. Every
// point of a variant keeps its arguments in the same places.
func usdtArg(c *compiler, e *lang.Ident) (val, bool) {
	var n int
	if _, err := fmt.Sscanf(e.Name, "arg%d", &n); err != nil {
		return val{}, false
	}
	args := c.v.Points[0].USDTArgs
	if n >= len(args) {
		panic(fmt.Sprintf("codegen: %s: the USDT probe has %d arguments", e.Name, len(args)))
	}
	a := args[n]
	t := e.Type()
	raw := lang.IntType(8*a.Size, a.Signed)
	switch a.Kind {
	case lang.USDTConst:
		v := a.Value
		if a.Size < 8 {
			shift := 64 - 8*uint(a.Size)
			if a.Signed {
				v = v << shift >> shift
			} else {
				v = int64(uint64(v) << shift >> shift)
			}
		}
		return val{t: t, konst: true, imm: v}, true
	case lang.USDTReg:
		r := c.ptRegister(a.Reg)
		return val{t: t, reg: c.normalize(r, raw)}, true
	}
	var addr vreg
	switch {
	case a.Reg == "":
		// No base register: an absolute displacement.
		addr = c.b.movImm(a.Value)
	case a.Value != 0:
		addr = c.addImm(c.ptRegister(a.Reg), a.Value)
	default:
		addr = c.ptRegister(a.Reg)
	}
	if a.Index != "" {
		idx := c.ptRegister(a.Index)
		if a.Scale > 1 {
			idx = c.b.aluImm(asm.LSh, idx, int64(bits.TrailingZeros(uint(a.Scale))))
		}
		addr = c.b.alu(asm.Add, addr, idx)
	}
	tmp := c.temp(8)
	c.probeRead(tmp, mem{base: addr, space: lang.AddrUser}, a.Size, false)
	r := c.load(tmp, sizeOf(a.Size), false)
	return val{t: t, reg: c.normalize(r, raw)}, true
}

// ptRegister reads a register of the traced thread from pt_regs.
func (c *compiler) ptRegister(name string) vreg {
	off, ok := ptRegsOffset(hostArch(), name)
	if !ok {
		panic(fmt.Sprintf("codegen: register %s is not in pt_regs on %s", name, hostArch()))
	}
	return c.b.load(c.ctx, off, asm.DWord, false)
}

// addImm adds a 64-bit constant to a register.
func (c *compiler) addImm(r vreg, v int64) vreg {
	if v >= -1<<31 && v < 1<<31 {
		return c.b.aluImm(asm.Add, r, v)
	}
	return c.b.alu(asm.Add, r, c.b.movImm(v))
}
