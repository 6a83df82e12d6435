package lang

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"

	"github.com/gtrace/gtrace/lang/printf"
)

// Miscellaneous functions that need no user-space support: bswap,
// has_key, ncpus, nsecs(mode), pton, the is_* type predicates, and the
// compile-time checks static_assert and fail.

func init() {
	for name, spec := range map[string]funcSpec{
		"bswap":               {1, 1, checkBswap},
		"has_key":             {0, -1, checkHasKey},
		"ncpus":               {0, 0, func(*checker, *Call) *Type { return TypeUint64 }},
		"nsecs":               {0, 1, checkNsecs},
		"pton":                {1, 1, checkPton},
		"is_array":            {1, 1, checkIs(func(t *Type) bool { return t.Kind == KindArray })},
		"is_integer":          {1, 1, checkIs(func(t *Type) bool { return t.Kind == KindInt })},
		"is_ptr":              {1, 1, checkIs(func(t *Type) bool { return t.Kind == KindPointer })},
		"is_str":              {1, 1, checkIs(func(t *Type) bool { return t.Kind == KindString })},
		"is_unsigned_integer": {1, 1, checkIs(func(t *Type) bool { return t.Kind == KindInt && !t.Signed })},
		"is_literal":          {1, 1, checkIsLiteral},
		"is_err":              {1, 1, checkIsErr},
		"static_assert":       {2, 2, checkStaticAssert},
		"assert_str":          {1, 1, checkAssertStr},
		"find":                {3, 3, checkFind},
		"fail":                {1, -1, checkFail},
		"container_of":        {3, 3, checkContainerOf},
		"kfunc_exist":         {1, 1, checkKfunc},
		"kfunc_allowed":       {1, 1, checkKfunc},
	} {
		functions[name] = spec
	}
}

// bareCalls are the functions that may be called without parentheses:
// `ppid` is `ppid()`, as in bpftrace, where functions without (required)
// arguments and builtins are one and the same.
var bareCalls = map[string]bool{
	"ppid": true, "pcomm": true, "leader_tid": true, "leader_comm": true, "ncpus": true,
}

// callBareFunctions rewrites the bare identifiers that name functions in
// bareCalls into calls. It runs once, before checking.
func callBareFunctions(prog *Program) {
	for _, it := range prog.Items {
		p, ok := it.(*Probe)
		if !ok {
			continue
		}
		rewriteExprs(reflect.ValueOf(p), func(e Expr) Expr {
			if id, ok := e.(*Ident); ok && bareCalls[id.Name] {
				return &Call{Span: id.Span, Name: id.Name}
			}
			return e
		})
	}
}

// bswap(n): n with its bytes reversed, as an unsigned integer of n's width.
func checkBswap(c *checker, call *Call) *Type {
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	if !t.IsInt() {
		c.errorf(call, "bswap() only supports integer arguments (%s provided)", kindName(t))
		return nil
	}
	return IntType(t.Bits, false)
}

// has_key(@m, k): whether the map has an entry for key k (a tuple for a
// map with several keys). The first pass rewrites the call to
// has_key(@m[k]), the lookup code generation performs, as delete() does.
func checkHasKey(c *checker, call *Call) *Type {
	if len(call.Args) == 1 {
		if m, ok := call.Args[0].(*MapExpr); ok && m.Indexed {
			return c.hasKey(call, m)
		}
	}
	if len(call.Args) != 2 {
		for _, a := range call.Args {
			if m, ok := a.(*MapExpr); ok && !m.Indexed {
				c.mapRef(m)
			} else {
				c.expr(a)
			}
		}
		c.errorf(call, "%s", argCountError("has_key", 2, 2, len(call.Args)))
		return nil
	}
	m := c.mapArg(call, call.Args[0], false)
	if m == nil {
		c.expr(call.Args[1])
		return nil
	}
	look := &MapExpr{Span: m.Span, Name: m.Name, Keys: []Expr{call.Args[1]}, Indexed: true}
	call.Args = []Expr{look}
	return c.hasKey(call, look)
}

