package lang

import "github.com/gtrace/gtrace/lang/printf"

// Functions user space carries out or finishes: the asynchronous actions
// time, cat, system, join, errorf, warnf (and assert, which reports with
// errorf), and the functions whose values user space renders when they
// print: strftime, buf, ntop, macaddr, username, cgroup_path. cgroupid is
// resolved while compiling; strerror, signal_name and syscall_name look
// their text up in tables in BPF; len counts a map's entries in BPF.

func init() {
	for name, spec := range map[string]funcSpec{
		"time":         {0, 1, checkTime},
		"strftime":     {2, 2, checkStrftime},
		"cat":          {1, -1, checkPrintf},
		"system":       {1, -1, checkSystem},
		"errorf":       {1, -1, checkPrintf},
		"warnf":        {1, -1, checkPrintf},
		"join":         {1, 2, checkJoin},
		"assert":       {2, 2, checkAssert},
		"buf":          {1, 2, checkBuf},
		"ntop":         {1, 2, checkNtop},
		"macaddr":      {1, 1, checkMacaddr},
		"username":     {0, 0, func(*checker, *Call) *Type { return RenderedType(RenderUsername) }},
		"strerror":     {1, 1, checkNameTable},
		"signal_name":  {1, 1, checkNameTable},
		"syscall_name": {1, 1, checkNameTable},
		"cgroup_path":  {1, 2, checkCgroupPath},
		"cgroupid":     {1, 1, checkCgroupid},
		"len":          {1, 1, checkLen},
	} {
		functions[name] = spec
	}
	bareCalls["username"] = true
	printfKinds[KindBuffer] = printf.Buffer
	printfKinds[KindText] = printf.String
}

// DefaultTimeFormat is time()'s format when none is given.
const DefaultTimeFormat = "%H:%M:%S\n"

// NameSize is the capacity of the strings strerror(), signal_name() and
// syscall_name() return.
const NameSize = 64

// Bounds of join(): how many array elements it reads, and how many bytes
// of each.
const (
	JoinArgs    = 16
	JoinArgSize = 1024
)

// CgroupResolver is implemented by a Kernel that can resolve cgroup
// paths while compiling, for cgroupid().
type CgroupResolver interface {
	// CgroupID returns the id of the cgroup v2 directory at path.
	CgroupID(path string) (uint64, error)
}

// literalArg checks that argument i of a call is a string known when
// compiling and returns it, reporting bpftrace's "expects a string
// literal" otherwise.
func (c *checker) literalArg(call *Call, i int) (string, bool) {
	arg := call.Args[i]
	if s, ok := arg.(*Call); ok && s.Name == "str" && len(s.Args) == 1 {
		// str($1) is the parameter as a string literal too (the newest
		// bpftrace: kaddr(str($1))).
		if p, ok := s.Args[0].(*Positional); ok && !p.Count {
			arg = p
			call.Args[i] = p
		}
	}
	if p, ok := arg.(*Positional); ok && !p.Count {
		p.setType(c.positional(p, true))
	} else {
		t := c.expr(arg)
		if t == nil {
			return "", false
		}
		if _, ok := c.literalString(arg); !ok {
			c.errorf(call, "%s() expects a string literal (%s provided)", call.Name, kindName(t))
			return "", false
		}
	}
	return c.literalString(arg)
}

// intArg checks that argument i of a call is an integer.
func (c *checker) intArg(call *Call, i int) bool {
	t := c.expr(call.Args[i])
	if t == nil {
		return false
	}
	if !t.IsInt() {
		c.errorf(call, "%s() only supports integer arguments (%s provided)", call.Name, kindName(t))
		return false
	}
	return true
}

// time([fmt]): prints the wall-clock time when user space handles the
// event, formatted by strftime(3).
func checkTime(c *checker, call *Call) *Type {
	if len(call.Args) == 1 {
		if _, ok := c.literalArg(call, 0); !ok {
			return nil
		}
	}
	return TypeNone
}

// strftime(fmt, ns): a timestamp (nanoseconds since boot, or TAI
// nanoseconds from nsecs(tai)) that prints formatted by strftime(3) with
// bpftrace's %f (microseconds).
func checkStrftime(c *checker, call *Call) *Type {
	_, ok := c.literalArg(call, 0)
	if !c.intArg(call, 1) || !ok {
		return nil
	}
	if n, lit := c.constInt(call.Args[1]); lit && n < 0 {
		c.errorf(call, "strftime() does not accept negative timestamps")
		return nil
	}
	if timestampClock(call.Args[1]) == "monotonic" {
		c.errorf(call, "strftime() can not take a monotonic timestamp")
		return nil
	}
	return RenderedType(RenderTimestamp)
}

