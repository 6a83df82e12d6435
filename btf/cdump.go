package btf

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// This file writes BTF types as C the way libbpf's btf_dump does
// (btf_dump__dump_type, src/btf_dump.c), which is how bpftrace -lv prints
// a struct, union or enum: the same declarators, the same explicit padding
// ("long: 64;"), the same __attribute__((packed)) and mode(byte) markers,
// and the same renaming of a second type of an already used name
// ("struct workspace___2"). That renaming depends on the order in which
// the whole BTF is dumped, so the dumper is a port of libbpf's algorithm
// (topological ordering, forward declarations, emission) rather than a
// printer of one type: bpftrace dumps every named struct, union and enum
// in ID order with one btf_dump, and so does dumpAll (ctypes.go).

// Order and emission states of a type, as in btf_dump.c; the zero
// values are "not ordered" and "not emitted".
const (
	ordering = iota + 1
	ordered
)

const (
	notEmitted = iota
	emitting
	emitted
)

// dumpState is libbpf's struct btf_dump_type_aux_state.
type dumpState struct {
	order        uint8
	emit         uint8
	fwdEmitted   bool
	nameResolved bool
	referenced   bool
}

// cDefinition is one top-level struct, union or enum definition the
// dumper wrote.
type cDefinition struct {
	// name is the name the definition carries, with its kind: "struct
	// path", "struct workspace___2".
	name string
	// text is the definition, "struct path {\n...\n};", without a final
	// newline.
	text string
}

// cDumper is libbpf's struct btf_dump over one BTF object (vmlinux, or a
// module's split BTF with vmlinux under it).
type cDumper struct {
	types   []btf.Type // by type ID; types[0] is void
	ids     map[btf.Type]btf.TypeID
	ptrSize int
	state   []dumpState
	// cached holds the names given to types whose name was already used
	// ("workspace___2"); absent for the others.
	cached     map[btf.TypeID]string
	typeNames  map[string]int // struct, union and enum names seen
	identNames map[string]int // typedef and enumerator names seen
	queue      []btf.TypeID
	out        strings.Builder
	defs       []cDefinition
}

// idSource is what the dumper needs of a spec.
type idSource interface {
	TypeByID(id btf.TypeID) (btf.Type, error)
}

// newCDumper reads every type of src, from ID 0 up to the first ID that
// is not found.
func newCDumper(src idSource) (*cDumper, error) {
	d := &cDumper{
		ids:        make(map[btf.Type]btf.TypeID),
		ptrSize:    8,
		cached:     make(map[btf.TypeID]string),
		typeNames:  make(map[string]int),
		identNames: make(map[string]int),
	}
	for id := btf.TypeID(0); ; id++ {
		t, err := src.TypeByID(id)
		if errors.Is(err, ErrNotFound) {
			break
		}
		switch {
		case err != nil:
			// gtrace's decoder does not decode a declaration tag on its
			// own; no other type refers to one, and nil stands for it.
			t = nil
		case id == 0:
			t = (*btf.Void)(nil)
		default:
			d.ids[t] = id
		}
		d.types = append(d.types, t)
	}
	if len(d.types) == 0 {
		return nil, fmt.Errorf("BTF has no types: %w", ErrNotFound)
	}
	if n := d.longSize(); n != 0 {
		d.ptrSize = n
	}
	d.state = make([]dumpState, len(d.types))
	// VOID is special.
	d.state[0].order, d.state[0].emit = ordered, emitted
	d.markReferenced()
	return d, nil
}

// longSize returns the size of C's long in the BTF, which is the size of
// a pointer (libbpf's determine_ptr_size); 0 if the BTF has no long.
func (d *cDumper) longSize() int {
	for _, t := range d.types {
		i, ok := t.(*btf.Int)
		if !ok || (i.Size != 4 && i.Size != 8) {
			continue
		}
		switch i.Name {
		case "long", "long int", "int long", "unsigned long", "long unsigned",
			"unsigned long int", "unsigned int long", "long unsigned int",
			"long int unsigned", "int unsigned long", "int long unsigned":
			return int(i.Size)
		}
	}
	return 0
}

