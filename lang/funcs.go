package lang

import (
	"fmt"
	"strconv"

	"github.com/gtrace/gtrace/lang/printf"
)

// funcSpec describes a function to the checker: how many arguments it
// takes and how its call is typed.
type funcSpec struct {
	min, max int // argument count bounds; max < 0 means unbounded
	check    func(c *checker, call *Call) *Type
}

// functions is the table of callable functions (aggregations excepted:
// they are only valid as the value of a map assignment). Files that
// implement a group of functions add them in an init function. Sized for
// them all, so that registering them never grows the map.
var functions = make(map[string]funcSpec, 128)

func init() {
	for name, spec := range map[string]funcSpec{
		"printf": {1, -1, checkPrintf},
		"print":  {1, 3, checkPrint},
		"exit":   {0, 1, checkExit},
		"str":    {1, 2, checkStr},
		"delete": {1, 2, checkDelete},
		"clear":  {1, 1, checkMapOp},
		"zero":   {1, 1, checkMapOp},
		"kptr":   {1, 1, checkAddrSpace(AddrKernel)},
		"uptr":   {1, 1, checkAddrSpace(AddrUser)},
	} {
		functions[name] = spec
	}
}

// aggregations maps aggregation function names to their kind.
var aggregations = map[string]AggKind{
	"count": AggCount, "sum": AggSum, "min": AggMin, "max": AggMax,
	"avg": AggAvg, "stats": AggStats, "hist": AggHist, "lhist": AggLhist,
	"tseries": AggTSeries,
}

// FunctionNames lists callable functions, for completion.
func FunctionNames() []string {
	var out []string
	for n := range functions {
		out = append(out, n)
	}
	for n := range aggregations {
		out = append(out, n)
	}
	return out
}

// argCountError is bpftrace's wording for a wrong number of arguments.
func argCountError(name string, min, max, got int) string {
	// bpftrace spells out only "no arguments" and "one argument".
	words := []string{"no arguments", "one argument"}
	count := func(n int) string {
		if n < len(words) {
			return words[n]
		}
		return fmt.Sprintf("%d arguments", n)
	}
	switch {
	case min == max:
		return fmt.Sprintf("%s() requires %s (%d provided)", name, count(min), got)
	case got < min:
		return fmt.Sprintf("%s() requires at least %s (%d provided)", name, count(min), got)
	case max == 1:
		return fmt.Sprintf("%s() takes up to one argument (%d provided)", name, got)
	default:
		return fmt.Sprintf("%s() takes up to %d arguments (%d provided)", name, max, got)
	}
}

func (c *checker) call(call *Call) *Type {
	if aggregations[call.Name] == AggTSeries {
		c.misplacedTSeries(call)
		return nil
	}
	if aggregations[call.Name] != AggNone {
		c.aggregationArgs(call)
		c.errorf(call, "%s() should be directly assigned to a map", call.Name)
		return nil
	}
	spec, ok := functions[call.Name]
	if !ok {
		for _, a := range call.Args {
			c.expr(a)
		}
		c.errorf(call, "Unknown function: %s", call.Name)
		return nil
	}
	n := len(call.Args)
	if n < spec.min || (spec.max >= 0 && n > spec.max) {
		c.errorf(call, "%s", argCountError(call.Name, spec.min, spec.max, n))
		return nil
	}
	return spec.check(c, call)
}

// kindName names a type the way bpftrace's argument errors do.
func kindName(t *Type) string {
	switch t.Kind {
	case KindInt:
		return "integer"
	case KindString:
		return "string"
	case KindTuple:
		return "tuple"
	case KindBool:
		return "bool"
	case KindPointer:
		return "pointer"
	case KindAgg:
		return t.Agg.String()
	case KindNone:
		return "none"
	}
	return t.String()
}

// printfKinds classifies types for format validation.
var printfKinds = map[Kind]printf.ArgKind{
	KindNone: printf.None, KindInt: printf.Int, KindBool: printf.Bool, KindPointer: printf.Pointer,
	KindString: printf.String, KindTuple: printf.Tuple, KindStruct: printf.Record, KindArray: printf.Array,
	// Values that print as text count as strings, as in bpftrace.
	KindProbe: printf.String, KindStack: printf.String, KindSymbol: printf.String,
}

