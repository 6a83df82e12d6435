package lang

import (
	"math"
	"strconv"
	"strings"
)

// expr types an expression and records the type on it. It returns nil
// when the type is unknown (an error was reported, or, before the final
// pass, a map is not typed yet).
func (c *checker) expr(e Expr) *Type {
	t := c.exprType(e)
	e.setType(t)
	return t
}

func (c *checker) exprType(e Expr) *Type {
	switch e := e.(type) {
	case *IntLit:
		if e.Text != "" && e.Text[0] == '-' {
			return &Type{Kind: KindInt, Bits: 64, Signed: true, Size: 8, Literal: true}
		}
		return &Type{Kind: KindInt, Bits: 64, Signed: e.Value <= math.MaxInt64, Size: 8, Literal: true}
	case *StrLit:
		return StringType(len(e.Value) + 1)
	case *BoolLit:
		return TypeBool
	case *Positional:
		return c.positional(e, false)
	case *Var:
		d := c.varDecl(e)
		if d == nil {
			return nil
		}
		return d.Type
	case *Ident:
		return c.ident(e)
	case *MapExpr:
		return c.mapRead(e)
	case *Call:
		return c.call(e)
	case *Binary:
		return c.binary(e)
	case *Unary:
		return c.unary(e)
	case *IncDec:
		return c.incDec(e)
	case *Ternary:
		return c.ternary(e)
	case *Tuple:
		var elems []*Type
		for _, x := range e.Elems {
			t := c.expr(x)
			if t == nil {
				return nil
			}
			if t.Kind == KindNone || t.Kind == KindAgg {
				c.errorf(x, "Invalid tuple element type: %s", t)
				return nil
			}
			if t.Kind != KindPointer {
				// The tuple holds a copy.
				t = t.WithSpace(AddrNone)
			}
			elems = append(elems, t)
		}
		return TupleType(elems)
	case *Record:
		var elems []*Type
		for _, x := range e.Values {
			t := c.expr(x)
			if t == nil {
				return nil
			}
			if t.Kind == KindNone || t.Kind == KindAgg {
				c.errorf(x, "Invalid record field type: %s", t)
				return nil
			}
			if t.Kind != KindPointer {
				t = t.WithSpace(AddrNone)
			}
			elems = append(elems, t)
		}
		return RecordType(e.Names, elems)
	case *FieldExpr:
		return c.field(e)
	case *IndexExpr:
		return c.index(e)
	case *Cast:
		return c.cast(e)
	case *TypeofExpr:
		c.errorf(e, "typeof() gives a type: use it where a type goes, or as a macro's argument")
		return nil
	case *SizeofExpr:
		return c.sizeof(e)
	case *OffsetofExpr:
		return c.offsetof(e)
	case *BlockExpr:
		c.push()
		ends := c.stmts(e.Block.Stmts)
		t := TypeNone
		if e.Value != nil {
			t = c.expr(e.Value)
			if ends {
				c.warnf(e.Value, "Unreachable expression; block type is implicitly none.")
			}
		}
		c.pop()
		return t
	}
	c.errorf(e, "unsupported expression")
	return nil
}

// positional resolves $N and $# to constants. asString is set where the
// parameter is used as a string (str($1)).
func (c *checker) positional(p *Positional, asString bool) *Type {
	if p.Count {
		p.Int = int64(len(c.opts.Params))
		return TypeInt64
	}
	var v string
	if p.N <= len(c.opts.Params) {
		v = c.opts.Params[p.N-1]
	}
	if asString {
		p.Str = v[min(p.skip, len(v)):]
		return StringType(len(p.Str) + 1)
	}
	if v == "" {
		p.Int = 0
		return TypeInt64
	}
	n, err := strconv.ParseInt(v, 0, 64)
	if u, uerr := strconv.ParseUint(v, 0, 64); err != nil && uerr == nil {
		// Above 2^63-1 (0xffffffffffffffff): unsigned, as in the newest
		// bpftrace.
		p.Int = int64(u)
		return TypeUint64
	}
	if err != nil {
		c.errorf(p, "$%d used numerically but given \"%s\". Try using str($%d).", p.N, v, p.N)
		return nil
	}
	p.Int = n
	return TypeInt64
}

