package runtime_test

import (
	"debug/dwarf"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/e2e"
)

// End-to-end tests of DWARF in uprobes: args by parameter name with
// their DWARF types, gtrace -lv listing the parameters, probes on source
// lines (uprobe:binary@file:line[:col]) and the errors bpftrace gives for
// them, on a C program each test compiles with gcc -g -O0.

// dwarfProgC is the traced program; the comments mark the lines probes
// name (see lineOf). It prints nothing, so that its output never mixes
// with gtrace's.
const dwarfProgC = `#include <stdint.h>
#include <string.h>
#include "helper.h"

struct point {
	int x;
	long y;
	char tag[8];
	struct point *next;
	unsigned flags : 3;
};

volatile long sink;

int add(int a, struct point *p, const char *name)
{
	return a + p->x + (int)strlen(name); /* ADD_BODY */
}

long widths(int8_t a, uint8_t b, int16_t c, uint16_t d, int32_t e, uint64_t f)
{
	return a + b + c + d + e + (long)f;
}

int main(void)
{
	struct point q = {.x = 7, .y = -9, .tag = "q", .next = 0, .flags = 5};
	struct point p = {.x = 3, .y = 40, .tag = "hello", .next = &q, .flags = 2};
	char name[] = "gtrace";
	long s = 0;
	for (int i = 0; i < 3; i++) { /* LOOP */
		s += add(i, &p, name); /* CALL */
		s += widths(-5, 250, -300, 60000, -70000, 1ULL << 40);
		s += twice(i);
	}
	sink = s;
	return 0;
}
`

// dwarfHelperH is a header whose statements are its own, not prog.c's.
const dwarfHelperH = `static inline long twice(long v)
{
	return v * 2; /* TWICE */
}
`

// buildDWARFProg compiles the program with gcc and flags ("-g" for
// DWARF) into a temporary directory and returns the binary's path. The
// test skips when gcc is missing.
func buildDWARFProg(t *testing.T, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("needs gcc to build the traced program")
	}
	dir := t.TempDir()
	for name, src := range map[string]string{"prog.c": dwarfProgC, "helper.h": dwarfHelperH} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("gcc", append(flags, "-O0", "-o", "prog", "prog.c")...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return filepath.Join(dir, "prog")
}

// lineOf returns the line of dwarfProgC or dwarfHelperH marked with a
// comment.
func lineOf(t *testing.T, marker string) int {
	for _, src := range []string{dwarfProgC, dwarfHelperH} {
		for i, l := range strings.Split(src, "\n") {
			if strings.Contains(l, "/* "+marker+" */") {
				return i + 1
			}
		}
	}
	t.Fatalf("no line marked %s", marker)
	return 0
}

// stmtRows returns the statement rows of a line of prog.c in a binary's
// line table, by address.
func stmtRows(t *testing.T, bin string, line int) []dwarf.LineEntry {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		t.Fatal(err)
	}
	var rows []dwarf.LineEntry
	r := d.Reader()
	for {
		cu, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if cu == nil {
			break
		}
		r.SkipChildren()
		lr, err := d.LineReader(cu)
		if err != nil || lr == nil {
			continue
		}
		var e dwarf.LineEntry
		for {
			if err := lr.Next(&e); err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
				break
			}
			if e.IsStmt && !e.EndSequence && e.Line == line && filepath.Base(e.File.Name) == "prog.c" {
				rows = append(rows, e)
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Address < rows[j].Address })
	return rows
}

