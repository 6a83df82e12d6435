package lang

import (
	"reflect"
	"strconv"
)

// The newest bpftrace defines most builtins as standard-library macros
// over __builtin_X identifiers (`macro cpu() { __builtin_cpu }`), and a
// script may use those spellings as well: `__builtin_cpu` is `cpu`. This
// file maps them to gtrace's builtins, adds the call forms the macros give
// (`probe()`, `func()`, `retval()`), and the builtins that came with them:
// usermode and config.

// spelledIdents are the __builtin_X identifiers whose plain form X is a
// builtin identifier.
var spelledIdents = map[string]string{
	"__builtin_comm":    "comm",
	"__builtin_cpid":    "cpid",
	"__builtin_cpu":     "cpu",
	"__builtin_elapsed": "elapsed",
	"__builtin_func":    "func",
	"__builtin_probe":   "probe",
	"__builtin_retval":  "retval",
}

// spelledBare are the __builtin_X identifiers whose plain form X is a
// function without arguments (that may be written without parentheses).
var spelledBare = map[string]string{
	"__builtin_ncpus":     "ncpus",
	"__builtin_probetype": "probetype",
	"__builtin_usermode":  "usermode",
	"__builtin_config":    "config",
}

// spelledFuncs are the __builtin_X functions whose plain form X is a
// gtrace function taking the same arguments.
var spelledFuncs = map[string]string{
	"__builtin_uaddr":         "uaddr",
	"__builtin_kfunc_exist":   "kfunc_exist",
	"__builtin_kfunc_allowed": "kfunc_allowed",
	"__builtin_is_literal":    "is_literal",
}

// internalBuiltins are the newest bpftrace's __builtin_X names that only
// serve its standard library's own macros and have no gtrace builtin
// behind them; using one is an error.
var internalBuiltins = map[string]bool{
	"__builtin_arch":       true,
	"__builtin_safe_mode":  true,
	"__builtin_elf_is_exe": true,
	"__builtin_elf_ino":    true,
	"__builtin_dw_ustack":  true,
	"__builtin_signal_num": true,
}

// identCalls are the builtins whose call form X() is rewritten to the
// identifier X before checking, because the checker looks for the
// identifiers when it splits a probe into variants (scanBuiltins).
var identCalls = map[string]bool{"probe": true, "func": true, "retval": true}

func init() {
	functions["usermode"] = funcSpec{0, 0, checkUsermode}
	functions["config"] = funcSpec{0, 0, checkConfigRecord}
	bareCalls["usermode"] = true
	bareCalls["config"] = true
	for name := range identCalls {
		// Only for the argument-count errors: X() never gets here.
		functions[name] = funcSpec{0, 0, checkBuiltinCall}
	}
	for name := range internalBuiltins {
		functions[name] = funcSpec{0, -1, checkInternalBuiltin}
	}
}

// isSpelledBuiltin reports whether name is one of the __builtin_X
// identifiers above, for the parser's cast disambiguation.
func isSpelledBuiltin(name string) bool {
	return spelledIdents[name] != "" || spelledBare[name] != "" || internalBuiltins[name]
}

// spellBuiltins rewrites the __builtin_X spellings to their plain forms
// and X() to X for identCalls. It runs once, after macros expand and bare
// function names become calls, before probes are split into variants.
func spellBuiltins(prog *Program) {
	for _, it := range prog.Items {
		p, ok := it.(*Probe)
		if !ok {
			continue
		}
		rewriteExprs(reflect.ValueOf(p), func(e Expr) Expr {
			switch e := e.(type) {
			case *Ident:
				if name := spelledIdents[e.Name]; name != "" {
					e.Name = name
				} else if name := spelledBare[e.Name]; name != "" {
					return &Call{Span: e.Span, Name: name}
				}
			case *Call:
				if name := spelledFuncs[e.Name]; name != "" {
					e.Name = name
				} else if identCalls[e.Name] && len(e.Args) == 0 {
					return &Ident{Span: e.Span, Name: e.Name}
				}
			}
			return e
		})
	}
}

// checkInternalBuiltin reports a __builtin_X call gtrace does not have
// (its arguments, such as dw_ustack's raw, are not checked).
func checkInternalBuiltin(c *checker, call *Call) *Type {
	c.internalBuiltin(call, call.Name)
	return nil
}

func (c *checker) internalBuiltin(n Node, name string) {
	c.errorf(n, "%s is internal to the newest bpftrace's standard library and not supported by gtrace", name)
}

