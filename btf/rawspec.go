package btf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"os"
	"unsafe"

	"github.com/cilium/ebpf/btf"
)

// cilium/ebpf decodes a BTF blob by first indexing every type by name
// (sorting ~130k entries for vmlinux) and then inflating what is asked for:
// about 13 ms before a script learns the layout of struct task_struct,
// most of a BTF script's startup. A script needs a handful of types, so
// rawSpec does less: one pass over the type headers records where each type
// starts, a lookup by name scans those headers comparing names in place,
// and only the types reachable from the ones found are decoded, into the
// same cilium/ebpf types the rest of gtrace works with. The wire format is
// described in https://docs.kernel.org/bpf/btf.html.
//
// Declaration tags (BTF_KIND_DECL_TAG) are not attached to the types they
// annotate: gtrace never reads them.

// rawSpec gives on-demand access to the types of a non-split BTF blob.
// It is not safe for concurrent use; Kernel serialises access.
type rawSpec struct {
	bo    binary.ByteOrder
	types []byte // the type section
	strs  []byte // the string section
	// offsets[id] is where type id starts in types; offsets[0] (Void) is
	// unused.
	offsets []uint32
	decoded map[btf.TypeID]btf.Type
	byName  map[string][]btf.TypeID
}

const (
	btfMagic      = 0xeb9f
	btfHeaderSize = 24
	btfTypeLen    = 12 // name_off, info, size/type
)

// BTF kinds.
const (
	kindInt = iota + 1
	kindPointer
	kindArray
	kindStruct
	kindUnion
	kindEnum
	kindFwd
	kindTypedef
	kindVolatile
	kindConst
	kindRestrict
	kindFunc
	kindFuncProto
	kindVar
	kindDatasec
	kindFloat
	kindDeclTag
	kindTypeTag
	kindEnum64
	kindMax = kindEnum64
)

// parseRawSpec indexes the types of raw, a BTF blob that does not build on
// another (vmlinux, or an external BTF file).
func parseRawSpec(raw []byte) (*rawSpec, error) {
	if len(raw) < btfHeaderSize {
		return nil, errors.New("BTF too short")
	}
	var bo binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint16(raw) == btfMagic:
		bo = binary.LittleEndian
	case binary.BigEndian.Uint16(raw) == btfMagic:
		bo = binary.BigEndian
	default:
		return nil, errors.New("not BTF: bad magic")
	}
	hdrLen := bo.Uint32(raw[4:])
	section := func(off, n uint32) ([]byte, error) {
		start, end := uint64(hdrLen)+uint64(off), uint64(hdrLen)+uint64(off)+uint64(n)
		if end > uint64(len(raw)) {
			return nil, errors.New("BTF section out of bounds")
		}
		return raw[start:end:end], nil
	}
	types, err := section(bo.Uint32(raw[8:]), bo.Uint32(raw[12:]))
	if err != nil {
		return nil, err
	}
	strs, err := section(bo.Uint32(raw[16:]), bo.Uint32(raw[20:]))
	if err != nil {
		return nil, err
	}
	s := &rawSpec{bo: bo, types: types, strs: strs, decoded: make(map[btf.TypeID]btf.Type)}
	// vmlinux averages about 30 bytes a type.
	s.offsets = make([]uint32, 1, len(types)/24+1)
	for off := 0; off < len(types); {
		id := len(s.offsets)
		if off+btfTypeLen > len(types) {
			return nil, fmt.Errorf("type %d: truncated BTF type", id)
		}
		n, err := dataLen(bo.Uint32(types[off+4:]))
		if err != nil {
			return nil, fmt.Errorf("type %d: %w", id, err)
		}
		if off+btfTypeLen+n > len(types) {
			return nil, fmt.Errorf("type %d: truncated BTF type data", id)
		}
		s.offsets = append(s.offsets, uint32(off))
		off += btfTypeLen + n
	}
	return s, nil
}