// timestampClock returns the clock a timestamp counts on: the clock of
// nsecs(clock), also through variables and maps; "" for boot time.
func timestampClock(e Expr) string {
	if t := e.Type(); t != nil {
		return t.Clock
	}
	return ""
}

// StrftimeBase returns the clock the timestamp strftime() formats counts
// from.
func StrftimeBase(call *Call) TimestampBase {
	if timestampClock(call.Args[1]) == "tai" {
		return TimestampTAI
	}
	return TimestampBoot
}

// system(fmt, args...): runs a shell command; it needs --unsafe.
func checkSystem(c *checker, call *Call) *Type {
	if !c.opts.Unsafe {
		for _, a := range call.Args {
			c.expr(a)
		}
		c.errorf(call, "%s() is an unsafe function being used in safe mode", call.Name)
		return nil
	}
	return checkPrintf(c, call)
}

// join(argv [, sep]): prints the strings of a NULL-terminated array of
// string pointers, separated by sep (a space by default).
func checkJoin(c *checker, call *Call) *Type {
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	if !t.IsInt() && t.Kind != KindPointer {
		c.errorf(call, "join() only supports int or pointer arguments (%s provided)", kindName(t))
		return nil
	}
	if len(call.Args) == 2 {
		if _, ok := c.literalArg(call, 1); !ok {
			return nil
		}
	}
	return TypeNone
}

// JoinSeparator returns join()'s separator.
func JoinSeparator(call *Call) string {
	if len(call.Args) < 2 {
		return " "
	}
	s, _ := literalText(call.Args[1])
	return s
}

// literalText returns the text of a checked string literal, positional
// parameter or #define'd string.
func literalText(e Expr) (string, bool) {
	switch e := e.(type) {
	case *StrLit:
		return e.Value, true
	case *Positional:
		return e.Str, true
	case *Ident:
		return e.Str, e.Const
	}
	return "", false
}

// LiteralText returns the text of a string argument the checker required
// to be known when compiling (a literal, a positional parameter or a
// #define'd string).
func LiteralText(e Expr) string {
	s, _ := literalText(e)
	return s
}

// assertFormat is the format of the error assert() reports.
var assertFormat, _ = printf.Parse("assert failed: %s")

// assert(cond, msg): when cond is false, reports "assert failed: msg" as
// errorf() does and exits with code 1.
func checkAssert(c *checker, call *Call) *Type {
	ct := c.expr(call.Args[0])
	mt := c.materialize(call.Args[1], c.expr(call.Args[1]), maxPrintedStruct)
	if ct == nil || mt == nil {
		return nil
	}
	switch ct.Kind {
	case KindInt, KindBool, KindPointer:
	default:
		c.errorf(call.Args[0], "assert() expects a boolean condition (%s provided)", kindName(ct))
		return nil
	}
	if err := assertFormat.Check(call.Name, []printf.ArgKind{printfKind(mt)}); err != nil {
		c.errorf(call.Args[1], "%v", err)
		return nil
	}
	call.Format = assertFormat
	return TypeNone
}

// buf(p [, n]): n bytes (at most max_strlen) read from p, or a whole
// array (or string), printed hex-escaped by %r and by print().
func checkBuf(c *checker, call *Call) *Type {
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	switch t.Kind {
	case KindInt, KindString, KindPointer, KindArray:
	default:
		c.errorf(call, "buf() expects an integer, string, or array argument but saw %s", kindName(t))
		return nil
	}
	limit := c.cfg.MaxStrlen
	if len(call.Args) == 1 {
		// Kernel char arrays are strings here: they have a size too.
		if t.Kind != KindArray && t.Kind != KindString {
			c.errorf(call, "buf() expects a length argument for non-array type %s", kindName(t))
			return nil
		}
		c.materialize(call.Args[0], t, maxPrintedStruct)
		return BufferType(min(t.Size, limit))
	}
	if !c.intArg(call, 1) {
		return nil
	}
	n, lit := c.constInt(call.Args[1])
	switch {
	case lit && n < 0:
		c.errorf(call, "buf cannot use negative length (%d)", n)
		return nil
	case lit && int(n) < limit:
		limit = int(n)
	}
	return BufferType(limit)
}

// ntop([af,] addr): an IPv4 address (an integer or 4 bytes) or an IPv6
// address (16 bytes), printed as text; af, when given, says which.
func checkNtop(c *checker, call *Call) *Type {
	addr := call.Args[len(call.Args)-1]
	if len(call.Args) == 2 && !c.intArg(call, 0) {
		c.expr(addr)
		return nil
	}
	t := c.expr(addr)
	if t == nil {
		return nil
	}
	switch t.Kind {
	case KindInt:
	case KindString, KindArray:
		if t.Size != 4 && t.Size != 16 {
			c.errorf(call, "ntop() argument must be 4 or 16 bytes in size")
			return nil
		}
		c.materialize(addr, t, maxStoredStruct)
	default:
		c.errorf(call, "ntop() expects an integer or array argument, got %s", kindName(t))
		return nil
	}
	return RenderedType(RenderInet)
}

