package runtime

import (
	"testing"

	"github.com/gtrace/gtrace/lang"
)

// A string with no NUL within its size was truncated by str(): it prints
// with str_trunc_trailer, in printf and everywhere else.
func TestDecodeTruncatedString(t *testing.T) {
	d := &decoder{trailer: ".."}
	st := lang.StringType(4)
	for _, c := range []struct {
		in, want string
	}{
		{"abcd", "abcd.."},
		{"abc\x00", "abc"},
		{"ab\x00d", "ab"},
		{"\x00bcd", ""},
		{"abcdef", "abcd.."}, // bytes past the size are not the string's
	} {
		if got := d.decode(st, []byte(c.in)); got != c.want {
			t.Errorf("decode(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := d.printfArg(st, []byte(c.in)); got != c.want {
			t.Errorf("printfArg(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := (&decoder{}).decode(st, []byte("abcd")); got != "abcd" {
		t.Errorf("no trailer: decode = %q, want %q", got, "abcd")
	}
}
