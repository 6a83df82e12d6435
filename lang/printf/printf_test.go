package printf

import (
	"math"
	"strings"
	"testing"
)

// The expected output in these tables was obtained by running the real
// bpftrace 0.17 installed on the development machine, e.g.
//
//	bpftrace -q -e 'BEGIN { printf("[%5d|%-5d]", 42, 42); exit(); }'
//
// except where a table's comment says otherwise. Two 0.17 bugs are fixed
// on purpose (see the package comment): fix64 and fixPercent show how their
// expectations were still measured with 0.17.

// formatCase is one format string, its arguments and the expected output.
type formatCase struct {
	format string
	args   []Arg
	want   string
}

// measured: printf(format, args...) under bpftrace 0.17, as written.
var measured = []formatCase{
	{"[%d|%u|%x|%X|%o]", []Arg{int64(42), int64(42), int64(42), int64(42), int64(42)}, "[42|42|2a|2A|52]"},
	{"[%d|%u|%x|%X|%o]", []Arg{int64(0), int64(0), int64(0), int64(0), int64(0)}, "[0|0|0|0|0]"},
	{"[%ld|%lu|%lx|%lX|%lo]", []Arg{int64(-42), int64(-42), int64(-42), int64(-42), int64(-42)}, "[-42|18446744073709551574|ffffffffffffffd6|FFFFFFFFFFFFFFD6|1777777777777777777726]"},
	{"[%lld|%llu|%llx|%llX|%llo]", []Arg{int64(-42), int64(-42), int64(-42), int64(-42), int64(-42)}, "[-42|18446744073709551574|ffffffffffffffd6|FFFFFFFFFFFFFFD6|1777777777777777777726]"},
	{"[%ld|%lu|%lx]", []Arg{int64(1 << 40), int64(1 << 40), int64(1 << 40)}, "[1099511627776|1099511627776|10000000000]"},
	{"[%jd|%zd|%td|%ju|%zx|%to|%jX]", []Arg{int64(-42), int64(-42), int64(-42), int64(-42), int64(-42), int64(-42), int64(-42)}, "[-42|-42|-42|18446744073709551574|ffffffffffffffd6|1777777777777777777726|FFFFFFFFFFFFFFD6]"},
	{"[%hhd|%hhu|%hhx|%hho|%hhX]", []Arg{int64(300), int64(300), int64(300), int64(300), int64(300)}, "[44|44|2c|54|2C]"},
	{"[%hhd|%hhu|%hhx|%hho]", []Arg{int64(-1), int64(-1), int64(-1), int64(-1)}, "[-1|255|ff|377]"},
	{"[%hhd|%hhu|%hhx]", []Arg{int64(200), int64(200), int64(200)}, "[-56|200|c8]"},
	{"[%hhd|%hhu|%hhx]", []Arg{int64(-200), int64(-200), int64(-200)}, "[56|56|38]"},
	{"[%hd|%hu|%hx|%ho|%hX]", []Arg{int64(70000), int64(70000), int64(70000), int64(70000), int64(70000)}, "[4464|4464|1170|10560|1170]"},
	{"[%hd|%hu|%hx]", []Arg{int64(-1), int64(-1), int64(-1)}, "[-1|65535|ffff]"},
	{"[%hd|%hu|%hx]", []Arg{int64(40000), int64(40000), int64(40000)}, "[-25536|40000|9c40]"},
	{"[%5d|%-5d|%05d|%-05d]", []Arg{int64(42), int64(42), int64(42), int64(42)}, "[   42|42   |00042|42   ]"},
	{"[%5d|%-5d|%05d|%-05d]", []Arg{int64(-42), int64(-42), int64(-42), int64(-42)}, "[  -42|-42  |-0042|-42  ]"},
	{"[%2d|%1d|%0d]", []Arg{int64(-42), int64(42), int64(42)}, "[-42|42|42]"},
	{"[%00005d|%000d]", []Arg{int64(42), int64(42)}, "[00042|42]"},
	{"[%5.3d|%.3d|%-6.3d|%08.3d]", []Arg{int64(42), int64(-42), int64(42), int64(42)}, "[  042|-042|042   |     042]"},
	{"[%.0d|%.0x|%5.0d|%.0o|%.0u]", []Arg{int64(0), int64(0), int64(0), int64(0), int64(0)}, "[||     ||]"},
	{"[%.0d|%.1d|%.10d]", []Arg{int64(7), int64(0), int64(-5)}, "[7|0|-0000000005]"},
	{"[%8.3x|%08.3x|%-8x|%08x|%08X]", []Arg{int64(42), int64(42), int64(255), int64(255), int64(255)}, "[     02a|     02a|ff      |000000ff|000000FF]"},
	{"[%010o|%-10o|%.5o|%5o]", []Arg{int64(8), int64(8), int64(8), int64(8)}, "[0000000010|10        |00010|   10]"},
	{"[%020ld|%-24lo|%.22lu]", []Arg{int64(-42), int64(-42), int64(42)}, "[-0000000000000000042|1777777777777777777726  |0000000000000000000042]"},
	{"[%ld|%lu|%lx]", []Arg{int64(math.MinInt64), uint64(1 << 63), uint64(1 << 63)}, "[-9223372036854775808|9223372036854775808|8000000000000000]"},
	{"[%ld|%lu|%lld]", []Arg{uint64(math.MaxUint64), uint64(math.MaxUint64), int64(math.MaxInt64)}, "[-1|18446744073709551615|9223372036854775807]"},
	{"[%c|%c|%c|%c]", []Arg{int64(65), int64(97), int64(48), int64(126)}, "[A|a|0|~]"},
	{"[%c|%c]", []Arg{int64(321), int64(-191)}, "[A|A]"},
	{"[%5c|%-5c|%05c|%.2c]", []Arg{int64(65), int64(65), int64(65), int64(65)}, "[    A|A    |    A|A]"},
	{"a%cb", []Arg{int64(0)}, "ab"},
	{"a%3cb", []Arg{int64(0)}, "a  b"},
	{"[%-3c]", []Arg{int64(0)}, "[]"},
	{"[%c%c]", []Arg{int64(0), int64(65)}, "[A]"},
	{"[%p|%p|%p]", []Arg{int64(0), int64(42), int64(-1)}, "[(nil)|0x2a|0xffffffffffffffff]"},
	{"[%20p|%-20p|%020p]", []Arg{int64(42), int64(42), int64(42)}, "[                0x2a|0x2a                |0x00000000000000002a]"},
	{"[%.5p|%.20p|%8.3p]", []Arg{int64(42), int64(42), int64(42)}, "[0x0002a|0x0000000000000000002a|   0x02a]"},
	{"[%5p|%-7p|%.3p|%.8p|%07p]", []Arg{int64(0), int64(0), int64(0), int64(0), int64(0)}, "[(nil)|(nil)  |(nil)|(nil)|  (nil)]"},
	{"[%lp|%hhp|%hp|%llp]", []Arg{int64(42), int64(300), int64(70000), int64(42)}, "[0x2a|0x12c|0x11170|0x2a]"},
	{"[%s]", []Arg{"hello"}, "[hello]"},
	{"[%10s|%-10s|%.3s|%10.3s]", []Arg{"hello", "hello", "hello", "hello"}, "[     hello|hello     |hel|       hel]"},
	{"[%05s|%.0s|%-5.2s|%3s|%.10s]", []Arg{"ab", "ab", "ab", "hello", "hello"}, "[   ab||ab   |hello|hello]"},
	{"[%s|%5s]", []Arg{"", ""}, "[|     ]"},
	{"[%r]", []Arg{[]byte("ab\x01\xffc~ \x7f")}, "[ab\\x01\\xffc~ \\x7f]"},
	{"[%rx]", []Arg{[]byte("ab\x01\xffc")}, "[\\x61\\x62\\x01\\xff\\x63]"},
	{"[%rh]", []Arg{[]byte("ab\x01\xffc")}, "[61 62 01 ff 63]"},
	{"[%rh|%rh]", []Arg{[]byte("a"), []byte{}}, "[61|]"},
	{"[%rz]", []Arg{[]byte("ab")}, "[abz]"},
	{"[%d %s %d]", []Arg{int64(1), "two", int64(3)}, "[1 two 3]"},
	{"%d%d%d", []Arg{int64(1), int64(2), int64(3)}, "123"},
	{"tab\there\\back\"q\"\n", []Arg{}, "tab\there\\back\"q\"\n"},
	{"", []Arg{}, ""},
	{"%", []Arg{}, "%"},
	{"50%", []Arg{}, "50%"},
	{"[%q]", []Arg{}, "[%q]"},
	{"[%.d|%5.d|%*]", []Arg{}, "[%.d|%5.d|%*]"},
	{"[%#-8x|%+-5d|% +d]", []Arg{}, "[%#-8x|%+-5d|% +d]"}, // flags out of the order -+ #0
	{"[%5%|%d]", []Arg{int64(1)}, "[%|1]"},
	{"[%-5%|%d]", []Arg{int64(1)}, "[%|1]"},
	{"[%d]%", []Arg{int64(1)}, "[1]%"},
}