// id returns the ID of t; void (and a type outside the spec) is 0.
func (d *cDumper) id(t btf.Type) btf.TypeID {
	if _, void := t.(*btf.Void); void || t == nil {
		return 0
	}
	return d.ids[t]
}

// kind returns the BTF kind of type id. An enum of 8 bytes is an ENUM64,
// as cilium/ebpf encodes it.
func (d *cDumper) kind(id btf.TypeID) int {
	switch t := d.types[id].(type) {
	case *btf.Void:
		return 0
	case *btf.Int:
		return kindInt
	case *btf.Pointer:
		return kindPointer
	case *btf.Array:
		return kindArray
	case *btf.Struct:
		return kindStruct
	case *btf.Union:
		return kindUnion
	case *btf.Enum:
		if t.Size == 8 {
			return kindEnum64
		}
		return kindEnum
	case *btf.Fwd:
		return kindFwd
	case *btf.Typedef:
		return kindTypedef
	case *btf.Volatile:
		return kindVolatile
	case *btf.Const:
		return kindConst
	case *btf.Restrict:
		return kindRestrict
	case *btf.Func:
		return kindFunc
	case *btf.FuncProto:
		return kindFuncProto
	case *btf.Var:
		return kindVar
	case *btf.Datasec:
		return kindDatasec
	case *btf.Float:
		return kindFloat
	case *btf.TypeTag:
		return kindTypeTag
	}
	return kindDeclTag // cilium/ebpf's unexported declTag
}

// name returns the name a type has in BTF ("" for anonymous types).
func (d *cDumper) name(id btf.TypeID) string {
	switch t := d.types[id].(type) {
	case *btf.Int:
		return t.Name
	case *btf.Struct:
		return t.Name
	case *btf.Union:
		return t.Name
	case *btf.Enum:
		return t.Name
	case *btf.Fwd:
		return t.Name
	case *btf.Typedef:
		return t.Name
	case *btf.Func:
		return t.Name
	case *btf.Var:
		return t.Name
	case *btf.Datasec:
		return t.Name
	case *btf.Float:
		return t.Name
	case *btf.TypeTag:
		return t.Value
	}
	return ""
}

// next returns the type a pointer, qualifier, typedef, type tag, array or
// function prototype refers to (the element type of an array, the return
// type of a prototype); 0 for the others.
func (d *cDumper) next(id btf.TypeID) btf.TypeID {
	switch t := d.types[id].(type) {
	case *btf.Pointer:
		return d.id(t.Target)
	case *btf.Volatile:
		return d.id(t.Type)
	case *btf.Const:
		return d.id(t.Type)
	case *btf.Restrict:
		return d.id(t.Type)
	case *btf.Typedef:
		return d.id(t.Type)
	case *btf.TypeTag:
		return d.id(t.Type)
	case *btf.Array:
		return d.id(t.Type)
	case *btf.FuncProto:
		return d.id(t.Return)
	case *btf.Func:
		return d.id(t.Type)
	case *btf.Var:
		return d.id(t.Type)
	}
	return 0
}

// members returns a struct's or union's members and size.
func (d *cDumper) members(id btf.TypeID) ([]btf.Member, uint32) {
	switch t := d.types[id].(type) {
	case *btf.Struct:
		return t.Members, t.Size
	case *btf.Union:
		return t.Members, t.Size
	}
	return nil, 0
}

// size returns the size field of an int, enum, float, struct or union.
func (d *cDumper) size(id btf.TypeID) int64 {
	switch t := d.types[id].(type) {
	case *btf.Int:
		return int64(t.Size)
	case *btf.Enum:
		return int64(t.Size)
	case *btf.Float:
		return int64(t.Size)
	case *btf.Struct:
		return int64(t.Size)
	case *btf.Union:
		return int64(t.Size)
	case *btf.Datasec:
		return int64(t.Size)
	}
	return 0
}

func (d *cDumper) isComposite(id btf.TypeID) bool {
	k := d.kind(id)
	return k == kindStruct || k == kindUnion
}

