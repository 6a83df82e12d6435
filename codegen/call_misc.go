package codegen

import (
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/lang"
)

// Miscellaneous functions: bswap, has_key, ncpus, nsecs(mode), pton, and
// static_assert (checked by lang; nothing to run). The is_* predicates
// are bool constants lang expands them to.

func init() {
	calls["bswap"] = lowerBswap
	calls["has_key"] = lowerHasKey
	calls["ncpus"] = lowerNcpus
	calls["nsecs"] = lowerNsecs
	intos["pton"] = lowerPtonInto
	calls["static_assert"] = func(c *compiler, e *lang.Call) val { return val{t: e.Type()} }
	calls["assert_str"] = calls["static_assert"]
	calls["kfunc_allowed"] = lowerKfuncAllowed
}

// lowerKfuncAllowed answers kfunc_allowed("name") for the probe's program
// type: the kernel is asked (a program calling the kfunc is loaded once)
// while compiling, and the answer is a constant.
func lowerKfuncAllowed(c *compiler, e *lang.Call) val {
	name := e.Args[0].(*lang.StrLit).Value
	allowed := false
	if k := c.opts.Kernel; k != nil {
		_, err := k.Kfunc(name, programKinds[c.v.Points[0].Kind].progType)
		allowed = err == nil
	}
	imm := int64(0)
	if allowed {
		imm = 1
	}
	return val{t: e.Type(), konst: true, imm: imm}
}

// lowerBswap reverses the bytes of an integer of 8, 16, 32 or 64 bits.
func lowerBswap(c *compiler, e *lang.Call) val {
	t := e.Type()
	x := c.value(e.Args[0])
	n := t.Size
	if x.konst {
		var r uint64
		for i := 0; i < n; i++ {
			r = r<<8 | uint64(x.imm)>>(8*i)&0xff
		}
		return val{t: t, konst: true, imm: int64(r)}
	}
	src := c.reg(x)
	if n == 1 {
		return val{t: t, reg: c.normalize(c.b.copyReg(src), t)}
	}
	if c.opts.CPUv4 {
		// BPF_ALU64 | BPF_END: an unconditional byte swap of the low n
		// bytes, zero-extended.
		return val{t: t, reg: c.b.aluImm(asm.Swap, src, int64(n*8))}
	}
	r := c.b.movImm(0)
	for i := 0; i < n; i++ {
		b := c.b.aluImm(asm.RSh, c.b.copyReg(src), int64(8*i))
		b = c.b.aluImm(asm.And, b, 0xff)
		if s := 8 * (n - 1 - i); s > 0 {
			b = c.b.aluImm(asm.LSh, b, int64(s))
		}
		c.b.aluInto(r, asm.Or, r, b)
	}
	return val{t: t, reg: r}
}

// lowerHasKey looks the key up: true when the map has an entry.
func lowerHasKey(c *compiler, e *lang.Call) val {
	look := e.Args[0].(*lang.MapExpr) // lang rewrote has_key(@m, k) to has_key(@m[k])
	mp := c.mapOf(look)
	key := c.mapKey(look, mp, 0)
	p := c.lookup(mp, key)
	r := c.b.movImm(1)
	yes := c.b.newLabel()
	c.b.jumpImm(asm.JNE, p, 0, yes)
	c.b.setImm(r, 0)
	c.b.mark(yes)
	return val{t: e.Type(), reg: r}
}

// lowerNcpus is the number of possible CPUs, a constant of the machine
// the program is compiled for.
func lowerNcpus(c *compiler, e *lang.Call) val {
	n := c.opts.NumCPU
	if n <= 0 {
		if p, err := ebpf.PossibleCPU(); err == nil {
			n = p
		}
	}
	return val{t: e.Type(), konst: true, imm: int64(n)}
}

// timestampHelpers are the clocks of nsecs(mode).
var timestampHelpers = map[string]asm.BuiltinFunc{
	"monotonic": asm.FnKtimeGetNs,
	"boot":      asm.FnKtimeGetBootNs,
	"tai":       asm.FnKtimeGetTaiNs,
}

// lowerNsecs reads a clock: nsecs() is the nsecs builtin.
func lowerNsecs(c *compiler, e *lang.Call) val {
	if len(e.Args) == 0 {
		v := builtins["nsecs"](c, &lang.Ident{Span: e.Span, Name: "nsecs"})
		v.t = e.Type()
		return v
	}
	mode := e.Args[0].(*lang.Ident).Name
	if mode == "sw_tai" {
		// The boot clock plus TAI's offset from it, measured now, as
		// the newest bpftrace computes sw_tai.
		return val{t: e.Type(), reg: c.b.alu(asm.Add, c.b.call(asm.FnKtimeGetBootNs), c.b.movImm(swTaiOffset()))}
	}
	return val{t: e.Type(), reg: c.b.call(timestampHelpers[mode])}
}

// swTaiOffset returns CLOCK_TAI minus CLOCK_BOOTTIME in nanoseconds, for
// nsecs(sw_tai): as bpftrace does, the boot clock is read between two
// readings of the TAI clock, and of five tries the one whose TAI
// readings are closest is kept, the TAI time taken as their average.
// It is measured once per run of gtrace.
var swTaiOffset = sync.OnceValue(func() int64 {
	best, offset := int64(-1), int64(0)
	for range 5 {
		var before, boot, after unix.Timespec
		if unix.ClockGettime(unix.CLOCK_TAI, &before) != nil ||
			unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot) != nil ||
			unix.ClockGettime(unix.CLOCK_TAI, &after) != nil {
			continue
		}
		d := after.Nano() - before.Nano()
		if d < 0 || (best >= 0 && d >= best) {
			continue
		}
		best = d
		offset = (before.Nano()+after.Nano())/2 - boot.Nano()
	}
	return offset
})

// lowerPtonInto stores the address bytes pton() converted.
func lowerPtonInto(c *compiler, e *lang.Call, dst mem, t *lang.Type, exact bool) {
	var s string
	switch a := e.Args[0].(type) {
	case *lang.StrLit:
		s = a.Value
	case *lang.Positional:
		s = a.Str
	case *lang.Ident:
		s = a.Str
	}
	b, err := lang.ParseAddress(s)
	if err != nil {
		panic("codegen: pton: " + err.Error())
	}
	data := make([]byte, max(len(b), t.Size))
	copy(data, b)
	c.storeBytes(dst, data[:min(len(data), t.Size)])
}