var printfAggKinds = map[AggKind]printf.ArgKind{
	AggCount: printf.Count, AggSum: printf.Sum, AggMin: printf.Min, AggMax: printf.Max,
	AggAvg: printf.Avg, AggStats: printf.Stats, AggHist: printf.Hist, AggLhist: printf.Lhist,
}

func printfKind(t *Type) printf.ArgKind {
	if t.Kind == KindAgg {
		return printfAggKinds[t.Agg]
	}
	if k, ok := printfKinds[t.Kind]; ok {
		return k
	}
	return printf.Other
}

func checkPrintf(c *checker, call *Call) *Type {
	lit, ok := call.Args[0].(*StrLit)
	if !ok {
		t := c.expr(call.Args[0])
		if t != nil {
			c.errorf(call, "%s() expects a string literal (%s provided)", call.Name, kindName(t))
		}
		return nil
	}
	c.expr(lit)
	f, err := printf.Parse(lit.Value)
	if err != nil {
		c.errorf(call, "%s: %v", call.Name, err)
		return nil
	}
	var kinds []printf.ArgKind
	var types []*Type
	for _, a := range call.Args[1:] {
		t := c.materialize(a, c.expr(a), maxPrintedStruct)
		if t == nil {
			return nil
		}
		kinds = append(kinds, printfKind(t))
		types = append(types, t)
	}
	if err := f.Check(call.Name, kinds); err != nil {
		c.errorf(call, "%v", err)
		return nil
	}
	if call.Name == "printf" && c.variant != nil && c.pointKind().Name == "iter" && !c.seqPrintf(call, f, types) {
		return nil
	}
	call.Format = f
	return TypeNone
}

func checkPrint(c *checker, call *Call) *Type {
	if m, ok := call.Args[0].(*MapExpr); ok && !m.Indexed {
		info := c.mapRef(m)
		for _, a := range call.Args[1:] {
			t := c.expr(a)
			if _, ok := c.constInt(a); !ok && t != nil {
				c.errorf(call, "print() expects a integer literal (%s provided)", kindName(t))
				return nil
			}
		}
		if v := info.Value; len(call.Args) > 1 && v != nil && v.Kind == KindAgg && v.Agg == AggStats {
			c.warnf(call, "print()'s top and div arguments are ignored when used on stats() maps.")
		}
		return TypeNone
	}
	if len(call.Args) > 1 {
		if m, ok := call.Args[0].(*MapExpr); ok && m.Indexed {
			c.errorf(call, "The map passed to print() should not be indexed by a key")
			return nil
		}
		c.errorf(call, "Non-map print() only takes 1 argument, %d found", len(call.Args))
		return nil
	}
	t := c.expr(call.Args[0])
	if t != nil && t.Kind == KindNone {
		c.errorf(call.Args[0], "print() of a value with no type")
		return nil
	}
	if id, ok := call.Args[0].(*Ident); ok && id.Name == "args" && t != nil && t.Kind == KindPointer {
		// args is a record in the newest bpftrace: print prints it.
		star := &Unary{Span: id.Span, Op: "*", X: id}
		call.Args[0] = star
		t = c.expr(star)
	}
	if t = c.materialize(call.Args[0], t, maxPrintedStruct); t == nil {
		return nil
	}
	return TypeNone
}

// Limits on copies of whole structs and arrays: printed values travel in
// an event; stored ones need room on the BPF stack.
const (
	maxPrintedStruct = 4096
	maxStoredStruct  = 256
)

// materialize prepares a value that is copied whole (printed, stored): a
// struct's members are expanded so that it can be laid out and printed.
// It returns nil after reporting a value too large to copy.
func (c *checker) materialize(e Expr, t *Type, limit int) *Type {
	if t == nil || (t.Kind != KindStruct && t.Kind != KindArray) {
		return t
	}
	if t.Size > limit {
		c.errorf(e, "%s is too large to copy (%d bytes, at most %d)", t, t.Size, limit)
		return nil
	}
	t = c.expand(t, 0)
	e.setType(t)
	return t
}

