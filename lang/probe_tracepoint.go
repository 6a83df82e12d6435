package lang

import (
	"fmt"
	"strconv"
	"strings"

	cbtf "github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/btf"
)

// Tracepoints: tracepoint:category:name, wildcards in both parts, with
// `args` typed from the tracepoint's format file.

func init() {
	registerProbeKind(&ProbeKind{Name: "tracepoint", Aliases: []string{"t"},
		Expand: expandTracepoint, ArgsType: tracepointArgs, List: listTracepoints})
}

func expandTracepoint(c *checker, ap *AttachPoint, parts []string) ([]*ProbePoint, error) {
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return nil, wrongArgCount(ap, "tracepoint", 2)
	}
	category, name := parts[0], parts[1]
	if !hasWildcard(category) && !hasWildcard(name) {
		// Checking one tracepoint is cheaper than listing them all.
		f, err := c.kernel().TracepointFormat(category, name)
		if err != nil {
			return nil, errorAt(ap.Span, "tracepoint not found: %s:%s", category, name)
		}
		return []*ProbePoint{{Name: formatPointName("tracepoint", category, name), Target: category, Func: name, EventID: f.ID}}, nil
	}
	found, err := c.kernel().Tracepoints(category, name)
	if err != nil {
		return nil, errorAt(ap.Span, "%v", err)
	}
	if len(found) == 0 {
		return nil, errorAt(ap.Span, "No tracepoints match %s:%s", category, name)
	}
	var out []*ProbePoint
	for _, tp := range found {
		out = append(out, &ProbePoint{Name: formatPointName("tracepoint", tp.Category, tp.Name), Target: tp.Category, Func: tp.Name})
	}
	return out, nil
}

// tracepointArgs builds the type `args` points to from the format file.
func tracepointArgs(c *checker, p *ProbePoint) (*Type, error) {
	f, err := c.kernel().TracepointFormat(p.Target, p.Func)
	if err != nil {
		return nil, err
	}
	p.EventID = f.ID
	space := AddrKernel
	if p.Target == "syscalls" {
		space = AddrUser
	}
	st := &Type{Kind: KindStruct, Name: fmt.Sprintf("struct _tracepoint_%s_%s", p.Target, p.Func)}
	for _, fld := range f.Fields {
		if fld.Common {
			continue
		}
		st.Fields = append(st.Fields, Field{Name: fld.Name, Type: c.formatFieldType(fld, space), Offset: fld.Offset})
		if end := fld.Offset + fld.Size; end > st.Size {
			st.Size = end
		}
	}
	return st, nil
}

// formatFieldType maps a format-file field to a type: char arrays and
// __data_loc fields are strings, pointers keep their pointee, other fields
// are integers of the recorded size and signedness.
func (c *checker) formatFieldType(f btf.TracepointField, space AddrSpace) *Type {
	typ := strings.TrimSpace(strings.TrimPrefix(f.Type, "const "))
	switch {
	case strings.HasPrefix(typ, "__data_loc") || strings.HasPrefix(typ, "__rel_loc"):
		if strings.Contains(typ, "char") {
			return &Type{Kind: KindString, Size: c.cfg.MaxStrlen, DataLoc: true}
		}
		return IntType(32, false)
	case strings.HasSuffix(typ, "]"):
		open := strings.LastIndexByte(typ, '[')
		elem := strings.TrimSpace(typ[:open])
		n, err := strconv.Atoi(typ[open+1 : len(typ)-1])
		if err != nil || n <= 0 {
			return arrayOfBytes(f.Size)
		}
		if elem == "char" || elem == "unsigned char" || elem == "signed char" {
			return StringType(n)
		}
		esize := f.Size / n
		if esize != 1 && esize != 2 && esize != 4 && esize != 8 {
			return arrayOfBytes(f.Size)
		}
		return &Type{Kind: KindArray, Elem: IntType(esize*8, f.Signed), Len: n, Size: f.Size}
	case strings.HasSuffix(typ, "*"):
		return c.cPointer(typ, space)
	case typ == "bool" || typ == "_Bool":
		return TypeBool
	case strings.HasPrefix(typ, "enum ") && (f.Size == 1 || f.Size == 2 || f.Size == 4 || f.Size == 8):
		// An enum prints by name when the kernel's BTF has it.
		t := IntType(f.Size*8, f.Signed)
		if kt, err := c.kernel().LookupType(typ); err == nil {
			if e, ok := kt.(*cbtf.Enum); ok && e.Name != "" {
				t.Enum = enumFromBTF(e)
			}
		}
		return t
	}
	if t := cIntType(typ); t != nil && t.Size <= f.Size {
		// The syscall tracepoints store every argument in 8 bytes
		// ("int dfd; size:8; signed:0"); the C type says how many of
		// them count and whether the value is signed.
		return t
	}
	switch f.Size {
	case 1, 2, 4, 8:
		return IntType(f.Size*8, f.Signed)
	}
	return arrayOfBytes(f.Size)
}

// cPointer types a pointer field from its C spelling ("const char *const *",
// "struct __kernel_timespec *", "unsigned long *"): C integer types and
// struct types (from BTF, when the kernel has it) give typed pointers;
// anything else points to bytes.
func (c *checker) cPointer(typ string, space AddrSpace) *Type {
	stars := 0
	base := typ
	for {
		base = strings.TrimSpace(base)
		// A qualifier on the pointer itself: "char *const".
		if rest, ok := strings.CutSuffix(base, "const"); ok && (strings.HasSuffix(rest, "*") || strings.HasSuffix(rest, " ")) {
			base = strings.TrimSpace(rest)
		}
		if !strings.HasSuffix(base, "*") {
			break
		}
		base = strings.TrimSuffix(base, "*")
		stars++
	}
	base = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(base), "const "))
	base = strings.TrimSpace(strings.TrimPrefix(base, "volatile "))
	var t *Type
	switch {
	case base == "char" || base == "signed char":
		t = IntType(8, true)
	case base == "void" || base == "unsigned char":
		t = IntType(8, false)
	case cIntType(base) != nil:
		t = cIntType(base)
	default:
		if kt, err := c.kernel().LookupType(base); err == nil {
			t = c.fromBTF(kt, space)
		} else {
			t = IntType(8, false)
		}
	}
	for i := 0; i < stars; i++ {
		t = PointerTo(t, space)
	}
	return t
}

// cIntType types the integer type names that appear in tracepoint
// formats and C headers, with their x86-64/arm64 sizes: the kernel's
// typedefs, then the C spellings namedType knows; nil for other names
// (void among them). (A switch rather than a map: nothing to build at
// start-up.)
func cIntType(name string) *Type {
	switch name {
	case "s8", "__s8":
		return IntType(8, true)
	case "u8", "__u8":
		return IntType(8, false)
	case "s16", "__s16":
		return IntType(16, true)
	case "u16", "__u16", "umode_t":
		return IntType(16, false)
	case "s32", "__s32", "pid_t", "key_serial_t", "clockid_t", "timer_t", "mqd_t", "rwf_t", "key_t":
		return IntType(32, true)
	case "u32", "__u32", "uid_t", "gid_t", "qid_t", "dev_t", "gfp_t", "fmode_t":
		return IntType(32, false)
	case "s64", "__s64", "ssize_t", "off_t", "loff_t", "time_t":
		return IntType(64, true)
	case "u64", "__u64", "size_t", "aio_context_t":
		return IntType(64, false)
	case "void":
		return nil
	}
	return namedType(name)
}

func arrayOfBytes(n int) *Type {
	return &Type{Kind: KindArray, Elem: IntType(8, false), Len: n, Size: n}
}
