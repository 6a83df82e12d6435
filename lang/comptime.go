package lang

import (
	"fmt"
	"strings"
)

// Values known when compiling: the newest bpftrace's `comptime x`, the
// conditions of `if comptime (...)`, static_assert, and typeinfo(), whose
// record of type names such conditions compare.

func init() {
	functions["comptime"] = funcSpec{1, 1, checkComptime}
	functions["typeinfo"] = funcSpec{1, 1, checkTypeinfo}
}

// constKind is the kind of a constant.
type constKind uint8

const (
	constInt constKind = iota
	constBool
	constString
	constRecord // a record or a tuple (names empty)
)

// A constant is the value of an expression evaluated by the checker.
type constant struct {
	kind  constKind
	i     int64 // constInt, constBool (0 or 1)
	s     string
	names []string // constRecord: field names, empty for a tuple
	elems []constant
}

func (k constant) equal(o constant) bool {
	if k.kind != o.kind || k.i != o.i || k.s != o.s || len(k.elems) != len(o.elems) {
		return false
	}
	for i := range k.elems {
		if !k.elems[i].equal(o.elems[i]) || (len(k.names) > 0 && k.names[i] != o.names[i]) {
			return false
		}
	}
	return true
}

// eval evaluates e, already typed, when its value is known when compiling:
// literals, $N, sizeof and offsetof, the is_* predicates, typeinfo(),
// casts, operators, fields of constant records and characters of constant
// strings. It reports false for anything known only at run time.
func (c *checker) eval(e Expr) (constant, bool) {
	switch e := e.(type) {
	case *IntLit, *Positional:
		if t := e.Type(); t != nil && !t.IsInt() {
			return constant{}, false
		}
		v, ok := c.constInt(e)
		return constant{kind: constInt, i: v}, ok
	case *BoolLit:
		return constant{kind: constBool, i: boolInt(e.Value)}, true
	case *StrLit:
		return constant{kind: constString, s: e.Value}, true
	case *SizeofExpr:
		return constant{kind: constInt, i: int64(e.Size)}, e.Type() != nil
	case *OffsetofExpr:
		return constant{kind: constInt, i: int64(e.Offset)}, e.Type() != nil
	case *Call:
		if e.Expansion != nil {
			return c.eval(e.Expansion)
		}
	case *Cast:
		v, ok := c.eval(e.X)
		t := e.Type()
		if !ok || t == nil || (v.kind != constInt && v.kind != constBool) {
			return constant{}, false
		}
		switch t.Kind {
		case KindBool:
			return constant{kind: constBool, i: boolInt(v.i != 0)}, true
		case KindInt:
			return constant{kind: constInt, i: truncate(v.i, t)}, true
		}
	case *Unary:
		v, ok := c.eval(e.X)
		if !ok {
			return v, false
		}
		switch {
		case e.Op == "!" && (v.kind == constBool || v.kind == constInt):
			return constant{kind: constBool, i: boolInt(v.i == 0)}, true
		case e.Op == "-" && v.kind == constInt:
			return constant{kind: constInt, i: -v.i}, true
		case e.Op == "~" && v.kind == constInt && e.Type() != nil:
			return constant{kind: constInt, i: truncate(^v.i, e.Type())}, true
		}
	case *Binary:
		return c.evalBinary(e)
	case *Ternary:
		cond, ok := c.eval(e.Cond)
		if !ok || cond.kind == constString || cond.kind == constRecord {
			return constant{}, false
		}
		if cond.i != 0 {
			return c.eval(e.Then)
		}
		return c.eval(e.Else)
	case *Tuple:
		return c.evalFields(nil, e.Elems)
	case *Record:
		return c.evalFields(e.Names, e.Values)
	case *FieldExpr:
		v, ok := c.eval(e.X)
		if !ok || v.kind != constRecord {
			return constant{}, false
		}
		for i, name := range v.names {
			if name == e.Name {
				return v.elems[i], true
			}
		}
		var n int
		if _, err := fmt.Sscan(e.Name, &n); err == nil && len(v.names) == 0 && n >= 0 && n < len(v.elems) {
			return v.elems[n], true
		}
	case *IndexExpr:
		s, ok1 := c.eval(e.X)
		i, ok2 := c.eval(e.Index)
		if ok1 && ok2 && s.kind == constString && i.kind == constInt && i.i >= 0 && i.i <= int64(len(s.s)) {
			ch := int64(0)
			if i.i < int64(len(s.s)) {
				ch = int64(int8(s.s[i.i]))
			}
			return constant{kind: constInt, i: ch}, true
		}
	}
	return constant{}, false
}

