package btf

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// TypeDefinition is the C definition of a kernel struct, union or enum,
// as bpftrace -lv 'struct path' prints it.
type TypeDefinition struct {
	// Name is the type's kind and name: "struct path". Where BTF holds
	// several types of one name, the second and later carry libbpf's
	// suffix, as in bpftrace: "struct workspace___2".
	Name string
	// C is the definition, without a final newline:
	// "struct path {\n\tstruct vfsmount *mnt;\n\tstruct dentry *dentry;\n};".
	C string
	// BTF is where the definition comes from: "vmlinux" alone when
	// vmlinux has it, else each module that does, sorted.
	BTF []string
}

// IsTypeName reports whether s names a struct, union or enum the way
// bpftrace's listing recognises a type: "struct path", "union *", "enum
// cpu_usage_stat".
func IsTypeName(s string) bool {
	return strings.HasPrefix(s, "struct ") || strings.HasPrefix(s, "union ") || strings.HasPrefix(s, "enum ")
}

// TypeNames returns the names of the named structs, unions and enums of
// the kernel (vmlinux and modules) that match a glob, sorted and without
// repeats: "struct path". Unlike bpftrace, which leaves them out, 64-bit
// enums (BTF_KIND_ENUM64) are listed too.
func (k *Kernel) TypeNames(pattern string) ([]string, error) {
	seen := map[string]bool{}
	err := k.eachSpec(func(_ string, spec typeSource) (bool, error) {
		for t, err := range spec.All() {
			if err != nil {
				return false, fmt.Errorf("read BTF types: %w", err)
			}
			if name := cTypeName(t); name != "" && t.TypeName() != "" && MatchGlob(pattern, name) {
				seen[name] = true
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// cTypeName returns "struct NAME", "union NAME" or "enum NAME" for a
// struct, union or enum, and "" for other types.
func cTypeName(t btf.Type) string {
	switch t := t.(type) {
	case *btf.Struct:
		return "struct " + t.Name
	case *btf.Union:
		return "union " + t.Name
	case *btf.Enum:
		return "enum " + t.Name
	}
	return ""
}

// TypeDefinitions returns the C definitions of the named structs, unions
// and enums of the kernel whose names match a glob, sorted by their text,
// as bpftrace -lv 'struct path*' lists them. They are written the way
// libbpf's btf_dump writes them, because bpftrace prints what btf_dump
// writes when it dumps every named struct, union and enum of each BTF
// object (vmlinux and each module) in ID order.
//
// Where bpftrace cuts that output into definitions it recognises one by
// its first line ending in '{' and its last line being "};". gtrace takes
// each definition btf_dump writes whole instead, so it differs where that
// heuristic fails: a definition ending in an attribute ("}
// __attribute__((packed));", "} __attribute__((mode(byte)));") is printed
// alone rather than running into the text after it, and an empty struct
// ("struct empty {};", on one line) is printed rather than left out. A
// 64-bit enum (BTF_KIND_ENUM64) is printed even when no other type needs
// it (bpftrace prints those only when btf_dump writes them as another
// type's dependency).
func (k *Kernel) TypeDefinitions(pattern string) ([]TypeDefinition, error) {
	type found struct {
		name string
		btf  map[string]bool
	}
	byText := map[string]*found{}
	var baseTypes btf.TypeID
	err := k.eachSpec(func(module string, spec typeSource) (bool, error) {
		first := btf.TypeID(1)
		if module != "" {
			first = baseTypes
		}
		d, err := newCDumper(spec)
		if err != nil {
			return false, err
		}
		if module == "" {
			module, baseTypes = "vmlinux", btf.TypeID(len(d.types))
		}
		for _, def := range d.dumpAll(first) {
			if !MatchGlob(pattern, def.name) {
				continue
			}
			f := byText[def.text]
			if f == nil {
				f = &found{name: def.name, btf: map[string]bool{}}
				byText[def.text] = f
			}
			f.btf[module] = true
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	defs := make([]TypeDefinition, 0, len(byText))
	for text, f := range byText {
		where := []string{"vmlinux"}
		if !f.btf["vmlinux"] {
			where = where[:0]
			for m := range f.btf {
				where = append(where, m)
			}
			slices.Sort(where)
		}
		defs = append(defs, TypeDefinition{Name: f.name, C: text, BTF: where})
	}
	sort.Slice(defs, func(i, j int) bool { return defs[i].C < defs[j].C })
	return defs, nil
}

// dumpAll dumps the types of one BTF object, those from ID first on, as
// bpftrace does for listing: every named struct, union and enum (not
// ENUM64) in ID order. It then dumps the named ENUM64s not written yet,
// and returns every top-level definition written.
func (d *cDumper) dumpAll(first btf.TypeID) []cDefinition {
	for id := first; int(id) < len(d.types); id++ {
		switch d.kind(id) {
		case kindStruct, kindUnion, kindEnum:
			if d.name(id) != "" {
				d.dumpType(id)
			}
		}
	}
	for id := first; int(id) < len(d.types); id++ {
		if d.kind(id) == kindEnum64 && d.name(id) != "" && d.state[id].emit != emitted {
			d.dumpType(id)
		}
	}
	return d.defs
}