// macaddr(addr): six bytes, of an array or read from an address, printed
// as a MAC address.
func checkMacaddr(c *checker, call *Call) *Type {
	arg := call.Args[0]
	t := c.expr(arg)
	if t == nil {
		return nil
	}
	if _, ok := arg.(*StrLit); ok {
		c.errorf(call, "macaddr() does not support literal string arguments")
		return nil
	}
	switch t.Kind {
	case KindInt, KindPointer:
	case KindArray, KindString:
		if t.Size < 6 {
			c.errorf(call, "macaddr() argument must be at least 6 bytes in size")
			return nil
		}
		c.materialize(arg, t, maxStoredStruct)
	default:
		c.errorf(call, "macaddr() only supports array or pointer arguments (%s provided)", kindName(t))
		return nil
	}
	return RenderedType(RenderMacAddr)
}

// strerror(errno), signal_name(sig), syscall_name(nr): the text of an
// error number, a signal or a system call, as a string.
func checkNameTable(c *checker, call *Call) *Type {
	if !c.intArg(call, 0) {
		return nil
	}
	return StringType(NameSize)
}

// cgroup_path(id [, filter]): the paths of a cgroup in the hierarchies
// mounted under /sys/fs/cgroup (those whose name matches filter, a
// wildcard), looked up when the value prints.
func checkCgroupPath(c *checker, call *Call) *Type {
	ok := c.intArg(call, 0)
	if len(call.Args) == 2 {
		if t := c.expr(call.Args[1]); t != nil && t.Kind != KindString {
			c.errorf(call, "cgroup_path() only supports string arguments (%s provided)", kindName(t))
			return nil
		}
		if _, lit := c.literalArg(call, 1); !lit {
			return nil
		}
	}
	if !ok {
		return nil
	}
	return RenderedType(RenderCgroupPath)
}

// CgroupPathFilter returns cgroup_path()'s filter.
func CgroupPathFilter(call *Call) string {
	if len(call.Args) < 2 {
		return "*"
	}
	return LiteralText(call.Args[1])
}

// cgroupid(path): the id of a cgroup v2 directory, a constant found while
// compiling.
func checkCgroupid(c *checker, call *Call) *Type {
	path, ok := c.literalArg(call, 0)
	if !ok {
		return nil
	}
	r, ok := c.opts.Kernel.(CgroupResolver)
	if !ok {
		c.errorf(call, "cgroupid() needs the running system: no kernel to ask")
		return nil
	}
	id, err := r.CgroupID(path)
	if err != nil {
		c.errorf(call, "Failed to get `cgroupid` for path: \"%s\": %s", path, capitalize(err.Error()))
		return nil
	}
	call.Expansion = &Cast{Span: call.Span, To: &TypeSpec{Span: call.Span, Name: "uint64"},
		X: &IntLit{Span: call.Span, Value: id}}
	return c.expr(call.Expansion)
}

// capitalize upper-cases the first letter of an error's text, as the C
// library spells errors.
func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// len(@m): the number of entries of a map with keys; len(stack): the
// number of frames of a kstack or ustack value.
func checkLen(c *checker, call *Call) *Type {
	m, ok := call.Args[0].(*MapExpr)
	if !ok {
		t := c.expr(call.Args[0])
		if t != nil && t.Kind == KindStack {
			// The number of frames (codegen keeps it in the stack's
			// value).
			return TypeInt64
		}
		if t != nil {
			c.errorf(call, "call to len() expects a map, ustack, or kstack")
		}
		return nil
	}
	if m.Indexed {
		if t := c.expr(m); t != nil && t.Kind == KindStack {
			return TypeInt64
		}
		c.errorf(call, "call to len() expects a map, ustack, or kstack")
		return nil
	}
	if _, known := c.maps[m.Name]; !known && c.final {
		c.errorf(m, "Undefined map: %s", m.Name)
		return nil
	}
	info := c.mapRef(m)
	if info.Key == nil && info.Value != nil {
		c.errorf(call, "call to len() expects a map with explicit keys (non-scalar map)")
		return nil
	}
	if v := info.Value; v != nil && v.Kind == KindAgg && (v.Agg == AggHist || v.Agg == AggLhist || v.Agg == AggTSeries) {
		c.errorf(call, "len() does not support %s() maps", v.Agg)
		return nil
	}
	return TypeInt64
}