func (c *checker) evalFields(names []string, exprs []Expr) (constant, bool) {
	v := constant{kind: constRecord, names: names}
	for _, x := range exprs {
		el, ok := c.eval(x)
		if !ok {
			return constant{}, false
		}
		v.elems = append(v.elems, el)
	}
	return v, true
}

func (c *checker) evalBinary(e *Binary) (constant, bool) {
	l, ok1 := c.eval(e.L)
	r, ok2 := c.eval(e.R)
	if !ok1 || !ok2 {
		return constant{}, false
	}
	scalar := func(k constant) bool { return k.kind == constInt || k.kind == constBool }
	switch e.Op {
	case "&&", "||":
		if !scalar(l) || !scalar(r) {
			return constant{}, false
		}
		if e.Op == "&&" {
			return constant{kind: constBool, i: boolInt(l.i != 0 && r.i != 0)}, true
		}
		return constant{kind: constBool, i: boolInt(l.i != 0 || r.i != 0)}, true
	case "==", "!=":
		if scalar(l) && scalar(r) {
			return constant{kind: constBool, i: boolInt((l.i == r.i) == (e.Op == "=="))}, true
		}
		return constant{kind: constBool, i: boolInt(l.equal(r) == (e.Op == "=="))}, true
	}
	if !scalar(l) || !scalar(r) {
		return constant{}, false
	}
	signed := true
	if lt, rt := e.L.Type(), e.R.Type(); lt != nil && rt != nil && lt.IsInt() && rt.IsInt() {
		signed = lt.Signed && rt.Signed
	}
	switch e.Op {
	case "<", "<=", ">", ">=":
		a, b := l.i, r.i
		var less, eq bool
		if signed {
			less = a < b
		} else {
			less = uint64(a) < uint64(b)
		}
		eq = a == b
		res := map[string]bool{"<": less, "<=": less || eq, ">": !less && !eq, ">=": !less}[e.Op]
		return constant{kind: constBool, i: boolInt(res)}, true
	}
	v, ok := FoldBinary(e.Op, l.i, r.i, signed)
	if !ok {
		return constant{}, false
	}
	if t := e.Type(); t != nil && t.IsInt() {
		v = truncate(v, t)
	}
	return constant{kind: constInt, i: v}, true
}

// truncate gives v as an integer of type t: its width, sign-extended when
// t is signed.
func truncate(v int64, t *Type) int64 {
	if t.Bits == 0 || t.Bits >= 64 {
		return v
	}
	shift := 64 - t.Bits
	if t.Signed {
		return v << shift >> shift
	}
	return int64(uint64(v) << shift >> shift)
}

// literal builds the expression of literals whose value is k and whose
// type is t's (for integers) or k's.
func literal(span Span, k constant, t *Type) Expr {
	switch k.kind {
	case constBool:
		return &BoolLit{Span: span, Value: k.i != 0}
	case constString:
		return &StrLit{Span: span, Value: k.s}
	case constRecord:
		var elems []Expr
		for i, el := range k.elems {
			var et *Type
			if t != nil && t.Kind == KindTuple && i < len(t.Fields) {
				et = t.Fields[i].Type
			}
			elems = append(elems, literal(span, el, et))
		}
		if len(k.names) == 0 {
			return &Tuple{Span: span, Elems: elems}
		}
		return &Record{Span: span, Names: k.names, Values: elems}
	}
	lit := &IntLit{Span: span, Value: uint64(k.i), Text: fmt.Sprint(k.i)}
	if t == nil || !t.IsInt() {
		return lit
	}
	return &Cast{Span: span, To: &TypeSpec{Span: span, Name: t.String()}, X: lit}
}

// comptime x: x's value, which must be known when compiling, as literals.
func checkComptime(c *checker, call *Call) *Type {
	if call.Expansion != nil {
		return c.expr(call.Expansion)
	}
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	k, ok := c.eval(call.Args[0])
	if !ok {
		c.errorf(call, "Unable to resolve comptime expression")
		return nil
	}
	if !c.final {
		// Types may still change: expand in the final pass.
		return t
	}
	call.Expansion = literal(call.Span, k, t)
	return c.expr(call.Expansion)
}

