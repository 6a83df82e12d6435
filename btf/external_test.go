package btf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/btf/archive"
	"github.com/gtrace/gtrace/internal/archivetest"
	"github.com/gtrace/gtrace/internal/testenv"
)

const liveVmlinux = "/sys/kernel/btf/vmlinux"

// poisonSysfs points k at a /sys/kernel/btf whose files are garbage, so
// that any read of them fails the test.
func poisonSysfs(t *testing.T, k *Kernel) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "vmlinux"), []byte("not BTF"))
	writeFile(t, filepath.Join(dir, "amod"), []byte("not BTF"))
	k.sysfs = dir
}

func TestBTFFile(t *testing.T) {
	raw := marshalBTF(t, syntheticTypes())
	files := map[string][]byte{
		"raw.btf": raw,
		"obj.o":   elfWithBTF(raw),
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, filepath.Join(t.TempDir(), name), data)
			k := NewKernel(Options{BTFFile: path})
			poisonSysfs(t, k)
			if !k.External() {
				t.Error("External() = false")
			}
			checkSynthetic(t, k)
			if p, err := k.BTFPath(); p != path || err != nil {
				t.Errorf("BTFPath() = %q, %v", p, err)
			}
		})
	}

	k := NewKernel(Options{BTFFile: "/nonexistent/vmlinux.btf"})
	_, err := k.Spec()
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "/nonexistent/vmlinux.btf") {
		t.Errorf("missing BTF file: %v", err)
	}
	if _, again := k.Spec(); again != err {
		t.Errorf("error not cached: %v", again)
	}
}

// checkSynthetic checks that k serves syntheticTypes and no modules.
func checkSynthetic(t *testing.T, k *Kernel) {
	t.Helper()
	typ, err := k.LookupType("ext_t")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := FindMember(typ, "y"); err != nil || m.Offset != 32 {
		t.Errorf("ext_t.y = %+v, %v", m, err)
	}
	if c, err := k.EnumConstant("EXT_B"); err != nil || c.Value != 5 || c.Enum.Name != "ext_enum" {
		t.Errorf("EnumConstant(EXT_B) = %+v, %v", c, err)
	}
	if _, err := k.EnumConstant("EXT_C"); !errors.Is(err, ErrNotFound) {
		t.Errorf("EnumConstant(EXT_C) = %v", err)
	}
	if fn, err := k.Function("ext_func"); err != nil || len(fn.Params) != 1 || fn.Params[0].Name != "a" {
		t.Errorf("Function(ext_func) = %+v, %v", fn, err)
	}
	if mods, err := k.Modules(); len(mods) != 0 || err != nil {
		t.Errorf("Modules() = %v, %v with external BTF", mods, err)
	}
	if _, err := k.ModuleSpec("amod"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ModuleSpec(amod) = %v with external BTF", err)
	}
	if _, err := k.LookupType("struct nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LookupType(struct nope) = %v", err)
	}
}

func TestArchiveSynthetic(t *testing.T) {
	target := archive.Target{ID: "testos", VersionID: "1.0", Arch: "arm64", Release: "6.1.0-test"}
	root := t.TempDir()
	archivetest.Write(t, filepath.Join(root, "testos", "1.0", "arm64", "6.1.0-test.btf.tar.xz"),
		"6.1.0-test.btf", marshalBTF(t, syntheticTypes()))

	cache := t.TempDir()
	k := NewKernel(Options{ArchiveDir: root, Target: target, CacheDir: cache})
	poisonSysfs(t, k)
	checkSynthetic(t, k)
	if p, _ := k.BTFPath(); filepath.Dir(p) != cache {
		t.Errorf("BTFPath() = %s, want a file in %s", p, cache)
	}

	// BTFFile wins over ArchiveDir.
	file := writeFile(t, filepath.Join(t.TempDir(), "x.btf"), marshalBTF(t, []btf.Type{&btf.Int{Name: "only_int", Size: 4}}))
	k = NewKernel(Options{BTFFile: file, ArchiveDir: root, Target: target, CacheDir: cache})
	if _, err := k.LookupType("only_int"); err != nil {
		t.Errorf("BTFFile not preferred: %v", err)
	}
}

