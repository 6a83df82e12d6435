package btf

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// LookupType finds a type by its C name: "struct task_struct",
// "union bpf_attr", "enum bpf_map_type", a typedef such as "u64" or
// "pid_t", or a base type such as "unsigned long" (also found under the
// "long unsigned int" spelling that pahole uses). Each trailing '*' adds a
// pointer: "struct sk_buff *". A bare name that is neither a typedef nor a
// base type is tried as a struct, union and enum tag.
//
// vmlinux (or the external BTF) is searched first, then each module in name
// order; modules are loaded only when the type is not in vmlinux. A complete
// definition is preferred over a forward declaration anywhere. The error for
// an unknown type wraps ErrNotFound.
func (k *Kernel) LookupType(name string) (btf.Type, error) {
	base, stars := splitPointers(name)
	kind, tag := splitTag(base)

	var typ btf.Type
	switch {
	case kind == "" && tag == "void":
		typ = &btf.Void{}
	case kind == "" && tag == "":
		return nil, fmt.Errorf("invalid type name %q", name)
	default:
		var err error
		if typ, err = k.lookupTag(kind, tag); err != nil {
			return nil, err
		}
	}
	for range stars {
		typ = &btf.Pointer{Target: typ}
	}
	return typ, nil
}

// splitPointers splits "struct foo **" into "struct foo" and 2.
func splitPointers(name string) (string, int) {
	name = strings.TrimSpace(name)
	stars := 0
	for strings.HasSuffix(name, "*") {
		stars++
		name = strings.TrimSpace(name[:len(name)-1])
	}
	return name, stars
}

// splitTag splits "struct foo" into "struct" and "foo"; a name without a
// struct, union or enum keyword has an empty kind. White space inside base
// type names is normalised.
func splitTag(name string) (kind, tag string) {
	fields := strings.Fields(name)
	if len(fields) == 2 {
		switch fields[0] {
		case "struct", "union", "enum":
			return fields[0], fields[1]
		}
	}
	return "", strings.Join(fields, " ")
}

func (k *Kernel) lookupTag(kind, name string) (btf.Type, error) {
	names := []string{name}
	if kind == "" {
		if alt := gccIntName(name); alt != "" && alt != name {
			names = append(names, alt)
		}
	}

	// See tagClass: within a spec the best class wins; a forward
	// declaration counts only if no spec has anything better.
	var found, fwd btf.Type
	err := k.eachSpec(func(_ string, spec typeSource) (bool, error) {
		var tagged btf.Type
		for _, n := range names {
			types, err := spec.AnyTypesByName(n)
			if errors.Is(err, btf.ErrNotFound) {
				continue
			} else if err != nil {
				return false, err
			}
			for _, t := range types {
				switch class := tagClass(kind, t); {
				case class == 0:
					found = t
					return true, nil
				case class == 1 && tagged == nil:
					tagged = t
				case class == 2 && fwd == nil:
					fwd = t
				}
			}
		}
		if tagged != nil {
			found = tagged
			return true, nil
		}
		return false, nil
	})
	switch {
	case err != nil:
		return nil, err
	case found != nil:
		return found, nil
	case fwd != nil:
		return fwd, nil
	}
	what := name
	if kind != "" {
		what = kind + " " + name
	}
	return nil, fmt.Errorf("type %s: %w", what, ErrNotFound)
}

// tagClass ranks how well t matches a lookup of the given kind ("" for a
// bare name): 0 best, 1 acceptable, 2 forward declaration, -1 no match.
func tagClass(kind string, t btf.Type) int {
	switch t := t.(type) {
	case *btf.Struct:
		return classIf(kind == "struct", kind == "")
	case *btf.Union:
		return classIf(kind == "union", kind == "")
	case *btf.Enum:
		if len(t.Values) == 0 && (kind == "enum" || kind == "") {
			return 2 // "enum foo;" is encoded as an enum without values
		}
		return classIf(kind == "enum", kind == "")
	case *btf.Fwd:
		if kind == t.Kind.String() || kind == "" {
			return 2
		}
	case *btf.Typedef, *btf.Int, *btf.Float:
		if kind == "" {
			return 0
		}
	}
	return -1
}

func classIf(exact, bare bool) int {
	switch {
	case exact:
		return 0
	case bare:
		return 1
	}
	return -1
}