// fix64: without a length modifier, 0.17 prints the low 32 bits. The
// expectations were measured with an l added to each conversion
// ("%ld|%lu|..."), which is what gtrace prints for the plain ones.
var fix64 = []formatCase{
	{"[%d|%u|%x|%X|%o|%i]", []Arg{int64(-42), int64(-42), int64(-42), int64(-42), int64(-42), int64(-42)}, "[-42|18446744073709551574|ffffffffffffffd6|FFFFFFFFFFFFFFD6|1777777777777777777726|-42]"},
	{"[%d|%u|%x]", []Arg{int64(1 << 40), int64(1 << 40), int64(1 << 40)}, "[1099511627776|1099511627776|10000000000]"},
	{"[%d|%u]", []Arg{uint64(math.MaxUint64), uint64(math.MaxUint64)}, "[-1|18446744073709551615]"},
	{"[%d|%ld]", []Arg{int64(math.MaxInt64), int64(math.MaxInt64)}, "[9223372036854775807|9223372036854775807]"},
	{"[%-22o|%022x]", []Arg{int64(-42), int64(-42)}, "[1777777777777777777726|000000ffffffffffffffd6]"},
	{"[%20d]", []Arg{int64(-1 << 40)}, "[      -1099511627776]"},
}

// fixPercent: 0.17 copies the text after the last conversion unformatted, so
// a final "%%" stays "%%". Measured with a "%c" of 0 appended (it prints
// nothing), which makes 0.17 format that text with snprintf.
var fixPercent = []formatCase{
	{"100%%", []Arg{}, "100%"},
	{"x%%y%dz%%", []Arg{int64(7)}, "x%y7z%"},
	{"%%%%", []Arg{}, "%%"},
}

