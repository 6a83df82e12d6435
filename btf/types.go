package btf

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// Underlying returns typ without typedefs and qualifiers (const, volatile,
// restrict, type tags): for "const pid_t" it is the int behind pid_t.
func Underlying(typ btf.Type) btf.Type {
	return btf.UnderlyingType(typ)
}

// StripQualifiers returns typ without const, volatile, restrict and type
// tags, keeping typedefs.
func StripQualifiers(typ btf.Type) btf.Type {
	return btf.QualifiedType(typ)
}

// Sizeof returns the size of typ in bytes, looking through typedefs and
// qualifiers. Void, functions and incomplete types have no size.
func Sizeof(typ btf.Type) (int, error) {
	if _, ok := Underlying(typ).(*btf.Void); ok {
		return 0, fmt.Errorf("size of %s: void has no size", TypeString(typ))
	}
	n, err := btf.Sizeof(typ)
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", TypeString(typ), err)
	}
	return n, nil
}

// IsSigned reports whether typ, after typedefs and qualifiers, is a signed
// integer or an enum with signed values, as BTF records it. Note that since
// Linux 6.2 the kernel is built with -funsigned-char: its plain char is
// unsigned on every architecture.
func IsSigned(typ btf.Type) bool {
	switch t := Underlying(typ).(type) {
	case *btf.Int:
		return t.Encoding&btf.Signed != 0
	case *btf.Enum:
		return t.Signed
	}
	return false
}

// TypeString returns typ in C syntax: "struct task_struct *", "char[16]",
// "const char *const *", "u64", "void (*)(int)".
func TypeString(typ btf.Type) string {
	return Declaration(typ, "")
}

// Declaration returns a C declaration of name with type typ, as bpftrace -lv
// prints arguments: "struct task_struct * prev" is written
// "struct task_struct *prev", "char comm[16]".
func Declaration(typ btf.Type, name string) string {
	return declare(typ, name, 0)
}

// maxDeclDepth bounds the recursion through pointer and array types.
const maxDeclDepth = 32

// declare wraps the declarator inner (a name and the pointer, array and
// function syntax around it so far) with typ.
func declare(typ btf.Type, inner string, depth int) string {
	if depth > maxDeclDepth {
		return "<cycle>" + spaced(inner)
	}
	depth++

	switch t := typ.(type) {
	case nil:
		return "<nil>" + spaced(inner)
	case *btf.Void:
		return "void" + spaced(inner)
	case *btf.Pointer:
		switch StripQualifiers(t.Target).(type) {
		case *btf.Array, *btf.FuncProto:
			return declare(t.Target, "(*"+inner+")", depth)
		}
		return declare(t.Target, "*"+inner, depth)
	case *btf.Array:
		return declare(t.Type, inner+"["+strconv.FormatUint(uint64(t.Nelems), 10)+"]", depth)
	case *btf.FuncProto:
		params := make([]string, 0, len(t.Params))
		for _, p := range t.Params {
			if _, ok := p.Type.(*btf.Void); ok && p.Name == "" {
				params = append(params, "...")
				continue
			}
			params = append(params, declare(p.Type, p.Name, depth))
		}
		if len(params) == 0 {
			params = append(params, "void")
		}
		return declare(t.Return, inner+"("+strings.Join(params, ", ")+")", depth)
	case *btf.Func:
		return declare(t.Type, t.Name, depth)
	case *btf.Const:
		return qualify("const", t.Type, inner, depth)
	case *btf.Volatile:
		return qualify("volatile", t.Type, inner, depth)
	case *btf.Restrict:
		return qualify("restrict", t.Type, inner, depth)
	case *btf.TypeTag:
		return declare(t.Type, inner, depth)
	case *btf.Struct:
		return tagged("struct", t.Name) + spaced(inner)
	case *btf.Union:
		return tagged("union", t.Name) + spaced(inner)
	case *btf.Enum:
		return tagged("enum", t.Name) + spaced(inner)
	case *btf.Fwd:
		return tagged(t.Kind.String(), t.Name) + spaced(inner)
	default:
		return typ.TypeName() + spaced(inner)
	}
}

// qualify places a qualifier: after the '*' for a qualified pointer
// ("char *const p"), before the type otherwise ("const char *p").
func qualify(q string, target btf.Type, inner string, depth int) string {
	if _, ok := target.(*btf.Pointer); ok {
		return declare(target, q+spaced(inner), depth)
	}
	return q + " " + declare(target, inner, depth)
}

func tagged(kind, name string) string {
	if name == "" {
		return kind + " {...}"
	}
	return kind + " " + name
}

// spaced returns inner preceded by a space where C style wants one: not
// before array dimensions ("char[16]"), and nothing for an empty declarator.
func spaced(inner string) string {
	if inner == "" || inner[0] == '[' {
		return inner
	}
	return " " + inner
}