// gccIntName returns the spelling GCC's DWARF (and so pahole's BTF) uses for
// a C integer type spelled with the keywords signed, unsigned, short, long,
// int and char: "unsigned long" → "long unsigned int". It returns "" if name
// is not such a type.
func gccIntName(name string) string {
	var signed, unsigned, short, long, char, integer int
	for _, w := range strings.Fields(name) {
		switch w {
		case "signed":
			signed++
		case "unsigned":
			unsigned++
		case "short":
			short++
		case "long":
			long++
		case "char":
			char++
		case "int":
			integer++
		default:
			return ""
		}
	}
	if signed+unsigned > 1 || integer > 1 || short > 1 || long > 2 || short > 0 && long > 0 {
		return ""
	}
	if char > 0 {
		if char > 1 || short+long+integer > 0 {
			return ""
		}
		switch {
		case signed > 0:
			return "signed char"
		case unsigned > 0:
			return "unsigned char"
		}
		return "char"
	}
	var parts []string
	switch {
	case long == 2:
		parts = append(parts, "long long")
	case long == 1:
		parts = append(parts, "long")
	case short == 1:
		parts = append(parts, "short")
	}
	if unsigned > 0 {
		parts = append(parts, "unsigned")
	}
	return strings.Join(append(parts, "int"), " ")
}

// Param is a named function or tracepoint parameter.
type Param struct {
	Name string
	Type btf.Type
}

// Function is a kernel function with its prototype.
type Function struct {
	Name string
	// Module is the module whose BTF declares the function, "" for vmlinux.
	Module string
	Params []Param
	Return btf.Type
	// Variadic is set when the prototype ends in "...", which is not listed
	// in Params.
	Variadic bool
	// Func is the underlying BTF function.
	Func *btf.Func
}

