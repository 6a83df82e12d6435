package lang

import (
	"errors"
	"fmt"

	"github.com/gtrace/gtrace/btf"
)

// Probes whose arguments are typed from BTF and passed as an array of
// 64-bit slots in the context: raw tracepoints (rawtracepoint:name,
// args from the btf_trace_<name> prototype) and fentry/fexit (kfunc and
// kretfunc in older scripts; args from the function's prototype, fexit's
// retval after them).

func init() {
	registerProbeKind(&ProbeKind{Name: "rawtracepoint", Aliases: []string{"rt"}, NumArgs: 12,
		Expand: expandRawTracepoint, ArgsType: rawTracepointArgs, List: listRawTracepoints})
	registerProbeKind(&ProbeKind{Name: "fentry", Aliases: []string{"f", "kfunc"},
		Expand: expandFunc("fentry"), ArgsType: funcArgs, List: listFunctions("fentry")})
	registerProbeKind(&ProbeKind{Name: "fexit", Aliases: []string{"fr", "kretfunc"}, Retval: true,
		Expand: expandFunc("fexit"), ArgsType: funcArgs, List: listFunctions("fexit")})
}

// expandRawTracepoint parses rawtracepoint[:module]:name; wildcards match
// tracepoint names.
func expandRawTracepoint(c *checker, ap *AttachPoint, parts []string) ([]*ProbePoint, error) {
	var module, name string
	switch len(parts) {
	case 1:
		name = parts[0]
	case 2:
		module, name = parts[0], parts[1]
	default:
		return nil, wrongArgCount(ap, "rawtracepoint", 1)
	}
	if name == "" {
		return nil, wrongArgCount(ap, "rawtracepoint", 1)
	}
	if module != "" && module != "vmlinux" {
		// A module the kernel has no BTF for has no raw tracepoints.
		if ml, ok := c.kernel().(moduleLister); ok {
			if mods, err := ml.Modules(); err == nil && !hasModule(mods, module) {
				return nil, errorAt(ap.Span, "No matches for rawtracepoint %s:%s.", module, name)
			}
		}
	}
	names := []string{name}
	if hasWildcard(name) {
		tps, err := c.kernel().Tracepoints("*", name)
		if err != nil {
			return nil, errorAt(ap.Span, "%v", err)
		}
		seen := map[string]bool{}
		names = nil
		for _, tp := range tps {
			if !seen[tp.Name] {
				seen[tp.Name] = true
				names = append(names, tp.Name)
			}
		}
		if len(names) == 0 {
			return nil, errorAt(ap.Span, "No raw tracepoints match %s", name)
		}
	} else if _, err := c.kernel().RawTracepointArgs(name); err != nil {
		return nil, errorAt(ap.Span, "raw tracepoint not found: %s", name)
	}
	var out []*ProbePoint
	for _, n := range names {
		full := "rawtracepoint:" + n
		if module != "" {
			full = "rawtracepoint:" + module + ":" + n
		}
		out = append(out, &ProbePoint{Name: full, Target: module, Func: n})
	}
	return out, nil
}

// moduleLister is what a Kernel may offer besides: the names of the
// kernel modules with BTF.
type moduleLister interface {
	Modules() ([]string, error)
}

// hasModule reports whether module is among mods, a glob matching any.
func hasModule(mods []string, module string) bool {
	for _, m := range mods {
		if m == module || (hasWildcard(module) && btf.MatchGlob(module, m)) {
			return true
		}
	}
	return false
}

func rawTracepointArgs(c *checker, p *ProbePoint) (*Type, error) {
	params, err := c.kernel().RawTracepointArgs(p.Func)
	if err != nil {
		return nil, err
	}
	return c.argsStruct("struct rawtracepoint_"+p.Func+"_args", params, nil), nil
}

// argsStruct lays out BTF-typed arguments as the context holds them: one
// 64-bit slot each (retval, when given, in the slot after them).
func (c *checker) argsStruct(name string, params []btf.Param, retval *btf.Param) *Type {
	st := &Type{Kind: KindStruct, Name: name}
	for i, p := range params {
		st.Fields = append(st.Fields, Field{Name: p.Name, Type: c.fromBTF(p.Type, AddrKernel), Offset: 8 * i})
	}
	if retval != nil {
		st.Fields = append(st.Fields, Field{Name: "$retval", Type: c.fromBTF(retval.Type, AddrKernel), Offset: 8 * len(params)})
	}
	st.Size = 8 * len(st.Fields)
	return st
}

// expandFunc parses fentry:[module:]function and fexit:...
func expandFunc(kind string) func(*checker, *AttachPoint, []string) ([]*ProbePoint, error) {
	return func(c *checker, ap *AttachPoint, parts []string) ([]*ProbePoint, error) {
		module, fn, err := moduleFunction(ap, kind, parts)
		if err != nil {
			return nil, err
		}
		if hasWildcard(fn) {
			return nil, errorAt(ap.Span, "%s: wildcards in function names are not supported yet", kind)
		}
		if _, err := c.kernel().Function(fn); err != nil {
			if errors.Is(err, btf.ErrNotFound) {
				return nil, errorAt(ap.Span, "%s: function %s not found in kernel BTF", kind, fn)
			}
			return nil, errorAt(ap.Span, "%s: %v", kind, err)
		}
		name := kind + ":" + fn
		if module != "" {
			name = kind + ":" + module + ":" + fn
		}
		return []*ProbePoint{{Name: name, Target: module, Func: fn}}, nil
	}
}

func funcArgs(c *checker, p *ProbePoint) (*Type, error) {
	fn, err := c.kernel().Function(p.Func)
	if err != nil {
		return nil, err
	}
	var ret *btf.Param
	if p.Kind == "fexit" && fn.Return != nil {
		ret = &btf.Param{Name: "$retval", Type: fn.Return}
	}
	return c.argsStruct(fmt.Sprintf("struct %s_%s_args", p.Kind, p.Func), fn.Params, ret), nil
}