func (d *cDumper) isMod(id btf.TypeID) bool {
	switch d.kind(id) {
	case kindVolatile, kindConst, kindRestrict, kindTypeTag:
		return true
	}
	return false
}

// markReferenced is btf_dump_mark_referenced: it records which types
// other types refer to, which tells an anonymous enum embedded in a
// declaration from a top-level one.
func (d *cDumper) markReferenced() {
	for id := range d.types {
		switch t := d.types[id].(type) {
		case *btf.Pointer, *btf.Volatile, *btf.Const, *btf.Restrict, *btf.Typedef,
			*btf.Func, *btf.Var, *btf.TypeTag:
			d.state[d.next(btf.TypeID(id))].referenced = true
		case *btf.Array:
			d.state[d.id(t.Index)].referenced = true
			d.state[d.id(t.Type)].referenced = true
		case *btf.Struct, *btf.Union:
			ms, _ := d.members(btf.TypeID(id))
			for _, m := range ms {
				d.state[d.id(m.Type)].referenced = true
			}
		case *btf.FuncProto:
			for _, p := range t.Params {
				d.state[d.id(p.Type)].referenced = true
			}
		case *btf.Datasec:
			for _, v := range t.Vars {
				d.state[d.id(v.Type)].referenced = true
			}
		}
	}
}

func (d *cDumper) printf(format string, args ...any) {
	fmt.Fprintf(&d.out, format, args...)
}

func (d *cDumper) print(s string) { d.out.WriteString(s) }

// pfx is the indentation of nesting level lvl (at most 13 tabs).
func pfx(lvl int) string {
	const tabs = "\t\t\t\t\t\t\t\t\t\t\t\t\t"
	if lvl >= len(tabs) {
		return tabs
	}
	return tabs[:lvl]
}

// dumpType is btf_dump__dump_type: it writes type id and every type it
// needs that was not written yet.
func (d *cDumper) dumpType(id btf.TypeID) {
	d.queue = d.queue[:0]
	if _, err := d.order(id, false); err != nil {
		return // libbpf gives up on an unsatisfiable type cycle
	}
	for _, q := range d.queue {
		d.emitType(q, 0)
	}
}

// errTypeLoop is btf_dump_order_type's -ELOOP.
var errTypeLoop = errors.New("unsatisfiable type cycle")

// order is btf_dump_order_type: a depth-first walk that queues the
// definitions type id needs, in an order C can compile. It reports
// whether id is part of a strong link (its definition must come first)
// rather than a weak one (a forward declaration will do).
func (d *cDumper) order(id btf.TypeID, throughPtr bool) (bool, error) {
	st := &d.state[id]
	if st.order == ordered {
		return true, nil
	}
	named := d.name(id) != ""
	if st.order == ordering {
		if d.isComposite(id) && throughPtr && named {
			return false, nil // a loop, broken by a forward declaration
		}
		return false, errTypeLoop
	}
	switch d.kind(id) {
	case kindInt, kindFloat:
		st.order = ordered
		return false, nil
	case kindPointer:
		strong, err := d.order(d.next(id), true)
		d.state[id].order = ordered
		return strong, err
	case kindArray:
		return d.order(d.next(id), false)
	case kindStruct, kindUnion:
		if throughPtr && named {
			return false, nil
		}
		st.order = ordering
		ms, _ := d.members(id)
		for _, m := range ms {
			if _, err := d.order(d.id(m.Type), false); err != nil {
				return false, err
			}
		}
		if named {
			d.queue = append(d.queue, id)
		}
		d.state[id].order = ordered
		return true, nil
	case kindEnum, kindEnum64, kindFwd:
		// Named or unreferenced enums are top-level declarations.
		if named || !st.referenced {
			d.queue = append(d.queue, id)
		}
		st.order = ordered
		return true, nil
	case kindTypedef:
		strong, err := d.order(d.next(id), throughPtr)
		if err != nil {
			return false, err
		}
		if throughPtr && !strong {
			return false, nil
		}
		d.queue = append(d.queue, id)
		d.state[id].order = ordered
		return true, nil
	case kindVolatile, kindConst, kindRestrict, kindTypeTag:
		return d.order(d.next(id), throughPtr)
	case kindFuncProto:
		strong, err := d.order(d.next(id), throughPtr)
		if err != nil {
			return false, err
		}
		for _, p := range d.types[id].(*btf.FuncProto).Params {
			s, err := d.order(d.id(p.Type), throughPtr)
			if err != nil {
				return false, err
			}
			strong = strong || s
		}
		return strong, nil
	default: // func, var, datasec, decl tag
		st.order = ordered
		return false, nil
	}
}

