package lang

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	cbtf "github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/btf"
)

// Kernel answers the checker's questions about the running system. The
// btf package implements it; it is consulted only for what a script uses,
// so a script without kernel types never loads BTF.
type Kernel interface {
	// Tracepoints lists the tracepoints matching glob patterns.
	Tracepoints(category, name string) ([]btf.Tracepoint, error)
	// TracepointFormat reads one tracepoint's format.
	TracepointFormat(category, name string) (*btf.TracepointFormat, error)
	// LookupType finds a kernel type by name ("struct sock", "u64").
	LookupType(name string) (cbtf.Type, error)
	// EnumConstant finds a kernel enum constant by name.
	EnumConstant(name string) (btf.EnumConstant, error)
	// RawTracepointArgs lists a raw tracepoint's arguments.
	RawTracepointArgs(name string) ([]btf.Param, error)
	// Function finds a kernel function and its prototype.
	Function(name string) (*btf.Function, error)
	// Functions lists the kernel functions matching a glob.
	Functions(pattern string) ([]string, error)
	// KprobeFunctions lists the kernel functions kprobes can attach to
	// whose module and name match globs ("" matches every module).
	KprobeFunctions(module, name string) ([]btf.KernelFunction, error)
	// KernelSymbolAddress returns the address of a kernel symbol, for
	// kaddr().
	KernelSymbolAddress(name string) (uint64, error)
}

// CheckOptions configures Check.
type CheckOptions struct {
	// Kernel provides tracepoints and kernel types; nil when none are needed.
	Kernel Kernel
	// Binaries answers questions about the user-space programs and
	// libraries uprobes and USDT probes attach to; nil when none are
	// needed.
	Binaries Binaries
	// Config holds defaults and environment settings; a config block in the
	// script changes the variables not named in EnvSet.
	Config Config
	EnvSet map[string]bool
	// Params are the positional parameters $1, $2, ...
	Params []string
	// Named are the named parameters given after "--" (--name=value; a
	// flag alone is "true"), which getopt() reads.
	Named map[string]string
	// Unsafe allows system() and other destructive functions.
	Unsafe bool
	// IncludeDirs are searched for the headers the script includes (for
	// their #define constants) before DefaultIncludeDirs (bpftrace's -I).
	IncludeDirs []string
	// Includes are headers included before the script's own #includes
	// (bpftrace's --include); one not found is an error.
	Includes []string
}

// Variant is one compiled form of a probe's body: the points that share
// it have the same argument types, so one program serves them all.
type Variant struct {
	Points []*ProbePoint
	Pred   Expr
	Body   *Block
	// Args is the struct `args` points to, nil when unused.
	Args *Type
	// Probe is the action block the variant came from.
	Probe *Probe
	// Vars are the scratch variables the variant declares.
	Vars []*VarDecl
}

// VarDecl is a scratch variable. Every Var node that names it points here.
type VarDecl struct {
	Name string
	Type *Type
	Span Span
	ID   int
	// Declared is set for `let $x: type`: assignments convert to the
	// type instead of widening it.
	Declared bool
	// AddrTaken is set when the script takes the variable's address
	// (`&$x`): the variable then lives in memory, never in a register.
	AddrTaken bool
}

// MapInfo is everything known about a map after checking.
type MapInfo struct {
	Name string
	// Key is a tuple of key types, nil for a map without keys.
	Key   *Type
	Value *Type
	Span  Span
	// Lhist bounds for lhist(), fixed per map.
	LhistMin, LhistMax, LhistStep int64
	// HistBits is hist()'s precision argument (0 to 5).
	HistBits int
	// histSet records that a hist() fixed HistBits.
	histSet bool
	// TSeries holds tseries()'s arguments, nil for other maps.
	TSeries *TSeriesArgs
	// Declared map type ("hash", "lruhash", ...) and size, when declared.
	Declared   string
	MaxEntries int

	// used records a use of the map in a probe or macro; useSpan is the
	// map's name at the first.
	used    bool
	useSpan Span
	// assigned records an assignment whose value may have failed to type:
	// such a map is not reported as undefined (the value's error is).
	assigned bool
	// keyed records an access with keys, whose types may not be known
	// yet: such a map is not taken for a map without keys.
	keyed bool
}

// Check resolves and type-checks a parsed program: it expands attach
// points, types every expression, and fixes each map's key and value
// types. Errors point at the offending source.
func Check(prog *Program, opts CheckOptions) error {
	return newChecker(prog, opts).run()
}