func (c *checker) mapRead(m *MapExpr) *Type {
	info := c.mapKeys(m)
	if info.Value == nil {
		return nil
	}
	if info.Value.Kind == KindAgg {
		switch info.Value.Agg {
		case AggCount, AggSum, AggMin, AggMax, AggAvg:
			// Reading an aggregation gives its value over every CPU.
			return IntType(64, info.Value.AggSigned)
		}
		c.errorf(m, "The map %s of type %s cannot be read", m.Name, info.Value)
		return nil
	}
	return info.Value
}

func (c *checker) requireCond(e Expr, t *Type) {
	if t == nil {
		return
	}
	switch t.Kind {
	case KindInt, KindBool, KindPointer:
		return
	}
	c.errorf(e, "Invalid condition of type %s", t)
}

func (c *checker) requireInt(e Expr, t *Type, op string) bool {
	if t == nil {
		return false
	}
	if t.Kind != KindInt && t.Kind != KindBool {
		c.errorf(e, "The %s operator can not be used on expressions of type %s", op, t)
		return false
	}
	return true
}

// intResult is the type of an arithmetic result: the wider operand's
// width; signed when both are signed, or when the other side is a
// non-negative literal, the other side's sign.
func intResult(op string, a, b *Type) *Type {
	bits := a.Bits
	if b.Bits > bits {
		bits = b.Bits
	}
	if a.Literal && b.Literal {
		return &Type{Kind: KindInt, Bits: 64, Signed: a.Signed || b.Signed || op == "-", Size: 8, Literal: true}
	}
	var signed bool
	switch {
	case a.Literal && a.Signed && !b.Signed:
		signed = false
	case b.Literal && b.Signed && !a.Signed:
		signed = false
	default:
		signed = a.Signed || b.Signed
	}
	if op == "-" {
		signed = true
	}
	return IntType(bits, signed)
}

// intOf treats bool as an unsigned byte in arithmetic.
func intOf(t *Type) *Type {
	if t.Kind == KindBool {
		return IntType(8, false)
	}
	return t
}

func (c *checker) binary(e *Binary) *Type {
	lt, rt := c.expr(e.L), c.expr(e.R)
	if lt == nil || rt == nil {
		return nil
	}
	switch e.Op {
	case "&&", "||":
		c.requireCond(e.L, lt)
		c.requireCond(e.R, rt)
		return TypeBool
	case "==", "!=", "<", "<=", ">", ">=":
		return c.comparison(e, lt, rt)
	}
	if lt.Kind == KindPointer && rt.IsInt() && (e.Op == "+" || e.Op == "-") {
		return lt
	}
	if rt.Kind == KindPointer && lt.IsInt() && e.Op == "+" {
		return rt
	}
	isNum := func(t *Type) bool { return t.Kind == KindInt || t.Kind == KindBool }
	if !isNum(lt) || !isNum(rt) {
		c.errorf(e, "Type mismatch for '%s': comparing '%s' with '%s'", e.Op, lt, rt)
		return nil
	}
	if (e.Op == "/" || e.Op == "%") && isZeroLit(e.R) {
		c.errorf(e.R, "Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result.")
		return nil
	}
	return intResult(e.Op, intOf(lt), intOf(rt))
}

func isZeroLit(e Expr) bool {
	l, ok := e.(*IntLit)
	return ok && l.Value == 0
}