// cFlags: 0.17's pattern for a conversion has no '+', ' ' or '#' flag and no
// %i, but it passes the text before its last conversion to snprintf along
// with the argument. So printf("[%+d]|END|%d", 42) prints the real output of
// "[%+d]" before "|END|": that is what these were measured with.
var cFlags = []formatCase{
	{"[%+d]", []Arg{int64(42)}, "[+42]"},
	{"[%+d]", []Arg{int64(-42)}, "[-42]"},
	{"[%+d]", []Arg{int64(0)}, "[+0]"},
	{"[% d]", []Arg{int64(42)}, "[ 42]"},
	{"[% d]", []Arg{int64(-42)}, "[-42]"},
	{"[% d]", []Arg{int64(0)}, "[ 0]"},
	{"[%+5d]", []Arg{int64(42)}, "[  +42]"},
	{"[%+05d]", []Arg{int64(42)}, "[+0042]"},
	{"[%+05d]", []Arg{int64(-42)}, "[-0042]"},
	{"[% 05d]", []Arg{int64(42)}, "[ 0042]"},
	{"[%-+5d]", []Arg{int64(42)}, "[+42  ]"},
	{"[%- 5d]", []Arg{int64(42)}, "[ 42  ]"},
	{"[%+ d]", []Arg{int64(42)}, "[+42]"},
	{"[%+.3d]", []Arg{int64(7)}, "[+007]"},
	{"[% .0d]", []Arg{int64(0)}, "[ ]"},
	{"[%+ld]", []Arg{int64(1 << 40)}, "[+1099511627776]"},
	{"[%+hhd]", []Arg{int64(200)}, "[-56]"},
	{"[%+u]", []Arg{int64(42)}, "[42]"},
	{"[% u]", []Arg{int64(42)}, "[42]"},
	{"[%+x]", []Arg{int64(42)}, "[2a]"},
	{"[% o]", []Arg{int64(42)}, "[52]"},
	{"[%+lu]", []Arg{int64(-42)}, "[18446744073709551574]"},
	{"[%#x]", []Arg{int64(42)}, "[0x2a]"},
	{"[%#X]", []Arg{int64(42)}, "[0X2A]"},
	{"[%#x]", []Arg{int64(0)}, "[0]"},
	{"[%#o]", []Arg{int64(42)}, "[052]"},
	{"[%#o]", []Arg{int64(0)}, "[0]"},
	{"[%#lx]", []Arg{int64(-42)}, "[0xffffffffffffffd6]"},
	{"[%#lo]", []Arg{int64(-42)}, "[01777777777777777777726]"},
	{"[%#08x]", []Arg{int64(42)}, "[0x00002a]"},
	{"[%#08x]", []Arg{int64(0)}, "[00000000]"},
	{"[%-#8x]", []Arg{int64(42)}, "[0x2a    ]"},
	{"[%#.3x]", []Arg{int64(42)}, "[0x02a]"},
	{"[%#.3x]", []Arg{int64(0)}, "[000]"},
	{"[%#.0o]", []Arg{int64(0)}, "[0]"},
	{"[%#5.3o]", []Arg{int64(42)}, "[  052]"},
	{"[%#.0x]", []Arg{int64(0)}, "[]"},
	{"[%#d]", []Arg{int64(42)}, "[42]"},
	{"[%#10lX]", []Arg{int64(-1)}, "[0XFFFFFFFFFFFFFFFF]"},
	{"[%#hho]", []Arg{int64(255)}, "[0377]"},
	{"[%i]", []Arg{int64(42)}, "[42]"},
	{"[%i]", []Arg{int64(-42)}, "[-42]"},
	{"[%5i]", []Arg{int64(42)}, "[   42]"},
	{"[%-5i]", []Arg{int64(-4)}, "[-4   ]"},
	{"[%hhi]", []Arg{int64(200)}, "[-56]"},
	{"[%li]", []Arg{int64(1 << 40)}, "[1099511627776]"},
	{"[%+i]", []Arg{int64(1)}, "[+1]"},
	{"[%+p]", []Arg{int64(42)}, "[+0x2a]"},
	{"[% p]", []Arg{int64(42)}, "[ 0x2a]"},
	{"[%+p]", []Arg{int64(0)}, "[(nil)]"},
	{"[%#p]", []Arg{int64(42)}, "[0x2a]"},
	{"[%+020p]", []Arg{int64(42)}, "[+0x0000000000000002a]"},
	{"[%+c]", []Arg{int64(65)}, "[A]"},
	{"[%#5c]", []Arg{int64(65)}, "[    A]"},
}