// hasKey checks has_key(@m[k]).
func (c *checker) hasKey(call *Call, look *MapExpr) *Type {
	info := c.mapRef(look)
	if info.Key == nil && info.Value != nil {
		for _, k := range look.Keys {
			c.expr(k)
		}
		c.errorf(call, "call to has_key() expects a map with explicit keys (non-scalar map)")
		return nil
	}
	if v := info.Value; v != nil && v.Kind == KindAgg && (v.Agg == AggHist || v.Agg == AggLhist || v.Agg == AggTSeries) {
		for _, k := range look.Keys {
			c.expr(k)
		}
		c.errorf(call, "has_key() does not support %s() maps", v.Agg)
		return nil
	}
	c.mapKeys(look)
	return TypeBool
}

// timestampModes are nsecs()'s clocks. sw_tai is TAI computed from the
// boot clock plus an offset measured in user space, as in the newest
// bpftrace (for kernels without bpf_ktime_get_tai_ns): it counts from
// the epoch as tai does.
var timestampModes = map[string]bool{"monotonic": true, "boot": true, "tai": true, "sw_tai": true}

// nsecs([mode]): a timestamp from the given clock; without one, the
// nsecs builtin's.
func checkNsecs(c *checker, call *Call) *Type {
	if len(call.Args) == 0 {
		return TypeUint64
	}
	id, ok := call.Args[0].(*Ident)
	if !ok {
		if t := c.expr(call.Args[0]); t != nil {
			c.errorf(call, "nsecs() only supports timestamp_mode arguments (%s provided)", kindName(t))
		}
		return nil
	}
	id.setType(TypeNone)
	switch {
	case !timestampModes[id.Name]:
		c.errorf(id, "Invalid timestamp mode: %s", id.Name)
		return nil
	case id.Name == "sw_tai":
		return withClock(IntType(64, false), "tai")
	case id.Name == "boot":
		return TypeUint64
	}
	return withClock(IntType(64, false), id.Name)
}

// pton(addr): the bytes of an IPv4 (char[4]) or IPv6 (char[16]) address
// given as a literal, in network order.
func checkPton(c *checker, call *Call) *Type {
	arg := call.Args[0]
	if p, ok := arg.(*Positional); ok && !p.Count {
		p.setType(c.positional(p, true))
	} else if c.expr(arg) == nil {
		return nil
	}
	s, ok := c.literalString(arg)
	if !ok {
		c.errorf(call, "pton() expects an string literal at the first argument")
		return nil
	}
	b, err := ParseAddress(s)
	if err != nil {
		c.errorf(call, "%v", err)
		return nil
	}
	return &Type{Kind: KindArray, Elem: IntType(8, false), Len: len(b), Size: len(b)}
}