func (c *checker) comparison(e *Binary, lt, rt *Type) *Type {
	switch {
	case lt.Kind == KindString && rt.Kind == KindString:
		if e.Op != "==" && e.Op != "!=" {
			c.errorf(e, "The %s operator can not be used to compare strings", e.Op)
			return nil
		}
	case (lt.Kind == KindInt || lt.Kind == KindBool || lt.Kind == KindPointer) &&
		(rt.Kind == KindInt || rt.Kind == KindBool || rt.Kind == KindPointer):
	case lt.Kind == KindBuffer && rt.Kind == KindBuffer && (e.Op == "==" || e.Op == "!="):
		// Buffers are equal when their lengths and bytes are (newest
		// bpftrace).
	case (lt.Kind == KindProbe || lt.Kind == KindSymbol) && lt.Equal(rt) && (e.Op == "==" || e.Op == "!="):
		// probe == probe(), func == __builtin_func: the same probe,
		// the same address (and pid, for user symbols).
	case lt.Kind == KindTuple && rt.Kind == KindTuple && (e.Op == "==" || e.Op == "!="):
		if _, ok := unify(StorageType(lt), StorageType(rt)); !ok {
			c.errorf(e, "Type mismatch for '%s' comparing %s and %s", e.Op, lt, rt)
			return nil
		}
	default:
		c.errorf(e, "Type mismatch for '%s': comparing %s with %s", e.Op, lt, rt)
		return nil
	}
	return TypeBool
}

func (c *checker) unary(e *Unary) *Type {
	if e.Op == "&" {
		return c.addressOf(e)
	}
	t := c.expr(e.X)
	if t == nil {
		return nil
	}
	switch e.Op {
	case "!":
		c.requireCond(e.X, t)
		return TypeBool
	case "-":
		if !c.requireInt(e.X, t, e.Op) {
			return nil
		}
		t = intOf(t)
		return &Type{Kind: KindInt, Bits: t.Bits, Signed: true, Size: t.Size, Literal: t.Literal}
	case "~":
		if !c.requireInt(e.X, t, e.Op) {
			return nil
		}
		t = intOf(t)
		return &Type{Kind: KindInt, Bits: t.Bits, Signed: t.Signed, Size: t.Size}
	case "*":
		if t.Kind != KindPointer {
			c.errorf(e, "Can not dereference type %s: it is not a pointer", t)
			return nil
		}
		return t.Elem.WithSpace(t.Space)
	}
	c.errorf(e, "The %s operator is not supported yet", e.Op)
	return nil
}

// addressOf types `&$x` and `&@m`, as the newest bpftrace has them: a
// kernel pointer to the variable's storage, or to the map itself (typed,
// as bpftrace types it, as a pointer to the map's value).
func (c *checker) addressOf(e *Unary) *Type {
	switch x := e.X.(type) {
	case *Var:
		d := c.varDecl(x)
		if d == nil {
			return nil
		}
		if d.Type == nil {
			c.errorf(e, "No type available for variable %s", x.Name)
			return nil
		}
		d.AddrTaken = true
		x.setType(d.Type)
		return PointerTo(d.Type.WithSpace(AddrNone), AddrKernel)
	case *MapExpr:
		if x.Indexed {
			break
		}
		info := c.mapRef(x)
		if info.Value == nil {
			c.errorf(x, "Undefined map: %s", x.Name)
			return nil
		}
		x.setType(info.Value)
		return PointerTo(info.Value, AddrKernel)
	}
	c.errorf(e, "address-of operator (&) can only be used on a map or variable")
	return nil
}

// varDecl resolves a variable reference to its declaration in scope, or
// reports it undefined.
func (c *checker) varDecl(x *Var) *VarDecl {
	d := c.scope.lookup(x.Name)
	if d == nil {
		c.errorf(x, "Undefined or undeclared variable: %s", x.Name)
		return nil
	}
	x.Decl = d
	return d
}

func (c *checker) incDec(e *IncDec) *Type {
	switch x := e.X.(type) {
	case *Var:
		d := c.varDecl(x)
		if d == nil {
			return nil
		}
		x.setType(d.Type)
		if d.Type != nil && !d.Type.IsInt() && d.Type.Kind != KindPointer {
			c.errorf(e, "The %s operator can not be used on a variable of type %s", e.Op, d.Type)
			return nil
		}
		return d.Type
	case *MapExpr:
		info := c.mapKeys(x)
		if info.Value != nil && info.Value.Kind == KindPointer {
			// ++ and -- move a pointer by what it points to.
			x.setType(info.Value)
			return info.Value
		}
		c.setMapValue(x, info, TypeInt64, e)
		x.setType(info.Value)
		if info.Value != nil && !info.Value.IsInt() {
			c.errorf(e, "The %s operator can not be used on a map of type %s", e.Op, info.Value)
			return nil
		}
		return info.Value
	}
	c.expr(e.X)
	c.errorf(e, "The %s operator can only be used on maps and scratch variables", e.Op)
	return nil
}