// Function finds the kernel function called name in vmlinux and then in
// modules. The error for an unknown function wraps ErrNotFound.
func (k *Kernel) Function(name string) (*Function, error) {
	var fn *Function
	err := k.eachSpec(func(module string, spec typeSource) (bool, error) {
		f, err := findFunc(spec, name)
		if err != nil || f == nil {
			return false, err
		}
		params, ret, variadic, err := protoParams(f.Type)
		if err != nil {
			return false, fmt.Errorf("function %s: %w", name, err)
		}
		fn = &Function{name, module, params, ret, variadic, f}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, fmt.Errorf("function %s: %w", name, ErrNotFound)
	}
	return fn, nil
}

// findFunc returns the first BTF function called name in spec, or nil.
func findFunc(spec typeSource, name string) (*btf.Func, error) {
	return findNamed[*btf.Func](spec, name)
}

// findTypedef returns the first BTF typedef called name in spec, or nil.
func findTypedef(spec typeSource, name string) (*btf.Typedef, error) {
	return findNamed[*btf.Typedef](spec, name)
}

// findNamed returns the first type of type T called name in spec, or nil.
func findNamed[T btf.Type](spec typeSource, name string) (T, error) {
	var none T
	types, err := spec.AnyTypesByName(name)
	if errors.Is(err, btf.ErrNotFound) {
		return none, nil
	} else if err != nil {
		return none, err
	}
	for _, t := range types {
		if t, ok := t.(T); ok {
			return t, nil
		}
	}
	return none, nil
}

// protoParams lists the parameters of a function prototype, possibly behind
// typedefs or a pointer.
func protoParams(typ btf.Type) (params []Param, ret btf.Type, variadic bool, err error) {
	t := Underlying(typ)
	if p, ok := t.(*btf.Pointer); ok {
		t = Underlying(p.Target)
	}
	proto, ok := t.(*btf.FuncProto)
	if !ok {
		return nil, nil, false, fmt.Errorf("%s is not a function prototype", TypeString(typ))
	}
	for _, p := range proto.Params {
		if _, ok := p.Type.(*btf.Void); ok && p.Name == "" {
			variadic = true
			continue
		}
		params = append(params, Param{p.Name, p.Type})
	}
	return params, proto.Return, variadic, nil
}

// RawTracepointArgs returns the arguments a raw tracepoint (or a BTF-enabled
// tp_btf program) receives for the tracepoint called name, e.g.
// "sched_switch". The types come from the kernel's btf_trace_<name>
// typedef, without its leading "void *__data"; the names from the
// __probestub_<name> or __bpf_trace_<name> function when the kernel has one,
// otherwise they are arg0, arg1, ... The error for an unknown tracepoint
// wraps ErrNotFound.
func (k *Kernel) RawTracepointArgs(name string) ([]Param, error) {
	var args []Param
	err := k.eachSpec(func(_ string, spec typeSource) (bool, error) {
		td, err := findTypedef(spec, "btf_trace_"+name)
		if err != nil || td == nil {
			return false, err
		}
		params, _, _, err := protoParams(td.Type)
		if err != nil {
			return false, fmt.Errorf("raw tracepoint %s: %w", name, err)
		}
		if len(params) == 0 {
			return false, fmt.Errorf("raw tracepoint %s: %s has no context parameter", name, td.Name)
		}
		args = params[1:]
		names := paramNames(spec, len(params), "__probestub_"+name, "__bpf_trace_"+name)
		for i := range args {
			args[i].Name = "arg" + strconv.Itoa(i)
			if names != nil && names[i+1] != "" {
				args[i].Name = names[i+1]
			}
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if args == nil {
		return nil, fmt.Errorf("raw tracepoint %s: no btf_trace_%[1]s in BTF: %w", name, ErrNotFound)
	}
	return args, nil
}

// paramNames returns the parameter names of the first of funcs that exists
// in spec with n parameters, or nil.
func paramNames(spec typeSource, n int, funcs ...string) []string {
	for _, name := range funcs {
		f, err := findFunc(spec, name)
		if err != nil || f == nil {
			continue
		}
		params, _, _, err := protoParams(f.Type)
		if err != nil || len(params) != n {
			continue
		}
		names := make([]string, n)
		for i, p := range params {
			names[i] = p.Name
		}
		return names
	}
	return nil
}

// EnumConstant is one enumerator of a kernel enum.
type EnumConstant struct {
	Name  string
	Value uint64
	// Enum declares the constant: its Size and Signed fields say how to
	// interpret Value.
	Enum *btf.Enum
	// Module is the module whose BTF declares the enum, "" for vmlinux.
	Module string
}

// Int64 returns Value as a signed number, sign-extended from the enum's
// size when the enum is signed.
func (c EnumConstant) Int64() int64 {
	if c.Enum == nil || !c.Enum.Signed || c.Enum.Size >= 8 || c.Enum.Size == 0 {
		return int64(c.Value)
	}
	shift := 64 - 8*c.Enum.Size
	return int64(c.Value<<shift) >> shift
}

// EnumConstant finds the enumerator called name (e.g. "TASK_RUNNING" or
// "BPF_MAP_TYPE_HASH") in vmlinux and then in modules. When several enums
// declare the same name the first one in BTF order wins. The error for an
// unknown name wraps ErrNotFound.
func (k *Kernel) EnumConstant(name string) (EnumConstant, error) {
	var c EnumConstant
	var found bool
	err := k.eachSpec(func(module string, spec typeSource) (bool, error) {
		if module == "" {
			index := k.enumIndexLocked(spec)
			id, ok := index[name]
			if !ok {
				return false, nil
			}
			t, err := spec.TypeByID(id)
			if err != nil {
				return false, fmt.Errorf("enum constant %s: %w", name, err)
			}
			e, ok := t.(*btf.Enum)
			if !ok {
				return false, fmt.Errorf("enum constant %s: type %d is %T, not an enum", name, id, t)
			}
			c, found = constantIn(e, name, "")
			return found, nil
		}
		// Module BTF is small: decoding all of it is cheap.
		for t, err := range spec.All() {
			if err != nil {
				return false, fmt.Errorf("module %s: %w", module, err)
			}
			if e, ok := t.(*btf.Enum); ok {
				if c, found = constantIn(e, name, module); found {
					return true, nil
				}
			}
		}
		return false, nil
	})
	if err != nil {
		return EnumConstant{}, err
	}
	if !found {
		return EnumConstant{}, fmt.Errorf("enum constant %s: %w", name, ErrNotFound)
	}
	return c, nil
}

func constantIn(e *btf.Enum, name, module string) (EnumConstant, bool) {
	for _, v := range e.Values {
		if v.Name == name {
			return EnumConstant{v.Name, v.Value, e, module}, true
		}
	}
	return EnumConstant{}, false
}

// enumIndexLocked returns the enumerator index of the base BTF, building
// it on first use. k.btfMu must be held.
func (k *Kernel) enumIndexLocked(src typeSource) map[string]btf.TypeID {
	if k.enums != nil {
		return k.enums
	}
	if raw, ok := src.(*rawSpec); ok {
		k.enums = raw.enumerators()
		return k.enums
	}
	k.enums = make(map[string]btf.TypeID)
	spec, ok := src.(*btf.Spec)
	if !ok {
		return k.enums
	}
	for t, err := range spec.All() {
		if err != nil {
			break
		}
		e, ok := t.(*btf.Enum)
		if !ok {
			continue
		}
		id, err := spec.TypeID(e)
		if err != nil {
			continue
		}
		for _, v := range e.Values {
			if _, dup := k.enums[v.Name]; !dup {
				k.enums[v.Name] = id
			}
		}
	}
	return k.enums
}

// Functions lists the kernel functions (in vmlinux and modules) whose
// names match the glob pattern, sorted and without duplicates.
func (k *Kernel) Functions(pattern string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	err := k.eachSpec(func(_ string, spec typeSource) (bool, error) {
		for typ, err := range spec.All() {
			if err != nil {
				return false, err
			}
			fn, ok := typ.(*btf.Func)
			if !ok || seen[fn.Name] || !MatchGlob(pattern, fn.Name) {
				continue
			}
			seen[fn.Name] = true
			out = append(out, fn.Name)
		}
		return false, nil
	})
	sort.Strings(out)
	return out, err
}