// newChecker returns a checker of prog with opts (the default config when
// opts has none).
func newChecker(prog *Program, opts CheckOptions) *checker {
	c := &checker{
		opts:  opts,
		cfg:   opts.Config,
		prog:  prog,
		maps:  map[string]*MapInfo{},
		decls: map[Node]*VarDecl{},
	}
	if c.cfg.MaxStrlen == 0 {
		c.cfg = DefaultConfig()
	}
	return c
}

type checker struct {
	opts  CheckOptions
	cfg   Config
	prog  *Program
	maps  map[string]*MapInfo
	decls map[Node]*VarDecl
	errs  ErrorList

	// final is set for the last pass, the one that reports errors.
	final bool
	// changed records that a map type changed during a pass.
	changed bool

	variant *Variant
	scope   *scope
	loops   int
	// fors counts the enclosing for loops, whose bodies run in callbacks.
	fors  int
	nvars int

	// C definitions in the script: struct types by name ("struct S") and
	// #define constants.
	cstructs map[string]*Type
	defines  map[string]int64
	// enumOf is the enum type of each enumerator the script defines.
	enumOf     map[string]*EnumType
	strDefines map[string]string
	// headers are the #defines of the included headers (cheaders.go);
	// nil when the script includes none.
	headers *headerDefs
	// cdef is the state of struct layout: attributes, #pragma pack.
	cdef cdefState
	// warnedUnstable records the unstable features warned about.
	warnedUnstable map[string]bool
	// getopts records the first getopt() of each named parameter.
	getopts map[string]*getoptUse
}

func (c *checker) kernel() Kernel {
	if c.opts.Kernel == nil {
		return noKernel{}
	}
	return c.opts.Kernel
}

// noKernel answers every question with an error; it stands in when the
// caller gave no Kernel.
type noKernel struct{}

var errNoKernel = fmt.Errorf("no kernel information available")

func (noKernel) Tracepoints(string, string) ([]btf.Tracepoint, error) { return nil, errNoKernel }
func (noKernel) TracepointFormat(string, string) (*btf.TracepointFormat, error) {
	return nil, errNoKernel
}
func (noKernel) LookupType(string) (cbtf.Type, error) { return nil, errNoKernel }
func (noKernel) EnumConstant(string) (btf.EnumConstant, error) {
	return btf.EnumConstant{}, errNoKernel
}
func (noKernel) RawTracepointArgs(string) ([]btf.Param, error) { return nil, errNoKernel }
func (noKernel) Function(string) (*btf.Function, error)        { return nil, errNoKernel }
func (noKernel) Functions(string) ([]string, error)            { return nil, errNoKernel }
func (noKernel) KprobeFunctions(string, string) ([]btf.KernelFunction, error) {
	return nil, errNoKernel
}
func (noKernel) KernelSymbolAddress(string) (uint64, error) { return 0, errNoKernel }

func (c *checker) errorf(n Node, format string, args ...any) {
	if c.final {
		c.errs = append(c.errs, errorAt(n.Loc(), format, args...))
	}
}

func (c *checker) warnf(n Node, format string, args ...any) {
	if c.final {
		e := errorAt(n.Loc(), format, args...)
		e.Warning = true
		c.errs = append(c.errs, e)
	}
}

func (c *checker) run() error {
	if err := c.config(); err != nil {
		return err
	}
	if err := expandMacros(c.prog); err != nil {
		return err
	}
	callBareFunctions(c.prog)
	spellBuiltins(c.prog)
	c.strDefines = map[string]string{}
	c.cdefs()
	if err := c.errs.Err(); err != nil {
		return err
	}
	if err := c.expandProbes(); err != nil {
		return err
	}
	// Map types flow between probes (a map read in one probe may be
	// written in a later one), so type the program until nothing changes,
	// then once more to report errors.
	for pass := 0; pass < 5; pass++ {
		c.changed = false
		c.pass()
		if !c.changed {
			break
		}
	}
	c.final = true
	c.pass()
	c.checkMaps()
	c.prog.Maps = c.maps
	cfg := c.cfg
	c.prog.Config = &cfg
	sort.SliceStable(c.errs, func(i, j int) bool { return c.errs[i].Pos.Offset < c.errs[j].Pos.Offset })
	c.errs = dedupe(c.errs)
	c.prog.Warnings = nil
	for _, e := range c.errs {
		if e.Warning {
			c.prog.Warnings = append(c.prog.Warnings, e)
		}
	}
	return c.errs.Err()
}

