package main

import (
	"bytes"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/e2e"
	"github.com/gtrace/gtrace/runtime"
	"github.com/gtrace/gtrace/runtime/output"
)

// Each flag parses into the options, spelled as bpftrace spells it.
func TestParseArgs(t *testing.T) {
	cases := []struct {
		args []string
		want options
	}{
		{[]string{"-e", "BEGIN {}"}, options{program: "BEGIN {}", haveProg: true}},
		{[]string{"-eBEGIN {}"}, options{program: "BEGIN {}", haveProg: true}},
		{[]string{"s.bt", "1", "two"}, options{script: "s.bt", params: []string{"1", "two"}}},
		{[]string{"-"}, options{script: "-"}},
		// Options may follow operands; "--" ends them, and after it
		// --name=value and --flag are named parameters.
		{[]string{"s.bt", "-q", "1", "--", "-2", "--n=5", "--flag"},
			options{script: "s.bt", quiet: true, params: []string{"1", "-2"}, namedParams: map[string]string{"n": "5", "flag": "true"}}},
		{[]string{"-e", "x", "p1", "--", "--aa=20", "--bb", "p2"},
			options{program: "x", haveProg: true, params: []string{"p1", "p2"}, namedParams: map[string]string{"aa": "20", "bb": "true"}}},
		{[]string{"-l"}, options{listing: true}},
		{[]string{"-lv", "tracepoint:sched:*"}, options{listing: true, verbose: true, search: "tracepoint:sched:*"}},
		{[]string{"-i"}, options{interactive: true}},
		{[]string{"-p", "123", "-e", "x"}, options{program: "x", haveProg: true, target: runtime.Target{PID: 123}}},
		{[]string{"-c", "sleep 1", "-e", "x"}, options{program: "x", haveProg: true, target: runtime.Target{Command: "sleep 1"}}},
		{[]string{"-o", "out.txt", "-e", "x"}, options{program: "x", haveProg: true, outputFile: "out.txt"}},
		{[]string{"-f", "json", "-e", "x"}, options{program: "x", haveProg: true, format: output.FormatJSON}},
		{[]string{"-f", "text", "-e", "x"}, options{program: "x", haveProg: true, format: output.FormatText}},
		{[]string{"-B", "full", "-e", "x"}, options{program: "x", haveProg: true, buffering: runtime.BufferFull}},
		{[]string{"-B", "none", "-e", "x"}, options{program: "x", haveProg: true, buffering: runtime.BufferNone}},
		{[]string{"-B", "line", "-e", "x"}, options{program: "x", haveProg: true, buffering: runtime.BufferLine}},
		{[]string{"-qv", "-e", "x"}, options{program: "x", haveProg: true, quiet: true, verbose: true}},
		{[]string{"-dd", "-e", "x"}, options{program: "x", haveProg: true, debug: 2}},
		{[]string{"-k", "-e", "x"}, options{program: "x", haveProg: true, helperCheck: 1}},
		{[]string{"-kk", "-e", "x"}, options{program: "x", haveProg: true, helperCheck: 2}},
		{[]string{"--dry-run", "--unsafe", "--no-warnings", "-e", "x"},
			options{program: "x", haveProg: true, dryRun: true, unsafe: true, noWarnings: true}},
		// A unique prefix of a long option names it, as with getopt_long.
		{[]string{"--unsa", "--dry", "-e", "x"}, options{program: "x", haveProg: true, unsafe: true, dryRun: true}},
		{[]string{"--btf=/k.btf", "--btf-archive", "/a", "-e", "x"},
			options{program: "x", haveProg: true, btf: "/k.btf", btfArchive: "/a"}},
		{[]string{"-V"}, options{version: true}},
		{[]string{"--version"}, options{version: true}},
		{[]string{"-h"}, options{help: true}},
		{[]string{"--help"}, options{help: true}},
		// The newest bpftrace's long names of -l, -p, -c, -o, -q and -v.
		{[]string{"--list", "--verbose", "kprobe:*"}, options{listing: true, verbose: true, search: "kprobe:*"}},
		{[]string{"--quiet", "--output=o.txt", "--pid", "1", "-e", "x"},
			options{program: "x", haveProg: true, quiet: true, outputFile: "o.txt", target: runtime.Target{PID: 1}}},
		{[]string{"--cmd", "ls", "-e", "x"}, options{program: "x", haveProg: true, target: runtime.Target{Command: "ls"}}},
	}
	for _, c := range cases {
		got, err := parseArgs(c.args)
		if err != nil {
			t.Errorf("parseArgs(%q): %v", c.args, err)
			continue
		}
		if !reflect.DeepEqual(*got, c.want) {
			t.Errorf("parseArgs(%q) =\n%+v\nwant\n%+v", c.args, *got, c.want)
		}
	}
}

