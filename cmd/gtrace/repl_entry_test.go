package main

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestComplete(t *testing.T) {
	for entry, want := range map[string]bool{
		"BEGIN { exit(); }":               true,
		"tracepoint:a:b {":                false,
		"BEGIN {\n  if (1) {\n    x\n  }": false,
		`BEGIN { printf("{"); }`:          true,
		"BEGIN { // {\n}":                 true,
		"BEGIN { /* } */":                 false,
		"/* BEGIN {":                      false,
		"struct s { int a; }":             true,
		"}":                               true,
	} {
		if got := complete(entry); got != want {
			t.Errorf("complete(%q) = %v, want %v", entry, got, want)
		}
	}
}

func TestOneLine(t *testing.T) {
	got := oneLine("BEGIN { // start\n  printf(\"a // b\\n\");\n  exit();\n}")
	if want := `BEGIN { printf("a // b\n"); exit(); }`; got != want {
		t.Errorf("oneLine = %q, want %q", got, want)
	}
}

// Definitions an entry makes are kept, a later definition of the same
// name replaces an earlier one, and they are appended to later entries
// unless the entry defines the same name itself.
func TestDefinitions(t *testing.T) {
	defs, probes, err := parseEntry("#define N 1\nstruct s { int a; }\nBEGIN { exit(); }\nmacro twice(x) { x * 2 }")
	if err != nil || probes != 1 {
		t.Fatalf("parseEntry: %v, %d probes", err, probes)
	}
	var keys []string
	for _, d := range defs {
		keys = append(keys, d.key)
	}
	if want := []string{"#define N", "struct s", "macro twice"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("keys %q, want %q", keys, want)
	}
	newer, _, _ := parseEntry("#define N 2")
	kept := keep(defs, newer)
	if len(kept) != 3 || kept[0].text != "#define N 2" {
		t.Errorf("kept %+v", kept)
	}
	got := withDefinitions("BEGIN { printf(\"%d\\n\", twice(N)); }\nstruct s { long b; }", kept)
	want := "BEGIN { printf(\"%d\\n\", twice(N)); }\nstruct s { long b; }\n#define N 2\nmacro twice(x) { x * 2 }"
	if got != want {
		t.Errorf("withDefinitions:\n%s\nwant:\n%s", got, want)
	}
}

// complete returns what a completer offers for a line with the cursor at
// its end.
func completions(c *completer, line string) []string {
	cands, n := c.Do([]rune(line), len([]rune(line)))
	word := string([]rune(line)[len([]rune(line))-n:])
	var out []string
	for _, s := range cands {
		out = append(out, word+string(s))
	}
	sort.Strings(out)
	return out
}

func TestCompleter(t *testing.T) {
	c := &completer{typed: func() (string, string) { return "BEGIN { @count = 1; @cpu[cpu] = 2; }\n", "" }}
	has := func(line string, want ...string) {
		t.Helper()
		got := completions(c, line)
		for _, w := range want {
			found := false
			for _, g := range got {
				found = found || g == w
			}
			if !found {
				t.Errorf("completing %q: %q lacks %q", line, got, w)
			}
		}
	}
	has("trace", "tracepoint:")
	has("BEG", "BEGIN")
	has("BEGIN { printf(\"%d\", ns", "nsecs")
	has("BEGIN { pri", "printf(", "print(")
	has("BEGIN { @c", "@count", "@cpu")
	has(".l", ".list", ".last")
	if got := completions(c, "BEGIN { @zz"); len(got) != 0 {
		t.Errorf("completing @zz: %q", got)
	}
	// Inside a multi-line entry's braces, functions are offered.
	c.typed = func() (string, string) { return "", "BEGIN {" }
	has("  ex", "exit(")
	if got := completions(c, "  ex"); strings.Join(got, " ") != "exit(" {
		t.Errorf("completing ex in a block: %q", got)
	}
}