// ParseAddress converts an address as pton() takes it to its bytes: an
// address with a '.' is IPv4, else one with a ':' is IPv6.
func ParseAddress(s string) ([]byte, error) {
	var want int
	switch {
	case strings.Contains(s, "."):
		want = 4
	case strings.Contains(s, ":"):
		want = 16
	default:
		return nil, fmt.Errorf("pton() expects an string argument of an IPv4/IPv6 address, got %s", s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || (want == 4) != a.Is4() {
		return nil, fmt.Errorf("pton() expects a valid IPv4/IPv6 address, got %s", s)
	}
	return a.AsSlice(), nil
}

// checkIs types a type predicate: a bool constant from the argument's
// type, which is not evaluated.
func checkIs(pred func(t *Type) bool) func(c *checker, call *Call) *Type {
	return func(c *checker, call *Call) *Type {
		t := c.expr(call.Args[0])
		if t == nil {
			return nil
		}
		call.Expansion = &BoolLit{Span: call.Span, Value: pred(t)}
		return c.expr(call.Expansion)
	}
}

// is_err(p): whether a pointer (or an integer) is an ERR_PTR, the
// kernel's encoding of an error number in the last 4095 addresses, as
// IS_ERR() tests: (uint64)p >= (uint64)-4095.
func checkIsErr(c *checker, call *Call) *Type {
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	if t.Kind != KindPointer && !t.IsInt() {
		c.errorf(call, "is_err() only supports pointer or integer arguments (%s provided)", kindName(t))
		return nil
	}
	at := call.Span
	call.Expansion = &Binary{Span: at, Op: ">=",
		L: &Cast{Span: at, To: &TypeSpec{Span: at, Name: "uint64"}, X: call.Args[0]},
		R: &IntLit{Span: at, Value: 1<<64 - 4095, Text: "0xfffffffffffff001"}}
	return c.expr(call.Expansion)
}

// is_literal(x): whether x is written as a literal (1, -1, "a", true) or
// is a positional parameter, which stands for one.
func checkIsLiteral(c *checker, call *Call) *Type {
	arg := call.Args[0]
	if c.expr(arg) == nil {
		return nil
	}
	lit := false
	switch a := arg.(type) {
	case *IntLit, *StrLit, *BoolLit, *Positional:
		lit = true
	case *Unary:
		_, lit = a.X.(*IntLit)
		lit = lit && a.Op == "-"
	}
	call.Expansion = &BoolLit{Span: call.Span, Value: lit}
	return c.expr(call.Expansion)
}

// static_assert(cond, msg): a compile-time check; cond must be known when
// compiling, and the program is rejected with msg when it is false.
func checkStaticAssert(c *checker, call *Call) *Type {
	ct := c.expr(call.Args[0])
	msg, ok := call.Args[1].(*StrLit)
	if !ok {
		if t := c.expr(call.Args[1]); t != nil {
			c.errorf(call, "static_assert() expects a string literal (%s provided)", kindName(t))
		}
		return nil
	}
	c.expr(msg)
	if ct == nil {
		return nil
	}
	v, known := c.constBool(call.Args[0])
	switch {
	case !known:
		c.errorf(call.Args[0], "static_assert() expects a condition known at compile time")
		return nil
	case !v:
		c.errorf(call, "%s", msg.Value)
		return nil
	}
	return TypeNone
}

// assert_str(x): a compile-time check, as the newest bpftrace's macro,
// that x is string-like: a string, an array of chars or a pointer to
// chars. The argument is not run.
func checkAssertStr(c *checker, call *Call) *Type {
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	char := func(e *Type) bool { return e != nil && e.Kind == KindInt && e.Bits == 8 }
	switch {
	case t.Kind == KindString:
	case t.Kind == KindArray && !char(t.Elem):
		c.errorf(call, "string-like arrays must contain a char-like type")
		return nil
	case t.Kind == KindPointer && !char(t.Elem):
		c.errorf(call, "string-like pointers must point to a char-like type")
		return nil
	case t.Kind != KindArray && t.Kind != KindPointer:
		c.errorf(call, "string-like values must be either strings, arrays or pointers")
		return nil
	}
	return TypeNone
}

// fail(fmt, args...): rejects the program with a formatted message. As in
// bpftrace, every argument is a literal, and the call fails wherever it
// is checked (gtrace has no compile-time if to guard it).
func checkFail(c *checker, call *Call) *Type {
	var args []printf.Arg
	ok := true
	for i, a := range call.Args {
		t := c.expr(a)
		if t == nil {
			return nil
		}
		v, lit := c.literalValue(a)
		if !lit {
			c.errorf(call, "fail() arguments need to be literals")
			ok = false
			continue
		}
		if i == 0 {
			if _, str := v.(string); !str {
				c.errorf(call, "first argument to fail() must be a string literal")
				ok = false
			}
			continue
		}
		args = append(args, v)
	}
	if !ok {
		return nil
	}
	f, err := printf.Parse(call.Args[0].(*StrLit).Value)
	if err != nil {
		c.errorf(call, "fail: %v", err)
		return nil
	}
	c.errorf(call, "%s", f.Append(nil, args))
	return nil
}

// literalValue returns the value of a literal argument, for fail().
func (c *checker) literalValue(e Expr) (printf.Arg, bool) {
	switch a := e.(type) {
	case *StrLit:
		return a.Value, true
	case *BoolLit:
		return a.Value, true
	case *IntLit:
		if a.Type() != nil && !a.Type().Signed {
			return a.Value, true
		}
		return int64(a.Value), true
	case *Unary:
		if l, ok := a.X.(*IntLit); ok && a.Op == "-" {
			return -int64(l.Value), true
		}
	case *Positional:
		if a.Type() != nil && a.Type().Kind == KindString {
			return a.Str, true
		}
		return a.Int, true
	}
	return nil, false
}

// constBool evaluates a condition known when compiling (eval,
// comptime.go): an integer or bool constant.
func (c *checker) constBool(e Expr) (bool, bool) {
	v, ok := c.constValue(e)
	return v != 0, ok
}

// constValue evaluates an integer (or bool) constant.
func (c *checker) constValue(e Expr) (int64, bool) {
	k, ok := c.eval(e)
	if !ok || (k.kind != constInt && k.kind != constBool) {
		return 0, false
	}
	return k.i, true
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// find(@m, k, $v): whether @m has the key k, setting $v to its value when
// it does. It expands, once, into the block expression
//
//	{ let $k = k; let $found = has_key(@m, $k); if ($found) { $v = @m[$k]; } $found }
//
// whose hidden variables live only in the block.
func checkFind(c *checker, call *Call) *Type {
	if call.Expansion == nil {
		m, ok := call.Args[0].(*MapExpr)
		if !ok || m.Indexed {
			for _, a := range call.Args {
				c.expr(a)
			}
			c.errorf(call, "find() expects a map as its first argument")
			return nil
		}
		v, ok := call.Args[2].(*Var)
		if !ok {
			c.expr(call.Args[1])
			c.errorf(call.Args[2], "find() expects a scratch variable for the value")
			return nil
		}
		if info, known := c.maps[m.Name]; known && info.Key == nil && info.Value != nil {
			c.errorf(call, "find() expects a map with explicit keys (non-scalar map)")
			return nil
		}
		at := call.Span
		key, found := "$__find_key", "$__find_found"
		keyVar := func() Expr { return &Var{Span: at, Name: key} }
		foundVar := func() Expr { return &Var{Span: at, Name: found} }
		call.Expansion = &BlockExpr{Span: at, Block: &Block{Span: at, Stmts: []Stmt{
			&LetStmt{Span: at, Var: key, Value: call.Args[1], Semi: true},
			&LetStmt{Span: at, Var: found, Value: &Call{Span: at, Name: "has_key",
				Args: []Expr{&MapExpr{Span: m.Span, Name: m.Name}, keyVar()}}, Semi: true},
			&IfStmt{Span: at, Cond: foundVar(), Then: &Block{Span: at, Stmts: []Stmt{
				&ExprStmt{Span: at, X: v, Op: "=",
					Value: &MapExpr{Span: m.Span, Name: m.Name, Keys: []Expr{keyVar()}, Indexed: true}, Semi: true},
			}}},
		}}, Value: foundVar()}
	}
	return c.expr(call.Expansion)
}

// checkContainerOf reports a container_of call the parser could not read
// as container_of(pointer, type, member): the well-formed ones never
// reach the checker (expr.go expands them).
func checkContainerOf(c *checker, call *Call) *Type {
	c.errorf(call, "container_of() expects a pointer, a type and a member name: container_of(ptr, struct T, member)")
	return nil
}

// checkKfunc types kfunc_exist("name") and kfunc_allowed("name") (newest
// bpftrace): whether the kernel's BTF has the function, a constant known
// now; and whether the probe's programs may call it as a kfunc, which code
// generation asks the kernel, knowing the program type.
func checkKfunc(c *checker, call *Call) *Type {
	if c.expr(call.Args[0]) == nil {
		return nil
	}
	name, ok := c.literalString(call.Args[0])
	if !ok {
		c.errorf(call, "%s() accepts a string literal only", call.Name)
		return nil
	}
	if call.Name == "kfunc_exist" {
		_, err := c.kernel().Function(name)
		call.Expansion = &BoolLit{Span: call.Span, Value: err == nil}
		return c.expr(call.Expansion)
	}
	// Code generation reads the name from a string literal.
	lit := &StrLit{Span: call.Args[0].Loc(), Value: name}
	c.expr(lit)
	call.Args[0] = lit
	return TypeBool
}