// glibcText: flags on %s that 0.17 cannot be made to print; the output of
// glibc's snprintf, which 0.17 formats with, run from a small C program.
var glibcText = []formatCase{
	{"[%+s]", []Arg{"ab"}, "[ab]"},
	{"[% 5s]", []Arg{"ab"}, "[   ab]"},
	{"[%#s]", []Arg{"ab"}, "[ab]"},
	{"[%-010s]", []Arg{"ab"}, "[ab        ]"},
	{"[%-+6.1s]", []Arg{"ab"}, "[a     ]"},
}

// tuple stands for a value the runtime has already rendered, such as a tuple.
type tuple string

func (t tuple) String() string { return string(t) }

// newer: what gtrace prints where it follows the newest bpftrace because
// 0.17 rejects the format, prints it wrongly, or has no such conversion.
// These were not measured with 0.17 (each line says why); the expectations
// apply C printf's rules, or for %gr the newest bpftrace's flag table.
var newer = []formatCase{
	// 0.17 does not parse these as conversions (they print as written, or
	// need no argument); the newest bpftrace does.
	{"[%ls|%lc|%-+5d|%Ld]", []Arg{"ab", int64(65), int64(42), int64(1 << 40)}, "[ab|A|+42  |1099511627776]"},
	{"%%d %%s", nil, "%d %s"}, // 0.17 sees %d and %s here and asks for 2 arguments
	// 0.17 runs text before a conversion through snprintf, which turns a
	// stray "%q " into "% "; the newest prints it as written.
	{"[%q %d]", []Arg{int64(5)}, "[%q 5]"},
	// '*' is accepted and ignored, consuming no argument, as the newest does.
	{"[%*d|%.*d|%-*s]", []Arg{int64(42), int64(42), "a"}, "[42|42|a]"},
	// %r with width or precision: 0.17 prints "%10r" as written; this is
	// %s applied to the hex text.
	{"[%10r|%-9rh|%.2r]", []Arg{[]byte("ab"), []byte("ab"), []byte("ab\x01")}, "[        ab|61 62    |ab]"},
	// %s of non-strings (0.17 rejects them): decimal, true/false, hex text.
	{"[%s|%s|%5s|%s|%s]", []Arg{int64(-5), uint64(math.MaxUint64), 42, true, false}, "[-5|18446744073709551615|   42|true|false]"},
	{"[%s|%-8s|%.3s]", []Arg{tuple("(1, a)"), []byte("a\x00"), tuple("kstack")}, "[(1, a)|a\\x00   |kst]"},
	// Bools print as 1 and 0 with the integer conversions.
	{"[%d|%x|%05u]", []Arg{true, false, true}, "[1|0|00001]"},
	// A string stops at its first NUL byte, as C's does.
	{"[%-6s|%s]", []Arg{"ab\x00cd", "\x00"}, "[ab    |]"},
	// %gr names GFP flags (newest bpftrace only).
	{"[%gr|%gr|%gr|%gr]", []Arg{int64(0), uint64(0xcc0), uint64(0xdc0), uint64(0x2800)}, "[0|GFP_KERNEL|GFP_KERNEL|__GFP_ZERO|GFP_NOWAIT]"},
	{"[%gr|%gr|%-14gr|%gr]", []Arg{int64(0x820), int64(9), int64(1), int64(1 << 40)}, "[GFP_ATOMIC|GFP_DMA|0x8|GFP_DMA       |0x10000000000]"},
	// Runtime misuse that Check prevents.
	{"[%d|%x]", []Arg{"x"}, "[!{invalid integer conversion: x}|!{missing argument}]"},
	{"[%5.1f|%g]", []Arg{int64(1), int64(1)}, "[!{unsupported format specifier: %f}|!{unsupported format specifier: %g}]"},
}

