package lang

import (
	"fmt"
	"strconv"
	"strings"

	cbtf "github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/btf"
)

// Struct layout, as clang lays out C on x86_64 and arm64: natural
// alignment, padding, bitfields (never straddling a unit of their type),
// __attribute__((packed)) and ((aligned(N))) on structs and members,
// #pragma pack, and struct, union and enum definitions nested in members
// (named ones are defined as if at the top, as in C; anonymous struct and
// union members lend their members to the enclosing type).

// cdefState is the checker's state for C definitions.
type cdefState struct {
	// defined maps each definition to its type: a nested definition may
	// be shared by several declarators (struct { int x; } a, b;).
	defined map[*CStruct]*Type
	// align is the alignment of each script struct and union, by name.
	align map[string]int
	// attrMacros are macros defined as attributes, with the text inside
	// the double parentheses.
	attrMacros map[string]string
	// pack is the #pragma pack value in effect (0: none) and packStack
	// the values pushed.
	pack      int
	packStack []int
	// open are the structs being laid out: a member of one of them by
	// value would contain itself.
	open map[string]bool
}

// layoutAttrs is what a list of attributes says about layout.
type layoutAttrs struct {
	packed bool
	align  int // 0 when not set
}

// defineStruct registers a struct or union definition (by name when it
// has one) and lays it out.
func (c *checker) defineStruct(def *CStruct) *Type {
	if c.cdef.defined == nil {
		c.cdef.defined = map[*CStruct]*Type{}
		c.cdef.align = map[string]int{}
		if c.cdef.attrMacros == nil {
			c.cdef.attrMacros = map[string]string{}
		}
	}
	if t, ok := c.cdef.defined[def]; ok {
		return t
	}
	name := def.Kind + " " + def.Name
	if def.Name == "" {
		name = fmt.Sprintf("%s (anonymous at %s:%d:%d)", def.Kind, def.Pos.Filename, def.Pos.Line, def.Pos.Column)
	}
	// Register first, so that members may point to the struct.
	st := &Type{Kind: KindStruct, Name: name}
	c.cdef.defined[def] = st
	if def.Name != "" {
		if _, dup := c.cstructs[name]; dup {
			c.errs = append(c.errs, errorAt(def.Span, "%s is defined twice", name))
			return st
		}
		c.cstructs[name] = st
	}
	c.layout(st, def)
	return st
}

