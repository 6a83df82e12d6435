package lang

import (
	"strings"
	"testing"
)

// An error or warning in a macro body is followed by one "expanded from"
// note per macro call it came through, innermost first, as in the newest
// bpftrace; errors outside macros have none.
func TestMacroExpandedFromNotes(t *testing.T) {
	cases := []struct{ src, want string }{
		{`macro bad() { $x = "a" + 1; } BEGIN { bad(); }`,
			"stdin:1:20-27: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'\n" +
				"macro bad() { $x = \"a\" + 1; } BEGIN { bad(); }\n" +
				"                   ^~~~~~~\n" +
				"stdin:1:39-44: ERROR: expanded from\n" +
				"macro bad() { $x = \"a\" + 1; } BEGIN { bad(); }\n" +
				"                                      ^~~~~\n"},
		{"macro inner() { $x = \"a\" + 1; }\nmacro outer() { inner(); }\nBEGIN { outer(); }",
			"stdin:1:22-29: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'\n" +
				"macro inner() { $x = \"a\" + 1; }\n" +
				"                     ^~~~~~~\n" +
				"stdin:2:17-24: ERROR: expanded from\n" +
				"macro outer() { inner(); }\n" +
				"                ^~~~~~~\n" +
				"stdin:3:9-16: ERROR: expanded from\n" +
				"BEGIN { outer(); }\n" +
				"        ^~~~~~~\n"},
		// A bare macro name is a call too.
		{"macro m() { @x }\nBEGIN { m; }",
			"stdin:1:13-15: ERROR: macro m uses @x, which was not passed to it\n" +
				"macro m() { @x }\n" +
				"            ^~\n" +
				"stdin:2:9: ERROR: expanded from\n" +
				"BEGIN { m; }\n" +
				"        ^\n"},
		// An argument is the caller's text: no note.
		{`macro id(x) { x } BEGIN { $y = id("a" + 1); }`,
			"stdin:1:35-42: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'\n" +
				"macro id(x) { x } BEGIN { $y = id(\"a\" + 1); }\n" +
				"                                  ^~~~~~~\n"},
	}
	for _, c := range cases {
		prog, err := Parse("", c.src)
		if err == nil {
			err = Check(prog, CheckOptions{Config: DefaultConfig()})
		}
		if err == nil {
			t.Errorf("%q: no error", c.src)
			continue
		}
		if got := Render(err, map[string]string{"": c.src}); got != c.want {
			t.Errorf("%q:\n%s\nwant\n%s", c.src, got, c.want)
		}
	}
}

// Warnings get the notes too, marked WARNING.
func TestMacroExpandedFromWarning(t *testing.T) {
	src := "macro m() { 1 + 2; }\nBEGIN { m(); }"
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
		t.Fatal(Render(err, map[string]string{"": src}))
	}
	if len(prog.Warnings) != 1 {
		t.Fatalf("warnings: %v", prog.Warnings)
	}
	got := prog.Warnings[0].Render(src)
	want := "stdin:1:13-19: WARNING: Return value discarded.\n" +
		"macro m() { 1 + 2; }\n" +
		"            ^~~~~~\n" +
		"stdin:2:9-12: WARNING: expanded from\n" +
		"BEGIN { m(); }\n" +
		"        ^~~\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(prog.Warnings[0].Error(), "expanded") {
		t.Errorf("Error() has the notes: %s", prog.Warnings[0].Error())
	}
}
