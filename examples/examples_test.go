// Package examples holds real bpftrace-style scripts (*.bt). This test
// runs each one with gtrace and compares its output with what bpftrace
// printed for the same run.
package examples

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/gtrace/gtrace/internal/e2e"
)

// Each NAME.bt has an expectation testdata/NAME.txtar holding
//
//	-- args --     positional parameters, one a line (optional)
//	-- trigger --  a shell command run once probes are attached (optional)
//	-- stop --     present: send SIGINT after the trigger (optional)
//	-- stdout --   the expected output, recorded from bpftrace
//
// The archive's comment says what the trigger does.

var update = flag.Bool("update", false, "re-record expected output by running bpftrace")

func TestExamples(t *testing.T) {
	gtrace := e2e.Gtrace(t)
	scripts, err := filepath.Glob("*.bt")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no example scripts (%v)", err)
	}
	bpftrace := e2e.Bpftrace()
	if *update && bpftrace == "" {
		t.Fatal("-update needs bpftrace installed (apt-get install bpftrace)")
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(script, ".bt")
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name+".txtar")
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatalf("every example needs %s: %v", path, err)
			}
			if *update {
				setFile(ar, "stdout", run(t, bpftrace, script, ar).Stdout)
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, ok := file(ar, "stdout")
			if !ok {
				t.Fatalf("%s has no recorded stdout; run with -update", path)
			}
			got := run(t, gtrace, script, ar)
			if got.Stdout != want {
				t.Errorf("stdout differs from bpftrace's\n--- want:\n%s--- got:\n%s--- stderr:\n%s", want, got.Stdout, got.Stderr)
			}
		})
	}
}

// run runs tracer on script as the archive describes.
func run(t *testing.T, tracer, script string, ar *txtar.Archive) e2e.Result {
	t.Helper()
	abs, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	args, _ := file(ar, "args")
	trigger, _ := file(ar, "trigger")
	_, stop := file(ar, "stop")
	res, err := e2e.Exec(e2e.Run{
		Tracer:  tracer,
		Args:    append([]string{abs}, strings.Fields(args)...),
		Trigger: strings.TrimSpace(trigger),
		Stop:    stop,
		Timeout: 60 * time.Second,
	})
	if err != nil {
		t.Fatalf("%s: %v", tracer, err)
	}
	return res
}

func file(ar *txtar.Archive, name string) (string, bool) {
	for _, f := range ar.Files {
		if f.Name == name {
			return string(f.Data), true
		}
	}
	return "", false
}

func setFile(ar *txtar.Archive, name, data string) {
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = []byte(data)
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(data)})
}
