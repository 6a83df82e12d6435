package main

import (
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/e2e"
)

// A diagnostic whose text lies in a macro body is followed by an
// "expanded from" note for each macro call it came through, innermost
// first, as in the newest bpftrace (tests/runtime/call,
// errorf_macro_expansion): errorf()/warnf() at run time, helper errors
// with -k, and errors in the script.
func TestMacroExpandedFrom(t *testing.T) {
	res := gtraceRun(t, e2e.Run{Args: []string{"-e", `macro bad() { errorf("Something bad"); } begin { bad(); exit(); }`}})
	want := "stdin:1:15-38: ERROR: Something bad\n" +
		"stdin:1:50-55: ERROR: expanded from\n" +
		"macro bad() { errorf(\"Something bad\"); } begin { bad(); exit(); }\n" +
		"                                                 ^~~~~\n"
	if res.Stderr != want {
		t.Errorf("errorf: stderr\n%s\nwant\n%s", res.Stderr, want)
	}

	res = gtraceRun(t, e2e.Run{Args: []string{"-e", "macro w() { warnf(\"w %d\", 1); }\nmacro o() { w() }\nbegin { o(); exit(); }"}})
	want = "stdin:1:13-29: WARNING: w 1\n" +
		"stdin:2:13-16: WARNING: expanded from\n" +
		"macro o() { w() }\n" +
		"            ^~~\n" +
		"stdin:3:9-12: WARNING: expanded from\n" +
		"begin { o(); exit(); }\n" +
		"        ^~~\n"
	if res.Stderr != want {
		t.Errorf("nested warnf: stderr\n%s\nwant\n%s", res.Stderr, want)
	}

	res = gtraceRun(t, e2e.Run{Args: []string{"-k", "-e", "macro del(@m) { delete(@m[2]); }\nBEGIN { @x[1] = 1; del(@x); exit(); }"}})
	want = "stdin:1:17-30: WARNING: Failed to map_delete_elem: No such file or directory (-2)\n" +
		"macro del(@m) { delete(@m[2]); }\n" +
		"                ^~~~~~~~~~~~~\n" +
		"stdin:2:20-27: WARNING: expanded from\n" +
		"BEGIN { @x[1] = 1; del(@x); exit(); }\n" +
		"                   ^~~~~~~\n"
	if !strings.Contains(res.Stdout, want) {
		t.Errorf("-k: stdout\n%s\nwant it to hold\n%s", res.Stdout, want)
	}

	res = gtraceRun(t, e2e.Run{Args: []string{"-e", `macro bad() { $x = "a" + 1; } BEGIN { bad(); }`}})
	want = "stdin:1:20-27: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'\n" +
		"macro bad() { $x = \"a\" + 1; } BEGIN { bad(); }\n" +
		"                   ^~~~~~~\n" +
		"stdin:1:39-44: ERROR: expanded from\n" +
		"macro bad() { $x = \"a\" + 1; } BEGIN { bad(); }\n" +
		"                                      ^~~~~\n"
	if res.ExitCode != 1 || res.Stderr != want {
		t.Errorf("check error: exit %d, stderr\n%s\nwant\n%s", res.ExitCode, res.Stderr, want)
	}
}
