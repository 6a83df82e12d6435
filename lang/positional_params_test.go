package lang

import (
	"strings"
	"testing"
)

// TestPositionalParamsNewForms checks the positional parameter forms
// bpftrace's runtime tests use: in attach points (i:ms:$1, BEG$1),
// str($1 + N) of a string, str($1) as a string literal, and unsigned
// values above 2^63-1.
func TestPositionalParamsNewForms(t *testing.T) {
	cases := []struct {
		src     string
		params  []string
		wantErr string
	}{
		{`i:ms:$1 { exit(); }`, []string{"1"}, ""},
		{`BEG$1 { exit(); }`, []string{"IN"}, ""},
		{`BEGIN { printf("%s %s\n", str($1 + 1), str(5 + $1)); }`, []string{"hello"}, ""},
		{`BEGIN { printf("%s\n", str($1 + 6)); }`, []string{"hello"},
			"stdin:1:28-34: only addition of a single constant less or equal to the length of $1 (which is 5) is allowed inside str()"},
		{`BEGIN { printf("%lu\n", $1); }`, []string{"0xffffffffffffffff"}, ""},
		{`BEGIN { printf("%d\n", $1); }`, []string{"hello"}, `$1 used numerically but given "hello"`},
		// str($1) where a string literal is needed.
		{`BEGIN { time(str($1)); }`, []string{"%H\n"}, ""},
		{`BEGIN { time(str($1 + 1)); }`, []string{"x%H"}, ""},
	}
	for _, c := range cases {
		prog, err := Parse("", c.src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.src, err)
		}
		err = Check(prog, CheckOptions{Params: c.params})
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("Check(%q, %q): %v", c.src, c.params, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("Check(%q, %q) = %v, want an error with %q", c.src, c.params, err, c.wantErr)
		}
	}
	prog, err := Parse("", `BEG$2, i:ms:$1 { exit(); }`)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, CheckOptions{Params: []string{"5", "IN"}}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range prog.Probes[0].Points {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "BEGIN interval:ms:5" {
		t.Errorf("attach points %q, want BEGIN interval:ms:5", got)
	}
}
