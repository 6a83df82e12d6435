package lang

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct{ src, want string }{
		{`BEGIN { printf("hi\n"); exit(); }`, `
probe BEGIN
  printf("hi\n")
  exit()`},
		{"#!/usr/bin/env bpftrace\n// comment\n/* block */ i:s:1 { @n++ }", `
probe i:s:1
  (post++ @n)`},
		{`tracepoint:syscalls:sys_enter_* /pid == 1 && comm != "x"/ { @[comm] = count(); @x[1, "a"] += 2; }`, `
probe tracepoint:syscalls:sys_enter_*
  predicate (&& (== pid 1) (!= comm "x"))
  @[comm] = count()
  @x[1, "a"] += 2`},
		{`uprobe:/bin/bash:readline, t:a:b { $x = 1 - 2 - 3 * 4 << 1 | 2 & 3; }`, `
probe uprobe:/bin/bash:readline, t:a:b
  $x = (| (<< (- (- 1 2) (* 3 4)) 1) (& 2 3))`},
		{`BEGIN { $y = (uint8)-1; $z = (pid)*tid; $w = (struct task_struct *)curtask; $v = !-~$y; }`, `
probe BEGIN
  $y = (cast uint8 -1)
  $z = (* pid tid)
  $w = (cast struct task_struct* curtask)
  $v = (! (- (~ $y)))`},
		{`BEGIN { $t = (1, "a"); $u = (2,); print($t.0); $c = $x ? 1 : 2; $d = $x ?: 3; }`, `
probe BEGIN
  $t = (tuple 1, "a")
  $u = (tuple 2)
  print($t.0)
  $c = (? $x 1 2)
  $d = (? $x $x 3)`},
		{`BEGIN { if ($a) { @a = 1 } else if ($b) { @b = 2; } else { @c = 3 } }`, `
probe BEGIN
  if $a
    @a = 1
  else
    if $b
      @b = 2
    else
      @c = 3`},
		{`BEGIN { while ($i < 10) { $i++; if ($i == 5) { break } continue; } unroll(3) { @a++ } for ($i : 0..10) { } }`, `
probe BEGIN
  while (< $i 10)
    (post++ $i)
    if (== $i 5)
      break
    continue
  unroll 3
    (post++ @a)
  for $i : 0 .. 10`},
		{`config = { max_strlen = 16; stack_mode = perf } BEGIN { }`, `
config
  max_strlen = 16
  stack_mode = perf
probe BEGIN`},
		{`BEGIN { $a = 1_000 + 0x1f + 017 + 1e3 + 5ms; $s = sizeof(uint32); let $l: uint16 = 2; }`, `
probe BEGIN
  $a = (+ (+ (+ (+ 1_000 0x1f) 017) 1e3) 5ms)
  $s = sizeof(uint32)
  let $l: uint16 = 2`},
		{`BEGIN { printf("%d %s", $1, str($2)); @[$#] = 1; }`, `
probe BEGIN
  printf("%d %s", $1, str($2))
  @[$#] = 1`},
	}
	for _, c := range cases {
		prog, err := Parse("", c.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.src, err)
			continue
		}
		if got, want := strings.TrimSpace(Dump(prog)), strings.TrimSpace(c.want); got != want {
			t.Errorf("Parse(%q):\n%s\nwant:\n%s", c.src, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"BEGIN { @x = 1 +; }", "stdin:1:17: syntax error, unexpected ;"},
		{"BEGIN { @x = 1 @y = 2 }", "stdin:1:16: syntax error, expecting ; or }"},
		{"BEGIN {", "stdin:1:8: syntax error, unexpected end of file"},
		{"BEGIN { \"abc }", "stdin:1:9: unterminated string"},
		{"BEGIN { /* x", "stdin:1:9: unterminated comment"},
		{"BEGIN { $x = 1 # 2; }", "stdin:1:16: syntax error, unexpected #"},
		{"BEGIN { $x = 0x; }", `stdin:1:14-16: invalid integer literal "0x"`},
		{"BEGIN { $x = 99999999999999999999; }", `stdin:1:14-34: integer literal "99999999999999999999" is out of range`},
		{`BEGIN { $x = "\q"; }`, `stdin:1:14-18: invalid escape character '\q'`},
		{"BEGIN { $ }", "stdin:1:9: invalid character '$'"},
		{"BEGIN { @x[] = 1; }", "stdin:1:12: syntax error, unexpected ], expecting map key"},
	}
	for _, c := range cases {
		_, err := Parse("", c.src)
		if err == nil {
			t.Errorf("Parse(%q): no error, want %q", c.src, c.want)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("Parse(%q): %q, want %q", c.src, err.Error(), c.want)
		}
	}
}