// isBlacklisted reports whether id is the compiler's own
// __builtin_va_list, which is never declared.
func (d *cDumper) isBlacklisted(id btf.TypeID) bool {
	return d.name(id) == "__builtin_va_list"
}

// emitType is btf_dump_emit_type: it writes the definition of type id,
// first declaring what it refers to; contID is the struct or union being
// defined around it (0 at the top level).
func (d *cDumper) emitType(id, contID btf.TypeID) {
	st := &d.state[id]
	topLevel := contID == 0
	if st.emit == emitted {
		return
	}
	kind := d.kind(id)
	if st.emit == emitting {
		if st.fwdEmitted {
			return
		}
		switch kind {
		case kindStruct, kindUnion:
			// A struct referring to itself needs no declaration.
			if id == contID || d.name(id) == "" {
				return
			}
			d.emitStructFwd(id)
			d.print(";\n\n")
			d.state[id].fwdEmitted = true
		case kindTypedef:
			// The typedef serves as a declaration for uses through a
			// pointer.
			if !d.isBlacklisted(id) {
				d.emitTypedefDef(id, 0)
				d.print(";\n\n")
			}
			d.state[id].fwdEmitted = true
		}
		return
	}
	switch kind {
	case kindInt:
		d.emitMissingAliases(id)
		st.emit = emitted
	case kindEnum, kindEnum64:
		if topLevel {
			start := d.out.Len()
			d.emitEnumDef(id, 0)
			d.print(";")
			if len(d.types[id].(*btf.Enum).Values) > 0 {
				d.record("enum "+d.typeName(id), start)
			}
			d.print("\n\n")
		}
		d.state[id].emit = emitted
	case kindPointer, kindVolatile, kindConst, kindRestrict, kindTypeTag, kindArray:
		d.emitType(d.next(id), contID)
	case kindFwd:
		d.emitFwdDef(id)
		d.print(";\n\n")
		st.emit = emitted
	case kindTypedef:
		st.emit = emitting
		d.emitType(d.next(id), id)
		// Someone may have needed the typedef as a declaration already.
		if !d.state[id].fwdEmitted && !d.isBlacklisted(id) {
			d.emitTypedefDef(id, 0)
			d.print(";\n\n")
		}
		d.state[id].emit = emitted
	case kindStruct, kindUnion:
		st.emit = emitting
		named := d.name(id) != ""
		if topLevel || !named {
			// All the members' types will be spelled out: declare what
			// they need.
			cont := id
			if !named {
				cont = contID
			}
			ms, _ := d.members(id)
			for _, m := range ms {
				d.emitType(d.id(m.Type), cont)
			}
		} else if !d.state[id].fwdEmitted && id != contID {
			d.emitStructFwd(id)
			d.print(";\n\n")
			d.state[id].fwdEmitted = true
		}
		if topLevel {
			start := d.out.Len()
			d.emitStructDef(id, 0)
			d.print(";")
			d.record(d.structKeyword(id)+" "+d.typeName(id), start)
			d.print("\n\n")
			d.state[id].emit = emitted
		} else {
			d.state[id].emit = notEmitted
		}
	case kindFuncProto:
		fp := d.types[id].(*btf.FuncProto)
		d.emitType(d.next(id), contID)
		for _, p := range fp.Params {
			d.emitType(d.id(p.Type), contID)
		}
	}
}