func TestAppend(t *testing.T) {
	tables := map[string][]formatCase{
		"measured": measured, "fix64": fix64, "fixPercent": fixPercent,
		"cFlags": cFlags, "glibcText": glibcText, "newer": newer,
	}
	for name, table := range tables {
		for _, c := range table {
			f, err := Parse(c.format)
			if err != nil {
				t.Errorf("%s: Parse(%q): %v", name, c.format, err)
				continue
			}
			if got := string(f.Append([]byte("pre:"), c.args)); got != "pre:"+c.want {
				t.Errorf("%s: %q %v:\n got %q\nwant %q", name, c.format, c.args, got, "pre:"+c.want)
			}
		}
	}
}

func TestVerbs(t *testing.T) {
	f, err := Parse("a%-+ #012.5lldb%%c%hhu%.0s%rx%gr%5%%*.*Lp")
	if err != nil {
		t.Fatal(err)
	}
	want := []Verb{
		{Offset: 1, Len: 13, Flags: "-+ #0", Width: 12, Precision: 5, Length: "ll", Conv: 'd'},
		{Offset: 18, Len: 4, Flags: "", Width: -1, Precision: -1, Length: "hh", Conv: 'u'},
		{Offset: 22, Len: 4, Width: -1, Precision: 0, Conv: 's'},
		{Offset: 26, Len: 3, Width: -1, Precision: -1, Conv: 'r', Ext: 'x'},
		{Offset: 29, Len: 3, Width: -1, Precision: -1, Conv: 'g', Ext: 'r'},
		{Offset: 35, Len: 6, Width: -1, Precision: -1, Length: "L", Conv: 'p'},
	}
	got := f.Verbs()
	if len(got) != len(want) {
		t.Fatalf("got %d verbs %+v, want %d", len(got), got, len(want))
	}
	specs := []string{"lld", "hhu", "s", "rx", "gr", "Lp"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("verb %d: got %+v, want %+v", i, got[i], want[i])
		}
		if s := got[i].Spec(); s != specs[i] {
			t.Errorf("verb %d: Spec() = %q, want %q", i, s, specs[i])
		}
	}
	if f.String() != "a%-+ #012.5lldb%%c%hhu%.0s%rx%gr%5%%*.*Lp" {
		t.Errorf("String() = %q", f.String())
	}
	if n := len(f.lits); n != len(want)+1 || f.lits[1] != "b%c" || f.lits[5] != "%" {
		t.Errorf("literals %q", f.lits)
	}
}

