package lang

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestHeaderDefines checks the #define constants read from included
// headers: integer expressions of literals and other macros, casts,
// strings, nested includes, quoted includes next to the script, the
// first of several definitions, and what is left undefined.
func TestHeaderDefines(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("inc/top.h", `/* a header */
#ifndef TOP_H
#define TOP_H
#include <sub/more.h>
#define PF_X 2 // a comment
#define AF_X PF_X
#define SHIFTED (1UL << 4)
#define MASK (SHIFTED - 1) | \
	0x100
#define NEG (-5)
#define CAST ((unsigned char)0x1ff)
#define TYPEDEF_CAST ((in_addr_t) 0x7f000001)
#define GREETING "hi" " there"
#define TWICE 1
#define TWICE 2
#define FN(x) ((x) + 1)
#define SELF SELF
#define HALF_DEFINED (UNKNOWN_THING + 1)
#endif
`)
	write("inc/sub/more.h", "#define FROM_SUB 0x10\n#include <top.h>\n")
	write("scripts/local.h", "#define LOCAL 7\n")
	script := filepath.Join(dir, "scripts", "s.bt")

	ok := `#include <top.h>
#include "local.h"
BEGIN { printf("%d %d %d %d %d %d %d %s %d %d %d\n", AF_X, SHIFTED, MASK, NEG, CAST, TYPEDEF_CAST, FROM_SUB, GREETING, TWICE, LOCAL, sizeof(AF_X)); }`
	prog, err := Parse(script, ok)
	if err != nil {
		t.Fatal(err)
	}
	opts := argsOptions(false)
	opts.IncludeDirs = []string{filepath.Join(dir, "inc")}
	if err := Check(prog, opts); err != nil {
		t.Fatalf("Check: %v", err)
	}
	call := prog.Items[2].(*Probe).Body.Stmts[0].(*ExprStmt).X.(*Call)
	want := []string{"2", "16", "271", "-5", "255", "2130706433", "16", "hi there", "1", "7"}
	for i, w := range want {
		var got string
		switch id := call.Args[i+1].(type) {
		case *Ident:
			got = strconv.FormatInt(id.Value, 10)
			if id.Str != "" {
				got = id.Str
			}
		default:
			t.Fatalf("argument %d is a %T", i+1, id)
		}
		if got != w {
			t.Errorf("argument %d: %s, want %s", i+1, got, w)
		}
	}

	for _, c := range []struct{ src, want string }{
		{`#include <top.h>
BEGIN { print(FN); }`, `Unknown identifier: 'FN'`},
		{`#include <top.h>
BEGIN { print(SELF); }`, `Unknown identifier: 'SELF'`},
		{`#include <top.h>
BEGIN { print(HALF_DEFINED); }`, `Unknown identifier: 'HALF_DEFINED'`},
		{`#include <nope.h>
#include <top.h>
BEGIN { print(NOPE); }`, `Unknown identifier: 'NOPE' (headers not found in the include path: <nope.h>; -I DIR adds a directory)`},
		{`#include top.h
BEGIN { }`, `#include expects <FILENAME> or "FILENAME"`},
	} {
		prog, err := Parse(script, c.src)
		if err != nil {
			t.Fatal(err)
		}
		err = Check(prog, opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.src, err, c.want)
		}
	}

	// --include: headers before the script's; one not found is an error
	// that names no place in the script.
	for _, c := range []struct{ include, want string }{
		{"top.h", ""},
		{"missing.h", "--include missing.h: no such header in the include path ("},
	} {
		prog, err := Parse("", `BEGIN { print(AF_X); }`)
		if err != nil {
			t.Fatal(err)
		}
		opts.Includes = []string{c.include}
		err = Check(prog, opts)
		if (err == nil) != (c.want == "") || err != nil && !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("--include %s: %v, want %q", c.include, err, c.want)
		}
	}
}