// emitMissingAliases is btf_dump_emit_missing_aliases: it declares the
// integer types that GCC has for Arm SIMD intrinsics and other compilers
// lack.
func (d *cDumper) emitMissingAliases(id btf.TypeID) {
	missing := [...][2]string{
		{"__Poly8_t", "unsigned char"},
		{"__Poly16_t", "unsigned short"},
		{"__Poly64_t", "unsigned long long"},
		{"__Poly128_t", "unsigned __int128"},
	}
	name := d.typeName(id)
	for _, m := range missing {
		if name == m[0] {
			d.printf("typedef %s %s;\n\n", m[1], name)
			return
		}
	}
}

// record keeps the definition written since start.
func (d *cDumper) record(name string, start int) {
	d.defs = append(d.defs, cDefinition{name: name, text: d.out.String()[start:]})
}

func (d *cDumper) structKeyword(id btf.TypeID) string {
	if d.kind(id) == kindUnion {
		return "union"
	}
	return "struct"
}

// alignOf is btf__align_of; 0 for a type without alignment.
func (d *cDumper) alignOf(id btf.TypeID) int {
	return d.alignOfDepth(id, 0)
}

func (d *cDumper) alignOfDepth(id btf.TypeID, depth int) int {
	if depth > maxDeclDepth {
		return 0
	}
	switch d.kind(id) {
	case kindInt, kindEnum, kindEnum64, kindFloat:
		return min(d.ptrSize, int(d.size(id)))
	case kindPointer:
		return d.ptrSize
	case kindTypedef, kindVolatile, kindConst, kindRestrict, kindTypeTag, kindArray:
		return d.alignOfDepth(d.next(id), depth+1)
	case kindStruct, kindUnion:
		ms, size := d.members(id)
		maxAlign := 1
		for _, m := range ms {
			align := d.alignOfDepth(d.id(m.Type), depth+1)
			if align <= 0 {
				return align
			}
			maxAlign = max(maxAlign, align)
			// A member off its natural alignment: the struct is packed.
			if m.BitfieldSize == 0 && int(m.Offset)%(8*align) != 0 {
				return 1
			}
		}
		if int(size)%maxAlign != 0 {
			return 1
		}
		return maxAlign
	}
	return 0
}

// resolveSize is btf__resolve_size; -1 for a type without a size.
func (d *cDumper) resolveSize(id btf.TypeID) int64 {
	nelems := int64(1)
	for i := 0; i < maxDeclDepth && id != 0; i++ {
		switch d.kind(id) {
		case kindInt, kindStruct, kindUnion, kindEnum, kindEnum64, kindDatasec, kindFloat:
			return nelems * d.size(id)
		case kindPointer:
			return nelems * int64(d.ptrSize)
		case kindTypedef, kindVolatile, kindConst, kindRestrict, kindVar, kindDeclTag, kindTypeTag:
			id = d.next(id)
		case kindArray:
			nelems *= int64(d.types[id].(*btf.Array).Nelems)
			id = d.next(id)
		default:
			return -1
		}
	}
	return -1
}

// isPacked is btf_is_struct_packed: whether a struct's layout needs
// __attribute__((packed)).
func (d *cDumper) isPacked(id btf.TypeID) bool {
	ms, size := d.members(id)
	maxAlign := 1
	for _, m := range ms {
		align := d.alignOf(d.id(m.Type))
		if align != 0 && m.BitfieldSize == 0 && int(m.Offset)%(8*align) != 0 {
			return true
		}
		maxAlign = max(align, maxAlign)
	}
	return int(size)%maxAlign != 0
}

// roundUp rounds x up to a multiple of y.
func roundUp(x, y int) int {
	if y <= 0 {
		return x
	}
	return (x + y - 1) / y * y
}

