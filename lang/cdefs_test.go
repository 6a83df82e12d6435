package lang

import (
	"fmt"
	"strings"
	"testing"
)

// TestCDefLayout checks struct layout against what clang gives (the values
// were printed by bpftrace 0.17, which lays script structs out with
// clang): packed and aligned attributes on structs and members, #pragma
// pack, attribute macros, nested and anonymous definitions, bitfields,
// char arrays, function pointers.
func TestCDefLayout(t *testing.T) {
	cases := []struct{ defs, exprs, want string }{
		{`struct P { char a; int b __attribute__((packed)); short c; long d __attribute__((packed)); };`,
			`sizeof(struct P), offsetof(struct P, b), offsetof(struct P, c), offsetof(struct P, d)`, "16 1 6 8"},
		{`struct foo { int x; char y; int z; } struct bar { int x; char y; int z; } __attribute__((packed))`,
			`sizeof(struct foo), sizeof(struct bar), offsetof(struct bar, z)`, "12 9 5"},
		{`struct __attribute__((packed)) P { char a; long b; } ; struct Q { char a; struct P p; };`,
			`sizeof(struct P), sizeof(struct Q), offsetof(struct Q, p)`, "9 10 1"},
		{`struct P { char a; } __attribute__((aligned(8))) __attribute__((aligned(2))); struct Q { char a; struct P p; };`,
			`sizeof(struct P), sizeof(struct Q), offsetof(struct Q, p)`, "8 16 8"},
		{`struct both { char a; int b; } __attribute__((__packed__, aligned(4)));`,
			`sizeof(struct both), offsetof(struct both, b)`, "8 1"},
		{`struct P { char a; int b __attribute__((aligned)); }; struct Q { char a; int b __attribute__((packed, aligned(2))); };`,
			`sizeof(struct P), sizeof(struct Q), offsetof(struct Q, b)`, "32 6 2"},
		{`struct R { char a __attribute__((aligned(4))); char b; }; struct S { int x __attribute__((aligned(8))), y; };`,
			`sizeof(struct R), sizeof(struct S), offsetof(struct S, y)`, "4 8 4"},
		{"#pragma pack(2)\nstruct PP { char a; long b; int c __attribute__((aligned(8))); char d; };\n#pragma pack()\nstruct Q { char a; long b; };",
			`sizeof(struct PP), offsetof(struct PP, c), sizeof(struct Q)`, "16 10 16"},
		{"#pragma pack(push, 1)\nstruct P { char a; long b; };\n#pragma pack(pop)\nstruct Q { char a; long b; };",
			`sizeof(struct P), sizeof(struct Q)`, "9 16"},
		{"#define PACKED __attribute__((packed))\nstruct PACKED P { char a; int b; }; struct Q { char a; int b PACKED; short c; };",
			`sizeof(struct P), sizeof(struct Q), offsetof(struct Q, c)`, "5 8 6"},
		{`struct P { char a; int b; }; struct Q { char a; struct P p; char z; }; struct R { char a; short s; }; struct S { char a; struct R r; };`,
			`sizeof(struct Q), sizeof(struct S), offsetof(struct S, r)`, "16 6 2"},
		{`struct Foo { int x; struct Bar { int x; char c; } bar; }`,
			`offsetof(struct Foo, bar.c), sizeof(struct Bar), sizeof(struct Foo)`, "8 8 12"},
		{`struct U { int a; union { int b; char c; }; struct { short e; short f; }; int d; };`,
			`sizeof(struct U), offsetof(struct U, c), offsetof(struct U, f), offsetof(struct U, d)`, "16 4 10 12"},
		{`struct N { struct { int m[1] } y; struct { int n } a; enum E { A, B = 5 } e; long last }`,
			`sizeof(struct N), offsetof(struct N, a.n), offsetof(struct N, e), B, offsetof(struct N, last)`, "24 4 8 5 16"},
		{`struct Foo { unsigned int a:4, b:8, c:3, d:1, e:16; }; struct Bar { short a:4, b:8, c:3, d:1; int e:9, f:15, g:1, h:2, i:5 };`,
			`sizeof(struct Foo), sizeof(struct Bar)`, "4 8"},
		{`struct Baz { char a; int b:20; int c:20; char d; long e:40; }; union Un { char a:3; int b:20; }; struct Z { char a:3; int :0; char b; };`,
			`sizeof(struct Baz), offsetof(struct Baz, d), sizeof(union Un), sizeof(struct Z), offsetof(struct Z, b)`, "16 7 4 5 4"},
		{`struct F { char c; void (*fn)(int, char *); int (*g)(void); const char *name; char s[5]; struct F *arr[2]; };`,
			`sizeof(struct F), offsetof(struct F, name), offsetof(struct F, s), offsetof(struct F, arr)`, "56 24 32 40"},
		{`struct A { int x; }; struct B { struct A; int y; };`, `sizeof(struct B)`, "4"},
		{`struct R { char a; short s; }; struct A { struct R rs[3]; char x; int y[0]; };`,
			`sizeof(struct A), offsetof(struct A, x), offsetof(struct A, y)`, "16 12 16"},
	}
	for _, c := range cases {
		src := c.defs + "\nBEGIN { $t = (" + c.exprs + ", 0); }"
		prog, err := Parse("", src)
		if err != nil {
			t.Errorf("Parse(%q): %v", src, err)
			continue
		}
		if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
			t.Errorf("Check(%q): %s", src, Render(err, map[string]string{"": src}))
			continue
		}
		var got []string
		Inspect(prog, func(n Node) {
			switch n := n.(type) {
			case *SizeofExpr:
				got = append(got, fmt.Sprint(n.Size))
			case *OffsetofExpr:
				got = append(got, fmt.Sprint(n.Offset))
			case *Ident:
				if v, ok := map[string]string{"B": "5"}[n.Name]; ok {
					got = append(got, v)
				}
			}
		})
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%s\n  got  %s\n  want %s", c.defs, g, c.want)
		}
	}
}