func (c *checker) config() error {
	var errs ErrorList
	seen := false
	for _, it := range c.prog.Items {
		cb, ok := it.(*ConfigBlock)
		if !ok {
			continue
		}
		if seen {
			errs = append(errs, errorAt(cb.Span, "only one config block is allowed"))
		}
		seen = true
		for _, e := range cb.Entries {
			name := ConfigName(e.Name)
			if slices.Contains(DeprecatedConfig, name) {
				c.warnAt(e.Span, name+" is deprecated and has no effect")
				continue
			}
			if c.opts.EnvSet[name] {
				continue
			}
			v := e.Value
			if s, err := strconv.Unquote(v); err == nil {
				v = s
			}
			if err := c.cfg.Set(name, v); err != nil {
				errs = append(errs, errorAt(e.Span, "%v", err))
			}
		}
	}
	return errs.Err()
}

// missingPoint handles an attach point that names nothing, as the
// missing_probes config says: an error, a warning (the point is skipped),
// or nothing.
func (c *checker) missingPoint(errs *ErrorList, e *Error) {
	switch c.cfg.MissingProbes {
	case "warn":
		e.Msg += ". Skipping."
		e.Warning = true
		c.errs = append(c.errs, e)
	case "ignore":
	default:
		*errs = append(*errs, e)
	}
}

// warnAt records a warning at a span.
func (c *checker) warnAt(s Span, msg string) {
	e := errorAt(s, "%s", msg)
	e.Warning = true
	c.errs = append(c.errs, e)
}

// expandProbes parses every attach point, expands wildcards and splits
// each probe into variants.
func (c *checker) expandProbes() error {
	var errs ErrorList
	total := 0
	for _, it := range c.prog.Items {
		p, ok := it.(*Probe)
		if !ok {
			continue
		}
		p.Index = len(c.prog.Probes)
		c.prog.Probes = append(c.prog.Probes, p)
		p.Points = nil
		for _, ap := range p.Attach {
			pts, err := c.expandAttachPoint(ap)
			if err != nil {
				c.missingPoint(&errs, asError(err, ap.Span))
				continue
			}
			p.Points = append(p.Points, pts...)
		}
		if len(p.Points) == 0 && len(p.Attach) > 0 && c.cfg.MissingProbes != "error" {
			// Every attach point was skipped: the probe goes.
			if c.cfg.MissingProbes == "warn" {
				c.warnAt(p.Span, "Probe has no valid attach points. It is being removed which may cause issues with program behavior.")
			}
			c.prog.Probes = c.prog.Probes[:len(c.prog.Probes)-1]
			continue
		}
		total += len(p.Points)
	}
	errs = append(errs, c.duplicateNames()...)
	errs = append(errs, c.iterAlone()...)
	if err := errs.Err(); err != nil {
		return err
	}
	if total > c.cfg.MaxProbes {
		return &Error{Pos: c.prog.Pos, End: c.prog.Pos, Msg: fmt.Sprintf(
			"Can't attach to %d probes because it exceeds the current limit of %d probes. "+
				"You can increase the limit through the BPFTRACE_MAX_PROBES environment variable, but BE CAREFUL "+
				"since a high number of probes attached can cause your system to crash.", total, c.cfg.MaxProbes)}
	}
	for _, p := range c.prog.Probes {
		if err := c.makeVariants(p); err != nil {
			errs = append(errs, asError(err, p.Span))
		}
	}
	return errs.Err()
}

func asError(err error, s Span) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return errorAt(s, "%v", err)
}

// makeVariants groups a probe's points by what its body needs from them:
// one program type per variant; points with the same `args` layout share a
// program; a body that uses `probe` gets one program per point so that the
// name is a constant.
func (c *checker) makeVariants(p *Probe) error {
	usesArgs, usesRetval, usesProbe := scanBuiltins(p)
	p.Variants = nil
	for _, pt := range p.Points {
		if usesArgs || usesRetval && probeKinds[pt.Kind].Retval {
			if err := c.pointArgs(pt); err != nil {
				return err
			}
		}
		var into *Variant
		if !usesProbe {
			for _, v := range p.Variants {
				if v.Points[0].Kind == pt.Kind && argsEqual(v.Args, pt.Args) && sharePoint(v.Points[0], pt) {
					into = v
					break
				}
			}
		}
		if into == nil {
			into = &Variant{Args: pt.Args}
			p.Variants = append(p.Variants, into)
		}
		into.Points = append(into.Points, pt)
	}
	for i, v := range p.Variants {
		v.Probe = p
		if i == 0 {
			v.Pred, v.Body = p.Pred, p.Body
		} else {
			v.Pred = cloneExpr(p.Pred)
			v.Body = cloneNode(p.Body).(*Block)
		}
	}
	return nil
}

func (c *checker) pointArgs(pt *ProbePoint) error {
	if pt.Args != nil {
		return nil
	}
	kind := probeKinds[pt.Kind]
	if kind.ArgsType == nil {
		return nil
	}
	t, err := kind.ArgsType(c, pt)
	if err != nil {
		return err
	}
	pt.Args = t
	return nil
}

