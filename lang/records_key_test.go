package lang

import "testing"

// TestRecordMapKey checks that a record used as a map's only key stays
// one key, a record, where a tuple is the same as its elements.
func TestRecordMapKey(t *testing.T) {
	src := `BEGIN { @k[(p = 1, q = "k")] = 1; @t[(1, "k")] = 1; }`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
		t.Fatal(Render(err, map[string]string{"": src}))
	}
	if k := prog.Maps["@k"].Key; len(k.Fields) != 1 || !k.Fields[0].Type.IsRecord() {
		t.Errorf("@k's key is %v, want one record", k)
	}
	if k := prog.Maps["@t"].Key; len(k.Fields) != 2 {
		t.Errorf("@t's key is %v, want two fields", k)
	}
}