// typeinfo(type or expression): the record (btf_id, base_type,
// full_type) of literals that the newest bpftrace gives, naming the type
// (btf_id is always 0 there too). Unstable: refused unless
// unstable_typeinfo enables it.
func checkTypeinfo(c *checker, call *Call) *Type {
	if !c.unstable(call, "typeinfo", "unstable_typeinfo", c.cfg.UnstableTypeinfo) {
		return nil
	}
	var t *Type
	if ts, ok := call.Args[0].(*TypeofExpr); ok {
		t = c.resolveTypeSpec(ts.Of)
	} else {
		t = c.expr(call.Args[0])
	}
	if t == nil {
		return nil
	}
	base, full := typeNames(t)
	call.Expansion = &Record{Span: call.Span, Names: []string{"btf_id", "base_type", "full_type"}, Values: []Expr{
		&Cast{Span: call.Span, To: &TypeSpec{Span: call.Span, Name: "uint64"}, X: &IntLit{Span: call.Span, Text: "0"}},
		&StrLit{Span: call.Span, Value: base},
		&StrLit{Span: call.Span, Value: full},
	}}
	return c.expr(call.Expansion)
}

// typeNames names t as the newest bpftrace's typeinfo() does: the kind of
// type (int, string, pointer, record, ...) and the whole type.
func typeNames(t *Type) (base, full string) {
	full = t.String()
	switch t.Kind {
	case KindNone:
		return "none", full
	case KindInt:
		if t.Enum != nil {
			full = "enum " + t.Enum.Name
		}
		return "int", full
	case KindBool:
		return "bool", full
	case KindString:
		return "string", full
	case KindPointer:
		return "pointer", full
	case KindArray:
		return "array", full
	case KindStruct:
		return "c_type", full
	case KindBuffer:
		return "buffer", full
	case KindStack:
		if t.Stack.User {
			return "ustack", full
		}
		return "kstack", full
	case KindSymbol:
		return full + "_t", full + "_t"
	case KindAgg:
		return t.Agg.String() + "_t", full + "_t"
	case KindTuple:
		if !t.IsRecord() {
			return "tuple", full
		}
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			_, ft := typeNames(f.Type)
			parts[i] = "." + f.Name + " = " + ft
		}
		return "record", "record { " + strings.Join(parts, ", ") + " }"
	}
	return full, full
}

// comptimeCond evaluates the condition `comptime (cond)` of an if,
// reporting it when it is not known while compiling.
func (c *checker) comptimeCond(call *Call) (cond, ok bool) {
	if c.expr(call.Args[0]) == nil {
		return false, false
	}
	v, known := c.constBool(call.Args[0])
	if !known {
		c.errorf(call, "Unable to resolve comptime expression")
	}
	return v, known
}

// comptimeIf checks `if comptime (cond) { ... } else { ... }`: only the
// branch the condition takes is checked and compiled, so the other may
// use types or maps this script does not have. The final pass rewrites
// the statement into `if true { taken branch }`.
func (c *checker) comptimeIf(s *IfStmt, call *Call) {
	cond, ok := c.comptimeCond(call)
	if !ok {
		return
	}
	taken := s.Then
	if !cond {
		taken = &Block{Span: s.Span}
		if s.Else != nil && s.Else.If != nil {
			taken.Stmts = []Stmt{s.Else.If}
		} else if s.Else != nil {
			taken = s.Else.Block
		}
	}
	if c.final {
		s.Cond = &BoolLit{Span: call.Span, Value: true}
		s.Then, s.Else = taken, nil
		c.expr(s.Cond)
	}
	c.block(taken)
}

// comptimeTernary checks the expression `if comptime (cond) { a } else
// { b }`: only the branch the condition takes, which becomes its value
// (Chosen). The final pass makes both branches that one, so that nothing
// walks the other.
func (c *checker) comptimeTernary(e *Ternary, call *Call) *Type {
	cond, ok := c.comptimeCond(call)
	if !ok {
		return nil
	}
	chosen := e.Then
	if !cond {
		chosen = e.Else
	}
	if c.final {
		e.Cond = &BoolLit{Span: call.Span, Value: cond}
		c.expr(e.Cond)
		e.Then, e.Else, e.Chosen = chosen, chosen, chosen
	}
	return c.expr(chosen)
}
