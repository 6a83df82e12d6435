package codegen

import (
	"fmt"

	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// value lowers an expression. Scalars come back as a constant or in a
// register; strings, tuples and other aggregates in memory.
func (c *compiler) value(e lang.Expr) val {
	defer c.restore(c.at(e))
	t := e.Type()
	switch e := e.(type) {
	case *lang.IntLit:
		return val{t: t, konst: true, imm: int64(e.Value)}
	case *lang.BoolLit:
		if e.Value {
			return val{t: t, konst: true, imm: 1}
		}
		return val{t: t, konst: true, imm: 0}
	case *lang.Positional:
		if t.Kind == lang.KindString {
			return c.viaMemory(e)
		}
		return val{t: t, konst: true, imm: e.Int}
	case *lang.Var:
		return c.readVar(e.Decl)
	case *lang.Ident:
		return c.builtin(e)
	case *lang.Binary:
		return c.binary(e)
	case *lang.Unary:
		return c.unary(e)
	case *lang.Ternary:
		return c.ternary(e)
	case *lang.Cast:
		return c.castValue(e)
	case *lang.SizeofExpr:
		return val{t: t, konst: true, imm: int64(e.Size)}
	case *lang.OffsetofExpr:
		return val{t: t, konst: true, imm: int64(e.Offset)}
	case *lang.BlockExpr:
		for _, st := range e.Block.Stmts {
			if err := c.stmt(st); err != nil {
				panic(err)
			}
		}
		if e.Value == nil {
			return val{t: t}
		}
		return c.value(e.Value)
	case *lang.IncDec:
		return c.incDec(e)
	case *lang.MapExpr:
		return c.mapRead(e)
	case *lang.Call:
		return c.callValue(e)
	case *lang.FieldExpr:
		return c.field(e)
	case *lang.IndexExpr:
		return c.index(e)
	}
	if !isScalar(t) {
		return c.viaMemory(e)
	}
	panic(fmt.Sprintf("codegen: cannot lower %T", e))
}

// viaMemory evaluates a non-scalar expression into a fresh temporary.
func (c *compiler) viaMemory(e lang.Expr) val {
	t := e.Type()
	m := c.temp(t.Size)
	c.into(e, m, t, false)
	return val{t: t, inMem: true, m: m}
}

// into evaluates e and stores it at dst as type t (t may be wider than
// e's type: strings are padded, integers widened). With exact set, the
// bytes after a string's terminator are zeroed, as map keys need.
func (c *compiler) into(e lang.Expr, dst mem, t *lang.Type, exact bool) {
	defer c.restore(c.at(e))
	et := e.Type()
	switch e := e.(type) {
	case *lang.StrLit:
		data := make([]byte, t.Size)
		copy(data, e.Value)
		if len(e.Value) >= t.Size {
			data[t.Size-1] = 0
		}
		if !exact {
			data = data[:min(len(e.Value)+1, t.Size)]
		}
		c.storeBytes(dst, data)
		return
	case *lang.Positional:
		if et.Kind == lang.KindString {
			data := make([]byte, t.Size)
			copy(data[:t.Size-1], e.Str)
			if !exact {
				data = data[:min(len(e.Str)+1, t.Size)]
			}
			c.storeBytes(dst, data)
			return
		}
	case *lang.Tuple:
		if t.Kind == lang.KindTuple {
			for i, x := range e.Elems {
				c.into(x, dst.plus(t.Fields[i].Offset), t.Fields[i].Type, exact)
			}
			if exact {
				c.zeroPadding(dst, t)
			}
			return
		}
	case *lang.Record:
		// Values are evaluated as written; fields are laid out by name.
		for i, x := range e.Values {
			f, _ := t.FieldByName(e.Names[i])
			c.into(x, dst.plus(f.Offset), f.Type, exact)
		}
		if exact {
			c.zeroPadding(dst, t)
		}
		return
	case *lang.Ident:
		if e.Const && et.Kind == lang.KindString {
			c.into(&lang.StrLit{Span: e.Span, Value: e.Str}, dst, t, exact)
			return
		}
		if e.Name == "comm" && t.Kind == lang.KindString && t.Size >= 16 {
			c.b.call(asm.FnGetCurrentComm, c.addr(dst), c.b.movImm(16))
			if t.Size > 16 {
				c.zero(dst.plus(16), t.Size-16)
			}
			return
		}
	case *lang.Call:
		if c.callInto(e, dst, t, exact) {
			return
		}
	case *lang.FieldExpr:
		if c.fieldInto(e, dst, t, exact) {
			return
		}
	}
	c.storeVal(dst, c.value(e), t, exact)
}

// zeroPadding clears the gaps between a tuple's fields.
func (c *compiler) zeroPadding(dst mem, t *lang.Type) {
	end := 0
	for _, f := range t.Fields {
		if f.Offset > end {
			c.zero(dst.plus(end), f.Offset-end)
		}
		end = f.Offset + f.Type.Size
	}
	if t.Size > end {
		c.zero(dst.plus(end), t.Size-end)
	}
}

// storeVal stores a lowered value at dst as type t.
func (c *compiler) storeVal(dst mem, v val, t *lang.Type, exact bool) {
	switch t.Kind {
	case lang.KindString:
		n := min(v.t.Size, t.Size)
		c.copyMem(dst, v.m, n)
		switch {
		case v.t.Size == t.Size:
			// As it is: a string str() truncated has no NUL, which
			// marks it for str_trunc_trailer (lower_call.go).
		case v.t.Size > t.Size:
			// Truncating: keep the result terminated.
			c.storeImm(dst.plus(t.Size-1), 0, asm.Byte)
		case exact:
			c.zero(dst.plus(n), t.Size-n)
		default:
			c.storeImm(dst.plus(n), 0, asm.Byte)
		}
	case lang.KindTuple:
		for i, f := range t.Fields {
			src := v.t.Fields[i]
			fv := val{t: src.Type, inMem: true, m: v.m.plus(src.Offset)}
			if isScalar(src.Type) {
				fv = val{t: src.Type, reg: c.load(fv.m, sizeOf(src.Type.Size), src.Type.Signed)}
			}
			c.storeVal(dst.plus(f.Offset), fv, f.Type, exact)
		}
		if exact {
			c.zeroPadding(dst, t)
		}
	case lang.KindStruct, lang.KindArray:
		c.copyMem(dst, v.m, min(v.t.Size, t.Size))
	case lang.KindBuffer, lang.KindText:
		// Whole values in memory (call_runtime.go); a buffer may go to
		// a larger one.
		n := min(v.t.Size, t.Size)
		c.copyMem(dst, v.m, n)
		if t.Size > n {
			c.zero(dst.plus(n), t.Size-n)
		}
	default:
		if v.konst {
			c.storeImm(dst, v.imm, sizeOf(t.Size))
			return
		}
		if v.inMem && !isScalar(t) {
			// A user symbol: the address and the pid.
			c.copyMem(dst, v.m, t.Size)
			return
		}
		c.store(dst, c.reg(v), sizeOf(t.Size))
	}
}

// cond lowers a condition to jumps: to tl when true, fl when false.
func (c *compiler) cond(e lang.Expr, tl, fl int) {
	defer c.restore(c.at(e))
	switch e := e.(type) {
	case *lang.Binary:
		switch e.Op {
		case "&&":
			mid := c.b.newLabel()
			c.cond(e.L, mid, fl)
			c.b.mark(mid)
			c.cond(e.R, tl, fl)
			return
		case "||":
			mid := c.b.newLabel()
			c.cond(e.L, tl, mid)
			c.b.mark(mid)
			c.cond(e.R, tl, fl)
			return
		case "==", "!=", "<", "<=", ">", ">=":
			if c.compare(e, tl, fl) {
				return
			}
		}
	case *lang.Unary:
		if e.Op == "!" {
			c.cond(e.X, fl, tl)
			return
		}
	case *lang.BoolLit:
		if e.Value {
			c.b.goTo(tl)
		} else {
			c.b.goTo(fl)
		}
		return
	}
	v := c.value(e)
	if v.konst {
		if v.imm != 0 {
			c.b.goTo(tl)
		} else {
			c.b.goTo(fl)
		}
		return
	}
	c.b.jumpImm(asm.JNE, c.reg(v), 0, tl)
	c.b.goTo(fl)
}

// jumpOps maps comparison operators to (signed, unsigned) jumps.
var jumpOps = map[string][2]asm.JumpOp{
	"==": {asm.JEq, asm.JEq},
	"!=": {asm.JNE, asm.JNE},
	"<":  {asm.JSLT, asm.JLT},
	"<=": {asm.JSLE, asm.JLE},
	">":  {asm.JSGT, asm.JGT},
	">=": {asm.JSGE, asm.JGE},
}

// swapped gives the operator with its operands exchanged.
var swapped = map[string]string{"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

// compare lowers a comparison to a conditional jump. It reports false for
// comparisons it does not handle as jumps.
func (c *compiler) compare(e *lang.Binary, tl, fl int) bool {
	lt, rt := e.L.Type(), e.R.Type()
	if lt.Kind == lang.KindString && rt.Kind == lang.KindString {
		c.compareStrings(e, tl, fl)
		return true
	}
	if lt.Kind == lang.KindTuple || lt.Kind == lang.KindBuffer || lt.Kind == lang.KindSymbol && lt.Size > 8 {
		c.compareMemory(e, tl, fl)
		return true
	}
	signed := compareSigned(lt, rt)
	l, r := c.value(e.L), c.value(e.R)
	op := e.Op
	if l.konst && !r.konst {
		l, r, op = r, l, swapped[op]
	}
	pick := 1
	if signed {
		pick = 0
	}
	jop := jumpOps[op][pick]
	if r.konst && r.imm >= -1<<31 && r.imm < 1<<31 {
		c.b.jumpImm(jop, c.reg(l), r.imm, tl)
	} else {
		c.b.jump(jop, c.reg(l), c.reg(r), tl)
	}
	c.b.goTo(fl)
	return true
}

// compareSigned decides whether a comparison is signed: when both sides
// are signed, as in bpftrace (a literal takes the other side's sign).
func compareSigned(a, b *lang.Type) bool {
	if a.Kind != lang.KindInt || b.Kind != lang.KindInt {
		return false
	}
	switch {
	case a.Literal && !b.Literal:
		return b.Signed
	case b.Literal && !a.Literal:
		return a.Signed
	}
	return a.Signed && b.Signed
}

// compareStrings compares two strings up to and including the first NUL.
// Against a literal, only the literal's bytes are compared.
func (c *compiler) compareStrings(e *lang.Binary, tl, fl int) {
	eq, ne := tl, fl
	if e.Op == "!=" {
		eq, ne = fl, tl
	}
	l, r := e.L, e.R
	if _, ok := l.(*lang.StrLit); ok {
		l, r = r, l
	}
	if lit, ok := r.(*lang.StrLit); ok {
		lv := c.value(l)
		data := append([]byte(lit.Value), 0)
		if len(data) > lv.t.Size {
			// A literal longer than the other side can only be unequal,
			// unless the other side fills its whole buffer.
			data = data[:lv.t.Size]
		}
		for off := 0; off < len(data); {
			size, n := chunk(alignOf(lv.m)+off, len(data)-off)
			var want int64
			for i := n - 1; i >= 0; i-- {
				want = want<<8 | int64(data[off+i])
			}
			got := c.load(lv.m.plus(off), size, false)
			if size == asm.DWord && (want < -1<<31 || want >= 1<<31) {
				c.b.jump(asm.JNE, got, c.b.movImm(want), ne)
			} else {
				if size == asm.Word {
					want = int64(uint32(want))
				}
				c.b.jumpImm(asm.JNE, got, want, ne)
			}
			off += n
		}
		c.b.goTo(eq)
		return
	}
	// Two runtime strings: compare byte by byte until a difference or the
	// terminator.
	lv, rv := c.value(l), c.value(r)
	n := min(lv.t.Size, rv.t.Size)
	for i := 0; i < n; i++ {
		a := c.load(lv.m.plus(i), asm.Byte, false)
		b := c.load(rv.m.plus(i), asm.Byte, false)
		c.b.jump(asm.JNE, a, b, ne)
		c.b.jumpImm(asm.JEq, a, 0, eq)
	}
	if lv.t.Size != rv.t.Size {
		// The shorter buffer ended without a terminator: the longer one
		// must end here too.
		longer := lv
		if rv.t.Size > lv.t.Size {
			longer = rv
		}
		c.b.jumpImm(asm.JNE, c.load(longer.m.plus(n), asm.Byte, false), 0, ne)
	}
	c.b.goTo(eq)
}

// compareMemory compares two values of the same layout byte for byte.
func (c *compiler) compareMemory(e *lang.Binary, tl, fl int) {
	eq, ne := tl, fl
	if e.Op == "!=" {
		eq, ne = fl, tl
	}
	t, _ := unifyTuple(e.L.Type(), e.R.Type())
	if lt, rt := e.L.Type(), e.R.Type(); lt.Kind == lang.KindBuffer {
		// The larger buffer type: the smaller one's bytes are padded
		// with zeros, and the lengths differ when the contents do.
		t = lt
		if rt.Size > t.Size {
			t = rt
		}
	} else if lt.Kind == lang.KindSymbol {
		// A user symbol: its address and pid.
		t = lt
	}
	lm, rm := c.temp(t.Size), c.temp(t.Size)
	c.into(e.L, lm, t, true)
	c.into(e.R, rm, t, true)
	for off := 0; off < t.Size; {
		// Both temporaries start 8-byte aligned; a tuple's size need
		// not be a multiple of 8.
		size, w := chunk(off, t.Size-off)
		c.b.jump(asm.JNE, c.load(lm.plus(off), size, false), c.load(rm.plus(off), size, false), ne)
		off += w
	}
	c.b.goTo(eq)
}

func unifyTuple(a, b *lang.Type) (*lang.Type, bool) {
	if len(a.Fields) != len(b.Fields) {
		return a, false
	}
	var elems []*lang.Type
	for i := range a.Fields {
		x, y := a.Fields[i].Type, b.Fields[i].Type
		switch {
		case x.Kind == lang.KindInt:
			elems = append(elems, lang.IntType(64, x.Signed))
		case x.Kind == lang.KindString && y.Size > x.Size:
			elems = append(elems, y)
		case x.Kind == lang.KindTuple:
			u, _ := unifyTuple(x, y)
			elems = append(elems, u)
		default:
			elems = append(elems, x)
		}
	}
	return lang.TupleType(elems), true
}

// boolValue materialises a condition as 0 or 1.
func (c *compiler) boolValue(e lang.Expr) val {
	tl, fl := c.b.newLabel(), c.b.newLabel()
	c.cond(e, tl, fl)
	return val{t: e.Type(), reg: c.flag(tl, fl)}
}

// flag materialises a branch as 1 (code that jumps to yes) or 0 (code
// that jumps to no, or falls through to here).
func (c *compiler) flag(yes, no int) vreg {
	r := c.b.reg()
	done := c.b.newLabel()
	c.b.mark(no)
	c.b.setImm(r, 0)
	c.b.goTo(done)
	c.b.mark(yes)
	c.b.setImm(r, 1)
	c.b.mark(done)
	return r
}

var aluOps = map[string]asm.ALUOp{
	"+": asm.Add, "-": asm.Sub, "*": asm.Mul, "&": asm.And, "|": asm.Or, "^": asm.Xor, "<<": asm.LSh,
}

func (c *compiler) binary(e *lang.Binary) val {
	switch e.Op {
	case "&&", "||", "==", "!=", "<", "<=", ">", ">=":
		return c.boolValue(e)
	}
	l, r := c.value(e.L), c.value(e.R)
	if l.t.Kind == lang.KindPointer || r.t.Kind == lang.KindPointer {
		return c.pointerArith(e, l, r)
	}
	return c.arith(e.Op, l, r, e.Type())
}

// arith lowers an arithmetic or bitwise operation with result type t.
func (c *compiler) arith(opName string, l, r val, t *lang.Type) val {
	if l.konst && r.konst {
		if v, ok := lang.FoldBinary(opName, l.imm, r.imm, t.Signed); ok {
			return val{t: t, konst: true, imm: v}
		}
	}
	if (opName == "/" || opName == "%") && !r.konst {
		return c.checkedDivMod(opName, l, r, t)
	}
	return c.aluOp(opName, l, r, t)
}

// aluOp emits an arithmetic or bitwise operation.
func (c *compiler) aluOp(opName string, l, r val, t *lang.Type) val {
	signed := t.Signed
	var op asm.ALUOp
	switch opName {
	case "/":
		op = asm.Div
		if signed {
			return c.signedDivMod(l, r, t, true)
		}
	case "%":
		op = asm.Mod
		if signed {
			return c.signedDivMod(l, r, t, false)
		}
	case ">>":
		op = asm.RSh
		if l.t.Signed {
			op = asm.ArSh
		}
	default:
		op = aluOps[opName]
	}
	var res vreg
	if r.konst && r.imm >= -1<<31 && r.imm < 1<<31 {
		res = c.b.aluImm(op, c.reg(l), r.imm)
	} else {
		res = c.b.alu(op, c.reg(l), c.reg(r))
	}
	return val{t: t, reg: c.normalize(res, t)}
}

// DivideByZero is the newest bpftrace's warning when a program divides by
// zero at run time.
const DivideByZero = "Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result."

// checkedDivMod divides by a value known only at run time. As in the
// newest bpftrace, a zero divisor gives 1 and a runtime warning that
// points at the operation (BPF's own x/0 is 0 and x%0 is x, silently).
func (c *compiler) checkedDivMod(op string, l, r val, t *lang.Type) val {
	pos := c.b.pos
	div := val{t: r.t, reg: c.reg(r)}
	res := c.b.reg()
	zero, done := c.b.newLabel(), c.b.newLabel()
	c.b.jumpImm(asm.JEq, div.reg, 0, zero)
	c.b.mov(res, c.reg(c.aluOp(op, l, div, t)))
	c.b.goTo(done)
	c.b.mark(zero)
	c.b.setImm(res, 1)
	c.send(&Action{Kind: ActRuntimeError, Text: DivideByZero, Pos: pos, Size: EventHeader}, func(mem) {})
	c.b.mark(done)
	return val{t: t, reg: res}
}

// signedDivMod divides signed integers: with the v4 instructions where the
// kernel has them, otherwise on absolute values with the sign fixed up.
func (c *compiler) signedDivMod(l, r val, t *lang.Type, div bool) val {
	if c.opts.CPUv4 {
		op := asm.SDiv
		if !div {
			op = asm.SMod
		}
		var res vreg
		if r.konst && r.imm >= -1<<31 && r.imm < 1<<31 {
			res = c.b.aluImm(op, c.reg(l), r.imm)
		} else {
			res = c.b.alu(op, c.reg(l), c.reg(r))
		}
		return val{t: t, reg: c.normalize(res, t)}
	}
	a, b := c.b.copyReg(c.reg(l)), c.b.copyReg(c.reg(r))
	neg := c.b.movImm(0)
	abs := func(x vreg, flip bool) {
		pos := c.b.newLabel()
		c.b.jumpImm(asm.JSGE, x, 0, pos)
		c.b.emit(inst{op: opNeg, dst: x, a: x})
		if flip {
			c.b.aluImmInto(neg, asm.Xor, neg, 1)
		}
		c.b.mark(pos)
	}
	abs(a, true)
	abs(b, div)
	op := asm.Div
	if !div {
		op = asm.Mod
	}
	res := c.b.alu(op, a, b)
	done := c.b.newLabel()
	c.b.jumpImm(asm.JEq, neg, 0, done)
	c.b.emit(inst{op: opNeg, dst: res, a: res})
	c.b.mark(done)
	return val{t: t, reg: c.normalize(res, t)}
}

func (c *compiler) pointerArith(e *lang.Binary, l, r val) val {
	p, n := l, r
	if r.t.Kind == lang.KindPointer {
		p, n = r, l
	}
	scale := int64(1)
	if p.t.Elem != nil && p.t.Elem.Size > 0 {
		scale = int64(p.t.Elem.Size)
	}
	off := c.reg(n)
	if scale != 1 {
		off = c.b.aluImm(asm.Mul, off, scale)
	}
	op := asm.Add
	if e.Op == "-" {
		op = asm.Sub
	}
	return val{t: e.Type(), reg: c.b.alu(op, c.reg(p), off)}
}

func (c *compiler) unary(e *lang.Unary) val {
	t := e.Type()
	switch e.Op {
	case "!":
		return c.boolValue(e)
	case "-":
		x := c.value(e.X)
		if x.konst {
			return val{t: t, konst: true, imm: -x.imm}
		}
		r := c.b.reg()
		c.b.emit(inst{op: opNeg, dst: r, a: c.reg(x)})
		return val{t: t, reg: c.normalize(r, t)}
	case "~":
		x := c.value(e.X)
		if x.konst {
			return val{t: t, konst: true, imm: ^x.imm}
		}
		return val{t: t, reg: c.normalize(c.b.aluImm(asm.Xor, c.reg(x), -1), t)}
	case "*":
		m := c.locate(e)
		if !isScalar(t) {
			return val{t: t, inMem: true, m: m}
		}
		return val{t: t, reg: c.readScalar(m, t, nil)}
	case "&":
		// &$x: the variable lives in memory (allocVars); &@m: the map.
		switch x := e.X.(type) {
		case *lang.Var:
			return val{t: t, reg: c.b.copyReg(c.addr(c.vars[x.Decl].mem))}
		case *lang.MapExpr:
			return val{t: t, reg: c.b.mapPtr(c.mapOf(x).Spec.Name)}
		}
	}
	panic("codegen: unary " + e.Op)
}

func (c *compiler) ternary(e *lang.Ternary) val {
	if e.Chosen != nil {
		return c.value(e.Chosen)
	}
	t := e.Type()
	tl, fl, done := c.b.newLabel(), c.b.newLabel(), c.b.newLabel()
	if t.Kind == lang.KindNone {
		c.cond(e.Cond, tl, fl)
		c.b.mark(tl)
		c.value(e.Then)
		c.b.goTo(done)
		c.b.mark(fl)
		c.value(e.Else)
		c.b.mark(done)
		return val{t: t}
	}
	if isScalar(t) {
		r := c.b.reg()
		c.cond(e.Cond, tl, fl)
		c.b.mark(tl)
		c.b.mov(r, c.reg(c.value(e.Then)))
		c.b.goTo(done)
		c.b.mark(fl)
		c.b.mov(r, c.reg(c.value(e.Else)))
		c.b.mark(done)
		return val{t: t, reg: r}
	}
	m := c.temp(t.Size)
	c.cond(e.Cond, tl, fl)
	c.b.mark(tl)
	c.into(e.Then, m, t, false)
	c.b.goTo(done)
	c.b.mark(fl)
	c.into(e.Else, m, t, false)
	c.b.mark(done)
	return val{t: t, inMem: true, m: m}
}

func (c *compiler) castValue(e *lang.Cast) val {
	t := e.Type()
	if xt := e.X.Type(); t.Kind == lang.KindArray || xt.Kind == lang.KindArray {
		// Integers, strings and integer arrays reinterpret each other's
		// bytes.
		x := c.inBPF(e.X)
		if t.Kind == lang.KindArray {
			return val{t: t, inMem: true, m: x.m}
		}
		return val{t: t, reg: c.load(x.m, sizeOf(t.Size), t.Signed)}
	}
	x := c.value(e.X)
	if x.konst {
		v := x.imm
		if t.Kind == lang.KindInt && t.Bits < 64 {
			v &= int64(1)<<t.Bits - 1
			if t.Signed && v>>(t.Bits-1) != 0 {
				v -= int64(1) << t.Bits
			}
		}
		if t.Kind == lang.KindBool && v != 0 {
			v = 1
		}
		return val{t: t, konst: true, imm: v}
	}
	r := c.reg(x)
	switch t.Kind {
	case lang.KindInt:
		return val{t: t, reg: c.normalize(r, t)}
	case lang.KindBool:
		return c.boolValue(e.X)
	}
	return val{t: t, reg: r}
}

// incDec lowers ++ and -- on variables and maps.
func (c *compiler) incDec(e *lang.IncDec) val {
	delta := int64(1)
	if e.Op == "--" {
		delta = -1
	}
	switch x := e.X.(type) {
	case *lang.Var:
		t := x.Decl.Type
		step := delta * pointerStep(t)
		old := c.b.copyReg(c.reg(c.readVar(x.Decl)))
		updated := c.normalize(c.b.aluImm(asm.Add, old, step), t)
		c.writeScalar(x.Decl, val{t: t, reg: updated})
		if e.Prefix {
			return val{t: t, reg: updated}
		}
		return val{t: t, reg: old}
	case *lang.MapExpr:
		return c.mapIncDec(x, delta, e.Prefix)
	}
	panic("codegen: ++ on " + fmt.Sprintf("%T", e.X))
}

func (c *compiler) field(e *lang.FieldExpr) val {
	t := e.Type()
	m := c.locate(e)
	if !isScalar(t) {
		return val{t: t, inMem: true, m: m}
	}
	r := c.readScalar(m, t, e.Bitfield)
	if m.space == lang.AddrCtx && c.inIterator() {
		c.iterField(r)
	}
	return val{t: t, reg: r}
}

// locate returns where the value of a field, element or dereference
// lives, without reading it.
func (c *compiler) locate(e lang.Expr) mem {
	switch e := e.(type) {
	case *lang.FieldExpr:
		return c.base(e.X).plus(e.Offset)
	case *lang.IndexExpr:
		base := c.base(e.X)
		size := e.Type().Size
		iv := c.value(e.Index)
		if iv.konst {
			return base.plus(int(iv.imm) * size)
		}
		scaled := func(idx vreg) vreg {
			if size == 1 {
				return idx
			}
			return c.b.aluImm(asm.Mul, c.b.copyReg(idx), int64(size))
		}
		idx := c.b.copyReg(c.reg(iv))
		if base.foreign() || base.space == lang.AddrCtx {
			return mem{base: c.b.alu(asm.Add, c.b.copyReg(c.addr(base)), scaled(idx)), space: base.space}
		}
		// In BPF memory the verifier wants the offset bounded: an index
		// past the end (or negative) reads zeros instead.
		xt := e.X.Type()
		n := xt.Len
		if xt.Kind == lang.KindString {
			n = xt.Size
		}
		zeros := c.temp(max(size, 8))
		c.zero(zeros, max(size, 8))
		p := c.b.copyReg(c.addr(zeros))
		out := c.b.newLabel()
		c.b.jumpImm(asm.JGE, idx, int64(n), out)
		c.b.mov(p, c.b.alu(asm.Add, c.b.copyReg(c.addr(base)), scaled(idx)))
		c.b.mark(out)
		return mem{base: p, space: base.space}
	case *lang.Unary:
		if e.Op == "*" {
			return mem{base: c.reg(c.value(e.X)), space: e.X.Type().Space}
		}
	}
	v := c.value(e)
	if !v.inMem {
		panic(fmt.Sprintf("codegen: %T has no location", e))
	}
	return v.m
}

// base returns the location a field access or index starts from: the
// target of a pointer, or where a struct, array or tuple value lives.
func (c *compiler) base(x lang.Expr) mem {
	t := x.Type()
	if t.Kind == lang.KindPointer {
		return mem{base: c.reg(c.value(x)), space: t.Space}
	}
	switch x.(type) {
	case *lang.FieldExpr, *lang.IndexExpr, *lang.Unary:
		if x.Type().Kind != lang.KindTuple {
			return c.locate(x)
		}
	}
	return c.value(x).m
}

// readScalar reads a scalar (or a bitfield) at m.
func (c *compiler) readScalar(m mem, t *lang.Type, bf *lang.Bitfield) vreg {
	if bf == nil {
		return c.load(m, sizeOf(t.Size), t.Signed)
	}
	r := c.load(m, sizeOf(bf.LoadSize), false)
	if bf.Shift > 0 {
		r = c.b.aluImm(asm.RSh, r, int64(bf.Shift))
	}
	if bf.Bits < 64 {
		if t.Signed {
			r = c.b.aluImm(asm.LSh, r, int64(64-bf.Bits))
			return c.b.aluImm(asm.ArSh, r, int64(64-bf.Bits))
		}
		if bf.Bits < 32 {
			return c.b.aluImm(asm.And, r, int64(1)<<bf.Bits-1)
		}
		r = c.b.aluImm(asm.LSh, r, int64(64-bf.Bits))
		return c.b.aluImm(asm.RSh, r, int64(64-bf.Bits))
	}
	return r
}

// fieldInto reads a string field straight into dst: a tracepoint's
// __data_loc string, or a char array in kernel, user or context memory.
func (c *compiler) fieldInto(e *lang.FieldExpr, dst mem, t *lang.Type, exact bool) bool {
	ft := e.Type()
	if ft.Kind != lang.KindString || e.X.Type().Kind == lang.KindTuple {
		return false
	}
	src := c.locate(e)
	n := min(t.Size, ft.Size)
	if exact {
		c.zero(dst, t.Size)
	}
	if ft.DataLoc {
		// The field holds the string's offset in the record (low 16
		// bits) and its length (high 16 bits).
		loc := c.b.aluImm(asm.And, c.load(src, asm.Word, false), 0xffff)
		str := mem{base: c.b.alu(asm.Add, c.b.copyReg(src.base), loc), space: lang.AddrKernel}
		c.probeRead(dst, str, n, true)
		return true
	}
	if src.space == lang.AddrCtx {
		src.space = lang.AddrKernel
	}
	if !src.foreign() {
		return false
	}
	c.probeRead(dst, src, n, exact)
	if n == t.Size {
		c.storeImm(dst.plus(n-1), 0, asm.Byte)
	} else if !exact {
		c.storeImm(dst.plus(n), 0, asm.Byte)
	}
	return true
}

func (c *compiler) index(e *lang.IndexExpr) val {
	t := e.Type()
	xt := e.X.Type()
	if xt.Kind == lang.KindTuple {
		x := c.value(e.X)
		f := xt.Fields[c.value(e.Index).imm]
		m := x.m.plus(f.Offset)
		if isScalar(t) {
			return val{t: t, reg: c.load(m, sizeOf(t.Size), t.Signed)}
		}
		return val{t: t, inMem: true, m: m}
	}
	m := c.locate(e)
	if isScalar(t) {
		return val{t: t, reg: c.readScalar(m, t, nil)}
	}
	return val{t: t, inMem: true, m: m}
}
