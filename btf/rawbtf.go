package btf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf/btf"
)

// Looking up an enumerator by name needs an index of every enum in the
// kernel. Building it through cilium/ebpf means decoding all ~130k vmlinux
// types (about 90 ms); walking the raw type section and looking only at
// enum headers takes a few milliseconds. The wire format is described in
// https://docs.kernel.org/bpf/btf.html.

const (
	btfMagic      = 0xeb9f
	btfHeaderSize = 24
)

// Kinds and the size of the data that follows each kind's 12-byte header.
const (
	kindInt       = 1
	kindArray     = 3
	kindStruct    = 4
	kindUnion     = 5
	kindEnum      = 6
	kindFuncProto = 13
	kindVar       = 14
	kindDatasec   = 15
	kindDeclTag   = 17
	kindEnum64    = 19
	kindMax       = 19
)

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

// scanEnumerators maps each enumerator name in the raw, non-split BTF blob
// raw to the ID of the first enum type that declares it.
func scanEnumerators(raw []byte) (map[string]btf.TypeID, error) {
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
	typeOff, typeLen := bo.Uint32(raw[8:]), bo.Uint32(raw[12:])
	strOff, strLen := bo.Uint32(raw[16:]), bo.Uint32(raw[20:])
	section := func(off, n uint32) ([]byte, error) {
		start, end := uint64(hdrLen)+uint64(off), uint64(hdrLen)+uint64(off)+uint64(n)
		if end > uint64(len(raw)) {
			return nil, errors.New("BTF section out of bounds")
		}
		return raw[start:end], nil
	}
	types, err := section(typeOff, typeLen)
	if err != nil {
		return nil, err
	}
	strs, err := section(strOff, strLen)
	if err != nil {
		return nil, err
	}
	str := func(off uint32) string {
		if off >= uint32(len(strs)) {
			return ""
		}
		s := strs[off:]
		if i := bytes.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return string(s)
	}

	index := make(map[string]btf.TypeID)
	id := btf.TypeID(1)
	for off := 0; off < len(types); id++ {
		if off+12 > len(types) {
			return nil, errors.New("truncated BTF type")
		}
		info := bo.Uint32(types[off+4:])
		kind, vlen := int(info>>24&0x1f), int(info&0xffff)
		off += 12

		var entry, n int
		switch kind {
		case kindInt, kindVar, kindDeclTag:
			n = 4
		case kindArray:
			n = 12
		case kindStruct, kindUnion, kindDatasec, kindEnum64:
			entry = 12
		case kindEnum, kindFuncProto:
			entry = 8
		default:
			if kind == 0 || kind > kindMax {
				return nil, fmt.Errorf("type %d: unknown BTF kind %d", id, kind)
			}
		}
		n += entry * vlen
		if off+n > len(types) {
			return nil, errors.New("truncated BTF type data")
		}
		if kind == kindEnum || kind == kindEnum64 {
			for i := range vlen {
				name := str(bo.Uint32(types[off+i*entry:]))
				if _, dup := index[name]; !dup && name != "" {
					index[name] = id
				}
			}
		}
		off += n
	}
	return index, nil
}