func (c *checker) ternary(e *Ternary) *Type {
	if call, ok := e.Cond.(*Call); ok && call.Name == "comptime" {
		return c.comptimeTernary(e, call)
	}
	ct := c.expr(e.Cond)
	c.requireCond(e.Cond, ct)
	a, b := c.expr(e.Then), c.expr(e.Else)
	if a == nil || b == nil {
		return nil
	}
	if a.Kind == KindNone && b.Kind == KindNone {
		return TypeNone
	}
	if a.IsInt() && b.IsInt() {
		if a.Enum != nil && sameEnum(a.Enum, b.Enum) {
			return withEnum(intResult("?", a, b), a.Enum)
		}
		return intResult("?", a, b)
	}
	u, ok := unify(StorageType(a), StorageType(b))
	if !ok {
		c.errorf(e, "Ternary operator must return the same type: have '%s' and '%s'", a, b)
		return nil
	}
	return u
}

func (c *checker) field(e *FieldExpr) *Type {
	t := c.expr(e.X)
	if t == nil {
		return nil
	}
	if t.Kind == KindTuple {
		if f, ok := t.FieldByName(e.Name); ok && e.Name != "" {
			e.Offset = f.Offset
			return f.Type
		}
		i, err := strconv.Atoi(e.Name)
		if err != nil {
			c.errorf(e, "Can not access field '%s' on %s", e.Name, t)
			return nil
		}
		if i < 0 || i >= len(t.Fields) {
			c.errorf(e, "Invalid tuple index: %d. Found %d elements in tuple.", i, len(t.Fields))
			return nil
		}
		e.Offset = t.Fields[i].Offset
		return t.Fields[i].Type
	}
	st := t
	if t.Kind == KindPointer {
		st = t.Elem.WithSpace(t.Space)
	}
	if st == nil || st.Kind != KindStruct {
		c.errorf(e, "Can not access field '%s' on expression of type '%s'", e.Name, t)
		return nil
	}
	var f Field
	var ok bool
	if c.isUprobeArgs(st) {
		f, ok = c.uprobeParam(st, e)
	} else {
		f, ok = c.member(st, e.Name, e)
	}
	if !ok {
		return nil
	}
	e.Offset, e.Bitfield = f.Offset, f.Bitfield
	return f.Type
}

func (c *checker) index(e *IndexExpr) *Type {
	t := c.expr(e.X)
	c.expr(e.Index)
	if t == nil {
		return nil
	}
	switch t.Kind {
	case KindTuple:
		i, ok := c.constInt(e.Index)
		if !ok {
			c.errorf(e.Index, "Tuple index must be a constant")
			return nil
		}
		if i < 0 || int(i) >= len(t.Fields) {
			c.errorf(e, "Invalid tuple index: %d. Found %d elements in tuple.", i, len(t.Fields))
			return nil
		}
		return t.Fields[i].Type
	case KindArray, KindString:
		// A string indexes as its array of chars (int8), as in the
		// newest bpftrace.
		n, elem := t.Len, t.Elem
		if t.Kind == KindString {
			n, elem = t.Size, IntType(8, true)
		}
		if i, ok := c.constInt(e.Index); ok && (i < 0 || int(i) >= n) {
			c.errorf(e.Index, "the index %d is out of bounds for array of size %d", i, n)
			return nil
		}
		if it := e.Index.Type(); it != nil && !it.IsInt() {
			c.errorf(e.Index, "The array index must be an integer, not %s", it)
			return nil
		}
		return elem.WithSpace(t.Space)
	case KindPointer:
		if it := e.Index.Type(); it != nil && !it.IsInt() {
			c.errorf(e.Index, "The pointer index must be an integer, not %s", it)
			return nil
		}
		return t.Elem.WithSpace(t.Space)
	}
	c.errorf(e, "The [] operator can not be used on expressions of type %s", t)
	return nil
}

