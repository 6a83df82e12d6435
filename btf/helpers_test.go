package btf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// syntheticTypes is a small kernel: an int, a struct, a typedef of it, an
// enum and a function.
func syntheticTypes() []btf.Type {
	intT := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	st := &btf.Struct{Name: "ext_struct", Size: 8, Members: []btf.Member{
		{Name: "x", Type: intT},
		{Name: "y", Type: intT, Offset: 32},
	}}
	return []btf.Type{
		intT,
		st,
		&btf.Typedef{Name: "ext_t", Type: st},
		&btf.Enum{Name: "ext_enum", Size: 4, Values: []btf.EnumValue{{Name: "EXT_A", Value: 1}, {Name: "EXT_B", Value: 5}}},
		&btf.Func{Name: "ext_func", Linkage: btf.GlobalFunc, Type: &btf.FuncProto{
			Return: intT, Params: []btf.FuncParam{{Name: "a", Type: intT}},
		}},
	}
}

// marshalBTF encodes types as raw little-endian BTF, the first one with ID 1.
func marshalBTF(t testing.TB, types []btf.Type) []byte {
	t.Helper()
	b, err := btf.NewBuilder(types, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, &btf.MarshalOptions{Order: binary.LittleEndian})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func writeFile(t testing.TB, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// elfWithBTF returns a minimal little-endian ELF relocatable object with
// raw in its .BTF section and an empty symbol table.
func elfWithBTF(raw []byte) []byte {
	const (
		headerSize  = 64 // sizeof(Elf64_Ehdr)
		sectionSize = 64 // sizeof(Elf64_Shdr)
	)
	shstrtab := []byte("\x00.BTF\x00.symtab\x00.strtab\x00.shstrtab\x00")
	symtab := make([]byte, elf.Sym64Size) // the null symbol
	strtab := []byte{0}

	var body bytes.Buffer
	offset := func(data []byte) uint64 {
		for body.Len()%8 != 0 {
			body.WriteByte(0)
		}
		off := uint64(headerSize + body.Len())
		body.Write(data)
		return off
	}
	sections := []elf.Section64{
		{},
		{Name: 1, Type: uint32(elf.SHT_PROGBITS), Off: offset(raw), Size: uint64(len(raw)), Addralign: 4},
		{Name: 6, Type: uint32(elf.SHT_SYMTAB), Off: offset(symtab), Size: uint64(len(symtab)), Link: 3, Info: 1, Addralign: 8, Entsize: elf.Sym64Size},
		{Name: 14, Type: uint32(elf.SHT_STRTAB), Off: offset(strtab), Size: uint64(len(strtab)), Addralign: 1},
		{Name: 22, Type: uint32(elf.SHT_STRTAB), Off: offset(shstrtab), Size: uint64(len(shstrtab)), Addralign: 1},
	}
	shoff := offset(nil)

	hdr := elf.Header64{
		Type:      uint16(elf.ET_REL),
		Machine:   uint16(elf.EM_BPF),
		Version:   uint32(elf.EV_CURRENT),
		Shoff:     shoff,
		Ehsize:    headerSize,
		Shentsize: sectionSize,
		Shnum:     uint16(len(sections)),
		Shstrndx:  4,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	hdr.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	hdr.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)

	var out bytes.Buffer
	binary.Write(&out, binary.LittleEndian, hdr)
	out.Write(body.Bytes())
	binary.Write(&out, binary.LittleEndian, sections)
	return out.Bytes()
}

// splitBuilder hand-encodes split BTF on top of a base: cilium/ebpf can read
// split BTF but not write it. Type IDs continue after the base's last ID and
// string offsets after the base's string table.
type splitBuilder struct {
	types, strs bytes.Buffer
	strBase     uint32
	nextID      btf.TypeID
}

func newSplitBuilder(t testing.TB, baseRaw []byte) *splitBuilder {
	t.Helper()
	base, err := btf.LoadSpecFromReader(bytes.NewReader(baseRaw))
	if err != nil {
		t.Fatal(err)
	}
	var n btf.TypeID // All includes Void
	for _, err := range base.All() {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return &splitBuilder{strBase: binary.LittleEndian.Uint32(baseRaw[20:]), nextID: n}
}

func (b *splitBuilder) str(s string) uint32 {
	if s == "" {
		return 0
	}
	off := b.strBase + uint32(b.strs.Len())
	b.strs.WriteString(s)
	b.strs.WriteByte(0)
	return off
}

// add appends a type: name, kind, vlen, size or type, then kind-specific
// words. It returns the new type's ID.
func (b *splitBuilder) add(name string, kind, vlen int, sizeOrType uint32, data ...uint32) btf.TypeID {
	words := append([]uint32{b.str(name), uint32(kind)<<24 | uint32(vlen), sizeOrType}, data...)
	binary.Write(&b.types, binary.LittleEndian, words)
	id := b.nextID
	b.nextID++
	return id
}

func (b *splitBuilder) bytes() []byte {
	var out bytes.Buffer
	typeLen, strLen := uint32(b.types.Len()), uint32(b.strs.Len())
	binary.Write(&out, binary.LittleEndian, struct {
		Magic                                    uint16
		Version, Flags                           uint8
		HdrLen, TypeOff, TypeLen, StrOff, StrLen uint32
	}{btfMagic, 1, 0, btfHeaderSize, 0, typeLen, typeLen, strLen})
	out.Write(b.types.Bytes())
	out.Write(b.strs.Bytes())
	return out.Bytes()
}
