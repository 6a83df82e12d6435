package lang

import (
	"debug/dwarf"
	"fmt"
	"strconv"
	"strings"

	cbtf "github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/btf"
)

// DWARF in uprobes, as the newest bpftrace has it: when the traced
// binary has DWARF debugging information, `args` holds the probed
// function's parameters by name, typed from DWARF and read from the
// argument registers by position (the first parameter is arg0, the second
// arg1...); gtrace -lv lists them; and uprobe:binary@file:line[:col]
// attaches at the statement a source line starts. The binary's DWARF is
// read only for these (Binaries.FuncParams, Binaries.LineAddress).

// uprobeArgs builds the struct `args` points to in a uprobe: one 64-bit
// slot per parameter, in order, as the argument registers hold them
// (code generation copies the registers there). A parameter whose type
// gtrace cannot read from a register (a float, a struct passed by value)
// is a member of no type, which field access reports.
func uprobeArgs(c *checker, p *ProbePoint) (*Type, error) {
	fn := p.Func
	if byAddress(p) {
		// uprobe:bin:0x1234 and uprobe:bin@file:line name no function.
		fn = ""
	}
	params, hasDWARF, err := c.binaries().FuncParams(p.Target, fn)
	switch {
	case err != nil:
		return nil, errorAt(p.Span, "Could not parse arguments of \"%s\": %v", p.Name, err)
	case !hasDWARF:
		return nil, errorAt(p.Span, "Could not parse arguments of \"%s\": no debuginfo found for %s", p.Name, p.Target)
	case len(params) > len(argRegisters[hostArch]):
		return nil, errorAt(p.Span, "Could not parse arguments of \"%s\": 'args' builtin is not supported for probes with stack-passed arguments.", p.Name)
	}
	st := &Type{Kind: KindStruct, Name: "struct " + p.Name + "_args", Size: 8 * len(params)}
	conv := dwarfConverter{space: AddrUser, seen: map[dwarf.Type]*Type{}}
	for i, prm := range params {
		if prm.Name == "" {
			continue
		}
		t := TypeNone
		if registerType(prm.Type) {
			t = conv.convert(prm.Type)
		}
		st.Fields = append(st.Fields, Field{Name: prm.Name, Type: t, Offset: 8 * i})
	}
	return st, nil
}

// dwarfStruct resolves a struct or union name ("struct point") in a
// uprobe or uretprobe from the traced binary's DWARF, as the newest
// bpftrace does before it looks at the kernel's types; nil elsewhere, or
// when the binary does not define it.
func (c *checker) dwarfStruct(name string, at Node) *Type {
	if c.variant == nil || !strings.HasPrefix(name, "struct ") && !strings.HasPrefix(name, "union ") {
		return nil
	}
	if k := c.pointKind().Name; k != "uprobe" && k != "uretprobe" {
		return nil
	}
	t, err := c.binaries().StructType(c.variant.Points[0].Target, name)
	if err != nil {
		c.errorf(at, "Looking up type %s: %v", name, err)
		return nil
	}
	if t == nil {
		return nil
	}
	conv := dwarfConverter{space: c.defaultSpace(), seen: map[dwarf.Type]*Type{}}
	return conv.convert(t)
}

// byAddress reports whether a uprobe point is named by an address (a
// decimal number, as bpftrace names uprobe:bin:0x1234 and source-line
// probes) rather than by a function.
func byAddress(p *ProbePoint) bool {
	i := strings.LastIndexByte(p.Name, ':')
	_, err := strconv.ParseUint(p.Name[i+1:], 10, 64)
	return err == nil
}

// isUprobeArgs reports whether st is the struct `args` points to in the
// uprobe being checked: its members are the function's parameters.
func (c *checker) isUprobeArgs(st *Type) bool {
	return c.variant != nil && c.variant.Args != nil && st.Kind == KindStruct &&
		st.Name == c.variant.Args.Name && c.pointKind().Name == "uprobe"
}

