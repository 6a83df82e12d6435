package runtime

import (
	"fmt"
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

func TestHistText(t *testing.T) {
	b := make([]uint64, 66)
	b[0], b[1], b[2], b[3], b[12] = 1, 2, 4, 8, 1
	want := "" +
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
		"[1K, 2K)               1 |@@@@@@                                              |\n"
	if got := histText(b, 0, 1); got != want {
		t.Errorf("histText:\n%s\nwant:\n%s", got, want)
	}
	if got := histText(make([]uint64, 66), 0, 1); got != "" {
		t.Errorf("empty histogram rendered %q", got)
	}
}

func TestLhistText(t *testing.T) {
	// lhist(x, 0, 2048, 1024): below, [0, 1K), [1K, 2K), above.
	b := []uint64{1, 3, 0, 2}
	want := "" +
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@                                   |\n" +
		"[0, 1K)                3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
		"[1K, 2K)               0 |                                                    |\n" +
		"[2K, ...)              2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |\n"
	if got := lhistText(b, 0, 2048, 1024); got != want {
		t.Errorf("lhistText:\n%s\nwant:\n%s", got, want)
	}
}

func TestLhistLabel(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 5: "5", 1024: "1K", 3072: "3K", 1 << 20: "1M", 1536: "1536"} {
		if got := lhistLabel(n); got != want {
			t.Errorf("lhistLabel(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestText(t *testing.T) {
	d := &decoder{probeNames: []string{"BEGIN", "interval:s:1"}}
	tup := lang.TupleType([]*lang.Type{lang.TypeInt64, lang.StringType(4), lang.IntType(8, false)})
	raw := make([]byte, tup.Size)
	raw[0] = 0xfe
	for i := 1; i < 8; i++ {
		raw[i] = 0xff
	}
	copy(raw[8:], "ab")
	raw[12] = 200
	if got := d.text(tup, raw); got != "(-2, ab, 200)" {
		t.Errorf("tuple text %q", got)
	}
	if got := d.text(&lang.Type{Kind: lang.KindProbe, Size: 8}, []byte{1, 0, 0, 0, 0, 0, 0, 0}); got != "interval:s:1" {
		t.Errorf("probe text %q", got)
	}
	if got := d.text(lang.TypeBool, []byte{1}); got != "true" {
		t.Errorf("bool text %q", got)
	}
}

func TestCompareKeys(t *testing.T) {
	kt := lang.TupleType([]*lang.Type{lang.TypeInt64, lang.StringType(4)})
	key := func(n int64, s string) []byte {
		b := make([]byte, kt.Size)
		for i := 0; i < 8; i++ {
			b[i] = byte(uint64(n) >> (8 * i))
		}
		copy(b[8:], s)
		return b
	}
	if compareKeys(kt, key(-1, "z"), key(1, "a")) >= 0 {
		t.Error("-1 should sort before 1")
	}
	if compareKeys(kt, key(1, "ab"), key(1, "b")) >= 0 {
		t.Error(`"ab" should sort before "b"`)
	}
	if compareKeys(kt, key(2, "x"), key(2, "x")) != 0 {
		t.Error("equal keys compare unequal")
	}
}

func TestParseCPUList(t *testing.T) {
	got, err := parseCPUList("0-2,5,7-8")
	if err != nil || fmt.Sprint(got) != "[0 1 2 5 7 8]" {
		t.Errorf("parseCPUList = %v, %v", got, err)
	}
	if _, err := parseCPUList("x"); err == nil {
		t.Error("parseCPUList(x) succeeded")
	}
}
