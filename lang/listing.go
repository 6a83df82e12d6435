package lang

import (
	"fmt"
	"sort"
	"strings"

	cbtf "github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/btf"
)

// Listed is one probe in a listing, with its arguments as C declarations
// when the listing is verbose.
type Listed struct {
	Name string
	Args []string
}

// List lists probes as bpftrace's -l does. A pattern that starts with a
// probe kind ("tracepoint:sched:*") lists that kind; any other pattern is
// matched against the full names of every kind that can be listed; an
// empty pattern lists everything.
func List(k Kernel, pattern string, verbose bool) ([]Listed, error) {
	return ListProbes(k, nil, pattern, verbose)
}

// ListProbes is List with user-space binaries: uprobes and USDT probes
// are listed from the binaries a pattern names (uprobe:/bin/bash:*) and,
// when b traces a process (-p), from every file the process maps.
func ListProbes(k Kernel, b Binaries, pattern string, verbose bool) ([]Listed, error) {
	if b == nil {
		b = noBinaries{}
	}
	if kindName, rest, ok := strings.Cut(pattern, ":"); ok {
		if kind, ok := probeKindByName[kindName]; ok {
			if kind.ListUser != nil {
				return kind.ListUser(b, rest, verbose)
			}
			if kind.List == nil {
				return nil, fmt.Errorf("%s probes cannot be listed", kind.Name)
			}
			return kind.List(k, rest, verbose)
		}
	}
	if pattern == "" {
		pattern = "*"
	}
	var names []string
	for name := range probeKinds {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []Listed
	for _, name := range names {
		kind := probeKinds[name]
		if _, _, traced := b.Process(); traced {
			// With a process (-p), its probes only, as bpftrace: return
			// probes are the entry probes' functions again.
			if kind.ListUser == nil || kind.Retval {
				continue
			}
			all, _ := kind.ListUser(b, "", false)
			for _, l := range all {
				if btf.MatchGlob(pattern, l.Name) || (!btf.IsGlob(pattern) && strings.Contains(l.Name, pattern)) {
					out = append(out, l)
				}
			}
			continue
		}
		if kind.List == nil || kind.Special {
			continue
		}
		all, err := kind.List(k, "*", false)
		if err != nil {
			continue // a kind this kernel lacks lists nothing
		}
		for _, l := range all {
			if !btf.MatchGlob(pattern, l.Name) && (btf.IsGlob(pattern) || !strings.Contains(l.Name, pattern)) {
				continue
			}
			if verbose {
				// Arguments only for the matches: list the one name again.
				if one, err := kind.List(k, strings.TrimPrefix(l.Name, name+":"), true); err == nil && len(one) == 1 {
					l = one[0]
				}
			}
			out = append(out, l)
		}
	}
	return out, nil
}

// declaration writes a BTF-typed argument as bpftrace -lv does:
// "struct sock * sk".
func declaration(t cbtf.Type, name string) string {
	s := btf.TypeString(t)
	if strings.HasSuffix(s, "*") {
		return s + " " + name
	}
	return btf.Declaration(t, name)
}

func listTracepoints(k Kernel, pattern string, verbose bool) ([]Listed, error) {
	cat, name, ok := strings.Cut(pattern, ":")
	if !ok {
		name = "*"
	}
	tps, err := k.Tracepoints(cat, name)
	if err != nil {
		return nil, err
	}
	out := make([]Listed, 0, len(tps))
	for _, tp := range tps {
		l := Listed{Name: "tracepoint:" + tp.Category + ":" + tp.Name}
		if verbose {
			if f, err := k.TracepointFormat(tp.Category, tp.Name); err == nil {
				for _, fld := range f.Args() {
					l.Args = append(l.Args, formatFieldDecl(fld))
				}
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// formatFieldDecl writes a format-file field as a C declaration.
func formatFieldDecl(f btf.TracepointField) string {
	if elem, n, ok := f.Array(); ok && !f.IsDataLoc() {
		return fmt.Sprintf("%s %s[%d]", elem, f.Name, n)
	}
	return f.Type + " " + f.Name
}

func listRawTracepoints(k Kernel, pattern string, verbose bool) ([]Listed, error) {
	tps, err := k.Tracepoints("*", pattern)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Listed
	for _, tp := range tps {
		if seen[tp.Name] {
			continue
		}
		seen[tp.Name] = true
		l := Listed{Name: "rawtracepoint:" + tp.Name}
		if verbose {
			args, err := k.RawTracepointArgs(tp.Name)
			if err != nil {
				continue // no BTF prototype: not attachable as a raw tracepoint
			}
			for _, a := range args {
				l.Args = append(l.Args, declaration(a.Type, a.Name))
			}
		}
		out = append(out, l)
	}
	return out, nil
}

func listFunctions(kind string) func(k Kernel, pattern string, verbose bool) ([]Listed, error) {
	return func(k Kernel, pattern string, verbose bool) ([]Listed, error) {
		if pattern == "" {
			pattern = "*"
		}
		names, err := k.Functions(pattern)
		if err != nil {
			return nil, err
		}
		out := make([]Listed, 0, len(names))
		for _, n := range names {
			l := Listed{Name: kind + ":" + n}
			if verbose {
				fn, err := k.Function(n)
				if err != nil {
					continue
				}
				for _, p := range fn.Params {
					l.Args = append(l.Args, declaration(p.Type, p.Name))
				}
				if kind == "fexit" && fn.Return != nil {
					l.Args = append(l.Args, declaration(fn.Return, "retval"))
				}
			}
			out = append(out, l)
		}
		return out, nil
	}
}
