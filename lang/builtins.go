package lang

import (
	"strconv"
	"strings"
)

// builtinTypes gives the type of each builtin identifier that does not
// depend on the probe. Probe-dependent ones (args, argN, retval, probe)
// are handled in ident.
var builtinTypes = map[string]*Type{
	"pid":     IntType(32, false),
	"tid":     IntType(32, false),
	"uid":     IntType(32, false),
	"gid":     IntType(32, false),
	"cpu":     IntType(32, false),
	"numaid":  IntType(32, false),
	"rand":    IntType(32, false),
	"nsecs":   IntType(64, false),
	"elapsed": IntType(64, false),
	"jiffies": IntType(64, false),
	"cgroup":  IntType(64, false),
	"comm":    StringType(16),
}

// probeBuiltins are the builtins whose meaning depends on the probe or
// the kernel.
var probeBuiltins = map[string]bool{"args": true, "retval": true, "probe": true, "curtask": true, "func": true, "ctx": true}

// isBuiltinIdent reports whether a bare identifier names a builtin, for
// the parser's cast disambiguation: (pid)*2 is a product, not a cast.
func isBuiltinIdent(name string) bool {
	if builtinTypes[name] != nil || probeBuiltins[name] || bareCalls[name] || isSpelledBuiltin(name) {
		return true
	}
	_, ok := argIndex(name)
	return ok
}

// BuiltinNames lists the builtin identifiers, for completion.
func BuiltinNames() []string {
	out := []string{"args", "retval", "probe", "arg0"}
	for n := range builtinTypes {
		out = append(out, n)
	}
	return out
}

// argIndex parses argN.
func argIndex(name string) (int, bool) {
	if !strings.HasPrefix(name, "arg") || len(name) == 3 {
		return 0, false
	}
	n, err := strconv.Atoi(name[3:])
	return n, err == nil && n >= 0 && strconv.Itoa(n) == name[3:]
}

func (c *checker) ident(e *Ident) *Type {
	if t, ok := builtinTypes[e.Name]; ok {
		return t
	}
	kind := c.pointKind()
	switch e.Name {
	case "curtask":
		// struct task_struct * when the kernel has BTF, a plain address
		// otherwise. A script's own struct task_struct takes the
		// kernel's place, as in bpftrace.
		if t := c.cstructs["struct task_struct"]; t != nil {
			return PointerTo(t, AddrKernel)
		}
		if t, err := c.kernel().LookupType("struct task_struct"); err == nil {
			return PointerTo(c.fromBTF(t, AddrKernel), AddrKernel)
		}
		return IntType(64, false)
	case "func":
		return c.funcBuiltin(e)
	case "ctx":
		return c.ctxBuiltin(e)
	case "probe":
		if len(c.variant.Points) == 1 {
			e.Probe = c.variant.Points[0]
		}
		return &Type{Kind: KindProbe, Size: 8}
	case "args":
		if c.variant.Args == nil {
			c.errorf(e, "The args builtin can only be used with tracepoint, rawtracepoint, fentry, fexit and uprobe probes (%s used here)", kind.Name)
			return nil
		}
		if kind.Name == "uprobe" && len(c.variant.Args.Fields) == 0 {
			// No parameters in DWARF (or none gtrace can name).
			c.errorf(e, "Cannot read function parameters")
			return nil
		}
		return PointerTo(c.variant.Args, AddrCtx)
	case "retval":
		if !kind.Retval {
			c.errorf(e, "The retval builtin can only be used with 'kretprobe' and 'uretprobe' and 'fexit' probes (%s used here)", kind.Name)
			return nil
		}
		if c.variant.Args != nil {
			if f, ok := c.variant.Args.FieldByName("$retval"); ok {
				return f.Type
			}
		}
		return IntType(64, false)
	}
	if n, ok := argIndex(e.Name); ok {
		if kind.NumArgs == 0 {
			c.errorf(e, "The %s builtin can only be used with 'kprobes', 'uprobes' and 'usdt' probes (%s used here)", e.Name, kind.Name)
			return nil
		}
		if n >= kind.NumArgs {
			c.errorf(e, "%s is not a valid argument: %s has %d register arguments", e.Name, kind.Name, kind.NumArgs)
			return nil
		}
		if kind.ArgType != nil {
			// The points of a variant agree on their arguments.
			pt := c.variant.Points[0]
			t, err := kind.ArgType(pt, n)
			if err != nil {
				c.errorf(e, "%v", err)
			}
			return t
		}
		return IntType(64, false)
	}
	if internalBuiltins[e.Name] {
		c.internalBuiltin(e, e.Name)
		return nil
	}
	c.headerDefine(e.Name)
	if v, ok := c.defines[e.Name]; ok {
		e.Const, e.Value = true, v
		return withEnum(IntType(64, true), c.enumOf[e.Name])
	}
	if v, ok := c.strDefines[e.Name]; ok {
		e.Const, e.Str = true, v
		return StringType(len(v) + 1)
	}
	if ec, err := c.kernel().EnumConstant(e.Name); err == nil {
		e.Const, e.Value = true, ec.Int64()
		t := IntType(64, ec.Enum == nil || ec.Enum.Signed)
		if ec.Enum != nil {
			t.Enum = enumFromBTF(ec.Enum)
		}
		return t
	}
	if c.headers != nil && len(c.headers.missing) > 0 {
		// Perhaps a macro of a header gtrace did not find.
		c.errorf(e, "Unknown identifier: '%s' (headers not found in the include path: %s; -I DIR adds a directory)", e.Name, strings.Join(c.headers.missing, ", "))
		return nil
	}
	c.errorf(e, "Unknown identifier: '%s'", e.Name)
	return nil
}

// pointKind is the probe kind of the variant being checked.
func (c *checker) pointKind() *ProbeKind {
	return probeKinds[c.variant.Points[0].Kind]
}