// emitBitPadding is btf_dump_emit_bit_padding: it fills the gap between
// bit offsets curOff and nextOff with anonymous bitfields ("long: 64;")
// where the compiler would not leave it by itself.
func (d *cDumper) emitBitPadding(curOff, nextOff, nextAlign int, inBitfield bool, lvl int) {
	pads := []struct {
		name string
		bits int
	}{{"long", d.ptrSize * 8}, {"int", 32}, {"short", 16}, {"char", 8}}
	if curOff >= nextOff {
		return // no gap
	}
	newOff, padBits, padType := 0, 0, ""
	for _, p := range pads {
		padBits, padType = p.bits, p.name
		newOff = roundUp(curOff, padBits)
		if newOff <= nextOff {
			break
		}
	}
	if newOff > curOff && newOff <= nextOff {
		if inBitfield ||
			(newOff == nextOff && roundUp(curOff, nextAlign*8) != newOff) ||
			(newOff != nextOff && nextOff-newOff <= newOff-curOff) {
			n := 0
			if inBitfield {
				n = newOff - curOff
			}
			d.printf("\n%s%s: %d;", pfx(lvl), padType, n)
		}
		curOff = newOff
	}
	for curOff != nextOff {
		bits := min(nextOff-curOff, padBits)
		if bits == padBits {
			d.printf("\n%s%s: %d;", pfx(lvl), padType, padBits)
			curOff += bits
			continue
		}
		// The rest of the gap: the smallest type that holds it.
		for i := len(pads) - 1; i >= 0; i-- {
			padType, padBits = pads[i].name, pads[i].bits
			if padBits < bits {
				continue
			}
			d.printf("\n%s%s: %d;", pfx(lvl), padType, bits)
			curOff += bits
			break
		}
	}
}

func (d *cDumper) emitStructFwd(id btf.TypeID) {
	d.print(d.structKeyword(id))
	if name := d.typeName(id); name != "" {
		d.print(" " + name)
	}
}

// emitStructDef is btf_dump_emit_struct_def.
func (d *cDumper) emitStructDef(id btf.TypeID, lvl int) {
	ms, size := d.members(id)
	isStruct := d.kind(id) == kindStruct
	align := d.alignOf(id)
	packed := isStruct && d.isPacked(id)
	d.emitStructFwd(id)
	d.print(" {")
	off, prevBitfield := 0, false
	for _, m := range ms {
		mSize, mOff := int(m.BitfieldSize), int(m.Offset)
		mAlign := 1
		if !packed {
			mAlign = d.alignOf(d.id(m.Type))
		}
		inBitfield := prevBitfield && mSize != 0
		d.emitBitPadding(off, mOff, mAlign, inBitfield, lvl+1)
		d.print("\n" + pfx(lvl+1))
		d.emitTypeDecl(d.id(m.Type), m.Name, lvl+1)
		if mSize != 0 {
			d.printf(": %d", mSize)
			off = mOff + mSize
			prevBitfield = true
		} else {
			off = mOff + int(max(0, d.resolveSize(d.id(m.Type))))*8
			prevBitfield = false
		}
		d.print(";")
	}
	if isStruct {
		d.emitBitPadding(off, int(size)*8, align, false, lvl+1)
	}
	// An empty struct stays on one line.
	if len(ms) > 0 || size > 0 {
		d.print("\n" + pfx(lvl) + "}")
	} else {
		d.print("}")
	}
	if packed {
		d.print(" __attribute__((packed))")
	}
}