// checkUsermode types usermode: 1 (uint8) when the task was in user mode
// when the probe fired. As in the newest bpftrace it is only known on
// x86_64, from the privilege level of the code segment the probe saved in
// pt_regs, (cs & 3) == 3; probes without pt_regs fold it to a constant,
// 1 in special probes (BEGIN, END, self) and 0 in the others.
func checkUsermode(c *checker, call *Call) *Type {
	if hostArch != "amd64" {
		c.errorf(call, "'usermode' builtin is only supported on x86_64")
		return nil
	}
	u8 := func(x Expr) Expr {
		return &Cast{Span: call.Span, To: &TypeSpec{Span: call.Span, Name: "uint8"}, X: x}
	}
	lit := func(v uint64) Expr {
		return &IntLit{Span: call.Span, Value: v, Text: strconv.FormatUint(v, 10)}
	}
	allRegs := true
	for _, pt := range c.variant.Points {
		allRegs = allRegs && ptRegsKinds[pt.Kind]
	}
	switch {
	case allRegs:
		cs := &Call{Span: call.Span, Name: "reg", Args: []Expr{&StrLit{Span: call.Span, Value: "cs"}}}
		call.Expansion = u8(&Binary{Span: call.Span, Op: "==",
			L: &Binary{Span: call.Span, Op: "&", L: cs, R: lit(3)}, R: lit(3)})
	case probeTypeName(c.pointKind()) == "special":
		call.Expansion = u8(lit(1))
	default:
		call.Expansion = u8(lit(0))
	}
	return c.expr(call.Expansion)
}

// probeTypeName is the name probetype gives a kind.
func probeTypeName(k *ProbeKind) string {
	switch {
	case k.Special:
		return "special"
	case k.ProbeType != "":
		return k.ProbeType
	}
	return k.Name
}

// configFields are the config variables config() reports, in the newest
// bpftrace's words and order, with their values in gtrace's
// configuration.
var configFields = []struct {
	name string
	get  func(c *Config) any
}{
	{"cpp_demangle", func(c *Config) any { return c.CppDemangle }},
	{"lazy_symbolication", func(c *Config) any { return c.LazySymbolication }},
	{"print_maps_on_exit", func(c *Config) any { return c.PrintMapsOnExit }},
	{"use_blazesym", func(c *Config) any { return c.UseBlazesym }},
	{"show_debug_info", func(c *Config) any { return c.ShowDebugInfo }},
	{"log_size", func(c *Config) any { return c.LogSize }},
	{"max_bpf_progs", func(c *Config) any { return c.MaxBPFProgs }},
	{"max_cat_bytes", func(c *Config) any { return c.MaxCatBytes }},
	{"max_map_keys", func(c *Config) any { return c.MaxMapKeys }},
	{"max_probes", func(c *Config) any { return c.MaxProbes }},
	{"max_strlen", func(c *Config) any { return c.MaxStrlen }},
	{"on_stack_limit", func(c *Config) any { return c.OnStackLimit }},
	{"perf_rb_pages", func(c *Config) any { return c.PerfRbPages }},
	{"str_trunc_trailer", func(c *Config) any { return c.StrTruncTrailer }},
	{"unstable_import_statement", func(c *Config) any { return c.UnstableImportStatement.String() }},
	{"unstable_tseries", func(c *Config) any { return c.UnstableTSeries.String() }},
	{"unstable_typeinfo", func(c *Config) any { return c.UnstableTypeinfo.String() }},
	{"unstable_dw_ustack", func(c *Config) any { return c.UnstableDwUstack.String() }},
	{"missing_probes", func(c *Config) any { return c.MissingProbes }},
	{"stack_mode", func(c *Config) any { return c.StackMode }},
	{"license", func(c *Config) any { return c.License }},
}

// checkConfigRecord types config(): a record of the config variables'
// values (after the config block and the environment), built of literals
// as the newest bpftrace builds __builtin_config.
func checkConfigRecord(c *checker, call *Call) *Type {
	r := &Record{Span: call.Span}
	for _, f := range configFields {
		var v Expr
		switch x := f.get(&c.cfg).(type) {
		case bool:
			v = &BoolLit{Span: call.Span, Value: x}
		case int:
			v = &IntLit{Span: call.Span, Value: uint64(x), Text: strconv.Itoa(x)}
		case string:
			v = &StrLit{Span: call.Span, Value: x}
		}
		r.Names = append(r.Names, f.name)
		r.Values = append(r.Values, v)
	}
	call.Expansion = r
	return c.expr(call.Expansion)
}
