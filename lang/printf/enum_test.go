package printf

import "testing"

// enumArg is an enum value as the runtime passes it: text for %s, an
// integer for the integer conversions.
type enumArg struct {
	name string
	n    int64
}

func (e enumArg) String() string { return e.name }
func (e enumArg) Integer() any   { return e.n }

func TestEnumArg(t *testing.T) {
	f, err := Parse("%d %s %x %-5s|%5s|")
	if err != nil {
		t.Fatal(err)
	}
	a := enumArg{"TWO", 2}
	got := string(f.Append(nil, []Arg{a, a, enumArg{"BIG", 255}, a, a}))
	if want := "2 TWO ff TWO  |  TWO|"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