// emitEnumDef is btf_dump_emit_enum_def.
func (d *cDumper) emitEnumDef(id btf.TypeID, lvl int) {
	e := d.types[id].(*btf.Enum)
	d.print("enum")
	if name := d.typeName(id); name != "" {
		d.print(" " + name)
	}
	if len(e.Values) == 0 {
		return
	}
	d.print(" {")
	is64 := d.kind(id) == kindEnum64
	for _, v := range e.Values {
		// Enumerators share their namespace with typedefs.
		name := v.Name
		if n := d.nameDups(d.identNames, name); n > 1 {
			name += "___" + strconv.Itoa(n)
		}
		var val string
		switch {
		case is64 && e.Signed:
			val = strconv.FormatInt(int64(v.Value), 10) + "LL"
		case is64:
			val = strconv.FormatUint(v.Value, 10) + "ULL"
		case e.Signed:
			val = strconv.FormatInt(int64(int32(uint32(v.Value))), 10)
		default:
			val = strconv.FormatUint(uint64(uint32(v.Value)), 10)
		}
		d.printf("\n%s%s = %s,", pfx(lvl+1), name, val)
	}
	d.print("\n" + pfx(lvl) + "}")
	switch {
	case e.Size == 1:
		d.print(" __attribute__((mode(byte)))")
	case e.Size == 8 && d.ptrSize == 8:
		// An ENUM cannot hold 64-bit values; an ENUM64 whose values all
		// fit in 32 bits would be 4 bytes without the attribute.
		needsWord := true
		if is64 {
			for _, v := range e.Values {
				if v.Value>>32 != 0 {
					needsWord = false
					break
				}
			}
		}
		if needsWord {
			d.print(" __attribute__((mode(word)))")
		}
	}
}

func (d *cDumper) emitFwdDef(id btf.TypeID) {
	name := d.typeName(id)
	if f, ok := d.types[id].(*btf.Fwd); ok && f.Kind == btf.FwdUnion {
		d.print("union " + name)
		return
	}
	d.print("struct " + name)
}

func (d *cDumper) emitTypedefDef(id btf.TypeID, lvl int) {
	name := d.identName(id)
	if d.next(id) == 0 && name == "__gnuc_va_list" {
		// Old GCC's invalid typedef to void.
		d.print("typedef __builtin_va_list __gnuc_va_list")
		return
	}
	d.print("typedef ")
	d.emitTypeDecl(d.next(id), name, lvl)
}

// emitTypeDecl is btf_dump_emit_type_decl: it declares fname (a member,
// parameter or typedef name; "" for none) with type id in C syntax.
func (d *cDumper) emitTypeDecl(id btf.TypeID, fname string, lvl int) {
	var stack []btf.TypeID
loop:
	for depth := 0; ; depth++ {
		stack = append(stack, id)
		if id == 0 || depth > 4*maxDeclDepth {
			break
		}
		switch d.kind(id) {
		case kindPointer, kindVolatile, kindConst, kindRestrict, kindFuncProto, kindTypeTag, kindArray:
			id = d.next(id)
		default:
			// int, enum, fwd, struct, union, typedef, float end the
			// chain (and anything unexpected).
			break loop
		}
	}
	d.emitTypeChain(&stack, fname, lvl)
}

// emitMods writes the const, volatile and restrict qualifiers on top of
// the stack, which C writes before the type they qualify.
func (d *cDumper) emitMods(stack *[]btf.TypeID) {
	for len(*stack) > 0 {
		switch d.kind((*stack)[len(*stack)-1]) {
		case kindVolatile:
			d.print("volatile ")
		case kindConst:
			d.print("const ")
		case kindRestrict:
			d.print("restrict ")
		default:
			return
		}
		*stack = (*stack)[:len(*stack)-1]
	}
}

// dropMods pops the qualifiers on top of the stack.
func (d *cDumper) dropMods(stack *[]btf.TypeID) {
	for len(*stack) > 0 && d.isMod((*stack)[len(*stack)-1]) {
		*stack = (*stack)[:len(*stack)-1]
	}
}

func (d *cDumper) emitName(name string, lastWasPtr bool) {
	if name != "" && !lastWasPtr {
		d.print(" ")
	}
	d.print(name)
}

