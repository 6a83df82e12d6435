package output

import (
	"bytes"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

func TestHistLabel(t *testing.T) {
	cases := []struct {
		i, k int
		want string
	}{
		// A bucket's label is its upper bound: bucket 3 holds [2, 4).
		{2, 0, "2"}, {3, 0, "4"}, {10, 0, "512"}, {11, 0, "1K"}, {21, 0, "1M"}, {31, 0, "1G"},
		{41, 0, "1T"}, {51, 0, "1P"}, {61, 0, "1E"}, {64, 0, "8E"},
		// With k = 2, each power of two has four buckets.
		{8, 2, "8"}, {9, 2, "10"}, {12, 2, "16"}, {13, 2, "20"}, {27, 2, "224"},
	}
	for _, c := range cases {
		if got := histLabel(c.i, c.k); got != c.want {
			t.Errorf("histLabel(%d, %d) = %q, want %q", c.i, c.k, got, c.want)
		}
	}
}

// text renders a map with the Text writer.
func text(t *testing.T, m *Map) string {
	t.Helper()
	var buf bytes.Buffer
	w := NewText(&buf)
	w.Map(m)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestHistText(t *testing.T) {
	b := make([]uint64, 66)
	b[0], b[1], b[2], b[3], b[12] = 1, 2, 4, 8, 1
	want := "@h: \n" +
		"(..., 0)               1 |@@@@@@                                              |\n" +
		"[0]                    2 |@@@@@@@@@@@@@                                       |\n" +
		"[1]                    4 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n" +
		"[2, 4)                 8 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
		"[4, 8)                 0 |                                                    |\n" +
		"[8, 16)                0 |                                                    |\n" +
		"[16, 32)               0 |                                                    |\n" +
		"[32, 64)               0 |                                                    |\n" +
		"[64, 128)              0 |                                                    |\n" +
		"[128, 256)             0 |                                                    |\n" +
		"[256, 512)             0 |                                                    |\n" +
		"[512, 1K)              0 |                                                    |\n" +
		"[1K, 2K)               1 |@@@@@@                                              |\n" +
		"\n"
	m := &Map{Name: "@h", Kind: MapHist, Entries: []Entry{{Value: NewHist(b, 0, 1)}}}
	if got := text(t, m); got != want {
		t.Errorf("hist:\n%s\nwant:\n%s", got, want)
	}
	if h := NewHist(make([]uint64, 66), 0, 1); len(h.Buckets) != 0 {
		t.Errorf("empty histogram has buckets %v", h.Buckets)
	}
}

func TestLhistText(t *testing.T) {
	// lhist(x, 0, 2048, 1024): below, [0, 1K), [1K, 2K), above.
	b := []uint64{1, 3, 0, 2}
	want := "@l[1]: \n" +
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@                                   |\n" +
		"[0, 1K)                3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
		"[1K, 2K)               0 |                                                    |\n" +
		"[2K, ...)              2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |\n" +
		"\n"
	m := &Map{Name: "@l", Kind: MapHist, Keyed: true, Entries: []Entry{{Key: []any{int64(1)}, Value: NewLinearHist(b, 0, 2048, 1024)}}}
	if got := text(t, m); got != want {
		t.Errorf("lhist:\n%s\nwant:\n%s", got, want)
	}
}

func TestLhistLabel(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 5: "5", 1024: "1K", 3072: "3K", 1 << 20: "1M", 1536: "1536"} {
		if got := lhistLabel(n); got != want {
			t.Errorf("lhistLabel(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestAppendText(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{Tuple{int64(-2), "ab", uint64(200)}, "(-2, ab, 200)"},
		{true, "true"},
		{Pointer(0xffff8880), "0xffff8880"},
		{Array{int64(1), int64(2)}, "[1,2]"},
		{Record{{"a", int64(1)}, {"b", Tuple{int64(2), "x"}}}, "{ .a = 1, .b = (2, x) }"},
		{Record{}, "{}"},
		{Stats{Count: 2, Average: -3, Total: -6}, "count 2, average -3, total -6"},
		{Stats{Count: 1, Average: -1, Total: -1, Unsigned: true}, "count 1, average 18446744073709551615, total 18446744073709551615"},
	}
	for _, c := range cases {
		if got := string(AppendText(nil, c.v)); got != c.want {
			t.Errorf("AppendText(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
}

// Maps print entries one a line; avg and stats maps get an extra empty
// line.
func TestMapText(t *testing.T) {
	m := &Map{Name: "@s", Kind: MapStats, Keyed: true, Entries: []Entry{
		{Key: []any{"a", int64(1)}, Value: Stats{Count: 1, Average: 5, Total: 5}},
		{Key: []any{"b", int64(2)}, Value: Stats{Count: 2, Average: 7, Total: 14}},
	}}
	want := "@s[a, 1]: count 1, average 5, total 5\n@s[b, 2]: count 2, average 7, total 14\n\n"
	if got := text(t, m); got != want {
		t.Errorf("stats map %q, want %q", got, want)
	}
	if got := text(t, &Map{Name: "@c", Entries: []Entry{{Value: uint64(3)}}}); got != "@c: 3\n" {
		t.Errorf("count map %q", got)
	}
}

func TestHelperErrorText(t *testing.T) {
	src := "BEGIN { delete(@x[2]); }"
	e := &HelperError{Helper: "map_delete_elem", Retcode: -2, Source: src,
		Pos: lang.Position{Line: 1, Column: 9}, End: lang.Position{Line: 1, Column: 22}}
	var buf bytes.Buffer
	w := NewText(&buf)
	w.HelperError(e)
	w.Flush()
	want := "stdin:1:9-22: WARNING: Failed to map_delete_elem: No such file or directory (-2)\n" + src + "\n        ^~~~~~~~~~~~~\n"
	if buf.String() != want {
		t.Errorf("helper error:\n%s\nwant:\n%s", buf.String(), want)
	}
}