// layout places the members of a C struct or union.
func (c *checker) layout(st *Type, def *CStruct) {
	c.final = true
	if c.cdef.open == nil {
		c.cdef.open = map[string]bool{}
	}
	c.cdef.open[st.Name] = true
	defer func() { c.final = false; delete(c.cdef.open, st.Name) }()
	var macroAttrs []*CAttr
	for _, w := range def.Macros {
		if text, ok := c.cdef.attrMacros[w.Word]; ok {
			macroAttrs = append(macroAttrs, &CAttr{Span: w.Span, Text: text})
			continue
		}
		c.errorf(w, "%s is not an attribute: define it first (#define %s __attribute__((packed)))", w.Word, w.Word)
	}
	sattrs := c.layoutAttrs(append(macroAttrs, def.Attrs...))
	union := def.Kind == "union"
	bit, size, align := 0, 0, 1
	for _, f := range def.Fields {
		t, name, fattrs := c.memberType(f)
		if t == nil {
			continue
		}
		if f.Def != nil && f.Def.Name != "" && name == "" || f.Enum != nil && name == "" {
			continue // a definition only: no member
		}
		if inner := elemOf(t); inner.Kind == KindStruct && inner.BTF == nil && c.cdef.open[inner.Name] && f.Def == nil {
			c.errorf(f, "field has incomplete type '%s'", inner.Name)
			continue
		}
		anon := f.Def != nil && name == ""
		if name == "" && !anon && f.Bits == "" {
			c.errorf(f, "member of %s has no name", st.Name)
			continue
		}
		natural := c.alignOf(t)
		a := natural
		if sattrs.packed || fattrs.packed {
			a = 1
		}
		if fattrs.align > a {
			a = fattrs.align
		}
		if c.cdef.pack > 0 && a > c.cdef.pack {
			a = c.cdef.pack
		}
		if f.Bits != "" {
			w, ok := c.bitfieldWidth(f, t, name)
			if !ok {
				continue
			}
			if union {
				if name != "" {
					c.addBitfield(st, name, t, 0, w)
				}
				size = max(size, t.Size)
			} else {
				unit := t.Size * 8
				switch {
				case w == 0:
					// Zero width: the next bitfield starts a new unit.
					bit = roundUp(bit, natural*8)
					continue
				case a == natural && bit/unit != (bit+w-1)/unit:
					bit = roundUp(bit, unit)
				}
				if name != "" {
					c.addBitfield(st, name, t, bit, w)
				}
				bit += w
			}
			if name != "" {
				align = max(align, a)
			}
			continue
		}
		off := 0
		if !union {
			off = roundUp((bit+7)/8, a)
			bit = (off + t.Size) * 8
		}
		size = max(size, t.Size)
		align = max(align, a)
		if anon {
			// Its members are the enclosing type's.
			for _, m := range t.Fields {
				m.Offset += off
				st.Fields = append(st.Fields, m)
			}
			continue
		}
		st.Fields = append(st.Fields, Field{Name: name, Type: t, Offset: off})
	}
	if sattrs.align > align {
		align = sattrs.align
	}
	if !union {
		size = (bit + 7) / 8
	}
	st.Size = roundUp(size, align)
	c.cdef.align[st.Name] = align
}

// memberType resolves a member's type, its name and its attributes, with
// attribute macros among its words taken out.
func (c *checker) memberType(f *CField) (*Type, string, layoutAttrs) {
	attrs := f.Attrs
	var words []string
	for i, w := range f.Words {
		if text, ok := c.cdef.attrMacros[w]; ok {
			attrs = append(attrs, &CAttr{Span: f.WordSpans[i], Text: text})
			continue
		}
		words = append(words, w)
	}
	name := f.Name
	if text, ok := c.cdef.attrMacros[name]; ok {
		attrs = append(attrs, &CAttr{Span: f.Span, Text: text})
		name = ""
	}
	ts, name := declOf(f, words, name)
	la := c.layoutAttrs(attrs)
	var t *Type
	switch {
	case f.FuncPtr:
		// A function pointer is a 64-bit integer, as bpftrace reads it.
		t = IntType(64, false)
	case f.Def != nil || f.Enum != nil:
		if f.Def != nil {
			t = c.defineStruct(f.Def)
		} else {
			t = c.defineEnum(f.Enum)
		}
		for range f.Stars {
			t = PointerTo(t, c.defaultSpace())
		}
		t = c.withDims(t, f.Dims)
	default:
		// Dimensions apply here: char arrays are strings, as in kernel
		// types (and in bpftrace, which reads these through clang).
		var dims []string
		for len(ts.Suffix) > 0 && ts.Suffix[len(ts.Suffix)-1] >= 0 {
			dims = append([]string{strconv.Itoa(ts.Suffix[len(ts.Suffix)-1])}, dims...)
			ts.Suffix = ts.Suffix[:len(ts.Suffix)-1]
		}
		if t = c.resolveTypeSpec(ts); t != nil {
			t = c.withDims(t, dims)
		}
	}
	return t, name, la
}

// defineEnum defines an enum in a member, once, and returns its type.
func (c *checker) defineEnum(e *CEnum) *Type {
	if e.Name != "" {
		if t := c.cstructs["enum "+e.Name]; t != nil {
			return t
		}
	}
	if len(e.Values) == 0 || c.enumOf[e.Values[0].Name] == nil {
		c.cenum(e)
	}
	if t := c.cstructs["enum "+e.Name]; e.Name != "" && t != nil {
		return t
	}
	return IntType(32, true)
}