func TestParseError(t *testing.T) {
	for _, s := range []string{"%99999999999d", "x%.99999999999999999999s"} {
		_, err := Parse(s)
		if err == nil || !strings.Contains(err.Error(), "too large") {
			t.Errorf("Parse(%q) = %v, want a too-large error", s, err)
		}
	}
	if _, err := Parse("%2147483647d"); err != nil {
		t.Errorf("Parse: %v", err)
	}
}

func TestCheck(t *testing.T) {
	// Messages bpftrace 0.17 prints for the same calls (measured), except
	// where the comment says the newest bpftrace decides.
	cases := []struct {
		fn, format string
		args       []ArgKind
		want       string // "" when accepted
	}{
		{"printf", "%d", nil, "printf: Not enough arguments for format string (0 supplied, 1 expected)"},
		{"printf", "[%s %d]", []ArgKind{Int}, "printf: Not enough arguments for format string (1 supplied, 2 expected)"},
		{"printf", "%d", []ArgKind{Int, Int}, "printf: Too many arguments for format string (2 supplied, 1 expected)"},
		{"printf", "[%d %d]", []ArgKind{Int, Int, Int}, "printf: Too many arguments for format string (3 supplied, 2 expected)"},
		{"printf", "no verbs %q %", []ArgKind{Int}, "printf: Too many arguments for format string (1 supplied, 0 expected)"},
		{"printf", "%d", []ArgKind{String}, "printf: %d specifier expects a value of type integer (string supplied)"},
		{"printf", "[%-5.3lld]", []ArgKind{String}, "printf: %lld specifier expects a value of type integer (string supplied)"},
		{"printf", "%hhu", []ArgKind{Tuple}, "printf: %hhu specifier expects a value of type integer (tuple supplied)"},
		{"printf", "%p", []ArgKind{String}, "printf: %p specifier expects a value of type integer (string supplied)"},
		{"printf", "%c", []ArgKind{String}, "printf: %c specifier expects a value of type integer (string supplied)"},
		{"printf", "%d", []ArgKind{None}, "printf: %d specifier expects a value of type integer (none supplied)"},
		{"printf", "%d", []ArgKind{Count}, "printf: %d specifier expects a value of type integer (count supplied)"},
		{"printf", "%x", []ArgKind{Record}, "printf: %x specifier expects a value of type integer (record supplied)"},
		{"printf", "%s %d", []ArgKind{Int, String}, "printf: %d specifier expects a value of type integer (string supplied)"},
		{"printf", "%r", []ArgKind{String}, "printf: %r specifier expects a value of type buffer (string supplied)"},
		{"printf", "%rx", []ArgKind{Int}, "printf: %rx specifier expects a value of type buffer (integer supplied)"},
		{"printf", "%rh", []ArgKind{Pointer}, "printf: %rh specifier expects a value of type buffer (integer supplied)"},
		{"cat", "%d", []ArgKind{String}, "cat: %d specifier expects a value of type integer (string supplied)"},
		{"debugf", "%d %d %d %d", []ArgKind{Int, Int, Int, Int}, "debugf: Cannot use more than 3 conversion specifiers"},
		{"debugf", "%o", []ArgKind{Int}, "debugf: Unknown format string token: %o"},
		{"debugf", "%c", []ArgKind{Int}, "debugf: Unknown format string token: %c"},
		{"debugf", "%s", []ArgKind{Int}, "debugf: %s specifier expects a value of type string (integer supplied)"},
		{"debugf", "%lld %p %s", []ArgKind{Int, Pointer, String}, ""},
		{"printf", "%d %i %u %o %x %X %c %p", []ArgKind{Int, Bool, Pointer, Int, Int, Int, Int, Pointer}, ""},
		{"printf", "%s %s %s", []ArgKind{String, String, String}, ""},
		{"printf", "%r %rx %rh", []ArgKind{Buffer, Buffer, Buffer}, ""},
		{"printf", "100%% %5%", nil, ""},
		// The newest bpftrace: %s prints any value (0.17: strings only).
		{"printf", "%s %s %s %s %s %s", []ArgKind{Int, Bool, Pointer, Tuple, Buffer, Count}, ""},
		{"printf", "%s", []ArgKind{None}, "printf: %s specifier expects a value of type string (none supplied)"},
		// The newest bpftrace: %gr takes integers; floats and %n are
		// recognised, and so take an argument, but are rejected (0.17 printed
		// "%f" as written when no argument was given).
		{"printf", "%gr", []ArgKind{Int}, ""},
		{"printf", "%gr", []ArgKind{String}, "printf: %gr specifier expects a value of type integer (string supplied)"},
		{"printf", "%f", nil, "printf: Not enough arguments for format string (0 supplied, 1 expected)"},
		{"printf", "%5.2f", []ArgKind{Int}, "printf: Unknown format string token: %f"},
		{"errorf", "%d %Lg", []ArgKind{Int, Int}, "errorf: Unknown format string token: %Lg"},
		{"printf", "%n", []ArgKind{Int}, "printf: Unknown format string token: %n"},
	}
	for _, c := range cases {
		f, err := Parse(c.format)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.format, err)
		}
		got := ""
		if err := f.Check(c.fn, c.args); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s(%q, %v):\n got %q\nwant %q", c.fn, c.format, c.args, got, c.want)
		}
	}
}