// usageCases are command lines bpftrace rejects, with the message gtrace
// prints (bpftrace prints the same with its own name) and whether the
// usage text follows. All exit with 1.
var usageCases = []struct {
	args  []string
	msg   string
	usage bool
}{
	{[]string{"--bogus"}, "gtrace: unrecognized option '--bogus'", true},
	{[]string{"-x"}, "gtrace: invalid option -- 'x'", true},
	{[]string{"-B"}, "gtrace: option requires an argument -- 'B'", true},
	{[]string{"-e"}, "gtrace: option requires an argument -- 'e'", true},
	{[]string{"--unsafe=3"}, "gtrace: option '--unsafe' doesn't allow an argument", true},
	{[]string{"--help=1"}, "gtrace: option '--help' doesn't allow an argument", true},
	{[]string{"-B", "foo", "-e", "BEGIN{}"}, "ERROR: USAGE: -B must be either 'line', 'full', or 'none'.", false},
	{[]string{"-f", "xml", "-e", "BEGIN{}"}, "ERROR: Invalid output format \"xml\"\nValid formats: 'text', 'json'", false},
	{[]string{"-d", "-v", "-e", "BEGIN{}"}, "ERROR: USAGE: Use either -v or -d.", false},
	{[]string{"-ddd", "-e", "BEGIN{}"}, "", true},
	{[]string{"-kkk", "-e", "BEGIN{}"}, "", true},
	{[]string{"-c", "ls", "-p", "1", "-e", "BEGIN{}"}, "ERROR: USAGE: Cannot use both -c and -p.", true},
	{[]string{"-p", "abc", "-e", "BEGIN{}"}, "ERROR: pid 'abc' is not a valid decimal number", false},
	{[]string{"-p", "5000000", "-e", "BEGIN{}"}, "ERROR: pid '5000000' out of valid pid range [1,4194304]", false},
	{[]string{"-p", "0", "-e", "BEGIN{}"}, "ERROR: pid '0' out of valid pid range [1,4194304]", false},
	{[]string{"-p", "99999999999999999999", "-e", "BEGIN{}"}, "ERROR: pid '99999999999999999999' outside of integer range", false},
	{[]string{"-l", "a", "b"}, "", true},
	{[]string{"-q"}, "ERROR: USAGE: filename or -e 'program' required.", false},
	{[]string{"-o", "/nonexistent/out", "-e", "BEGIN{}"}, "ERROR: Failed to open output file: \"/nonexistent/out\": No such file or directory", false},
	// bpftrace 0.17 exits with 255 here, newer bpftrace with 1, as gtrace.
	{[]string{"/nonexistent.bt"}, "ERROR: failed to open file '/nonexistent.bt': No such file or directory", false},
}

// runCommand runs gtrace in this process (for command lines that fail or
// finish before any BPF is involved) and returns its exit code and output.
func runCommand(args []string, env map[string]string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	c := &command{name: "gtrace", stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(k string) string { return env[k] }}
	code = c.run(args)
	return code, out.String(), errOut.String()
}

func TestUsageErrors(t *testing.T) {
	for _, c := range usageCases {
		code, stdout, stderr := runCommand(c.args, nil)
		want := c.msg
		if want != "" {
			want += "\n"
		}
		if c.usage {
			want += usage
		}
		if code != 1 || stdout != "" || stderr != want {
			t.Errorf("gtrace %q: exit %d, stdout %q, stderr:\n%s\nwant exit 1 and stderr:\n%s", c.args, code, stdout, stderr, want)
		}
	}
}

// bpftrace prints the same messages for the same mistakes.
func TestUsageErrorsMatchBpftrace(t *testing.T) {
	if e2e.Bpftrace() == "" {
		t.Skip("bpftrace is not installed")
	}
	for _, c := range usageCases {
		cmd := exec.Command("bpftrace", c.args...) // getopt's messages start with argv[0]
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Run()
		var msg []string
		usagePrinted := false
		for _, l := range strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n") {
			switch {
			case strings.Contains(l, "RLIMIT_MEMLOCK"):
			case l == "USAGE:":
				usagePrinted = true
			case !usagePrinted:
				msg = append(msg, l)
			}
		}
		want := strings.Replace(c.msg, "gtrace: ", "bpftrace: ", 1)
		if got := strings.Join(msg, "\n"); got != want || usagePrinted != c.usage {
			t.Errorf("bpftrace %q prints %q (usage %v), gtrace %q (usage %v)", c.args, got, usagePrinted, c.msg, c.usage)
		}
	}
}

// With no arguments and no terminal, gtrace prints the usage, as bpftrace
// does; -h prints it on stdout and -V the version, both exiting with 0.
func TestHelpAndVersion(t *testing.T) {
	if code, stdout, stderr := runCommand(nil, nil); code != 1 || stdout != "" || stderr != usage {
		t.Errorf("no arguments: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"--hel"}} {
		if code, stdout, stderr := runCommand(args, nil); code != 0 || stdout != usage || stderr != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	if n := strings.Count(usage, "\n"); n > 50 {
		t.Errorf("the help text has %d lines; it should fit on one screen", n)
	}
	for _, args := range [][]string{{"-V"}, {"--version"}, {"--vers"}} {
		if code, stdout, _ := runCommand(args, nil); code != 0 || stdout != "gtrace "+version+"\n" {
			t.Errorf("%q: exit %d, stdout %q", args, code, stdout)
		}
	}
}

// A bad BPFTRACE_* value is an error, as in bpftrace.
func TestBadEnvironment(t *testing.T) {
	for env, want := range map[string]string{
		"BPFTRACE_NO_CPP_DEMANGLE": "ERROR: Env var 'BPFTRACE_NO_CPP_DEMANGLE' did not contain a valid value (0 or 1).\n",
		"BPFTRACE_STRLEN":          "ERROR: BPFTRACE_STRLEN: max_strlen expects an integer >= 1, got \"abc\"\n",
		"BPFTRACE_MAX_MAP_KEYS":    "ERROR: BPFTRACE_MAX_MAP_KEYS: max_map_keys expects an integer >= 1, got \"abc\"\n",
	} {
		code, _, stderr := runCommand([]string{"-e", "BEGIN {}"}, map[string]string{env: "abc"})
		if code != 1 || stderr != want {
			t.Errorf("%s=abc: exit %d, stderr %q, want %q", env, code, stderr, want)
		}
	}
}
