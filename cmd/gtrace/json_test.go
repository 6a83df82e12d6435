package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/gtrace/gtrace/internal/e2e"
)

// JSON output cases: each file in testdata/json is a txtar archive with
//
//	-- script.bt --   the script
//	-- args --        extra gtrace/bpftrace arguments, one a line (optional)
//	-- trigger --     a shell command run once probes are attached (optional)
//	-- bpftrace --    what bpftrace -f json printed, recorded with -update
//
// The archive's comment says what the case covers. A comment line
// "pending: REASON" marks a case for a feature gtrace does not have yet:
// it is recorded but skipped.

var updateJSON = flag.Bool("update-json", false, "re-record testdata/json by running bpftrace")

// TestJSONMatchesBpftrace runs each case with gtrace -f json and compares
// the output with bpftrace's, line by line after parsing both as JSON.
func TestJSONMatchesBpftrace(t *testing.T) {
	gtrace := e2e.Gtrace(t)
	paths, err := filepath.Glob(filepath.Join("testdata", "json", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no JSON cases (%v)", err)
	}
	bpftrace := e2e.Bpftrace()
	if *updateJSON && bpftrace == "" {
		t.Fatal("-update-json needs bpftrace installed")
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if *updateJSON {
				setArchiveFile(ar, "bpftrace", runJSONCase(t, bpftrace, ar).Stdout)
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, line := range strings.Split(string(ar.Comment), "\n") {
				if reason, ok := strings.CutPrefix(line, "pending: "); ok {
					t.Skip(reason)
				}
			}
			want, ok := archiveFile(ar, "bpftrace")
			if !ok {
				t.Fatalf("%s has no recorded output; run with -update-json", path)
			}
			res := runJSONCase(t, gtrace, ar)
			got := parseJSONLines(t, "gtrace", res.Stdout)
			exp := parseJSONLines(t, "bpftrace", want)
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("gtrace's JSON differs from bpftrace's\n--- bpftrace:\n%s--- gtrace:\n%s--- stderr:\n%s", want, res.Stdout, res.Stderr)
			}
		})
	}
}

// runJSONCase runs a tracer on a case with -f json.
func runJSONCase(t *testing.T, tracer string, ar *txtar.Archive) e2e.Result {
	t.Helper()
	script, _ := archiveFile(ar, "script.bt")
	path := filepath.Join(t.TempDir(), "script.bt")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-f", "json"}
	if a, ok := archiveFile(ar, "args"); ok {
		args = append(args, strings.Fields(a)...)
	}
	trigger, _ := archiveFile(ar, "trigger")
	res, err := e2e.Exec(e2e.Run{Tracer: tracer, Args: append(args, path), Trigger: strings.TrimSpace(trigger)})
	if err != nil {
		t.Fatalf("%s: %v", tracer, err)
	}
	return res
}

// parseJSONLines parses JSON lines output: every non-empty line must be a
// JSON value (bpftrace 0.17 also prints two empty lines before the maps
// at exit). The column of a helper_error is left out: bpftrace points at
// the start of the call, gtrace at the expression evaluated just before
// the helper ran.
func parseJSONLines(t *testing.T, who, out string) []any {
	t.Helper()
	var vals []any
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		d := json.NewDecoder(strings.NewReader(line))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil || d.More() {
			t.Fatalf("%s printed a line that is not one JSON value (%v): %s", who, err, line)
		}
		if m, ok := v.(map[string]any); ok && m["type"] == "helper_error" {
			delete(m, "col")
		}
		vals = append(vals, v)
	}
	return vals
}

func archiveFile(ar *txtar.Archive, name string) (string, bool) {
	for _, f := range ar.Files {
		if f.Name == name {
			return string(f.Data), true
		}
	}
	return "", false
}

func setArchiveFile(ar *txtar.Archive, name, data string) {
	for i, f := range ar.Files {
		if f.Name == name {
			ar.Files[i].Data = []byte(data)
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(data)})
}

// TestJSONLinesParse checks that gtrace's own JSON output, whatever the
// script prints, is one JSON object a line with a "type".
func TestJSONLinesParse(t *testing.T) {
	gtrace := e2e.Gtrace(t)
	script := `BEGIN { printf("quote \" backslash \\ tab \t bell \x07 done\n"); @m["k\"ey", 1] = (1, "v\n"); @h = hist(3); print(@m); exit(); }`
	res, err := e2e.Exec(e2e.Run{Tracer: gtrace, Args: []string{"-f", "json", "-e", script}})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(res.Stdout, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("want 5 lines, got:\n%s\nstderr: %s", res.Stdout, res.Stderr)
	}
	for _, l := range lines {
		var v struct{ Type string }
		if err := json.Unmarshal([]byte(l), &v); err != nil || v.Type == "" {
			t.Errorf("not a JSON object with a type (%v): %s", err, l)
		}
	}
	var p struct{ Data string }
	if err := json.Unmarshal([]byte(lines[1]), &p); err != nil || p.Data != "quote \" backslash \\ tab \t bell \x07 done\n" {
		t.Errorf("printf data %q (%v)", p.Data, err)
	}
	if want := `{"type": "map", "data": {"@m": {"k\"ey,1": [1,"v\n"]}}}`; lines[2] != want {
		t.Errorf("map line %s, want %s", lines[2], want)
	}
}
