package lang

import "testing"

// TestStatementErrors checks the diagnostics of loops and scratch
// variables: the newest bpftrace's wording (bpftrace 0.17 has no for
// loops), at the offending node.
func TestStatementErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{`BEGIN { @m = 1; for ($kv : @m) { } }`, `stdin:1:28-30: @m has no explicit keys (scalar map), and cannot be used for iteration`},
		{`BEGIN { for ($kv : @nope) { } }`, `stdin:1:20-25: Undefined map: @nope`},
		{`BEGIN { @m[0] = hist(10); for ($kv : @m) { } }`, `stdin:1:38-40: Loop expression does not support type: hist_t`},
		{`BEGIN { @m[0] = lhist(10, 0, 10, 1); for ($kv : @m) { } }`, `stdin:1:49-51: Loop expression does not support type: lhist_t`},
		{`BEGIN { @m[0] = stats(10); for ($kv : @m) { } }`, `stdin:1:39-41: Loop expression does not support type: stats_t`},
		{`BEGIN { @m[1] = 1; for ($kv : @m[1]) { } }`, `stdin:1:31-36: for loops iterate over a map or a range start..end`},
		{`BEGIN { @m[1] = 1; $kv = 1; for ($kv : @m) { } }`, `stdin:1:34-37: Loop declaration shadows existing variable: $kv`},
		{`BEGIN { $i = 1; for ($i : 0..5) { } }`, `stdin:1:22-24: Loop declaration shadows existing variable: $i`},
		{`BEGIN { for ($i : "a"..5) { } }`, `stdin:1:19-22: Loop range requires an integer for the start value`},
		{`BEGIN { for ($i : 0..comm) { } }`, `stdin:1:22-26: Loop range requires an integer for the end value`},
		{`BEGIN { @m[1] = 1; for ($kv : @m) { } printf("%d", $kv.1); }`, `stdin:1:52-55: Undefined or undeclared variable: $kv`},
		{`BEGIN { break; }`, `stdin:1:9-14: break used outside of a loop`},
		{`BEGIN { print(typeof(uint8)); }`, `stdin:1:15-28: typeof() gives a type: use it where a type goes, or as a macro's argument`},
		{`BEGIN { $s = "x"; kfunc_exist($s); }`, `stdin:1:19-34: kfunc_exist() accepts a string literal only`},
		{`BEGIN { kfunc_allowed(1); }`, `stdin:1:9-25: kfunc_allowed() accepts a string literal only`},
		{`BEGIN { kfunc_allowed("a", "b"); }`, `stdin:1:9-32: kfunc_allowed() requires one argument (2 provided)`},
		{`config = { license = "Potato" } BEGIN { }`, `stdin:1:12-30: Invalid value for license. Found: Potato. Valid values: Dual MIT/GPL, Dual BSD/GPL, Dual MPL/GPL, GPL and additional rights, GPL v2, GPL`},
		{`BEGIN { unroll(0) { } }`, `stdin:1:9-18: unroll minimum value is 1`},
		{`BEGIN { unroll(101) { } }`, `stdin:1:9-20: unroll maximum value is 100`},
		{`BEGIN { $p = &1; }`, `stdin:1:14-16: address-of operator (&) can only be used on a map or variable`},
		{`BEGIN { @a[1] = 2; $p = &@a[1]; }`, `stdin:1:25-31: address-of operator (&) can only be used on a map or variable`},
		{`BEGIN { $p = &$nope; }`, `stdin:1:15-20: Undefined or undeclared variable: $nope`},
		{`BEGIN { $p = &@nope; }`, `stdin:1:15-20: Undefined map: @nope`},
		{`BEGIN { $a = (uint8[4])(uint64)1; }`, `stdin:1:14-33: Cannot cast from "uint64" to "uint8[4]"`},
		{`BEGIN { $a = (uint8[2])(1, 2); }`, `stdin:1:14-30: Cannot cast from "(int64,int64)" to "uint8[2]"`},
		{`BEGIN { $a = (uint32)(uint8[8])1; }`, `stdin:1:14-33: Cannot cast from "uint8[8]" to "uint32"`},
		{`BEGIN { $a = (int32[])"abcdef"; }`, `stdin:1:15-22: Cannot cast from "string[7]" to "int32[]"`},
		{`BEGIN { $a = (string[])1; }`, `stdin:1:15-23: Cannot cast from "int64" to "string[64][]"`},
		{`enum { A }; enum { A } BEGIN { }`, `stdin:1:20: A is defined twice`},
		{`enum E { A }; enum E { B } BEGIN { }`, `stdin:1:15-27: enum E is defined twice`},
		{`BEGIN { let $z: uint8 = 300; }`, `stdin:1:25-28: Type mismatch for $z: the value 300 does not fit in the variable's type 'uint8'`},
		{`BEGIN { let $a: uint16 = -1; }`, `stdin:1:26-28: Type mismatch for $a: the value -1 does not fit in the variable's type 'uint16'`},
		{`BEGIN { let $x: uint8 = 5; $x = 1000; }`, `stdin:1:33-37: Type mismatch for $x: the value 1000 does not fit in the variable's type 'uint8'`},
	}
	for _, c := range cases {
		expectCheckError(t, c.src, c.want, CheckOptions{Config: DefaultConfig()})
	}
}

// expectCheckError parses and checks src and reports whether the checker's
// diagnostics are exactly want.
func expectCheckError(t *testing.T, src, want string, opts CheckOptions) {
	t.Helper()
	prog, err := Parse("", src)
	if err != nil {
		t.Errorf("Parse(%q): %v", src, err)
		return
	}
	err = Check(prog, opts)
	if err == nil {
		t.Errorf("Check(%q): no error, want %q", src, want)
		return
	}
	if err.Error() != want {
		t.Errorf("Check(%q):\n got %q\nwant %q", src, err.Error(), want)
	}
}

// TestLoopsAccepted checks what map loops may do: iterate multi-key maps
// and averages, share variables with the probe, nest, and use a map
// declared after the loop.
func TestLoopsAccepted(t *testing.T) {
	for _, src := range []string{
		`BEGIN { @map[0, 0] = 1; for ($kv : @map) { print($kv); } }`,
		`BEGIN { @map[0] = avg(1); for ($kv : @map) { $x = $kv.1 + 1; } }`,
		`BEGIN { $var = 0; @map[0] = 1; for ($kv : @map) { $var++; } print($var); }`,
		`BEGIN { for ($kv : @map) { @map[$kv.0] = 2; } @map[0] = 1; }`,
		`BEGIN { @a[1] = 1; for ($x : @a) { for ($y : @a) { if ($x.0 == $y.0) { break; } } } }`,
	} {
		prog, err := Parse("", src)
		if err != nil {
			t.Errorf("Parse(%q): %v", src, err)
			continue
		}
		if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
			t.Errorf("Check(%q): %v", src, err)
		}
	}
}