// TestCDefErrors checks the positioned errors about C definitions.
func TestCDefErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{`struct foo { int x; } __attribute__((packed) BEGIN { exit(); }`, `stdin:1:23: __attribute__ syntax error, mismatched '(' and ')'`},
		{`struct foo { int x; } __attribute__ packed BEGIN { exit(); }`, `stdin:1:23: __attribute__ syntax error, expected '(('`},
		{`struct foo { int x } __attribute__((aligned(3))); BEGIN { exit(); }`, `stdin:1:22-49: requested alignment 3 is not a positive power of 2`},
		{`struct __packed foo { int x; }; BEGIN { exit(); }`, `stdin:1:8-16: __packed is not an attribute: define it first (#define __packed __attribute__((packed)))`},
		{`struct foo { int x:33; }; BEGIN { exit(); }`, `stdin:1:14-22: width of bitfield 'x' (33 bits) exceeds the width of its type (32 bits)`},
		{`struct foo { char c:0; }; BEGIN { exit(); }`, `stdin:1:14-22: named bitfield 'c' has zero width`},
		{`struct foo { struct foo *p:3; }; BEGIN { exit(); }`, `stdin:1:14-29: bitfield 'p' has type 'struct foo *': a bitfield must have an integer type`},
		{`struct foo { int x; struct foo { int y; } z; }; BEGIN { exit(); }`, `stdin:1:21-42: struct foo is defined twice`},
		{"#pragma pack(3)\nstruct foo { int x; }; BEGIN { exit(); }", `stdin:1:1-16: #pragma pack: expected 1, 2, 4, 8 or 16, got 3`},
		{"#define __aligned(x) __attribute__((aligned(x)))\nBEGIN { exit(); }", `stdin:1:1-49: #define __aligned(x): only __attribute__((...)) macros without parameters are supported`},
		{`struct foo { int x; struct foo in[2]; }; BEGIN { exit(); }`, `stdin:1:21-37: field has incomplete type 'struct foo'`},
		{`struct foo { int x; int; }; BEGIN { exit(); }`, `stdin:1:21-24: member of struct foo has no name`},
		{`struct { int x; }; BEGIN { exit(); }`, `stdin:1:8: syntax error, unexpected {, expecting a name`},
		{`struct foo { int x: y; }; BEGIN { exit(); }`, `stdin:1:21: syntax error, unexpected y, expecting a bitfield width`},
		{`struct foo { int (x)(void); }; BEGIN { exit(); }`, `stdin:1:19: syntax error, unexpected x, expecting "*"`},
		{`struct foo { int x; BEGIN { exit(); }`, `stdin:1:27: syntax error, unexpected {, expecting ";"`},
	}
	for _, c := range cases {
		prog, err := Parse("", c.src)
		if err == nil {
			err = Check(prog, CheckOptions{Config: DefaultConfig()})
		}
		if err == nil {
			t.Errorf("%q: no error, want %q", c.src, c.want)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.src, err.Error(), c.want)
		}
	}
}
