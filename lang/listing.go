package lang

import (
	"fmt"
	"sort"
	"strings"

	cbtf "github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/btf"
)

// Listed is one probe in a listing, with its arguments as C declarations
// when the listing is verbose; or one kernel type (gtrace -l 'struct
// path*'), with its definition when the listing is verbose.
type Listed struct {
	Name string
	Args []string
	// Definition is a type's C definition, without a final newline
	// (verbose type listings only); BTF is where it comes from:
	// "vmlinux" or a module.
	Definition string
	BTF        string
	// Warning is a warning gtrace -l prints on stderr with the entry
	// ("No DWARF found for ..., cannot show parameter info"); empty for
	// none.
	Warning string
}

// String returns the entry as gtrace -l prints it, ending in a newline:
// the name, then each argument on a line of its own indented by four
// spaces; for a type's definition, where it comes from and the definition,
// then an empty line. The newest bpftrace prints the definition of
// "struct path" as
//
//	vmlinux: struct path {
//		struct vfsmount *mnt;
//		struct dentry *dentry;
//	};
//
// where bpftrace 0.17 has no "vmlinux: ": gtrace follows the newest.
func (l Listed) String() string {
	if l.Definition != "" {
		return l.BTF + ": " + l.Definition + "\n\n"
	}
	var b strings.Builder
	b.WriteString(l.Name + "\n")
	for _, a := range l.Args {
		b.WriteString("    " + a + "\n")
	}
	return b.String()
}

// TypeLister is what a Kernel offers to list kernel types; btf.Kernel
// provides it.
type TypeLister interface {
	// TypeNames lists the structs, unions and enums ("struct path")
	// whose names match a glob, sorted.
	TypeNames(pattern string) ([]string, error)
	// TypeDefinitions returns their C definitions.
	TypeDefinitions(pattern string) ([]btf.TypeDefinition, error)
}

// listTypes lists the kernel structs, unions and enums whose names match
// a pattern ("struct path*"), with their definitions when verbose, as
// bpftrace -l 'struct path*' and -lv 'struct path' do.
func listTypes(k Kernel, pattern string, verbose bool) ([]Listed, error) {
	tl, ok := k.(TypeLister)
	if !ok {
		return nil, fmt.Errorf("listing %s: no kernel types available", pattern)
	}
	if !verbose {
		names, err := tl.TypeNames(pattern)
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", pattern, err)
		}
		out := make([]Listed, len(names))
		for i, n := range names {
			out[i] = Listed{Name: n}
		}
		return out, nil
	}
	defs, err := tl.TypeDefinitions(pattern)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", pattern, err)
	}
	var out []Listed
	for _, d := range defs {
		for _, where := range d.BTF {
			out = append(out, Listed{Name: d.Name, Definition: d.C, BTF: where})
		}
	}
	return out, nil
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
//
// A pattern that starts with "struct ", "union " or "enum " lists kernel
// types instead, as in bpftrace: their names, or with verbose their
// definitions.
func ListProbes(k Kernel, b Binaries, pattern string, verbose bool) ([]Listed, error) {
	if typ := strings.Join(strings.Fields(pattern), " "); btf.IsTypeName(typ) {
		return listTypes(k, typ, verbose)
	}
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