// uprobeParam types `args.name` in a uprobe, with the newest bpftrace's
// errors for a parameter the function does not have and for one whose
// type gtrace cannot read.
func (c *checker) uprobeParam(st *Type, e *FieldExpr) (Field, bool) {
	f, ok := st.FieldByName(e.Name)
	switch {
	case !ok:
		c.errorf(e, "Can't find function parameter %s", e.Name)
	case f.Type.Kind == KindNone:
		c.errorf(e, "%s has unsupported type", e.Name)
	default:
		return f, true
	}
	return Field{}, false
}

// registerType reports whether a parameter of type t is read from one
// argument register: an integer of up to 64 bits (char, bool and enums
// included) or a pointer.
func registerType(t dwarf.Type) bool {
	switch t := peelDWARF(t).(type) {
	case *dwarf.IntType, *dwarf.UintType, *dwarf.CharType, *dwarf.UcharType, *dwarf.BoolType, *dwarf.EnumType:
		switch t.Size() {
		case 1, 2, 4, 8:
			return true
		}
	case *dwarf.PtrType:
		return true
	}
	return false
}

// peelDWARF strips typedefs and qualifiers.
func peelDWARF(t dwarf.Type) dwarf.Type {
	for i := 0; i < 64; i++ {
		switch u := t.(type) {
		case *dwarf.TypedefType:
			t = u.Type
		case *dwarf.QualType:
			t = u.Type
		default:
			return t
		}
	}
	return t
}

// dwarfConverter turns DWARF types into Types the way fromBTF turns
// kernel types: integers (bool and enums are unsigned integers, as the
// newest bpftrace has them), pointers, char arrays as strings, other
// arrays, and structs and unions with all their members (bitfields and
// the members of anonymous members included). seen holds the structs
// converted so far, so that a struct that points to itself is one Type.
type dwarfConverter struct {
	space AddrSpace
	seen  map[dwarf.Type]*Type
}

// convert converts a DWARF type.
func (d *dwarfConverter) convert(t dwarf.Type) *Type {
	t = peelDWARF(t)
	switch t := t.(type) {
	case *dwarf.IntType, *dwarf.CharType:
		if n := t.Size(); n == 1 || n == 2 || n == 4 || n == 8 {
			return IntType(int(n)*8, true).WithSpace(d.space)
		}
	case *dwarf.UintType, *dwarf.UcharType, *dwarf.BoolType, *dwarf.EnumType:
		if n := t.Size(); n == 1 || n == 2 || n == 4 || n == 8 {
			return IntType(int(n)*8, false).WithSpace(d.space)
		}
	case *dwarf.PtrType:
		var elem *Type
		switch target := peelDWARF(t.Type).(type) {
		case nil, *dwarf.VoidType, *dwarf.FuncType:
			elem = IntType(8, false)
		default:
			elem = d.convert(target)
		}
		return PointerTo(elem, d.space)
	case *dwarf.ArrayType:
		n := int(max(t.Count, 0))
		switch e := peelDWARF(t.Type).(type) {
		case *dwarf.CharType, *dwarf.UcharType:
			if e.Size() == 1 {
				// char arrays are strings, as in bpftrace.
				return StringType(n).WithSpace(d.space)
			}
		}
		et := d.convert(t.Type)
		return &Type{Kind: KindArray, Elem: et, Len: n, Size: et.Size * n, Space: d.space}
	case *dwarf.StructType:
		return d.structType(t)
	}
	// Anything else (floats, 128-bit integers, ...) is its bytes.
	switch n := t.Size(); n {
	case 1, 2, 4, 8:
		return IntType(int(n)*8, false).WithSpace(d.space)
	default:
		b := IntType(8, false)
		return &Type{Kind: KindArray, Elem: b, Len: int(max(n, 0)), Size: int(max(n, 0)), Space: d.space}
	}
}

// structType converts a struct, union or class.
func (d *dwarfConverter) structType(t *dwarf.StructType) *Type {
	if st, ok := d.seen[t]; ok {
		return st
	}
	kind := t.Kind
	if kind == "class" {
		kind = "struct"
	}
	st := &Type{Kind: KindStruct, Name: kind + " " + t.StructName, Space: d.space}
	d.seen[t] = st
	if t.Incomplete {
		return st
	}
	st.Size = int(max(t.ByteSize, 0))
	st.Fields = []Field{}
	d.members(st, t, 0)
	return st
}