// elemOf is the element type of an array (of arrays), or t.
func elemOf(t *Type) *Type {
	for t.Kind == KindArray {
		t = t.Elem
	}
	return t
}

// withDims makes t an array for each dimension.
func (c *checker) withDims(t *Type, dims []string) *Type {
	for i := len(dims) - 1; i >= 0; i-- {
		n, _ := parseIntLiteral(dims[i])
		if t.Kind == KindInt && t.Size == 1 && t.Enum == nil && i == len(dims)-1 {
			t = StringType(int(n)).WithSpace(t.Space)
			continue
		}
		t = &Type{Kind: KindArray, Elem: t, Len: int(n), Size: t.Size * int(n)}
	}
	return t
}

// bitfieldWidth checks a bitfield's width against its type.
func (c *checker) bitfieldWidth(f *CField, t *Type, name string) (int, bool) {
	n, err := parseIntLiteral(f.Bits)
	what := "bitfield"
	if name != "" {
		what = "bitfield '" + name + "'"
	}
	switch {
	case t.Kind != KindInt && t.Kind != KindBool:
		c.errorf(f, "%s has type '%s': a bitfield must have an integer type", what, t)
	case err != nil || n > uint64(t.Size*8):
		c.errorf(f, "width of %s (%s bits) exceeds the width of its type (%d bits)", what, f.Bits, t.Size*8)
	case n == 0 && name != "":
		c.errorf(f, "named %s has zero width", what)
	default:
		return int(n), true
	}
	return 0, false
}

// addBitfield adds a bitfield member at a bit offset, read with the
// smallest aligned load that covers it.
func (c *checker) addBitfield(st *Type, name string, t *Type, bit, width int) {
	m := btf.Member{Offset: cbtf.Bits(bit), BitfieldSize: cbtf.Bits(width)}
	acc, _ := m.Bitfield()
	st.Fields = append(st.Fields, Field{Name: name, Type: t, Offset: int(acc.ByteOffset),
		Bitfield: &Bitfield{LoadSize: acc.Size, Shift: int(acc.Shift), Bits: width}})
}

// layoutAttrs reads the attributes that change layout: packed,
// aligned(N) and aligned (the largest alignment, 16). Others (unused,
// deprecated, preserve_access_index, ...) do not change layout and are
// ignored, as clang ignores the ones it does not know.
func (c *checker) layoutAttrs(attrs []*CAttr) layoutAttrs {
	var la layoutAttrs
	for _, a := range attrs {
		for _, item := range splitTopLevel(a.Text) {
			name, arg, _ := strings.Cut(item, "(")
			name = strings.TrimSpace(name)
			name = strings.TrimSuffix(strings.TrimPrefix(name, "__"), "__")
			switch name {
			case "packed":
				la.packed = true
			case "aligned":
				n := 16
				if arg = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(arg), ")")); arg != "" {
					v, err := parseIntLiteral(arg)
					if err != nil || v == 0 || v&(v-1) != 0 || v > 1<<28 {
						c.errorf(a, "requested alignment %s is not a positive power of 2", arg)
						continue
					}
					n = int(v)
				}
				la.align = max(la.align, n)
			}
		}
	}
	return la
}

// splitTopLevel splits s at the commas outside parentheses.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// attrMacro records `#define NAME __attribute__((...))`: NAME may then
// stand for the attribute in struct definitions.
func (c *checker) attrMacro(p *Preproc, name, value string) bool {
	const kw = "__attribute__"
	if !strings.HasPrefix(value, kw) {
		return false
	}
	text := strings.TrimSpace(value[len(kw):])
	if !strings.HasPrefix(text, "((") || !strings.HasSuffix(text, "))") || strings.Contains(name, "(") {
		c.errs = append(c.errs, errorAt(p.Span, "#define %s: only __attribute__((...)) macros without parameters are supported", name))
		return true
	}
	if c.cdef.attrMacros == nil {
		c.cdef.attrMacros = map[string]string{}
	}
	c.cdef.attrMacros[name] = strings.TrimSpace(text[2 : len(text)-2])
	return true
}

