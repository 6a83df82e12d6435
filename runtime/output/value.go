package output

// Values a script prints, decoded into Go values. An integer is an int64
// (signed types) or a uint64 (unsigned types); a boolean a bool; a string,
// and the name the probe builtin stands for, a string. Composite values
// use the types below.

// Tuple is a tuple value: (1, "a").
type Tuple []any

// Array is a fixed-size array value, such as an int[4] struct member.
type Array []any

// Record is a struct or union value, or a record (a tuple with named
// fields): its members in order.
type Record []Field

// Field is one member of a Record.
type Field struct {
	Name  string
	Value any
}

// Pointer is an address. Text output writes it in hexadecimal.
type Pointer uint64

// Stats is the value of a stats() aggregation. Unsigned aggregations hold
// the bits of their uint64 values.
type Stats struct {
	Count, Average, Total int64
	// Unsigned marks stats() of unsigned values.
	Unsigned bool
}

// MapKind classifies a map by its values; bpftrace's JSON output names
// the kind in each map's "type".
type MapKind uint8

// Map kinds.
const (
	// MapPlain holds integers, strings, tuples... and count(), sum(),
	// min() and max() results.
	MapPlain MapKind = iota
	// MapAvg holds avg() results: each value an int64 or uint64 average.
	MapAvg
	// MapStats holds stats() results: each value a Stats.
	MapStats
	// MapHist holds hist() or lhist() results: each value a *Histogram.
	MapHist
	// MapTSeries holds tseries() results: each value a *TimeSeries.
	MapTSeries
)

// Map is a script map as it prints: its entries in bpftrace's order.
type Map struct {
	// Name is the map's name as written, with its @.
	Name string
	Kind MapKind
	// Keyed is set for a map with keys; a map without keys has at most one
	// entry, whose Key is nil.
	Keyed   bool
	Entries []Entry
}

// Entry is one key and value of a Map.
type Entry struct {
	// Key holds the key's values, one for each expression between the
	// brackets of @m[k1, k2].
	Key   []any
	Value any
}

// Lookup returns the value stored under the given key values and whether
// there is one. Integers compare by value whatever their Go type, so
// Lookup(1) finds the key int64(1); other values compare with ==, element
// by element for tuples, arrays and records. Lookup() with no key finds
// the value of a map without keys. A nil Map has no values.
func (m *Map) Lookup(key ...any) (any, bool) {
	if m == nil {
		return nil, false
	}
	for _, e := range m.Entries {
		if len(e.Key) != len(key) {
			continue
		}
		match := true
		for i := range key {
			if !equal(e.Key[i], key[i]) {
				match = false
				break
			}
		}
		if match {
			return e.Value, true
		}
	}
	return nil, false
}

// equal compares key values; composite keys compare element by element.
func equal(a, b any) bool {
	switch a := a.(type) {
	case Tuple:
		bt, ok := b.(Tuple)
		return ok && equalSlices(a, bt)
	case Array:
		ba, ok := b.(Array)
		return ok && equalSlices(a, ba)
	case Record:
		br, ok := b.(Record)
		if !ok || len(a) != len(br) {
			return false
		}
		for i := range a {
			if a[i].Name != br[i].Name || !equal(a[i].Value, br[i].Value) {
				return false
			}
		}
		return true
	}
	if x, ok := integer(a); ok {
		y, ok := integer(b)
		return ok && x == y
	}
	return a == b
}

// wideInt is any Go integer, widened: its magnitude and sign.
type wideInt struct {
	neg bool
	abs uint64
}

// integer widens a Go integer of any type.
func integer(v any) (wideInt, bool) {
	signed := func(n int64) (wideInt, bool) {
		if n < 0 {
			return wideInt{true, uint64(-n)}, true
		}
		return wideInt{false, uint64(n)}, true
	}
	switch n := v.(type) {
	case int:
		return signed(int64(n))
	case int8:
		return signed(int64(n))
	case int16:
		return signed(int64(n))
	case int32:
		return signed(int64(n))
	case int64:
		return signed(n)
	case uint:
		return wideInt{false, uint64(n)}, true
	case uint8:
		return wideInt{false, uint64(n)}, true
	case uint16:
		return wideInt{false, uint64(n)}, true
	case uint32:
		return wideInt{false, uint64(n)}, true
	case uint64:
		return wideInt{false, n}, true
	case Enum:
		return integer(n.Value)
	}
	return wideInt{}, false
}

func equalSlices(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