// constInt evaluates an integer constant expression.
func (c *checker) constInt(e Expr) (int64, bool) {
	switch e := e.(type) {
	case *IntLit:
		return int64(e.Value), true
	case *Positional:
		c.positional(e, false)
		if e.Count {
			return int64(len(c.opts.Params)), true
		}
		return e.Int, true
	case *Unary:
		if e.Op == "-" {
			v, ok := c.constInt(e.X)
			return -v, ok
		}
	case *Binary:
		a, ok1 := c.constInt(e.L)
		b, ok2 := c.constInt(e.R)
		if ok1 && ok2 {
			return FoldBinary(e.Op, a, b, true)
		}
	}
	return 0, false
}

// resolveTypeSpec turns a written type into a Type.
// constantName reports whether a type written as a bare name is rather
// a constant: a #define, or an enumerator of the script or the kernel
// that no type of the same name hides.
func (c *checker) constantName(ts *TypeSpec) bool {
	if ts.Typeof != nil || ts.wrapped || len(ts.Suffix) > 0 || strings.Contains(ts.Name, " ") {
		return false
	}
	if namedType(ts.Name) != nil || ts.Name == "string" || c.cstructs[ts.Name] != nil {
		return false
	}
	if c.headerDefine(ts.Name) {
		return true
	}
	if _, ok := c.defines[ts.Name]; ok {
		return true
	}
	if _, ok := c.strDefines[ts.Name]; ok {
		return true
	}
	if _, err := c.kernel().LookupType(ts.Name); err == nil {
		return false
	}
	_, err := c.kernel().EnumConstant(ts.Name)
	return err == nil
}

func (c *checker) resolveTypeSpec(ts *TypeSpec) *Type {
	t := namedType(ts.Name)
	ok := t != nil
	switch {
	case ts.Typeof != nil:
		if t = c.expr(ts.Typeof); t == nil {
			return nil
		}
		if t.Kind == KindNone {
			c.errorf(ts.Typeof, "typeof() needs a value, and this expression has none")
			return nil
		}
	case ok:
	case ts.Name == "string":
		t = StringType(c.cfg.MaxStrlen)
	case c.cstructs[ts.Name] != nil:
		t = c.cstructs[ts.Name].WithSpace(c.defaultSpace())
	default:
		if t = c.dwarfStruct(ts.Name, ts); t != nil {
			break
		}
		if t = c.kernelType(ts.Name, ts); t == nil {
			return nil
		}
	}
	for _, n := range ts.Suffix {
		switch {
		case n == -1:
			t = PointerTo(t, c.defaultSpace())
		case n < 0:
			c.errorf(ts, "Arrays without a size are only allowed in casts from integers")
			return nil
		default:
			if t.Kind == KindString && t.Elem == nil {
				t = StringType(n)
				continue
			}
			t = &Type{Kind: KindArray, Elem: t, Len: n, Size: t.Size * n}
		}
	}
	return t
}

// namedType types the built-in type names and the C spellings of
// integers; nil for other names. (A switch rather than a map: nothing to
// build at start-up.)
func namedType(name string) *Type {
	switch name {
	case "int8", "char", "signed char":
		return IntType(8, true)
	case "uint8", "unsigned char", "void":
		return IntType(8, false)
	case "int16", "short", "short int", "signed short":
		return IntType(16, true)
	case "uint16", "unsigned short", "unsigned short int":
		return IntType(16, false)
	case "int32", "int", "signed", "signed int":
		return IntType(32, true)
	case "uint32", "unsigned", "unsigned int":
		return IntType(32, false)
	case "int64", "long", "long int", "signed long", "long long", "long long int":
		return IntType(64, true)
	case "uint64", "unsigned long", "unsigned long int", "unsigned long long", "unsigned long long int":
		return IntType(64, false)
	case "bool":
		return TypeBool
	}
	return nil
}

