package btf

import (
	"fmt"

	"github.com/cilium/ebpf/btf"
)

// Member is a field of a struct or union, found by name. Offsets are from
// the start of the outermost type, including any anonymous struct or union
// members the field is nested in.
type Member struct {
	Name string
	// Type is the declared type, with typedefs and qualifiers.
	Type btf.Type
	// Offset from the start of the outermost type, in bits.
	Offset btf.Bits
	// BitfieldSize is the width of a bitfield in bits, 0 for other fields.
	BitfieldSize btf.Bits
}

// ByteOffset returns the offset in bytes, rounded down for bitfields.
func (m Member) ByteOffset() uint32 {
	return uint32(m.Offset / 8)
}

// IsBitfield reports whether the member is a bitfield.
func (m Member) IsBitfield() bool {
	return m.BitfieldSize != 0
}

// BitfieldAccess says how to read a bitfield on a little-endian machine
// (x86_64, arm64): load Size bytes at ByteOffset as an unsigned integer,
// shift it right by Shift and mask it with Mask. A signed bitfield must
// then be sign-extended from its width.
type BitfieldAccess struct {
	ByteOffset uint32
	Size       int // 1, 2, 4 or 8
	Shift      uint
	Mask       uint64
}

// Bitfield returns how to read the bitfield m, using the smallest naturally
// aligned load that covers it. ok is false if m is not a bitfield or no
// load of at most eight bytes covers it.
func (m Member) Bitfield() (access BitfieldAccess, ok bool) {
	if !m.IsBitfield() || m.BitfieldSize > 64 {
		return BitfieldAccess{}, false
	}
	start, end := uint64(m.Offset), uint64(m.Offset)+uint64(m.BitfieldSize)
	mask := ^uint64(0) >> (64 - uint64(m.BitfieldSize))
	for _, size := range []uint64{1, 2, 4, 8} {
		load := start / 8 / size * size // aligned down to size
		if load*8+size*8 >= end {
			return BitfieldAccess{uint32(load), int(size), uint(start - load*8), mask}, true
		}
	}
	// An unaligned field: an unaligned 8-byte load may still cover it.
	if load := start / 8; load*8+64 >= end {
		return BitfieldAccess{uint32(load), 8, uint(start - load*8), mask}, true
	}
	return BitfieldAccess{}, false
}

// MemberNotFoundError is returned by FindMember for an unknown member name.
// It wraps ErrNotFound.
type MemberNotFoundError struct {
	// Type is the struct or union that was searched.
	Type btf.Type
	// Name is the member that was asked for.
	Name string
	// Suggestion is the closest member name (see Closest), or "".
	Suggestion string
}

func (e *MemberNotFoundError) Error() string {
	return fmt.Sprintf("%s has no member named %q", TypeString(e.Type), e.Name)
}

// Unwrap returns ErrNotFound.
func (e *MemberNotFoundError) Unwrap() error { return ErrNotFound }

// composite returns typ as a struct or union, looking through typedefs and
// qualifiers, and the members it has.
func composite(typ btf.Type) ([]btf.Member, error) {
	switch t := Underlying(typ).(type) {
	case *btf.Struct:
		return t.Members, nil
	case *btf.Union:
		return t.Members, nil
	case *btf.Fwd:
		return nil, fmt.Errorf("%s is incomplete (only declared)", TypeString(t))
	default:
		return nil, fmt.Errorf("%s is not a struct or union", TypeString(typ))
	}
}

// FindMember returns the member of the struct or union typ (or a typedef of
// one) called name. Members of anonymous struct and union members are found
// as C finds them, with offsets accumulated. The error for an unknown name is
// a *MemberNotFoundError.
func FindMember(typ btf.Type, name string) (Member, error) {
	members, err := composite(typ)
	if err != nil {
		return Member{}, err
	}
	if name != "" {
		if m, ok := findMember(members, name, 0, 0); ok {
			return m, nil
		}
	}
	return Member{}, &MemberNotFoundError{typ, name, SuggestMember(typ, name)}
}

func findMember(members []btf.Member, name string, base btf.Bits, depth int) (Member, bool) {
	// Named members first; C requires names to be unique across the
	// anonymous members too, so the order only matters for broken BTF.
	for _, m := range members {
		if m.Name == name {
			return Member{m.Name, m.Type, base + m.Offset, m.BitfieldSize}, true
		}
	}
	if depth >= maxDeclDepth {
		return Member{}, false
	}
	for _, m := range members {
		if m.Name != "" {
			continue
		}
		if inner, err := composite(m.Type); err == nil {
			if found, ok := findMember(inner, name, base+m.Offset, depth+1); ok {
				return found, true
			}
		}
	}
	return Member{}, false
}

// Members returns the named members of the struct or union typ in
// declaration order, with the members of anonymous struct and union members
// in their place, as FindMember sees them.
func Members(typ btf.Type) ([]Member, error) {
	members, err := composite(typ)
	if err != nil {
		return nil, err
	}
	return appendMembers(nil, members, 0, 0), nil
}

func appendMembers(out []Member, members []btf.Member, base btf.Bits, depth int) []Member {
	for _, m := range members {
		if m.Name != "" {
			out = append(out, Member{m.Name, m.Type, base + m.Offset, m.BitfieldSize})
			continue
		}
		if depth >= maxDeclDepth {
			continue
		}
		if inner, err := composite(m.Type); err == nil {
			out = appendMembers(out, inner, base+m.Offset, depth+1)
		}
	}
	return out
}

// SuggestMember returns the member name of typ closest to name (see
// Closest), for "did you mean" hints, or "" if none is close.
func SuggestMember(typ btf.Type, name string) string {
	members, err := Members(typ)
	if err != nil {
		return ""
	}
	names := make([]string, len(members))
	for i, m := range members {
		names[i] = m.Name
	}
	return Closest(name, names)
}
