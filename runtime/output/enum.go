package output

import "strconv"

// Enum is a value of an enum type. Text output writes the name of its
// enumerator or, when no enumerator has the value, its bits as an unsigned
// number; JSON writes that number, as the newest bpftrace does. printf's
// %s prints the text and its integer conversions the number.
type Enum struct {
	// Name is the enumerator's name, "" when the value has none.
	Name string
	// Value is the integer: an int64 for a signed type, else a uint64.
	Value any
	// Bits is the value zero-extended from its type's size.
	Bits uint64
}

// String returns the enumerator's name, or the value as an unsigned number.
func (e Enum) String() string {
	if e.Name != "" {
		return e.Name
	}
	return strconv.FormatUint(e.Bits, 10)
}

// Integer returns the value, for printf's integer conversions.
func (e Enum) Integer() any { return e.Value }
