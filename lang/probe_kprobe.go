package lang

import (
	"strings"
)

// Kernel function probes: kprobe:[module:]function[+offset] and
// kretprobe:[module:]function, wildcards in the function (and module)
// name. Arguments are read from the registers saved in struct pt_regs:
// arg0..argN at entry, retval at return.

func init() {
	registerProbeKind(&ProbeKind{Name: "kprobe", Aliases: []string{"k"}, NumArgs: len(argRegisters[hostArch]),
		Expand: expandKprobe("kprobe"), List: listKprobes})
	registerProbeKind(&ProbeKind{Name: "kretprobe", Aliases: []string{"kr"}, Retval: true,
		Expand: expandKprobe("kretprobe")})
}

// argRegisters are the registers holding integer arguments, by
// architecture: argN reads the Nth.
var argRegisters = map[string][]string{
	"amd64": {"di", "si", "dx", "cx", "r8", "r9"},
	"arm64": {"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"},
}

// expandKprobe parses kprobe:function, kprobe:function+offset and
// kprobe:module:function, checks that the function exists and expands
// wildcards into one point per function.
func expandKprobe(kind string) func(*checker, *AttachPoint, []string) ([]*ProbePoint, error) {
	return func(c *checker, ap *AttachPoint, parts []string) ([]*ProbePoint, error) {
		module, fn, err := moduleFunction(ap, kind, parts)
		if err != nil {
			return nil, err
		}
		var offset uint64
		if name, off, ok := strings.Cut(fn, "+"); ok {
			n, err := parseIntLiteral(off)
			switch {
			case err != nil || name == "":
				return nil, errorAt(ap.Span, "%s: invalid function offset in '%s' (expected function+offset)", kind, fn)
			case kind == "kretprobe":
				return nil, errorAt(ap.Span, "kretprobe: offsets are not allowed (%s): a return probe fires when the function returns", fn)
			case hasWildcard(name):
				return nil, errorAt(ap.Span, "%s: an offset cannot be used with a wildcard (%s)", kind, fn)
			}
			fn, offset = name, n
		}
		found, err := c.kernel().KprobeFunctions(module, fn)
		if err != nil {
			return nil, errorAt(ap.Span, "%s: cannot list kernel functions: %v", ap.Raw, err)
		}
		wild := hasWildcard(fn) || hasWildcard(module)
		if len(found) == 0 {
			where := ""
			if module != "" {
				where = " in module " + module
			}
			if wild {
				return nil, errorAt(ap.Span, "%s: no kernel function%s matches %s", ap.Raw, where, fn)
			}
			return nil, errorAt(ap.Span, "%s: no kernel function %s%s (it may not exist, be inlined or not traceable)", ap.Raw, fn, where)
		}
		var out []*ProbePoint
		seen := map[string]bool{}
		for _, f := range found {
			name := kind + ":" + f.Name
			if module != "" {
				name = kind + ":" + moduleName(f.Module) + ":" + f.Name
			}
			if offset != 0 {
				name += "+" + formatOffset(parts[len(parts)-1])
			}
			if seen[name] {
				continue // the same function in several modules
			}
			seen[name] = true
			out = append(out, &ProbePoint{Name: name, Target: f.Module, Func: f.Name, Offset: offset})
			if !wild {
				break
			}
		}
		return out, nil
	}
}

// moduleFunction splits the [module:]function parts of a kernel
// function's attach point.
func moduleFunction(ap *AttachPoint, kind string, parts []string) (module, fn string, err error) {
	switch len(parts) {
	case 1:
		fn = parts[0]
	case 2:
		module, fn = parts[0], parts[1]
	}
	if fn == "" || len(parts) > 2 {
		return "", "", wrongArgCount(ap, kind, 1)
	}
	return module, fn, nil
}

// moduleName names the module that defines a kernel function.
func moduleName(m string) string {
	if m == "" {
		return "vmlinux"
	}
	return m
}

// formatOffset returns the offset as written after the '+'.
func formatOffset(fn string) string {
	_, off, _ := strings.Cut(fn, "+")
	return off
}

// listKprobes lists kprobe:function (kprobe:module:function for a
// pattern that names modules).
func listKprobes(k Kernel, pattern string, _ bool) ([]Listed, error) {
	module, fn, ok := strings.Cut(pattern, ":")
	if !ok {
		module, fn = "", pattern
	}
	if fn == "" {
		fn = "*"
	}
	found, err := k.KprobeFunctions(module, fn)
	if err != nil {
		return nil, err
	}
	out := make([]Listed, 0, len(found))
	seen := map[string]bool{}
	for _, f := range found {
		name := "kprobe:" + f.Name
		if ok {
			name = "kprobe:" + moduleName(f.Module) + ":" + f.Name
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, Listed{Name: name})
		}
	}
	return out, nil
}