// emitTypeChain is btf_dump_emit_type_chain: it writes the chain of types
// on the stack (the innermost on top) around the declared name.
func (d *cDumper) emitTypeChain(stack *[]btf.TypeID, fname string, lvl int) {
	lastWasPtr := true
	for len(*stack) > 0 {
		id := (*stack)[len(*stack)-1]
		*stack = (*stack)[:len(*stack)-1]
		if id == 0 {
			d.emitMods(stack)
			d.print("void")
			lastWasPtr = false
			continue
		}
		kind := d.kind(id)
		switch kind {
		case kindInt, kindFloat:
			d.emitMods(stack)
			d.print(d.name(id))
		case kindStruct, kindUnion:
			d.emitMods(stack)
			if d.name(id) == "" {
				d.emitStructDef(id, lvl) // inline anonymous struct or union
			} else {
				d.emitStructFwd(id)
			}
		case kindEnum, kindEnum64:
			d.emitMods(stack)
			if d.name(id) == "" {
				d.emitEnumDef(id, lvl) // inline anonymous enum
			} else {
				d.print("enum " + d.typeName(id))
			}
		case kindFwd:
			d.emitMods(stack)
			d.emitFwdDef(id)
		case kindTypedef:
			d.emitMods(stack)
			d.print(d.identName(id))
		case kindPointer:
			if lastWasPtr {
				d.print("*")
			} else {
				d.print(" *")
			}
		case kindVolatile:
			d.print(" volatile")
		case kindConst:
			d.print(" const")
		case kindRestrict:
			d.print(" restrict")
		case kindTypeTag:
			d.emitMods(stack)
			d.printf(" __attribute__((btf_type_tag(\"%s\")))", d.name(id))
		case kindArray:
			// Qualifiers of an array (a GCC quirk) mean nothing.
			d.dropMods(stack)
			n := d.types[id].(*btf.Array).Nelems
			if len(*stack) == 0 {
				d.emitName(fname, lastWasPtr)
				d.printf("[%d]", n)
				return
			}
			multidim := d.kind((*stack)[len(*stack)-1]) == kindArray
			if fname != "" && !lastWasPtr {
				d.print(" ")
			}
			if !multidim {
				d.print("(")
			}
			d.emitTypeChain(stack, fname, lvl)
			if !multidim {
				d.print(")")
			}
			d.printf("[%d]", n)
			return
		case kindFuncProto:
			fp := d.types[id].(*btf.FuncProto)
			// GCC's volatile on noreturn function pointers means nothing.
			d.dropMods(stack)
			if len(*stack) > 0 {
				d.print(" (")
				d.emitTypeChain(stack, fname, lvl)
				d.print(")")
			} else {
				d.emitName(fname, lastWasPtr)
			}
			d.print("(")
			params := fp.Params
			if len(params) == 0 || (len(params) == 1 && d.id(params[0].Type) == 0) {
				d.print("void)")
				return
			}
			for i, p := range params {
				if i > 0 {
					d.print(", ")
				}
				// A last parameter of type void is the ellipsis.
				if i == len(params)-1 && d.id(p.Type) == 0 {
					d.print("...")
					break
				}
				d.emitTypeDecl(d.id(p.Type), p.Name, lvl)
			}
			d.print(")")
			return
		default:
			return // unexpected in a declaration, as libbpf
		}
		lastWasPtr = kind == kindPointer
	}
	d.emitName(fname, lastWasPtr)
}

// nameDups counts one more use of name and returns how many there were.
func (d *cDumper) nameDups(names map[string]int, name string) int {
	names[name]++
	return names[name]
}

// resolveName is btf_dump_resolve_name: the name type id is written with,
// its BTF name followed by ___N when N-1 types of the same name came
// first.
func (d *cDumper) resolveName(id btf.TypeID, names map[string]int) string {
	orig := d.name(id)
	if orig == "" {
		return ""
	}
	st := &d.state[id]
	if st.nameResolved {
		if s, ok := d.cached[id]; ok {
			return s
		}
		return orig
	}
	st.nameResolved = true
	if d.kind(id) == kindFwd || (d.kind(id) == kindEnum && len(d.types[id].(*btf.Enum).Values) == 0) {
		return orig
	}
	if n := d.nameDups(names, orig); n > 1 {
		s := orig + "___" + strconv.Itoa(n)
		d.cached[id] = s
		return s
	}
	return orig
}

// typeName names a struct, union, enum or forward declaration.
func (d *cDumper) typeName(id btf.TypeID) string { return d.resolveName(id, d.typeNames) }

// identName names a typedef.
func (d *cDumper) identName(id btf.TypeID) string { return d.resolveName(id, d.identNames) }