// args holds each parameter by name with its DWARF type: integers of
// every width and sign, a struct pointer whose members (a char array, a
// bitfield, a pointer to the next struct) `.` and `->` reach, a string;
// the struct prints and has its size, also by name.
func TestUprobeDWARFArgs(t *testing.T) {
	bin := buildDWARFProg(t, "-g")
	prog := strings.ReplaceAll(`uprobe:BIN:add {
  printf("add %d %d %d %s %s %d %d\n", args.a, args->p->x, args.p->y, args.p->tag, str(args.name), args.p->next->x, args.p.flags);
  print(*args.p->next);
  printf("%d %d\n", sizeof(*args.p), sizeof(struct point));
}
uprobe:BIN:widths { print(args); $w = args; @f = $w->f; @c[args.c] = count(); }`, "BIN", bin)
	res := trace(t, e2e.Run{Args: []string{"-e", prog, "-c", bin}})
	var want strings.Builder
	want.WriteString("Attaching 2 probes...\n")
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&want, "add %d 3 40 hello gtrace 7 2\n", i)
		want.WriteString("{ .x = 7, .y = -9, .tag = q, .next = 0x0, .flags = 5 }\n40 40\n")
		want.WriteString("{ .a = -5, .b = 250, .c = -300, .d = 60000, .e = -70000, .f = 1099511627776 }\n")
	}
	want.WriteString("\n\n@c[-300]: 3\n@f: 1099511627776\n")
	wantStdout(t, res, want.String())
}

// A source-line probe attaches at the line's first statement; a column
// picks another; the file may be named by its path's last components
// or in full; the statements of an included file are its own.
func TestUprobeSourceLine(t *testing.T) {
	bin := buildDWARFProg(t, "-g")
	dir := filepath.Dir(bin)
	loop := lineOf(t, "LOOP")
	rows := stmtRows(t, bin, loop)
	if len(rows) < 3 || rows[len(rows)-1].Column == rows[len(rows)-2].Column {
		t.Fatalf("line %d: want the loop's increment and condition on columns of their own, have %+v", loop, rows)
	}
	// gcc -O0 puts the condition last and the increment before it.
	cond, incr := rows[len(rows)-1].Column, rows[len(rows)-2].Column
	body := stmtRows(t, bin, lineOf(t, "ADD_BODY"))
	if len(body) == 0 {
		t.Fatal("no statement on add's body line")
	}
	prog := fmt.Sprintf(`uprobe:%[1]s@prog.c:%[2]d { @init = count(); }
uprobe:%[1]s@prog.c:%[2]d:%[3]d { @cond = count(); }
uprobe:%[1]s@prog.c:%[2]d:%[4]d { @incr = count(); }
uprobe:%[1]s@%[5]s:%[6]d { @call = count(); }
uprobe:%[1]s@%[7]s/prog.c:%[8]d { @body[probe] = count(); }
uprobe:%[1]s@helper.h:%[9]d { @twice = count(); }`,
		bin, loop, cond, incr, filepath.Join(dir, "prog.c"), lineOf(t, "CALL"),
		filepath.Base(dir), lineOf(t, "ADD_BODY"), lineOf(t, "TWICE"))
	res := trace(t, e2e.Run{Args: []string{"-e", prog, "-c", bin}})
	want := fmt.Sprintf("Attaching 6 probes...\n\n\n@body[uprobe:%s:%d]: 3\n@call: 3\n@cond: 4\n@incr: 3\n@init: 1\n@twice: 3\n",
		bin, body[0].Address)
	wantStdout(t, res, want)
}