func TestCheckErrorPosition(t *testing.T) {
	f, _ := Parse("ab %d %5s")
	err := f.Check("printf", []ArgKind{Int, None}).(*Error)
	if err.Offset != 6 || err.Len != 3 || err.Arg != 1 {
		t.Errorf("got %+v", err)
	}
	err = f.Check("printf", nil).(*Error)
	if err.Len != 0 || err.Arg != -1 {
		t.Errorf("got %+v", err)
	}
}

func TestArgKindString(t *testing.T) {
	for k, want := range map[ArgKind]string{Int: "integer", Pointer: "integer", Bool: "bool", Buffer: "buffer", Lhist: "lhist", ArgKind(99): "ArgKind(99)"} {
		if got := k.String(); got != want {
			t.Errorf("%d: got %q, want %q", int(k), got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range measured {
		f.Add(c.format)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		for _, v := range p.Verbs() {
			if v.Width > 1<<16 || v.Precision > 1<<16 {
				return // valid, but too slow to print here
			}
		}
		args := make([]Arg, len(p.Verbs()))
		for i := range args {
			args[i] = int64(i)
		}
		p.Append(nil, args)
		for _, v := range p.Verbs() {
			if v.Offset < 0 || v.Offset+v.Len > len(s) || s[v.Offset] != '%' {
				t.Fatalf("bad verb %+v in %q", v, s)
			}
		}
	})
}
