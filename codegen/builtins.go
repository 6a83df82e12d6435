package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// builtinLowering computes a builtin identifier's value.
type builtinLowering func(c *compiler, e *lang.Ident) val

// helperValue returns the result of a helper that takes no arguments.
func helperValue(fn asm.BuiltinFunc) builtinLowering {
	return func(c *compiler, e *lang.Ident) val {
		return val{t: e.Type(), reg: c.b.call(fn)}
	}
}

// helperHigh and helperLow split a helper's 64-bit result.
func helperHigh(fn asm.BuiltinFunc) builtinLowering {
	return func(c *compiler, e *lang.Ident) val {
		return val{t: e.Type(), reg: c.b.aluImm(asm.RSh, c.b.call(fn), 32)}
	}
}

func helperLow(fn asm.BuiltinFunc) builtinLowering {
	return func(c *compiler, e *lang.Ident) val {
		return val{t: e.Type(), reg: c.normalize(c.b.call(fn), e.Type())}
	}
}

// builtins is the table of builtin identifiers, by name. It is filled in
// init because some entries lower expressions recursively.
var builtins map[string]builtinLowering

func init() {
	builtins = map[string]builtinLowering{
		"pid":     func(c *compiler, e *lang.Ident) val { return val{t: e.Type(), reg: c.currentPid(false)} },
		"tid":     func(c *compiler, e *lang.Ident) val { return val{t: e.Type(), reg: c.currentTid(false)} },
		"uid":     helperLow(asm.FnGetCurrentUidGid),
		"gid":     helperHigh(asm.FnGetCurrentUidGid),
		"nsecs":   helperValue(asm.FnKtimeGetNs),
		"cpu":     helperValue(asm.FnGetSmpProcessorId),
		"numaid":  helperValue(asm.FnGetNumaNodeId),
		"rand":    helperValue(asm.FnGetPrandomU32),
		"cgroup":  helperValue(asm.FnGetCurrentCgroupId),
		"curtask": helperValue(asm.FnGetCurrentTask),
		"jiffies": helperValue(asm.FnJiffies64),
		"elapsed": func(c *compiler, e *lang.Ident) val {
			now := c.b.call(asm.FnKtimeGetNs)
			key := c.temp(4)
			c.storeImm(key, 0, asm.Word)
			p := c.b.call(asm.FnMapLookupElem, c.b.mapPtr(GlobalsMap), c.addr(key))
			r := c.b.copyReg(now)
			done := c.b.newLabel()
			c.b.jumpImm(asm.JEq, p, 0, done)
			c.b.aluInto(r, asm.Sub, r, c.b.load(p, GlobalStartNs, asm.DWord, false))
			c.b.mark(done)
			return val{t: e.Type(), reg: r}
		},
		"comm": func(c *compiler, e *lang.Ident) val { return c.viaMemory(e) },
		"args": lowerArgs,
		"ctx":  func(c *compiler, e *lang.Ident) val { return val{t: e.Type(), reg: c.ctx} },
		"probe": func(c *compiler, e *lang.Ident) val {
			return val{t: e.Type(), konst: true, imm: int64(c.obj.probeID(e.Probe.Name))}
		},
	}
}

// lowerArgs lowers `args`: the context, or where the kind builds the
// struct (once in the probe, in its prologue; again in a loop's body,
// which has a frame of its own).
func lowerArgs(c *compiler, e *lang.Ident) val {
	k := programKinds[c.v.Points[0].Kind]
	if k.args == nil {
		return val{t: e.Type(), reg: c.ctx}
	}
	if c.owner == nil && c.argsMem != nil {
		return val{t: e.Type(), reg: c.addr(*c.argsMem)}
	}
	return val{t: e.Type(), reg: c.addr(k.args(c))}
}

// probeID returns the value of `probe` for a point's name.
func (o *Object) probeID(name string) int {
	for i, n := range o.ProbeNames {
		if n == name {
			return i
		}
	}
	o.ProbeNames = append(o.ProbeNames, name)
	return len(o.ProbeNames) - 1
}

func (c *compiler) builtin(e *lang.Ident) val {
	if e.Const {
		if e.Type().Kind == lang.KindString {
			return c.viaMemory(e)
		}
		return val{t: e.Type(), konst: true, imm: e.Value}
	}
	if f, ok := builtins[e.Name]; ok {
		return f(c, e)
	}
	if k := programKinds[c.v.Points[0].Kind]; k.arg != nil {
		if v, ok := k.arg(c, e); ok {
			return v
		}
	}
	panic("codegen: builtin " + e.Name + " is not supported")
}