// members adds the members of a DWARF struct to st, at base bytes from
// its start: the members of an anonymous struct or union member are
// st's own.
func (d *dwarfConverter) members(st *Type, t *dwarf.StructType, base int) {
	for _, m := range t.Field {
		if m.Name == "" {
			if inner, ok := peelDWARF(m.Type).(*dwarf.StructType); ok && m.BitSize == 0 {
				d.members(st, inner, base+int(m.ByteOffset))
			}
			continue
		}
		ft := d.convert(m.Type)
		if m.BitSize == 0 {
			st.Fields = append(st.Fields, Field{Name: m.Name, Type: ft, Offset: base + int(m.ByteOffset)})
			continue
		}
		// The bit offset from the start of the struct: DWARF 4 and
		// later give it (DW_AT_data_bit_offset); before, it is counted
		// from the most significant bit of the storage unit at
		// ByteOffset (little-endian targets), whose size the member
		// then has (DW_AT_byte_size), even when the offset is 0.
		bit := m.ByteOffset*8 + m.DataBitOffset
		if m.BitOffset != 0 || m.DataBitOffset == 0 && m.ByteSize != 0 {
			unit := m.ByteSize
			if unit == 0 {
				unit = m.Type.Size()
			}
			bit = m.ByteOffset*8 + unit*8 - m.BitOffset - m.BitSize
		}
		f := bitfieldAt(m.Name, ft, base*8+int(bit), int(m.BitSize))
		st.Fields = append(st.Fields, f)
	}
}

// bitfieldAt is a bitfield member at a bit offset, read with the
// smallest aligned load that covers it (as addBitfield lays them out).
func bitfieldAt(name string, t *Type, bit, width int) Field {
	m := btf.Member{Offset: cbtf.Bits(bit), BitfieldSize: cbtf.Bits(width)}
	acc, _ := m.Bitfield()
	return Field{Name: name, Type: t, Offset: int(acc.ByteOffset),
		Bitfield: &Bitfield{LoadSize: acc.Size, Shift: int(acc.Shift), Bits: width}}
}

// dwarfTypeName spells a parameter's type as the newest bpftrace's
// verbose listing does: "int", "struct point*", "const char*",
// "char* const", "void*"; "<unknown type>" for what it does not spell
// (arrays, functions, volatile).
func dwarfTypeName(t dwarf.Type) string {
	switch t := t.(type) {
	case *dwarf.TypedefType:
		return t.Name
	case *dwarf.IntType, *dwarf.UintType, *dwarf.CharType, *dwarf.UcharType, *dwarf.BoolType,
		*dwarf.FloatType, *dwarf.ComplexType, *dwarf.AddrType, *dwarf.UnspecifiedType:
		return t.Common().Name
	case *dwarf.PtrType:
		if _, void := t.Type.(*dwarf.VoidType); void || t.Type == nil {
			return "void*"
		}
		return dwarfTypeName(t.Type) + "*"
	case *dwarf.StructType:
		prefix := "struct "
		if t.Kind == "union" {
			prefix = "union "
		}
		if t.Kind == "class" {
			return "<unknown type>"
		}
		if t.StructName == "" {
			return prefix + "<anonymous>"
		}
		return prefix + t.StructName
	case *dwarf.EnumType:
		if t.EnumName == "" {
			return "enum <anonymous>"
		}
		return "enum " + t.EnumName
	case *dwarf.QualType:
		if t.Qual != "const" {
			break
		}
		if _, ptr := t.Type.(*dwarf.PtrType); ptr {
			return dwarfTypeName(t.Type) + " const"
		}
		return "const " + dwarfTypeName(t.Type)
	case *dwarf.VoidType:
		return "void"
	}
	return "<unknown type>"
}

// dwarfParamDecl spells a parameter as bpftrace -lv lists it: its type
// and name ("struct point* p"), the type alone when it has no name.
func dwarfParamDecl(p DWARFParam) string {
	if p.Name == "" {
		return dwarfTypeName(p.Type)
	}
	return dwarfTypeName(p.Type) + " " + p.Name
}

// sourceLocation is a uprobe attach point by source line:
// uprobe:TARGET@FILE:LINE[:COL].
type sourceLocation struct {
	target, file string
	line, col    uint64
}

