package output

import "testing"

// TestEnum checks how enum values print: by name in text, as the unsigned
// number in JSON and in text when no enumerator has the value; map keys
// that are enums are found by their number.
func TestEnum(t *testing.T) {
	one := Enum{Name: "ONE", Value: int64(1), Bits: 1}
	none := Enum{Value: int64(-1), Bits: 0xffffffff}
	for _, c := range []struct {
		v        any
		text, js string
	}{
		{one, "ONE", "1"},
		{none, "4294967295", "4294967295"},
		{Tuple{one, int64(2)}, "(ONE, 2)", "[1,2]"},
	} {
		if got := string(AppendText(nil, c.v)); got != c.text {
			t.Errorf("AppendText(%v) = %q, want %q", c.v, got, c.text)
		}
		if got := string(AppendJSON(nil, c.v)); got != c.js {
			t.Errorf("AppendJSON(%v) = %q, want %q", c.v, got, c.js)
		}
	}
	m := &Map{Name: "@m", Keyed: true, Entries: []Entry{{Key: []any{one}, Value: int64(11)}}}
	if v, ok := m.Lookup(1); !ok || v != int64(11) {
		t.Errorf("Lookup(1) = %v, %v; want 11, true", v, ok)
	}
}