// sharePoint reports whether two points of the same kind can share a
// program, as their kind decides.
func sharePoint(a, b *ProbePoint) bool {
	k := probeKinds[a.Kind]
	return k.SharePoint == nil || k.SharePoint(a, b)
}

func argsEqual(a, b *Type) bool {
	if a == nil || b == nil {
		return a == b
	}
	if len(a.Fields) != len(b.Fields) {
		return false
	}
	for i := range a.Fields {
		fa, fb := a.Fields[i], b.Fields[i]
		if fa.Name != fb.Name || fa.Offset != fb.Offset || !fa.Type.Equal(fb.Type) ||
			fa.Type.DataLoc != fb.Type.DataLoc || fa.Type.Space != fb.Type.Space {
			return false
		}
	}
	return true
}

// scanBuiltins reports whether a probe mentions args, retval or probe.
func scanBuiltins(p *Probe) (usesArgs, usesRetval, usesProbe bool) {
	walk(p, func(n Node) {
		if id, ok := n.(*Ident); ok {
			switch id.Name {
			case "args":
				usesArgs = true
			case "retval":
				// fexit's retval is typed from the same prototype.
				usesRetval = true
			case "probe":
				usesProbe = true
			}
		}
	})
	return
}

func (c *checker) pass() {
	c.nvars = 0
	for _, p := range c.prog.Probes {
		for _, v := range p.Variants {
			c.variant = v
			v.Vars = nil
			c.scope = &scope{vars: map[string]*VarDecl{}}
			if v.Pred != nil {
				t := c.expr(v.Pred)
				c.requireCond(v.Pred, t)
			}
			c.block(v.Body)
			c.scope = nil
		}
	}
	c.variant = nil
}

// checkMaps reports maps that are read but never written.
func (c *checker) checkMaps() {
	failed := c.errs.Err() != nil
	for name, m := range c.maps {
		switch {
		case m.Declared != "" && !m.used:
			// As the newest bpftrace: a declared map nothing uses is left
			// out, with a warning.
			w := errorAt(m.Span, "Unused map: %s", m.Name)
			w.Warning = true
			c.errs = append(c.errs, w)
			delete(c.maps, name)
		case m.Value != nil:
			c.checkDeclaredKind(m)
		case !m.assigned:
			c.errs = append(c.errs, errorAt(m.Span, "Undefined map: %s", m.Name))
		case !failed:
			// Assigned, but only ever from itself.
			c.errs = append(c.errs, errorAt(m.Span, "Could not resolve the type of %s: it is only assigned values read from itself", m.Name))
		}
	}
}

// checkDeclaredKind checks a declared map's kind against its values, as
// the newest bpftrace does: aggregations need a per-CPU kind
// (percpuhash, percpulruhash), other values a shared one (hash, lruhash).
func (c *checker) checkDeclaredKind(m *MapInfo) {
	if m.Declared == "" || !m.used {
		return
	}
	perCPU := m.Value.Kind == KindAgg
	if perCPU == strings.HasPrefix(m.Declared, "percpu") {
		return
	}
	want := "hash"
	if perCPU {
		want = "percpuhash"
	}
	c.errs = append(c.errs, errorAt(m.useSpan, "Incompatible map types. Type from declaration: %s. Type from value/key type: %s", m.Declared, want))
}

// cloneExpr deep-copies an expression (nil stays nil).
func cloneExpr(e Expr) Expr {
	if e == nil {
		return nil
	}
	return cloneNode(e).(Expr)
}

// cloneNode deep-copies a syntax tree. Types are shared; they are reset by
// the next check pass anyway.
func cloneNode(n Node) Node {
	v := reflect.ValueOf(n)
	return deepCopy(v).Interface().(Node)
}

var typePtr = reflect.TypeOf((*Type)(nil))

func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || v.Type() == typePtr || v.Type() == reflect.TypeOf((*VarDecl)(nil)) {
			return v
		}
		out := reflect.New(v.Elem().Type())
		out.Elem().Set(deepCopy(v.Elem()))
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(deepCopy(v.Elem()))
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(deepCopy(v.Index(i)))
		}
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		for i := 0; i < v.NumField(); i++ {
			if out.Field(i).CanSet() {
				out.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return out
	}
	return v
}

// dedupe drops repeated diagnostics: a probe compiled once per attach
// point (or argument layout) reports each problem once.
func dedupe(errs ErrorList) ErrorList {
	out := errs[:0]
	for i, e := range errs {
		if i > 0 && e.Pos == errs[i-1].Pos && e.Msg == errs[i-1].Msg {
			continue
		}
		out = append(out, e)
	}
	return out
}