// splitSourceLocation reports whether the parts of a uprobe attach point
// (after the kind) name a source line: the first part is binary@file,
// as bpftrace splits it at an '@'; unless that whole part is a binary
// and the point a function probe (a path with an '@' in it).
func splitSourceLocation(b Binaries, parts []string) (target, file string, ok bool) {
	target, file, ok = strings.Cut(parts[0], "@")
	if !ok {
		return "", "", false
	}
	if len(parts) == 2 && !hasWildcard(parts[0]) {
		if paths, err := b.Resolve(parts[0]); err == nil && len(paths) > 0 {
			return "", "", false
		}
	}
	return target, file, true
}

// parseSourceLocation checks a source-line attach point as bpftrace does.
func parseSourceLocation(ap *AttachPoint, ret bool, target, file string, rest []string) (*sourceLocation, error) {
	switch {
	case ret:
		return nil, errorAt(ap.Span, "Source code location not allowed")
	case hasWildcard(target):
		return nil, errorAt(ap.Span, "Cannot use wildcards with source code location")
	case len(rest) != 1 && len(rest) != 2 || file == "" || rest[0] == "":
		return nil, errorAt(ap.Span, "Invalid uprobe arguments, expected format: uprobe:TARGET@FILE:LINE[:COL]")
	}
	loc := &sourceLocation{target: target, file: file}
	var err error
	if loc.line, err = parseIntLiteral(rest[0]); err != nil {
		return nil, errorAt(ap.Span, "Invalid line number: invalid integer: %s", rest[0])
	}
	if len(rest) == 2 {
		if loc.col, err = parseIntLiteral(rest[1]); err != nil {
			return nil, errorAt(ap.Span, "Invalid column number: invalid integer: %s", rest[1])
		}
	}
	if target == "" {
		return nil, errorAt(ap.Span, "Unspecified target binary, cannot attach by source code location.")
	}
	return loc, nil
}

// expandSourceLine resolves uprobe:TARGET@FILE:LINE[:COL] to the
// statement's address in the binary, and the point there: named by the
// address, as bpftrace names it, in the function that holds it.
func (c *checker) expandSourceLine(ap *AttachPoint, kind string, loc *sourceLocation) ([]*ProbePoint, error) {
	b := c.binaries()
	paths, err := resolveTarget(b, kind, loc.target)
	if err != nil {
		return nil, errorAt(ap.Span, "%v", err)
	}
	path := paths[0]
	addr, hasDWARF, err := b.LineAddress(path, loc.file, loc.line, loc.col)
	switch {
	case !hasDWARF && err != nil:
		return nil, errorAt(ap.Span, "%s: %v", kind, err)
	case !hasDWARF:
		name := loc.target
		if !strings.Contains(name, "/") && strings.HasPrefix(name, "lib") {
			// bpftrace names a library by the file it found.
			name = path
		}
		return nil, errorAt(ap.Span, "No DWARF debug info found for '%s', cannot attach by source code location.", name)
	case err != nil:
		return nil, errorAt(ap.Span, "DWARF error: %v", err)
	}
	funcs, err := b.Functions(path)
	if err != nil {
		return nil, errorAt(ap.Span, "%s: %v", kind, err)
	}
	s := &uprobeSpec{kind: kind, target: loc.target, address: addr, hasAddress: true}
	pts, err := s.points(path, funcs)
	if err != nil {
		return nil, errorAt(ap.Span, "%v", err)
	}
	return pts, nil
}

// listParams lists a function's parameters for gtrace -lv; warn is
// bpftrace's warning when the binary has no DWARF.
func listParams(b Binaries, path, fn string) (args []string, warn string) {
	params, hasDWARF, err := b.FuncParams(path, fn)
	switch {
	case err != nil:
		return nil, fmt.Sprintf("Reading the DWARF of \"%s\": %v, cannot show parameter info", path, err)
	case !hasDWARF:
		return nil, fmt.Sprintf("No DWARF found for \"%s\", cannot show parameter info", path)
	}
	for _, p := range params {
		args = append(args, dwarfParamDecl(p))
	}
	return args, ""
}