func TestArchiveMissingKernel(t *testing.T) {
	root := t.TempDir()
	target := archive.Target{ID: "testos", VersionID: "1.0", Arch: "x86_64", Release: "0.0.0-missing"}
	k := NewKernel(Options{ArchiveDir: root, Target: target, CacheDir: t.TempDir()})
	poisonSysfs(t, k)

	_, err := k.LookupType("struct task_struct")
	var nf *archive.NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error = %v, want a *archive.NotFoundError", err)
	}
	want := []string{
		filepath.Join(root, "testos/1.0/x86_64/0.0.0-missing.btf.tar.xz"),
		filepath.Join(root, "testos/1.0/x86_64/0.0.0-missing.btf"),
	}
	if len(nf.Tried) != len(want) {
		t.Fatalf("Tried = %v, want %v", nf.Tried, want)
	}
	for i, p := range want {
		if nf.Tried[i] != p || !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not list %s", err, p)
		}
	}
}

// liveArchive is a btfhub-style tree holding this machine's vmlinux BTF at
// the host's target. Building it compresses 5 MB with xz, so it is shared
// by the tests and benchmarks of one run and removed by TestMain.
var liveArchive struct {
	once   sync.Once
	root   string
	target archive.Target
	err    error
}

func liveArchiveRoot(tb testing.TB) (string, archive.Target) {
	tb.Helper()
	testenv.File(tb, liveVmlinux)
	target, err := archive.HostTarget()
	testenv.SkipIfErr(tb, "host target for btfhub lookup", err)
	liveArchive.once.Do(func() {
		raw, err := os.ReadFile(liveVmlinux)
		if err != nil {
			liveArchive.err = err
			return
		}
		root, err := os.MkdirTemp("", "gtrace-btfhub-")
		if err != nil {
			liveArchive.err = err
			return
		}
		liveArchive.root = root // for TestMain to remove, even if Write fails
		archivetest.Write(tb, archive.Paths(root, target)[0], target.Release+".btf", raw)
		liveArchive.target = target
	})
	if liveArchive.err != nil {
		tb.Fatal(liveArchive.err)
	}
	if liveArchive.target.Release == "" {
		tb.Fatal("building the live archive failed in an earlier test")
	}
	return liveArchive.root, liveArchive.target
}

func TestMain(m *testing.M) {
	code := m.Run()
	if liveArchive.root != "" {
		os.RemoveAll(liveArchive.root)
	}
	os.Exit(code)
}

func TestArchiveLive(t *testing.T) {
	root, target := liveArchiveRoot(t)
	t.Logf("archive entry for %s", target)

	live, err := btf.LoadSpec(liveVmlinux)
	if err != nil {
		t.Fatal(err)
	}
	var want *btf.Struct
	if err := live.TypeByName("task_struct", &want); err != nil {
		t.Fatal(err)
	}

	cache := t.TempDir()
	for run := range 2 { // the second run reads the cache
		k := NewKernel(Options{ArchiveDir: root, CacheDir: cache}) // host target
		poisonSysfs(t, k)
		typ, err := k.LookupType("struct task_struct")
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if typ.(*btf.Struct).Size != want.Size {
			t.Errorf("run %d: task_struct size %d, want %d", run, typ.(*btf.Struct).Size, want.Size)
		}
		if c, err := k.EnumConstant("BPF_MAP_TYPE_HASH"); err != nil || c.Value != 1 {
			t.Errorf("run %d: BPF_MAP_TYPE_HASH = %+v, %v", run, c, err)
		}
	}
	entries, err := os.ReadDir(cache)
	if err != nil || len(entries) != 1 {
		t.Errorf("cache holds %v, %v; want one file", entries, err)
	}
}