// pragma handles #pragma pack: pack(N), pack(), pack(push[, N]) and
// pack(pop) cap the alignment of the members of the structs that follow,
// as they do in clang. Other pragmas are ignored.
func (c *checker) pragma(p *Preproc, rest string) {
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(rest, "pack") {
		return
	}
	args := strings.TrimSpace(rest[len("pack"):])
	if !strings.HasPrefix(args, "(") || !strings.HasSuffix(args, ")") {
		c.errs = append(c.errs, errorAt(p.Span, "#pragma pack: expected pack(N), pack(push, N) or pack(pop)"))
		return
	}
	var parts []string
	for _, a := range strings.Split(args[1:len(args)-1], ",") {
		if a = strings.TrimSpace(a); a != "" {
			parts = append(parts, a)
		}
	}
	value := func(s string) (int, bool) {
		n, err := strconv.Atoi(s)
		if err != nil || (n != 1 && n != 2 && n != 4 && n != 8 && n != 16) {
			c.errs = append(c.errs, errorAt(p.Span, "#pragma pack: expected 1, 2, 4, 8 or 16, got %s", s))
			return 0, false
		}
		return n, true
	}
	switch {
	case len(parts) == 0:
		c.cdef.pack = 0
	case parts[0] == "push":
		c.cdef.packStack = append(c.cdef.packStack, c.cdef.pack)
		if len(parts) > 1 {
			if n, ok := value(parts[len(parts)-1]); ok {
				c.cdef.pack = n
			}
		}
	case parts[0] == "pop":
		if n := len(c.cdef.packStack); n > 0 {
			c.cdef.pack = c.cdef.packStack[n-1]
			c.cdef.packStack = c.cdef.packStack[:n-1]
		}
	case len(parts) == 1:
		if n, ok := value(parts[0]); ok {
			c.cdef.pack = n
		}
	default:
		c.errs = append(c.errs, errorAt(p.Span, "#pragma pack: expected pack(N), pack(push, N) or pack(pop)"))
	}
}

// alignOf is the alignment of a member's type: script structs have the
// alignment their layout gave them, kernel structs the largest of their
// members'.
func (c *checker) alignOf(t *Type) int {
	switch t.Kind {
	case KindStruct:
		if t.BTF != nil {
			return btfAlign(t.BTF, 0)
		}
		if a, ok := c.cdef.align[t.Name]; ok {
			return a
		}
		return 8
	case KindArray:
		return c.alignOf(t.Elem)
	}
	return t.Align()
}

// btfAlign is the alignment of a kernel type. A struct whose members are
// not at their natural offsets is packed: its alignment is 1.
func btfAlign(t cbtf.Type, depth int) int {
	switch t := btf.Underlying(t).(type) {
	case *cbtf.Int:
		return max(int(t.Size), 1)
	case *cbtf.Enum:
		return max(int(t.Size), 1)
	case *cbtf.Float:
		return max(int(t.Size), 1)
	case *cbtf.Pointer:
		return 8
	case *cbtf.Array:
		return btfAlign(t.Type, depth+1)
	case *cbtf.Struct, *cbtf.Union:
		if depth > 16 {
			return 8
		}
		var members []cbtf.Member
		size := uint32(0)
		if s, ok := t.(*cbtf.Struct); ok {
			members, size = s.Members, s.Size
		} else {
			u := t.(*cbtf.Union)
			members, size = u.Members, u.Size
		}
		a := 1
		for _, m := range members {
			ma := btfAlign(m.Type, depth+1)
			if m.BitfieldSize == 0 && int(m.Offset/8)%ma != 0 {
				return 1
			}
			a = max(a, ma)
		}
		if int(size)%a != 0 {
			return 1
		}
		return a
	}
	return 8
}

func roundUp(n, a int) int {
	if a <= 1 {
		return n
	}
	return (n + a - 1) / a * a
}