// checkAddrSpace types kptr(p) and uptr(p): the same address, marked as
// pointing into kernel or user memory.
func checkAddrSpace(space AddrSpace) func(c *checker, call *Call) *Type {
	return func(c *checker, call *Call) *Type {
		t := c.expr(call.Args[0])
		if t == nil {
			return nil
		}
		switch t.Kind {
		case KindPointer:
			return t.WithSpace(space)
		case KindInt:
			return PointerTo(IntType(8, false), space)
		}
		c.errorf(call.Args[0], "%s() expects an integer or a pointer (%s provided)", call.Name, kindName(t))
		return nil
	}
}

func checkExit(c *checker, call *Call) *Type {
	if len(call.Args) == 1 {
		t := c.expr(call.Args[0])
		if t != nil && !t.IsInt() {
			c.errorf(call.Args[0], "exit() expects an integer exit code (%s provided)", kindName(t))
			return nil
		}
	}
	return TypeNone
}

func checkStr(c *checker, call *Call) *Type {
	size := c.cfg.MaxStrlen
	if len(call.Args) == 2 {
		t := c.expr(call.Args[1])
		if t != nil && !t.IsInt() {
			c.errorf(call.Args[1], "str() expects an integer length (%s provided)", kindName(t))
			return nil
		}
		// A literal above 2^63 is a (very large) unsigned length.
		n, ok := c.constInt(call.Args[1])
		if ok && n < 0 && t != nil && t.Signed {
			c.errorf(call, "str cannot use negative length (%d)", n)
			return nil
		}
		if ok && n >= 0 && int(n)+1 < size {
			size = int(n) + 1
		}
	}
	if b, ok := call.Args[0].(*Binary); ok && b.Op == "+" {
		// str($1 + 2) (or str(2 + $1)) of a parameter that is not a
		// number: the value past its first two bytes, as in bpftrace
		// (pointer arithmetic on the string).
		p, ok := b.L.(*Positional)
		off := b.R
		if !ok {
			p, ok = b.R.(*Positional)
			off = b.L
		}
		k, isConst := c.constInt(off)
		if ok && !p.Count && isConst && p.N <= len(c.opts.Params) {
			v := c.opts.Params[p.N-1]
			_, ierr := strconv.ParseInt(v, 0, 64)
			_, uerr := strconv.ParseUint(v, 0, 64)
			if ierr == nil || uerr == nil {
				// A number: an address, read as such.
			} else if k < 0 || k > int64(len(v)) {
				c.errorf(b, "only addition of a single constant less or equal to the length of $%d (which is %d) is allowed inside str()", p.N, len(v))
				return nil
			} else {
				np := *p
				np.Span = b.Span
				np.skip = int(k)
				call.Args[0] = &np
			}
		}
	}
	if p, ok := call.Args[0].(*Positional); ok && !p.Count {
		t := c.positional(p, true)
		p.setType(t)
		if t.Size < size {
			size = t.Size
		}
		return StringType(size)
	}
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	switch t.Kind {
	case KindString:
		if t.Size < size && !t.DataLoc {
			size = t.Size
		}
	case KindInt, KindPointer:
	default:
		c.errorf(call.Args[0], "str() expects an integer or a pointer type as first argument (%s provided)", kindName(t))
		return nil
	}
	return StringType(size)
}

// mapArg checks that an argument is a map (optionally indexed).
func (c *checker) mapArg(call *Call, e Expr, indexed bool) *MapExpr {
	m, ok := e.(*MapExpr)
	if !ok {
		c.expr(e)
		c.errorf(call, "%s() expects a map to be provided", call.Name)
		return nil
	}
	if m.Indexed && !indexed {
		c.errorf(call, "The map passed to %s() should not be indexed by a key", call.Name)
		return nil
	}
	info, ok := c.maps[m.Name]
	if !ok && c.final {
		c.errorf(m, "Undefined map: %s", m.Name)
		return nil
	}
	if ok {
		info.used = true
	}
	return m
}

func checkMapOp(c *checker, call *Call) *Type {
	if m := c.mapArg(call, call.Args[0], false); m != nil {
		c.mapRef(m)
	}
	return TypeNone
}

