package archive

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gtrace/gtrace/internal/archivetest"
)

var testTarget = Target{ID: "ubuntu", VersionID: "22.04", Arch: "x86_64", Release: "5.15.0-25-generic"}

func TestPaths(t *testing.T) {
	got := Paths("/archive", testTarget)
	want := []string{
		"/archive/ubuntu/22.04/x86_64/5.15.0-25-generic.btf.tar.xz",
		"/archive/ubuntu/22.04/x86_64/5.15.0-25-generic.btf",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Paths = %v, want %v", got, want)
	}
	if s := testTarget.String(); s != "ubuntu/22.04/x86_64/5.15.0-25-generic" {
		t.Errorf("String() = %q", s)
	}
}

func TestFindNotFound(t *testing.T) {
	root := t.TempDir()
	// A neighbouring kernel must not match.
	archivetest.Write(t, filepath.Join(root, "ubuntu/22.04/x86_64/5.15.0-26-generic.btf.tar.xz"), "x.btf", []byte("x"))

	_, err := Find(root, testTarget)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Find = %v, want *NotFoundError", err)
	}
	for _, p := range Paths(root, testTarget) {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not list %s", err, p)
		}
	}
	if nf.Target != testTarget || nf.Root != root {
		t.Errorf("error = %+v", nf)
	}

	if _, err := Find(filepath.Join(root, "missing"), testTarget); !errors.Is(err, fs.ErrNotExist) || errors.As(err, &nf) {
		t.Errorf("missing root: %v", err)
	}
}

func TestExtractCaches(t *testing.T) {
	root, cache := t.TempDir(), t.TempDir()
	path := Paths(root, testTarget)[0]
	archivetest.Write(t, path, "./5.15.0-25-generic.btf", []byte("first"))

	got, err := Open(root, testTarget, cache)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(got) != cache || !strings.HasSuffix(got, "-5.15.0-25-generic.btf") {
		t.Errorf("Open = %s", got)
	}
	checkContent(t, got, "first")

	// The second lookup must not decompress: mark the cached copy and
	// see the mark come back.
	if err := os.WriteFile(got, []byte("cached"), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := Open(root, testTarget, cache)
	if err != nil || again != got {
		t.Fatalf("second Open = %s, %v", again, err)
	}
	checkContent(t, again, "cached")

	// A new archive (different mtime and size) is extracted afresh.
	archivetest.Write(t, path, "5.15.0-25-generic.btf", []byte("second!"))
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, future, future); err != nil {
		t.Fatal(err)
	}
	fresh, err := Open(root, testTarget, cache)
	if err != nil || fresh == got {
		t.Fatalf("Open after update = %s, %v", fresh, err)
	}
	checkContent(t, fresh, "second!")

	// No temporary files are left behind.
	entries, _ := os.ReadDir(cache)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("left %s in the cache", e.Name())
		}
	}
}

func TestOpenRaw(t *testing.T) {
	root := t.TempDir()
	raw := Paths(root, testTarget)[1]
	if err := os.MkdirAll(filepath.Dir(raw), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(raw, []byte("raw"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Open(root, testTarget, t.TempDir())
	if err != nil || got != raw {
		t.Errorf("Open = %s, %v; want the uncompressed entry %s", got, err, raw)
	}
}

func TestExtractErrors(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()

	noBTF := filepath.Join(dir, "nobtf.btf.tar.xz")
	archivetest.Write(t, noBTF, "README", []byte("hello"))
	if _, err := Extract(noBTF, cache); err == nil || !strings.Contains(err.Error(), "no .btf file") {
		t.Errorf("archive without .btf: %v", err)
	}

	notXZ := filepath.Join(dir, "bad.btf.tar.xz")
	if err := os.WriteFile(notXZ, []byte("not xz at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Extract(notXZ, cache); err == nil || !strings.Contains(err.Error(), notXZ) {
		t.Errorf("corrupt archive: %v", err)
	}

	if _, err := Extract(filepath.Join(dir, "missing.btf.tar.xz"), cache); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing archive: %v", err)
	}
	entries, _ := os.ReadDir(cache)
	if len(entries) != 0 {
		t.Errorf("failed extractions left %d files in the cache", len(entries))
	}
}

func TestParseOSRelease(t *testing.T) {
	in := `# comment
NAME="Ubuntu"
VERSION_ID="22.04"
ID=ubuntu
ID_LIKE=debian
PRETTY_NAME='Ubuntu 22.04.3 LTS'
ESCAPED="a \"quoted\" word"

garbage line
`
	vars, err := ParseOSRelease(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"NAME": "Ubuntu", "VERSION_ID": "22.04", "ID": "ubuntu", "ID_LIKE": "debian",
		"PRETTY_NAME": "Ubuntu 22.04.3 LTS", "ESCAPED": `a "quoted" word`,
	}
	if len(vars) != len(want) {
		t.Errorf("got %d variables: %v", len(vars), vars)
	}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("%s = %q, want %q", k, vars[k], v)
		}
	}
}

func TestNormalizeArch(t *testing.T) {
	for in, want := range map[string]string{
		"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64", "riscv64": "riscv64",
	} {
		if got := NormalizeArch(in); got != want {
			t.Errorf("NormalizeArch(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	// A complete target needs nothing from the host.
	if got, err := testTarget.WithDefaults(); err != nil || got != testTarget {
		t.Errorf("WithDefaults() = %+v, %v", got, err)
	}

	host, err := HostTarget()
	if err != nil {
		t.Skipf("host target: %v", err)
	}
	if host.ID == "" || host.VersionID == "" || host.Release == "" || (host.Arch != "x86_64" && host.Arch != "arm64") {
		t.Errorf("HostTarget() = %+v", host)
	}
	partial, err := Target{ID: "fedora"}.WithDefaults()
	if err != nil || partial.ID != "fedora" || partial.VersionID != host.VersionID || partial.Release != host.Release {
		t.Errorf("partial WithDefaults() = %+v, %v", partial, err)
	}
}

func TestDefaultCacheDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if dir, err := DefaultCacheDir(); err != nil || dir != "/xdg/gtrace/btf" {
		t.Errorf("DefaultCacheDir() = %q, %v", dir, err)
	}
}

func checkContent(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, []byte(want)) {
		t.Errorf("%s holds %q, %v; want %q", path, got, err, want)
	}
}
