package lang

import "testing"

// TestMacroTypeParams checks that an expression parameter the parser read
// as a type name, in typeof(x) and sizeof(x), stands for the expression
// passed, in each expansion; other type names stay types.
func TestMacroTypeParams(t *testing.T) {
	src := `macro add(x) { let $y: typeof(x); $y = 1; x + $y }
macro size(x) { sizeof(x) + sizeof(uint32) }
BEGIN { $a = (uint8)1; $b = (int16)2; @r = add($a); @s = add($b); @n = size($a); @m = size($b); }`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
		t.Fatal(Render(err, map[string]string{"": src}))
	}
	var lets []string
	var sizes []int
	Inspect(prog, func(n Node) {
		switch n := n.(type) {
		case *LetStmt:
			lets = append(lets, n.Decl.Type.String())
		case *SizeofExpr:
			sizes = append(sizes, n.Size)
		}
	})
	if len(lets) != 2 || lets[0] != "uint8" || lets[1] != "int16" {
		t.Errorf("let $y: typeof(x) declared %v, want [uint8 int16]", lets)
	}
	if len(sizes) != 4 || sizes[0] != 1 || sizes[1] != 4 || sizes[2] != 2 || sizes[3] != 4 {
		t.Errorf("sizeof(x), sizeof(uint32) gave %v, want [1 4 2 4]", sizes)
	}
}
