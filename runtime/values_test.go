package runtime

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime/output"
)

func TestDecode(t *testing.T) {
	d := &decoder{probeNames: []string{"BEGIN", "interval:s:1"}}
	tup := lang.TupleType([]*lang.Type{lang.TypeInt64, lang.StringType(4), lang.IntType(8, false)})
	raw := make([]byte, tup.Size)
	raw[0] = 0xfe
	for i := 1; i < 8; i++ {
		raw[i] = 0xff
	}
	copy(raw[8:], "ab")
	raw[12] = 200
	want := output.Tuple{int64(-2), "ab", uint64(200)}
	if got := d.decode(tup, raw); !reflect.DeepEqual(got, want) {
		t.Errorf("tuple %#v, want %#v", got, want)
	}
	if got := d.decode(&lang.Type{Kind: lang.KindProbe, Size: 8}, []byte{1, 0, 0, 0, 0, 0, 0, 0}); got != "interval:s:1" {
		t.Errorf("probe %#v", got)
	}
	if got := d.decode(lang.TypeBool, []byte{1}); got != true {
		t.Errorf("bool %#v", got)
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
