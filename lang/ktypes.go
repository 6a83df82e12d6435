package lang

import (
	"errors"
	"fmt"
	"strings"

	cbtf "github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/btf"
)

// Kernel types: BTF types become Types on demand. A struct or union stays
// a name and a BTF reference until a member is asked for; members resolve
// through the btf package (anonymous members, bitfields) and the checker
// records each access's offset on the syntax tree, so that code
// generation never needs BTF.

// fromBTF converts a kernel type. space is where a value of the type lives
// (for a pointer, where it points).
func (c *checker) fromBTF(t cbtf.Type, space AddrSpace) *Type {
	t = btf.StripQualifiers(t)
	switch t := t.(type) {
	case *cbtf.Typedef:
		return c.fromBTF(t.Type, space)
	case *cbtf.Int:
		if t.Encoding == cbtf.Bool {
			return TypeBool.WithSpace(space)
		}
		return IntType(int(t.Size)*8, t.Encoding == cbtf.Signed).WithSpace(space)
	case *cbtf.Enum:
		it := IntType(int(t.Size)*8, t.Signed)
		if t.Name != "" {
			// Named enums print by name; anonymous ones, as in
			// bpftrace, as numbers.
			it.Enum = enumFromBTF(t)
		}
		return it.WithSpace(space)
	case *cbtf.Pointer:
		target := btf.StripQualifiers(t.Target)
		var elem *Type
		if _, void := target.(*cbtf.Void); void {
			elem = IntType(8, false)
		} else if _, fn := target.(*cbtf.FuncProto); fn {
			elem = IntType(8, false)
		} else {
			elem = c.fromBTF(target, space)
		}
		return PointerTo(elem, space)
	case *cbtf.Array:
		elem := btf.StripQualifiers(t.Type)
		if i, ok := btf.Underlying(elem).(*cbtf.Int); ok && i.Size == 1 && i.Encoding != cbtf.Bool {
			// char arrays are strings, as in bpftrace.
			return StringType(int(t.Nelems)).WithSpace(space)
		}
		et := c.fromBTF(elem, space)
		return &Type{Kind: KindArray, Elem: et, Len: int(t.Nelems), Size: et.Size * int(t.Nelems), Space: space}
	case *cbtf.Struct:
		return &Type{Kind: KindStruct, Name: "struct " + t.Name, Size: int(t.Size), BTF: t, Space: space}
	case *cbtf.Union:
		return &Type{Kind: KindStruct, Name: "union " + t.Name, Size: int(t.Size), BTF: t, Space: space}
	case *cbtf.Fwd:
		return &Type{Kind: KindStruct, Name: t.Kind.String() + " " + t.Name, BTF: t, Space: space}
	}
	size, _ := btf.Sizeof(t)
	if size <= 0 || size > 8 {
		size = 8
	}
	return IntType(size*8, false).WithSpace(space)
}

// member looks up a field of a struct type.
func (c *checker) member(st *Type, name string, at Node) (Field, bool) {
	if st.BTF == nil {
		f, ok := st.FieldByName(name)
		if !ok {
			c.errorf(at, "Struct/union of type '%s' does not contain a field named '%s'%s", st.Name, name,
				didYouMean(name, fieldNames(st)))
		}
		return f, ok
	}
	m, err := btf.FindMember(st.BTF, name)
	if err != nil {
		var nf *btf.MemberNotFoundError
		hint := ""
		if errors.As(err, &nf) && nf.Suggestion != "" {
			hint = fmt.Sprintf("; did you mean '%s'?", nf.Suggestion)
		}
		c.errorf(at, "Struct/union of type '%s' does not contain a field named '%s'%s", st.Name, name, hint)
		return Field{}, false
	}
	f := Field{Name: name, Type: c.fromBTF(m.Type, st.Space), Offset: int(m.ByteOffset())}
	if acc, ok := m.Bitfield(); ok {
		f.Offset = int(acc.ByteOffset)
		f.Bitfield = &Bitfield{LoadSize: acc.Size, Shift: int(acc.Shift), Bits: int(m.BitfieldSize)}
	}
	return f, true
}

func fieldNames(t *Type) []string {
	var out []string
	for _, f := range t.Fields {
		out = append(out, f.Name)
	}
	return out
}

func didYouMean(name string, candidates []string) string {
	if s := btf.Closest(name, candidates); s != "" {
		return fmt.Sprintf("; did you mean '%s'?", s)
	}
	return ""
}

// kernelType resolves a type name such as "struct task_struct" or "u64"
// from the kernel's BTF.
func (c *checker) kernelType(name string, at Node) *Type {
	t, err := c.kernel().LookupType(name)
	if err != nil {
		if errors.Is(err, btf.ErrNotFound) || errors.Is(err, cbtf.ErrNotFound) {
			c.errorf(at, "Unknown type: %s", name)
		} else {
			c.errorf(at, "Looking up type %s: %v", name, err)
		}
		return nil
	}
	return c.fromBTF(t, c.defaultSpace())
}

// defaultSpace is where pointers made by casts point: user memory in user
// space probes, kernel memory elsewhere.
func (c *checker) defaultSpace() AddrSpace {
	if c.variant != nil {
		if k := c.pointKind(); k.UserSpace {
			return AddrUser
		}
	}
	return AddrKernel
}

// expand fills in the members of a struct type (recursively, for nested
// structs) so that the whole value can be copied and printed.
func (c *checker) expand(t *Type, depth int) *Type {
	switch t.Kind {
	case KindStruct:
		if t.Fields != nil || t.BTF == nil {
			return t
		}
		members, err := btf.Members(t.BTF)
		if err != nil {
			return t
		}
		u := *t
		for _, m := range members {
			if m.Name == "" {
				continue
			}
			ft := c.fromBTF(m.Type, t.Space)
			if depth < 4 {
				ft = c.expand(ft, depth+1)
			}
			f := Field{Name: m.Name, Type: ft, Offset: int(m.ByteOffset())}
			if acc, ok := m.Bitfield(); ok {
				f.Offset = int(acc.ByteOffset)
				f.Bitfield = &Bitfield{LoadSize: acc.Size, Shift: int(acc.Shift), Bits: int(m.BitfieldSize)}
			}
			u.Fields = append(u.Fields, f)
		}
		return &u
	case KindArray:
		if e := c.expand(t.Elem, depth+1); e != t.Elem {
			u := *t
			u.Elem = e
			return &u
		}
	}
	return t
}

// kernelTypeHints are words that make a script very likely to read kernel
// types. tracepoint args (args->x) are not among them: they come from
// format files.
var kernelTypeHints = []string{"curtask", "struct ", "union ", "rawtracepoint:", "rt:", "fentry:", "fexit:",
	"kfunc:", "kretfunc:", "offsetof", "kptr(", "uptr("}

// MayUseKernelTypes reports whether a script's text suggests it reads
// kernel types, so that a caller can start loading BTF before the script
// is even parsed. A wrong guess only costs time on another CPU.
func MayUseKernelTypes(src string) bool {
	for _, h := range kernelTypeHints {
		if strings.Contains(src, h) {
			return true
		}
	}
	return false
}
