package lang

// String functions: strlen, strcap, default_str_length, strncmp,
// strcontains, strstr, str_concat and memcmp. All of them run in BPF; none needs user space.

func init() {
	for name, spec := range map[string]funcSpec{
		"strlen":             {1, 1, checkStrlen},
		"strcap":             {1, 1, checkStrcap},
		"default_str_length": {0, 0, checkDefaultStrLength},
		"strncmp":            {3, 3, checkStrncmp},
		"strcontains":        {2, 2, checkStrSearch(TypeBool)},
		"strstr":             {2, 2, checkStrSearch(TypeInt64)},
		"str_concat":         {2, 2, checkStrConcat},
		"memcmp":             {3, 3, checkMemcmp},
	} {
		functions[name] = spec
	}
}

// maxConcat is the capacity str_concat() never exceeds, as in bpftrace
// (whose result is a string[1024]).
const maxConcat = 1024

// isChar reports whether t is a one-byte integer, the element of a
// string-like array or pointer.
func isChar(t *Type) bool { return t != nil && t.Kind == KindInt && t.Bits == 8 }

// stringLike types a string-like argument: a string, a char array or a
// pointer to chars. It reports anything else with bpftrace's wording.
func (c *checker) stringLike(e Expr) *Type {
	t := c.expr(e)
	if t == nil {
		return nil
	}
	switch {
	case t.Kind == KindString:
	case t.Kind == KindArray && isChar(t.Elem):
	case t.Kind == KindPointer && isChar(t.Elem):
	case t.Kind == KindArray:
		c.errorf(e, "string-like arrays must contain a char-like type")
		return nil
	case t.Kind == KindPointer:
		c.errorf(e, "string-like pointers must point to a char-like type")
		return nil
	default:
		c.errorf(e, "string-like values must be either strings, arrays or pointers")
		return nil
	}
	return t
}

// stringValue types an argument that must be a string held by value: a
// string or a char array (bpftrace's "string arguments").
func (c *checker) stringValue(call *Call, e Expr) *Type {
	t := c.expr(e)
	if t == nil {
		return nil
	}
	if t.Kind != KindString && !(t.Kind == KindArray && isChar(t.Elem)) {
		c.errorf(call, "%s() only supports string arguments (%s provided)", call.Name, kindName(t))
		return nil
	}
	return t
}

// strlen(s): the length of a string-like value, up to its capacity (a
// pointer is read up to max_strlen bytes).
func checkStrlen(c *checker, call *Call) *Type {
	if c.stringLike(call.Args[0]) == nil {
		return nil
	}
	return TypeUint64
}

// strcap(s): the capacity of a string (its size) or of a char array (its
// length); for a pointer, the length of the string it points to.
func checkStrcap(c *checker, call *Call) *Type {
	arg := call.Args[0]
	t := c.stringLike(arg)
	if t == nil {
		return nil
	}
	int64Spec := &TypeSpec{Span: call.Span, Name: "int64"}
	switch t.Kind {
	case KindString:
		call.Expansion = &Cast{Span: call.Span, To: int64Spec, X: &IntLit{Span: call.Span, Value: uint64(t.Size)}}
	case KindArray:
		call.Expansion = &Cast{Span: call.Span, To: int64Spec, X: &IntLit{Span: call.Span, Value: uint64(t.Len)}}
	default:
		call.Expansion = &Cast{Span: call.Span, To: int64Spec, X: &Call{Span: call.Span, Name: "strlen", Args: []Expr{arg}}}
	}
	return c.expr(call.Expansion)
}

// default_str_length(): the capacity of a string read without a length,
// str(p), which is max_strlen: a uint64 known when compiling, as the
// newest bpftrace's sizeof(str((int8 *)0)).
func checkDefaultStrLength(c *checker, call *Call) *Type {
	call.Expansion = &Cast{Span: call.Span, To: &TypeSpec{Span: call.Span, Name: "uint64"},
		X: &IntLit{Span: call.Span, Value: uint64(c.cfg.MaxStrlen)}}
	return c.expr(call.Expansion)
}

// strncmp(a, b, n): 0 when the first n characters of two strings are
// equal, 1 otherwise. n is a non-negative literal.
func checkStrncmp(c *checker, call *Call) *Type {
	ok := true
	for _, a := range call.Args[:2] {
		t := c.expr(a)
		if t == nil {
			ok = false
		} else if t.Kind != KindString {
			c.errorf(call, "strncmp() only supports string arguments (%s provided)", kindName(t))
			ok = false
		}
	}
	nt := c.expr(call.Args[2])
	if nt == nil {
		return nil
	}
	n, lit := c.constInt(call.Args[2])
	if !lit || !nt.IsInt() {
		c.errorf(call, "strncmp() expects a integer literal (%s provided)", kindName(nt))
		return nil
	}
	if n < 0 {
		c.errorf(call, "Builtin strncmp requires a non-negative size")
		return nil
	}
	if !ok {
		return nil
	}
	return TypeUint64
}

// checkStrSearch types strcontains(h, n) (a bool) and strstr(h, n) (the
// index of the first occurrence of n in h, or -1).
func checkStrSearch(result *Type) func(c *checker, call *Call) *Type {
	return func(c *checker, call *Call) *Type {
		h := c.stringValue(call, call.Args[0])
		n := c.stringValue(call, call.Args[1])
		if h == nil || n == nil {
			return nil
		}
		return result
	}
}

// str_concat(a, b): a new string holding a then b.
func checkStrConcat(c *checker, call *Call) *Type {
	a := c.stringValue(call, call.Args[0])
	b := c.stringValue(call, call.Args[1])
	if a == nil || b == nil {
		return nil
	}
	return StringType(min(a.Size+b.Size-1, maxConcat))
}

// memcmp(a, b, n): compares the first n bytes of two values (at most the
// size of the smaller); 0 when equal, else the difference of the first
// differing bytes (as signed chars).
func checkMemcmp(c *checker, call *Call) *Type {
	ok := true
	for _, a := range call.Args[:2] {
		t := c.materialize(a, c.expr(a), maxStoredStruct)
		if t == nil {
			ok = false
			continue
		}
		switch t.Kind {
		case KindNone, KindAgg, KindProbe:
			c.errorf(a, "memcmp() can not compare a value of type %s", t)
			ok = false
		}
	}
	nt := c.expr(call.Args[2])
	if nt != nil && !nt.IsInt() {
		c.errorf(call.Args[2], "memcmp() expects an integer count (%s provided)", kindName(nt))
		return nil
	}
	if n, lit := c.constInt(call.Args[2]); lit && n < 0 {
		c.errorf(call.Args[2], "memcmp() count must be non-negative (%d provided)", n)
		return nil
	}
	if !ok || nt == nil {
		return nil
	}
	return IntType(32, true)
}
