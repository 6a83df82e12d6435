package codegen

import (
	"fmt"

	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// callLowering lowers a call to one function. Scalar results come back in
// the val; functions whose results live in memory register an intoLowering
// instead (or as well).
type callLowering func(c *compiler, e *lang.Call) val

// intoLowering writes a call's (non-scalar) result straight to dst as
// type t; exact asks for the bytes after a string's end to be zero.
type intoLowering func(c *compiler, e *lang.Call, dst mem, t *lang.Type, exact bool)

// The tables of functions code generation supports, by name. Each file
// that implements a group of functions registers them in an init function.
var (
	calls = map[string]callLowering{}
	intos = map[string]intoLowering{}
)

func init() {
	calls["printf"] = func(c *compiler, e *lang.Call) val { c.printf(e); return val{t: e.Type()} }
	calls["print"] = func(c *compiler, e *lang.Call) val { c.print(e); return val{t: e.Type()} }
	calls["exit"] = lowerExit
	calls["clear"] = lowerMapAction(ActClear)
	calls["zero"] = lowerMapAction(ActZero)
	calls["delete"] = func(c *compiler, e *lang.Call) val {
		return val{t: e.Type(), reg: c.delete(e.Args[0].(*lang.MapExpr))}
	}
	// kptr and uptr give the same address; only the type's space changes.
	calls["kptr"] = sameValue
	calls["uptr"] = sameValue
	intos["str"] = lowerStrInto
}

func sameValue(c *compiler, e *lang.Call) val {
	return val{t: e.Type(), reg: c.reg(c.value(e.Args[0]))}
}

func lowerExit(c *compiler, e *lang.Call) val {
	a := &Action{Kind: ActExit, Pos: e.Span}
	if len(e.Args) == 1 {
		a.Args = []Arg{{Type: lang.TypeInt64}}
	}
	c.event(a, e.Args)
	// exit() also ends the probe, as in bpftrace.
	c.b.goTo(c.exit)
	return val{t: e.Type()}
}

func lowerMapAction(kind ActionKind) callLowering {
	return func(c *compiler, e *lang.Call) val {
		c.event(&Action{Kind: kind, Map: e.Args[0].(*lang.MapExpr).Name, Pos: e.Span}, nil)
		return val{t: e.Type()}
	}
}

// callValue lowers a function call used for its value or effect.
func (c *compiler) callValue(e *lang.Call) val {
	if e.Expansion != nil {
		// The checker defined the call as another expression.
		return c.value(e.Expansion)
	}
	if f, ok := calls[e.Name]; ok {
		return f(c, e)
	}
	if _, ok := intos[e.Name]; ok {
		return c.viaMemory(e)
	}
	panic(fmt.Sprintf("codegen: function %s is not supported", e.Name))
}

// callInto writes the result of a call that produces a value in memory
// straight to dst. It reports false for other calls.
func (c *compiler) callInto(e *lang.Call, dst mem, t *lang.Type, exact bool) bool {
	if e.Expansion != nil {
		c.into(e.Expansion, dst, t, exact)
		return true
	}
	f, ok := intos[e.Name]
	if ok {
		f(c, e, dst, t, exact)
	}
	return ok
}

// lowerStrInto reads a string: str(p [, n]).
func lowerStrInto(c *compiler, e *lang.Call, dst mem, t *lang.Type, exact bool) {
	arg := e.Args[0]
	at := arg.Type()
	if at.Kind == lang.KindString {
		if p, ok := arg.(*lang.Positional); ok {
			s := p.Str
			if n := e.Type().Size - 1; len(s) > n {
				s = s[:n]
			}
			c.into(&lang.StrLit{Span: p.Span, Value: s}, dst, t, exact)
			return
		}
		c.into(arg, dst, t, exact)
		return
	}
	size := min(e.Type().Size, t.Size)
	// As in the newest bpftrace, str(p) reads max_strlen+1 bytes (below
	// 1024; max_strlen from 1024 on) and keeps max_strlen: when no NUL is
	// among them, the string was truncated and prints with
	// str_trunc_trailer. str(p, n) reads n bytes (n-1 characters and a
	// NUL) when n is below that; more, and it is str(p). Here the helper
	// reads size bytes, and only when it filled them (it returned size)
	// is the byte after them read too, into the last one: a string that
	// fits costs one jump more. The mark survives only in a string of
	// exactly size bytes (a larger destination gets a NUL after it).
	pad := c.obj.Config.MaxStrlen < 1024 && size == t.Size
	var nv val
	if len(e.Args) == 2 {
		nv = c.value(e.Args[1])
	}
	p := c.reg(c.value(arg))
	if exact {
		c.zero(dst, t.Size)
	}
	fn, fn1 := asm.FnProbeReadKernelStr, asm.FnProbeReadKernel
	if at.Space == lang.AddrUser || (at.Kind == lang.KindInt && c.userArgs()) {
		fn, fn1 = asm.FnProbeReadUserStr, asm.FnProbeReadUser
	}
	whole := func() {
		ret := c.b.call(fn, c.addr(dst), c.b.movImm(int64(size)), p)
		if !pad {
			return
		}
		fits := c.b.newLabel()
		c.b.jumpImm(asm.JNE, ret, int64(size), fits)
		next := c.b.aluImm(asm.Add, c.b.copyReg(p), int64(size-1))
		c.b.call(fn1, c.addr(dst.plus(size-1)), c.b.movImm(1), next)
		c.b.mark(fits)
	}
	switch {
	case len(e.Args) == 1:
		whole()
	case nv.konst:
		// n == 0 reads nothing in bpftrace (leaving its 0xff filler);
		// here it reads an empty string.
		if n := uint64(nv.imm); n <= uint64(size) {
			c.b.call(fn, c.addr(dst), c.b.movImm(int64(max(n, 1))), p)
		} else {
			whole()
		}
	default:
		n := c.b.copyReg(c.reg(nv))
		long, some, done := c.b.newLabel(), c.b.newLabel(), c.b.newLabel()
		c.b.jumpImm(asm.JGT, n, int64(size), long)
		c.b.jumpImm(asm.JNE, n, 0, some)
		c.b.setImm(n, 1)
		c.b.mark(some)
		c.b.call(fn, c.addr(dst), n, p)
		c.b.goTo(done)
		c.b.mark(long)
		whole()
		c.b.mark(done)
	}
	if !exact && size < t.Size {
		c.storeImm(dst.plus(size), 0, asm.Byte)
	}
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
//
// Arguments that run statements (block expressions, expanded macros) may
// send events of their own, which must come first: records reach user
// space in the order they were reserved. Such arguments, and the ones
// before them (evaluation stays left to right), are evaluated before the
// record is reserved; so are those that read an iterator's context, which
// may end the probe (probe_iter.go).
func (c *compiler) event(a *Action, args []lang.Expr) {
	layout(a, args)
	early := 0
	for i, e := range args {
		if runsStatements(e) || c.readsIterCtx(e) {
			early = i + 1
		}
	}
	vals := make([]val, early)
	for i, e := range args[:early] {
		vals[i] = c.evalEarly(e, a.Args[i].Type)
	}
	c.send(a, func(r mem) {
		for i, e := range args {
			dst, t := r.plus(a.Args[i].Offset), a.Args[i].Type
			if i < early {
				c.storeVal(dst, vals[i], t, false)
				continue
			}
			c.into(e, dst, t, false)
		}
	})
}

// runsStatements reports whether evaluating e runs statements.
func runsStatements(e lang.Expr) bool {
	found := false
	lang.Inspect(e, func(n lang.Node) {
		if _, ok := n.(*lang.BlockExpr); ok {
			found = true
		}
	})
	return found
}

// evalEarly evaluates e as type t into a register or a temporary of its
// own, which code evaluated later cannot change.
func (c *compiler) evalEarly(e lang.Expr, t *lang.Type) val {
	if isScalar(t) && isScalar(e.Type()) {
		v := c.value(e)
		if v.konst {
			return v
		}
		return val{t: v.t, reg: c.b.copyReg(c.reg(v))}
	}
	m := c.temp(t.Size)
	c.into(e, m, t, true)
	return val{t: t, inMem: true, m: m}
}

// send adds an action to the object and emits the code that sends its
// event: fill writes the arguments into the reserved record.
func (c *compiler) send(a *Action, fill func(rec mem)) {
	id := len(c.obj.Actions)
	c.obj.Actions = append(c.obj.Actions, a)
	rec := c.b.call(asm.FnRingbufReserve, c.b.mapPtr(EventsMap), c.b.movImm(int64(a.Size)), c.b.movImm(0))
	lost, done := c.b.newLabel(), c.b.newLabel()
	c.b.jumpImm(asm.JEq, rec, 0, lost)
	r := mem{base: rec}
	c.storeImm(r, int64(id), asm.DWord)
	fill(r)
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
	if c.inIterator() {
		c.seqPrintf(e)
		return
	}
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

// delete removes @m[k] and returns 1 when there was an entry. Maps stored
// in arrays cannot lose entries, so deleting from one zeroes it instead;
// delete(@m) of a map without keys clears it.
func (c *compiler) delete(m *lang.MapExpr) vreg {
	mp := c.mapOf(m)
	switch {
	case mp.Layout == LayoutPerCPUArray || mp.Layout == LayoutBucketArray:
		c.event(&Action{Kind: ActZero, Map: m.Name, Pos: m.Span}, nil)
		return c.b.movImm(1)
	case mp.Layout == LayoutBucketHash || mp.Layout == LayoutTSeries || !m.Indexed:
		// The entries of a keyed hist are one per bucket; a map without
		// keys has one entry: user space clears them.
		c.event(&Action{Kind: ActClear, Map: m.Name, Pos: m.Span}, nil)
		return c.b.movImm(1)
	}
	key := c.mapKey(m, mp, 0)
	r := c.b.call(asm.FnMapDeleteElem, c.b.mapPtr(mp.Spec.Name), c.addr(key))
	// The helper returns 0 on success: turn that into true.
	ok := c.b.reg()
	deleted := c.b.newLabel()
	c.b.setImm(ok, 1)
	c.b.jumpImm(asm.JEq, r, 0, deleted)
	c.b.setImm(ok, 0)
	c.b.mark(deleted)
	return ok
}
