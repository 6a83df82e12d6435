package codegen

import (
	"fmt"

	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// callValue lowers a function call used for its value or effect.
func (c *compiler) callValue(e *lang.Call) val {
	t := e.Type()
	switch e.Name {
	case "printf":
		c.printf(e)
	case "print":
		c.print(e)
	case "exit":
		a := &Action{Kind: ActExit, Pos: e.Span}
		if len(e.Args) == 1 {
			a.Args = []Arg{{Type: lang.TypeInt64}}
		}
		c.event(a, e.Args)
		// exit() also ends the probe, as in bpftrace.
		c.b.goTo(c.exit)
	case "clear", "zero":
		kind := ActClear
		if e.Name == "zero" {
			kind = ActZero
		}
		c.event(&Action{Kind: kind, Map: e.Args[0].(*lang.MapExpr).Name, Pos: e.Span}, nil)
	case "delete":
		c.delete(e.Args[0].(*lang.MapExpr))
	case "kptr", "uptr":
		// The same address; only its type's address space changed.
		return val{t: t, reg: c.reg(c.value(e.Args[0]))}
	default:
		if !isScalar(t) && t.Kind != lang.KindNone {
			return c.viaMemory(e)
		}
		panic(fmt.Sprintf("codegen: function %s is not supported", e.Name))
	}
	return val{t: t}
}

// callInto writes the result of a string-producing call straight to dst.
func (c *compiler) callInto(e *lang.Call, dst mem, t *lang.Type, exact bool) bool {
	if e.Name != "str" {
		return false
	}
	arg := e.Args[0]
	at := arg.Type()
	if at.Kind == lang.KindString {
		if p, ok := arg.(*lang.Positional); ok {
			s := p.Str
			if n := e.Type().Size - 1; len(s) > n {
				s = s[:n]
			}
			c.into(&lang.StrLit{Span: p.Span, Value: s}, dst, t, exact)
			return true
		}
		c.into(arg, dst, t, exact)
		return true
	}
	size := e.Type().Size
	if size > t.Size {
		size = t.Size
	}
	var n vreg
	if len(e.Args) == 2 {
		// str(p, n): at most n bytes and a terminator, capped at the type.
		lim := c.b.aluImm(asm.Add, c.reg(c.value(e.Args[1])), 1)
		capped := c.b.newLabel()
		n = c.b.copyReg(lim)
		c.b.jumpImm(asm.JLE, n, int64(size), capped)
		c.b.setImm(n, int64(size))
		c.b.mark(capped)
	} else {
		n = c.b.movImm(int64(size))
	}
	p := c.reg(c.value(arg))
	if exact {
		c.zero(dst, t.Size)
	}
	fn := asm.FnProbeReadKernelStr
	if at.Space == lang.AddrUser || (at.Kind == lang.KindInt && c.userArgs()) {
		fn = asm.FnProbeReadUserStr
	}
	c.b.call(fn, c.addr(dst), n, p)
	if !exact && size < t.Size {
		c.storeImm(dst.plus(size), 0, asm.Byte)
	}
	return true
}

// userArgs reports whether integer arguments of this probe are user
// addresses (user-space probes).
func (c *compiler) userArgs() bool {
	k := programKinds[c.v.Points[0].Kind]
	return k.userSpace
}

// eventArg is the type an argument takes in an event: integers widen to
// 64 bits.
func eventArg(t *lang.Type) *lang.Type { return lang.StorageType(t) }

// layout places event arguments after the header, 8-byte aligned.
func layout(a *Action, args []lang.Expr) {
	off := EventHeader
	if a.Args == nil {
		for _, e := range args {
			a.Args = append(a.Args, Arg{Type: eventArg(e.Type())})
		}
	}
	for i := range a.Args {
		a.Args[i].Offset = off
		off += (a.Args[i].Type.Size + 7) &^ 7
	}
	a.Size = off
}

// event sends an action to user space through the ring buffer: it
// reserves a record, writes the action's index and the arguments straight
// into it, and submits it. A full ring buffer counts a lost event.
func (c *compiler) event(a *Action, args []lang.Expr) {
	layout(a, args)
	id := len(c.obj.Actions)
	c.obj.Actions = append(c.obj.Actions, a)
	rec := c.b.call(asm.FnRingbufReserve, c.b.mapPtr(EventsMap), c.b.movImm(int64(a.Size)), c.b.movImm(0))
	lost, done := c.b.newLabel(), c.b.newLabel()
	c.b.jumpImm(asm.JEq, rec, 0, lost)
	r := mem{base: rec}
	c.storeImm(r, int64(id), asm.DWord)
	for i, e := range args {
		c.into(e, r.plus(a.Args[i].Offset), a.Args[i].Type, false)
	}
	c.b.call(asm.FnRingbufSubmit, rec, c.b.movImm(0))
	c.b.goTo(done)
	c.b.mark(lost)
	key := c.temp(4)
	c.storeImm(key, 0, asm.Word)
	p := c.b.call(asm.FnMapLookupElem, c.b.mapPtr(LostMap), c.addr(key))
	c.b.jumpImm(asm.JEq, p, 0, done)
	c.addTo(p, 0, 1)
	c.b.mark(done)
}

func (c *compiler) printf(e *lang.Call) {
	c.event(&Action{Kind: ActPrintf, Format: e.Format, Pos: e.Span}, e.Args[1:])
}

func (c *compiler) print(e *lang.Call) {
	if m, ok := e.Args[0].(*lang.MapExpr); ok && !m.Indexed {
		a := &Action{Kind: ActPrintMap, Map: m.Name, Pos: e.Span}
		if len(e.Args) > 1 {
			a.Top = c.value(e.Args[1]).imm
		}
		if len(e.Args) > 2 {
			a.Div = c.value(e.Args[2]).imm
		}
		c.event(a, nil)
		return
	}
	c.event(&Action{Kind: ActPrintValue, Pos: e.Span}, e.Args)
}

// delete removes @m[k]. Maps stored in arrays cannot lose entries, so
// deleting from one zeroes it instead.
func (c *compiler) delete(m *lang.MapExpr) {
	mp := c.mapOf(m)
	switch mp.Layout {
	case LayoutPerCPUArray, LayoutBucketArray:
		c.event(&Action{Kind: ActZero, Map: m.Name, Pos: m.Span}, nil)
		return
	}
	if mp.Layout == LayoutBucketHash {
		// The entries of a keyed hist are one per bucket: clearing the
		// whole key is left to user space.
		c.event(&Action{Kind: ActClear, Map: m.Name, Pos: m.Span}, nil)
		return
	}
	key := c.mapKey(m, mp, 0)
	c.b.call(asm.FnMapDeleteElem, c.b.mapPtr(mp.Spec.Name), c.addr(key))
}