func TestIntLiterals(t *testing.T) {
	cases := map[string]uint64{
		"0": 0, "42": 42, "0x1F": 31, "017": 15, "0o17": 15, "0b101": 5, "1_000_000": 1000000,
		"1e6": 1000000, "2e3": 2000, "10UL": 10, "7ll": 7, "1ms": 1e6, "2s": 2e9, "3us": 3000, "1m": 60e9,
		"18446744073709551615": 1<<64 - 1,
	}
	for in, want := range cases {
		got, err := parseIntLiteral(in)
		if err != nil || got != want {
			t.Errorf("parseIntLiteral(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"0x", "1e", "12abc", "08", "18446744073709551616", "99999999999999999999s"} {
		if _, err := parseIntLiteral(bad); err == nil {
			t.Errorf("parseIntLiteral(%q) succeeded", bad)
		}
	}
}

func TestUnquote(t *testing.T) {
	cases := map[string]string{
		`"plain"`: "plain", `"a\nb\tc"`: "a\nb\tc", `"\x41\101\0"`: "AA\x00", `"\xff"`: "\xff",
		`"\"q\" \\"`: `"q" \`, `"\e[0m"`: "\x1b[0m",
	}
	for in, want := range cases {
		got, err := unquote(in)
		if err != nil || got != want {
			t.Errorf("unquote(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// FuzzParse checks that no input makes the parser panic, and that what it
// accepts renders.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`BEGIN { printf("hi\n"); exit(); }`,
		`t:syscalls:sys_enter_read /pid == 1/ { @[comm] = hist(args->count); }`,
		`BEGIN { $x = (uint8)-1; if ($x > 3) { @a[1, "b"]++ } else { delete(@a[1, "b"]) } }`,
		`i:s:1 { $t = (1, (2, "x")); print($t.1.0); while ($i < 3) { $i++ } }`,
		"config = { max_strlen = 8 }\nBEGIN { @ = lhist(5, 0, 10, 1) }",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		prog, err := Parse("", src)
		if err != nil {
			if strings.Contains(err.Error(), internalParseError) {
				t.Fatalf("parser panicked on %q: %v", src, err)
			}
			_ = Render(err, map[string]string{"": src})
			return
		}
		_ = Dump(prog)
	})
}

func TestPreprocess(t *testing.T) {
	src := `#ifndef BPFTRACE_HAVE_BTF
#include <linux/sched.h>
#else
#define HAVE 1
#endif
#if defined(HAVE) && HAVE >= 1
#define SEL 2
#elif 1
#define SEL 3
#endif
#ifdef NOPE
BEGIN { bad syntax here }
#endif
BEGIN { exit(); }
`
	got, err := preprocess("", src)
	if err != nil {
		t.Fatal(err)
	}
	want := "\n\n\n#define HAVE 1\n\n\n#define SEL 2\n\n\n\n\n\n\nBEGIN { exit(); }\n"
	if got != want {
		t.Errorf("preprocess:\n%q\nwant\n%q", got, want)
	}
	for _, bad := range []string{"#endif\n", "#if 1\n", "#else\n", "#if (1\n#endif\n"} {
		if _, err := preprocess("", bad); err == nil {
			t.Errorf("preprocess(%q) succeeded", bad)
		}
	}
}

// Pointer fields of tracepoint formats keep their pointee type.
func TestTracepointPointerTypes(t *testing.T) {
	c := &checker{}
	cases := map[string]string{
		"char *":              "int8 *",
		"const char *const *": "int8 * *",
		"char *const *":       "int8 * *",
		"unsigned long *":     "uint64 *",
		"int *":               "int32 *",
		"void *":              "uint8 *",
		"const void *":        "uint8 *",
	}
	for in, want := range cases {
		if got := c.cPointer(in, AddrUser).String(); got != want {
			t.Errorf("cPointer(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestAssignmentWithoutValue checks that a missing assignment value is
// reported at the token after the operator, as bpftrace reports it.
func TestAssignmentWithoutValue(t *testing.T) {
	for src, want := range map[string]string{
		`BEGIN { @x = ; }`:  "stdin:1:14: syntax error, unexpected ;",
		`BEGIN { $x += ; }`: "stdin:1:15: syntax error, unexpected ;",
		`BEGIN { @x = }`:    "stdin:1:14: syntax error, unexpected }",
	} {
		_, err := Parse("", src)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %s", src, err, want)
		}
	}
}