// dataLen is the length of the data that follows a type header with the
// given info word.
func dataLen(info uint32) (int, error) {
	kind, vlen := info>>24&0x1f, int(info&0xffff)
	switch kind {
	case kindInt, kindVar, kindDeclTag:
		return 4, nil
	case kindArray:
		return 12, nil
	case kindStruct, kindUnion, kindDatasec, kindEnum64:
		return 12 * vlen, nil
	case kindEnum, kindFuncProto:
		return 8 * vlen, nil
	case 0:
	default:
		if kind <= kindMax {
			return 0, nil
		}
	}
	return 0, fmt.Errorf("unknown BTF kind %d", kind)
}

// str returns the string at off in the string section.
//
// The string shares the section's memory, which is never written and lives
// as long as the process (see loadRaw), so nothing is copied.
func (s *rawSpec) str(off uint32) string {
	b := s.strBytes(off)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (s *rawSpec) strBytes(off uint32) []byte {
	if off >= uint32(len(s.strs)) {
		return nil
	}
	b := s.strs[off:]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return b
}

// header returns the name offset, info word (kind, vlen, kind_flag) and
// size/type word of type id, and where its data starts in s.types.
func (s *rawSpec) header(id btf.TypeID) (nameOff, info, sizeType uint32, data int) {
	off := int(s.offsets[id])
	h := s.types[off : off+btfTypeLen]
	return s.bo.Uint32(h), s.bo.Uint32(h[4:]), s.bo.Uint32(h[8:]), off + btfTypeLen
}

// idsByName returns the IDs of the types named name, in ID order.
func (s *rawSpec) idsByName(name string) []btf.TypeID {
	if ids, ok := s.byName[name]; ok {
		return ids
	}
	var ids []btf.TypeID
	if name != "" {
		// Compare in place: the name at nameOff must be name followed by
		// the terminating NUL.
		n, first := uint32(len(name)), name[0]
		for id := 1; id < len(s.offsets); id++ {
			off := s.bo.Uint32(s.types[s.offsets[id]:])
			if off == 0 || off+n >= uint32(len(s.strs)) || s.strs[off] != first ||
				s.strs[off+n] != 0 || string(s.strs[off:off+n]) != name {
				continue
			}
			ids = append(ids, btf.TypeID(id))
		}
	}
	if s.byName == nil {
		s.byName = make(map[string][]btf.TypeID)
	}
	s.byName[name] = ids
	return ids
}

// AnyTypesByName returns the types called name, as cilium/ebpf's
// Spec.AnyTypesByName does; the error for none wraps ErrNotFound.
func (s *rawSpec) AnyTypesByName(name string) ([]btf.Type, error) {
	ids := s.idsByName(name)
	if len(ids) == 0 {
		return nil, fmt.Errorf("type name %s: %w", name, ErrNotFound)
	}
	types := make([]btf.Type, 0, len(ids))
	for _, id := range ids {
		t, err := s.TypeByID(id)
		if err != nil {
			return nil, err
		}
		types = append(types, t)
	}
	return types, nil
}

// All decodes every type, in ID order.
func (s *rawSpec) All() iter.Seq2[btf.Type, error] {
	return func(yield func(btf.Type, error) bool) {
		for id := 1; id < len(s.offsets); id++ {
			_, info, _, _ := s.header(btf.TypeID(id))
			if info>>24&0x1f == kindDeclTag {
				continue
			}
			if !yield(s.TypeByID(btf.TypeID(id))) {
				return
			}
		}
	}
}

// TypeByID decodes type id and every type it refers to.
func (s *rawSpec) TypeByID(id btf.TypeID) (t btf.Type, err error) {
	defer func() {
		// decode panics with a decodeError to unwind deep recursion.
		if r := recover(); r != nil {
			de, ok := r.(decodeError)
			if !ok {
				panic(r)
			}
			t, err = nil, de.error
		}
	}()
	return s.decode(id), nil
}

type decodeError struct{ error }

// decode returns type id, decoding it first if needed. Types are entered
// into s.decoded before their children are decoded, which ends cycles
// (a struct holding a pointer to itself).
func (s *rawSpec) decode(id btf.TypeID) btf.Type {
	if id == 0 {
		return (*btf.Void)(nil)
	}
	if t, ok := s.decoded[id]; ok {
		return t
	}
	if int(id) >= len(s.offsets) {
		panic(decodeError{fmt.Errorf("type id %d: %w", id, ErrNotFound)})
	}
	nameOff, info, sizeType, data := s.header(id)
	name := s.str(nameOff)
	kind, vlen, flag := info>>24&0x1f, int(info&0xffff), info>>31 == 1
	u32 := func(i int) uint32 { return s.bo.Uint32(s.types[data+4*i:]) }
	// ref enters t, a type that refers to the type in its header, and
	// decodes that type into *target.
	ref := func(t btf.Type, target *btf.Type) btf.Type {
		s.decoded[id] = t
		*target = s.decode(btf.TypeID(sizeType))
		return t
	}

	var t btf.Type
	switch kind {
	case kindInt:
		t = &btf.Int{Name: name, Size: sizeType, Encoding: btf.IntEncoding(u32(0) >> 24 & 0xf)}
		s.decoded[id] = t
	case kindPointer:
		p := &btf.Pointer{}
		t = ref(p, &p.Target)
	case kindArray:
		a := &btf.Array{Nelems: u32(2)}
		s.decoded[id] = a
		a.Type = s.decode(btf.TypeID(u32(0)))
		a.Index = s.decode(btf.TypeID(u32(1)))
		t = a
	case kindStruct:
		st := &btf.Struct{Name: name, Size: sizeType}
		s.decoded[id] = st
		st.Members = s.members(vlen, flag, data)
		t = st
	case kindUnion:
		un := &btf.Union{Name: name, Size: sizeType}
		s.decoded[id] = un
		un.Members = s.members(vlen, flag, data)
		t = un
	case kindEnum, kindEnum64:
		e := &btf.Enum{Name: name, Size: sizeType, Signed: flag, Values: make([]btf.EnumValue, vlen)}
		for i := range vlen {
			v := &e.Values[i]
			if kind == kindEnum {
				v.Name = s.str(u32(2 * i))
				v.Value = uint64(u32(2*i + 1))
				if flag {
					v.Value = uint64(int32(v.Value))
				}
			} else {
				v.Name = s.str(u32(3 * i))
				v.Value = uint64(u32(3*i+2))<<32 | uint64(u32(3*i+1))
			}
		}
		t = e
		s.decoded[id] = t
	case kindFwd:
		kind := btf.FwdStruct
		if flag {
			kind = btf.FwdUnion
		}
		t = &btf.Fwd{Name: name, Kind: kind}
		s.decoded[id] = t
	case kindTypedef:
		td := &btf.Typedef{Name: name}
		t = ref(td, &td.Type)
	case kindVolatile:
		q := &btf.Volatile{}
		t = ref(q, &q.Type)
	case kindConst:
		q := &btf.Const{}
		t = ref(q, &q.Type)
	case kindRestrict:
		q := &btf.Restrict{}
		t = ref(q, &q.Type)
	case kindTypeTag:
		q := &btf.TypeTag{Value: name}
		t = ref(q, &q.Type)
	case kindFunc:
		f := &btf.Func{Name: name, Linkage: btf.FuncLinkage(vlen)}
		t = ref(f, &f.Type)
	case kindFuncProto:
		fp := &btf.FuncProto{Params: make([]btf.FuncParam, vlen)}
		s.decoded[id] = fp
		for i := range vlen {
			fp.Params[i].Name = s.str(u32(2 * i))
			fp.Params[i].Type = s.decode(btf.TypeID(u32(2*i + 1)))
		}
		fp.Return = s.decode(btf.TypeID(sizeType))
		t = fp
	case kindVar:
		v := &btf.Var{Name: name, Linkage: btf.VarLinkage(u32(0))}
		t = ref(v, &v.Type)
	case kindDatasec:
		ds := &btf.Datasec{Name: name, Size: sizeType, Vars: make([]btf.VarSecinfo, vlen)}
		s.decoded[id] = ds
		for i := range vlen {
			ds.Vars[i] = btf.VarSecinfo{Offset: u32(3*i + 1), Size: u32(3*i + 2)}
			ds.Vars[i].Type = s.decode(btf.TypeID(u32(3 * i)))
		}
		t = ds
	case kindFloat:
		t = &btf.Float{Name: name, Size: sizeType}
		s.decoded[id] = t
	default:
		// Declaration tags are not types of their own in cilium/ebpf.
		panic(decodeError{fmt.Errorf("type id %d: BTF kind %d cannot be decoded on its own", id, kind)})
	}
	return t
}

// members decodes the vlen members of a struct or union whose data starts at
// data. With kind_flag set, each offset holds the bitfield size in its top
// byte; otherwise a bitfield is described by its integer type (the legacy
// encoding).
func (s *rawSpec) members(vlen int, bitfields bool, data int) []btf.Member {
	ms := make([]btf.Member, vlen)
	for i := range ms {
		m := s.types[data+12*i:]
		nameOff, typ, off := s.bo.Uint32(m), btf.TypeID(s.bo.Uint32(m[4:])), s.bo.Uint32(m[8:])
		ms[i].Name = s.str(nameOff)
		if bitfields {
			ms[i].Offset, ms[i].BitfieldSize = btf.Bits(off&0xffffff), btf.Bits(off>>24)
		} else {
			ms[i].Offset = btf.Bits(off)
			ms[i].Offset, ms[i].BitfieldSize = s.legacyBitfield(typ, ms[i].Offset)
		}
		ms[i].Type = s.decode(typ)
	}
	return ms
}

// legacyBitfield adjusts a member at offset whose type is an integer with a
// bit offset or a width narrower than its size.
func (s *rawSpec) legacyBitfield(typ btf.TypeID, offset btf.Bits) (btf.Bits, btf.Bits) {
	if typ == 0 || int(typ) >= len(s.offsets) {
		return offset, 0
	}
	_, info, size, data := s.header(typ)
	if info>>24&0x1f != kindInt {
		return offset, 0
	}
	enc := s.bo.Uint32(s.types[data:])
	bitOff, bits := btf.Bits(enc>>16&0xff), btf.Bits(enc&0xff)
	if bitOff == 0 && bits == btf.Bits(size*8) {
		return offset, 0
	}
	return offset + bitOff, bits
}

// funcNames lists the names of the functions (BTF_KIND_FUNC), in ID order.
func (s *rawSpec) funcNames() []string {
	var names []string
	for id := 1; id < len(s.offsets); id++ {
		nameOff, info, _, _ := s.header(btf.TypeID(id))
		if info>>24&0x1f == kindFunc {
			names = append(names, s.str(nameOff))
		}
	}
	return names
}

// enumerators maps each enumerator name to the ID of the first enum type
// that declares it.
func (s *rawSpec) enumerators() map[string]btf.TypeID {
	index := make(map[string]btf.TypeID)
	for id := 1; id < len(s.offsets); id++ {
		_, info, _, data := s.header(btf.TypeID(id))
		kind, vlen := info>>24&0x1f, int(info&0xffff)
		entry := 8
		switch kind {
		case kindEnum:
		case kindEnum64:
			entry = 12
		default:
			continue
		}
		for i := range vlen {
			name := s.strBytes(s.bo.Uint32(s.types[data+i*entry:]))
			if len(name) == 0 {
				continue
			}
			if _, dup := index[string(name)]; !dup {
				index[string(name)] = btf.TypeID(id)
			}
		}
	}
	return index
}

// readRawBTF returns the raw BTF in path: the file itself, or the .BTF
// section of an ELF file.
func readRawBTF(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(data, []byte(elf.ELFMAG)) {
		return data, nil
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	sec := f.Section(".BTF")
	if sec == nil {
		return nil, fmt.Errorf("%s: no .BTF section", path)
	}
	return sec.Data()
}