func (c *checker) cast(e *Cast) *Type {
	xt := c.expr(e.X)
	if xt == nil {
		return nil
	}
	to := c.castTarget(e.To, xt)
	if to == nil {
		return nil
	}
	switch {
	case to.Kind == KindArray && isIntArray(to) && castBytes(xt) == to.Size,
		to.Kind == KindInt && isIntArray(xt) && xt.Size == to.Size:
		// Integers and integer arrays of the same size reinterpret each
		// other's bytes, as do strings and char arrays.
		return to
	case to.Kind == KindInt && (xt.Kind == KindInt || xt.Kind == KindBool || xt.Kind == KindPointer):
		c.checkEnumCast(e, to)
		return to
	case to.Kind == KindBool && (xt.Kind == KindInt || xt.Kind == KindBool || xt.Kind == KindPointer):
		return to
	case to.Kind == KindPointer && xt.Kind == KindPointer:
		// A cast keeps the address space of the pointer it converts.
		return to.WithSpace(xt.Space)
	case to.Kind == KindPointer && xt.Kind == KindInt:
		return to
	}
	c.errorf(e, "Cannot cast from \"%s\" to \"%s\"", xt, to)
	return nil
}

// castTarget resolves a cast's type; an array type without a size,
// (uint8[])x, takes as many elements as x's bytes fill.
func (c *checker) castTarget(ts *TypeSpec, from *Type) *Type {
	n := len(ts.Suffix)
	if n == 0 || ts.Suffix[n-1] != -2 {
		return c.resolveTypeSpec(ts)
	}
	elem := c.resolveTypeSpec(&TypeSpec{Span: ts.Span, Name: ts.Name, Typeof: ts.Typeof, Suffix: ts.Suffix[:n-1]})
	if elem == nil {
		return nil
	}
	if (elem.Kind != KindInt && elem.Kind != KindBool) || castBytes(from) == 0 || castBytes(from)%elem.Size != 0 {
		c.errorf(ts, "Cannot cast from \"%s\" to \"%s[]\"", from, elem)
		return nil
	}
	return &Type{Kind: KindArray, Elem: elem, Len: castBytes(from) / elem.Size, Size: castBytes(from)}
}

// castBytes is how many bytes a value of type t gives a cast to an array:
// an integer's or an integer array's size, a string's capacity; 0 for
// values that cannot become arrays.
func castBytes(t *Type) int {
	switch {
	case t.Kind == KindInt, t.Kind == KindString, isIntArray(t):
		return t.Size
	}
	return 0
}

// isIntArray reports whether t is an array of integers or of bools (whose
// bytes casts reinterpret alike: (bool[2])(uint16)1).
func isIntArray(t *Type) bool {
	return t.Kind == KindArray && t.Elem != nil && (t.Elem.Kind == KindInt || t.Elem.Kind == KindBool)
}

func (c *checker) sizeof(e *SizeofExpr) *Type {
	if e.Of != nil && c.constantName(e.Of) {
		// sizeof(NAME) of a #define or enum constant: the parser could
		// not tell the name from a type's.
		e.X, e.Of = &Ident{Span: e.Of.Span, Name: e.Of.Name}, nil
	}
	var t *Type
	if e.Of != nil {
		t = c.resolveTypeSpec(e.Of)
	} else {
		t = c.expr(e.X)
	}
	if t == nil {
		return nil
	}
	e.Size = t.Size
	return TypeUint64
}

func (c *checker) offsetof(e *OffsetofExpr) *Type {
	t := c.resolveTypeSpec(e.Of)
	if t == nil {
		return nil
	}
	off := 0
	for _, name := range e.Fields {
		if t.Kind != KindStruct {
			c.errorf(e, "offsetof: '%s' is not a struct or union", t)
			return nil
		}
		f, ok := c.member(t, name, e)
		if !ok {
			return nil
		}
		off += f.Offset
		t = f.Type
	}
	e.Offset = off
	return TypeUint64
}