// checkDelete types delete(@m, key), delete(@m[key]) (the older form) and
// delete(@m) of a map without keys, which clears it. It returns whether an
// entry was deleted.
func checkDelete(c *checker, call *Call) *Type {
	m := c.mapArg(call, call.Args[0], true)
	if m == nil {
		return nil
	}
	if len(call.Args) == 1 && !m.Indexed {
		if info := c.mapRef(m); info.Key != nil {
			c.errorf(call, "delete() of %s needs a key: the map has keys", m.Name)
			return nil
		}
		return TypeBool
	}
	if len(call.Args) == 2 {
		if m.Indexed {
			c.errorf(call, "delete() expects a map without a key and a key as second argument")
			return nil
		}
		// delete(@m, k) is delete(@m[k]).
		m.Indexed = true
		m.Keys = []Expr{call.Args[1]}
		call.Args = call.Args[:1]
	}
	if info := c.mapRef(m); info.Key == nil && info.Value != nil && !info.keyed {
		// Reported once, not also as a map used with and without keys.
		for _, k := range m.Keys {
			c.expr(k)
		}
		c.errorf(call, "delete() of %s takes no key: the map has none", m.Name)
		return nil
	}
	if info := c.mapKeys(m); info.Key == nil {
		return nil // the key did not type: that is reported
	}
	return TypeBool
}

// aggregationArgs types an aggregation's arguments and checks their
// count; it returns false after reporting an error.
func (c *checker) aggregationArgs(call *Call) bool {
	want := map[string]int{"count": 0, "hist": 1, "lhist": 4}[call.Name]
	if _, ok := map[string]bool{"sum": true, "min": true, "max": true, "avg": true, "stats": true}[call.Name]; ok {
		want = 1
	}
	if call.Name == "hist" && len(call.Args) == 2 {
		want = 2
	}
	if len(call.Args) != want {
		c.errorf(call, "%s", argCountError(call.Name, want, want, len(call.Args)))
		return false
	}
	for i, a := range call.Args {
		t := c.expr(a)
		if t == nil {
			return false
		}
		// hist()'s and lhist()'s other arguments are integer literals,
		// which aggregation checks one by one.
		if i > 0 {
			continue
		}
		if !t.IsInt() && t.Kind != KindBool {
			c.errorf(call, "%s() only supports integer arguments (%s provided)", call.Name, kindName(t))
			return false
		}
	}
	return true
}

// aggregation checks an aggregation assigned to a map and returns the
// map value type it produces.
func (c *checker) aggregation(call *Call, info *MapInfo) *Type {
	if call.Name == "tseries" {
		if !c.tseries(call, info) {
			return nil
		}
		return AggType(AggTSeries, call.Args[0].Type().Signed)
	}
	if !c.aggregationArgs(call) {
		return nil
	}
	kind := aggregations[call.Name]
	signed := false
	if len(call.Args) > 0 {
		signed = call.Args[0].Type().Signed
	}
	switch kind {
	case AggLhist:
		var vals [3]int64
		for i, a := range call.Args[1:] {
			v, ok := c.constInt(a)
			if !ok {
				c.errorf(a, "lhist() expects an integer literal for argument %d", i+2)
				return nil
			}
			vals[i] = v
		}
		lo, hi, step := vals[0], vals[1], vals[2]
		switch {
		case lo < 0:
			c.errorf(call, "lhist() min must be non-negative (provided min %d)", lo)
			return nil
		case lo > hi:
			c.errorf(call, "lhist() min must be less than max (provided min %d, max %d)", lo, hi)
			return nil
		case step <= 0:
			c.errorf(call, "lhist() step must be >= 1 (%d provided)", step)
			return nil
		case (hi-lo)/step > 1000:
			c.errorf(call, "lhist() too many buckets, must be <= 1000 (would need %d)", (hi-lo)/step)
			return nil
		}
		if info.LhistStep != 0 && (info.LhistMin != lo || info.LhistMax != hi || info.LhistStep != step) {
			c.errorf(call, "Different lhist bounds in a single map unsupported")
			return nil
		}
		info.LhistMin, info.LhistMax, info.LhistStep = lo, hi, step
	case AggHist:
		bits := 0
		if len(call.Args) == 2 {
			v, ok := c.constInt(call.Args[1])
			if !ok || v < 0 || v > 5 {
				c.errorf(call.Args[1], "hist() second argument must be an integer literal between 0 and 5")
				return nil
			}
			bits = int(v)
		}
		if info.histSet && info.HistBits != bits {
			c.errorf(call, "Different bits in a single hist unsupported")
			return nil
		}
		info.HistBits, info.histSet = bits, true
	}
	return AggType(kind, signed)
}
