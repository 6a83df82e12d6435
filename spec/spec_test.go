package spec

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/gtrace/gtrace/internal/e2e"
)

// Conformance cases: each file in cases/ is a txtar archive with
//
//	-- script.bt --        the script
//	-- flags --            options given before the script, e.g. --test (optional)
//	-- args --             positional parameters, one a line (optional)
//	-- env --              environment variables, NAME=VALUE one a line (optional)
//	-- trigger --          a shell command run once probes are attached (optional);
//	                       $TRACER_PID is the tracer's process id
//	-- stop --             present: send SIGINT after the trigger (optional)
//	-- stdout --           the expected output, recorded from bpftrace
//	-- bpftrace.stdout --  what bpftrace 0.17 printed, for deviations
//	-- redact --           regular expressions, one a line, whose matches in the
//	                       output are replaced with "<redacted>" before comparing
//	                       (for timings; optional)
//
// The archive's comment describes the case. A comment line starting with
// "deviation:" says why gtrace's output differs from bpftrace 0.17's (a
// bug 0.17 has that newer bpftrace fixed); such cases keep bpftrace's raw
// output in bpftrace.stdout. A comment line starting with "newest:" marks
// a feature bpftrace 0.17 does not have: its stdout follows the newest
// bpftrace's documented behaviour, and -update leaves it alone.

var (
	update   = flag.Bool("update", false, "re-record expected output by running bpftrace")
	withBpft = flag.Bool("bpftrace", false, "also check that bpftrace still prints the recorded output")
)

type specCase struct {
	path      string
	ar        *txtar.Archive
	deviation bool
	newest    bool
}

func (c *specCase) file(name string) (string, bool) {
	for _, f := range c.ar.Files {
		if f.Name == name {
			return string(f.Data), true
		}
	}
	return "", false
}

func (c *specCase) setFile(name, data string) {
	for i, f := range c.ar.Files {
		if f.Name == name {
			c.ar.Files[i].Data = []byte(data)
			return
		}
	}
	c.ar.Files = append(c.ar.Files, txtar.File{Name: name, Data: []byte(data)})
}

func loadCases(t *testing.T) []*specCase {
	paths, err := filepath.Glob(filepath.Join("cases", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var out []*specCase
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		c := &specCase{path: p, ar: ar}
		for _, line := range strings.Split(string(ar.Comment), "\n") {
			if strings.HasPrefix(line, "deviation:") {
				c.deviation = true
			}
			if strings.HasPrefix(line, "newest:") {
				c.newest = true
			}
		}
		if _, ok := c.file("script.bt"); !ok {
			t.Fatalf("%s: no script.bt", p)
		}
		out = append(out, c)
	}
	return out
}

// run runs a tracer on a case.
func (c *specCase) run(t *testing.T, tracer string) e2e.Result {
	t.Helper()
	script, _ := c.file("script.bt")
	dir := t.TempDir()
	path := filepath.Join(dir, "script.bt")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	var args []string
	if f, ok := c.file("flags"); ok {
		args = append(args, strings.Fields(f)...)
	}
	args = append(args, path)
	if a, ok := c.file("args"); ok {
		args = append(args, strings.Fields(a)...)
	}
	trigger, _ := c.file("trigger")
	_, stop := c.file("stop")
	env, _ := c.file("env")
	res, err := e2e.Exec(e2e.Run{Tracer: tracer, Args: args, Trigger: strings.TrimSpace(trigger), Stop: stop,
		Env: strings.Fields(env), Timeout: 60 * time.Second})
	if err != nil {
		t.Fatalf("%s: %v", tracer, err)
	}
	if r, ok := c.file("redact"); ok {
		for _, pat := range strings.Split(strings.TrimSpace(r), "\n") {
			res.Stdout = regexp.MustCompile(pat).ReplaceAllString(res.Stdout, "<redacted>")
		}
	}
	return res
}

func TestConformance(t *testing.T) {
	gtrace := e2e.Gtrace(t)
	cases := loadCases(t)
	if len(cases) == 0 {
		t.Fatal("no conformance cases")
	}
	bpftrace := e2e.Bpftrace()
	if (*update || *withBpft) && bpftrace == "" {
		t.Fatal("-update and -bpftrace need bpftrace installed (apt-get install bpftrace)")
	}
	for _, c := range cases {
		name := strings.TrimSuffix(filepath.Base(c.path), ".txtar")
		t.Run(name, func(t *testing.T) {
			if (*update || *withBpft) && !c.newest {
				ref := c.run(t, bpftrace)
				field := "stdout"
				if c.deviation {
					field = "bpftrace.stdout"
				}
				if *update {
					c.setFile(field, ref.Stdout)
					if err := os.WriteFile(c.path, txtar.Format(c.ar), 0o644); err != nil {
						t.Fatal(err)
					}
				} else if want, _ := c.file(field); want != ref.Stdout {
					t.Errorf("bpftrace no longer prints the recorded %s:\n%s", field, diff(want, ref.Stdout))
				}
			}
			want, ok := c.file("stdout")
			if !ok {
				t.Fatalf("%s has no recorded stdout; run with -update", c.path)
			}
			got := c.run(t, gtrace)
			if got.Stdout != want {
				t.Errorf("stdout differs from bpftrace's:\n%s\nstderr:\n%s", diff(want, got.Stdout), got.Stderr)
			}
		})
	}
}

// diff shows two outputs line by line, marking the first difference.
func diff(want, got string) string {
	var b bytes.Buffer
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		mark := "  "
		if w != g || (i >= len(wl)) != (i >= len(gl)) {
			mark = "! "
		}
		b.WriteString(mark + "want: " + strings.ReplaceAll(w, "\t", "\\t") + "\n")
		if mark != "  " {
			b.WriteString(mark + "got:  " + strings.ReplaceAll(g, "\t", "\\t") + "\n")
		}
	}
	return b.String()
}