// gtrace -lv lists a uprobe's parameters as the newest bpftrace does; a
// uretprobe's none; for a binary without DWARF, a warning.
func TestUprobeDWARFListing(t *testing.T) {
	bin := buildDWARFProg(t, "-g")
	nodw := buildDWARFProg(t)
	gtrace := e2e.Gtrace(t)
	cases := []struct {
		args           []string
		stdout, stderr string
	}{
		{[]string{"-lv", "uprobe:" + bin + ":add"}, "uprobe:BIN:add\n    int a\n    struct point* p\n    const char* name\n", ""},
		{[]string{"-lv", "uprobe:" + bin + ":widths"}, "uprobe:BIN:widths\n    int8_t a\n    uint8_t b\n    int16_t c\n    uint16_t d\n    int32_t e\n    uint64_t f\n", ""},
		{[]string{"-lv", "uprobe:" + bin + ":main"}, "uprobe:BIN:main\n", ""},
		{[]string{"-lv", "uretprobe:" + bin + ":add"}, "uretprobe:BIN:add\n", ""},
		{[]string{"-l", "uprobe:" + bin + ":add"}, "uprobe:BIN:add\n", ""},
		{[]string{"-lv", "-e", "uprobe:" + bin + ":add {}"}, "uprobe:BIN:add\n    int a\n    struct point* p\n    const char* name\n", ""},
		{[]string{"-lv", "uprobe:" + nodw + ":add"}, "uprobe:" + nodw + ":add\n",
			`WARNING: No DWARF found for "` + nodw + `", cannot show parameter info` + "\n"},
	}
	for _, c := range cases {
		res, err := e2e.Exec(e2e.Run{Tracer: gtrace, Args: c.args})
		if err != nil {
			t.Fatal(err)
		}
		want := strings.ReplaceAll(c.stdout, "BIN", bin)
		if res.ExitCode != 0 || res.Stdout != want || res.Stderr != c.stderr {
			t.Errorf("gtrace %s: exit code %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s\nwant:\n%s",
				strings.Join(c.args, " "), res.ExitCode, res.Stdout, want, res.Stderr, c.stderr)
		}
	}
}

// The newest bpftrace's errors: no DWARF, a parameter the function does
// not have, args where there are no parameters, a source line with no
// statement or a file the binary was not built from; each at its place in
// the script, and gtrace exits with 1.
func TestUprobeDWARFErrors(t *testing.T) {
	bin := buildDWARFProg(t, "-g")
	nodw := buildDWARFProg(t)
	gtrace := e2e.Gtrace(t)
	loop := fmt.Sprint(lineOf(t, "LOOP"))
	cases := []struct {
		// at is the part of the script the error points at: the attach
		// point when empty.
		prog, at, msg string
	}{
		{`uprobe:NODW:add { print(args.a); }`, "", `Could not parse arguments of "uprobe:NODW:add": no debuginfo found for NODW`},
		{`uprobe:NODW@prog.c:17 { }`, "", `No DWARF debug info found for 'NODW', cannot attach by source code location.`},
		{`uprobe:BIN:add { print(args.zz); }`, "args.zz", `Can't find function parameter zz`},
		{`uprobe:BIN:main { print(args); }`, "args", `Cannot read function parameters`},
		{`uretprobe:BIN:add { print(args.a); }`, "args", `The args builtin can only be used with tracepoint, rawtracepoint, fentry, fexit and uprobe probes (uretprobe used here)`},
		{`uprobe:BIN@prog.c:1 { }`, "", `DWARF error: Unable to map 'prog.c:1' to address`},
		{`uprobe:BIN@prog.c:LOOP:999 { }`, "", `DWARF error: Unable to map 'prog.c:LOOP:999' to address`},
		{`uprobe:BIN@nope.c:3 { }`, "", `DWARF error: No compilation unit matches nope.c`},
		{`uretprobe:BIN@prog.c:LOOP { }`, "", `Source code location not allowed`},
		{`uprobe:BIN@prog.c:x { }`, "", `Invalid line number: invalid integer: x`},
	}
	for _, c := range cases {
		r := strings.NewReplacer("NODW", nodw, "BIN", bin, "LOOP", loop)
		prog, msg := r.Replace(c.prog), r.Replace(c.msg)
		at := c.at
		if at == "" {
			at = prog[:strings.Index(prog, " {")]
		}
		from := strings.Index(prog, at)
		want := fmt.Sprintf("stdin:1:%d-%d: ERROR: %s\n%s\n%s^%s\n", from+1, from+len(at)+1, msg, prog,
			strings.Repeat(" ", from), strings.Repeat("~", len(at)-1))
		res, err := e2e.Exec(e2e.Run{Tracer: gtrace, Args: []string{"-e", prog}})
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode != 1 || res.Stderr != want {
			t.Errorf("%s: exit code %d, stderr:\n%s\nwant:\n%s", prog, res.ExitCode, res.Stderr, want)
		}
	}
}
