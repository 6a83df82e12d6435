package btf

import (
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/btf/archive"
)

// ErrNotFound is wrapped by errors for unknown tracepoints, types, members,
// functions and enum constants. It is the same value as cilium/ebpf's
// btf.ErrNotFound, so errors.Is works with either.
var ErrNotFound = btf.ErrNotFound

// sysfsBTF is where the running kernel publishes vmlinux and module BTF.
const sysfsBTF = "/sys/kernel/btf"

// Options configure a Kernel. The zero value describes the running kernel.
type Options struct {
	// BTFFile, if set, is used instead of the running kernel's BTF: a raw BTF
	// blob or an ELF file with a .BTF section. bpftrace takes it from the
	// environment variable BPFTRACE_BTF. It takes precedence over ArchiveDir.
	BTFFile string

	// ArchiveDir, if set, is the root of a btfhub-archive tree, searched for
	// <ID>/<VERSION_ID>/<arch>/<release>.btf.tar.xz of Target.
	ArchiveDir string

	// Target selects the archive entry; empty fields are taken from the
	// running system (os-release and uname).
	Target archive.Target

	// CacheDir keeps BTF decompressed from archives. The default is
	// archive.DefaultCacheDir().
	CacheDir string

	// Tracefs is the tracefs mount point. If empty it is looked for, and
	// mounted if needed; see Kernel.Tracefs.
	Tracefs string
}

// Kernel answers questions about one kernel's types and tracepoints. Create
// one per compilation with NewKernel. Everything is read lazily and cached:
// a script that only uses tracepoint format files never parses BTF.
//
// With an external BTF source (Options.BTFFile or Options.ArchiveDir) the
// running kernel's /sys/kernel/btf is never read and there is no module BTF.
//
// A Kernel is safe for concurrent use.
type Kernel struct {
	opts Options
	// sysfs is /sys/kernel/btf, replaced in tests.
	sysfs string

	tpMu       sync.Mutex
	tracefs    string
	tracefsErr error
	events     []Tracepoint
	formats    map[Tracepoint]*TracepointFormat

	btfMu sync.Mutex
	// basePath is the file of the base BTF (vmlinux, or the external
	// BTF), found by resolveLocked.
	basePath   string
	resolveErr error
	// raw decodes base types on demand (rawspec.go); nil, with rawErr set,
	// if the base BTF could not be read that way.
	raw    *rawSpec
	rawErr error
	// base is cilium/ebpf's decoding of the same BTF, loaded only for what
	// raw cannot do: module BTF builds on it.
	base     *btf.Spec
	baseErr  error
	modNames []string
	modules  map[string]*btf.Spec
	enums    map[string]btf.TypeID // enumerator name → enum type in base

	// syms caches kernel functions and symbols (functions.go).
	syms kernelSymbols
}

// NewKernel returns a Kernel described by opts. It does no I/O.
func NewKernel(opts Options) *Kernel {
	return &Kernel{opts: opts, sysfs: sysfsBTF}
}

// External reports whether BTF comes from a file or archive rather than from
// the running kernel.
func (k *Kernel) External() bool {
	return k.opts.BTFFile != "" || k.opts.ArchiveDir != ""
}

// typeSource is what lookups need of a spec: cilium/ebpf's *btf.Spec and
// rawSpec both provide it.
type typeSource interface {
	AnyTypesByName(name string) ([]btf.Type, error)
	TypeByID(id btf.TypeID) (btf.Type, error)
	All() iter.Seq2[btf.Type, error]
}

// Spec returns cilium/ebpf's decoding of the kernel's base BTF: vmlinux, or
// the external BTF file or archive entry if one is configured. It is loaded
// on the first call; the result, or the error, is cached. Lookups through
// Kernel's methods are faster: they decode only the types they return.
func (k *Kernel) Spec() (*btf.Spec, error) {
	k.btfMu.Lock()
	defer k.btfMu.Unlock()
	return k.baseLocked()
}

// Preload reads and indexes the base BTF, so that a later lookup finds it
// ready. Errors are reported by the lookups.
func (k *Kernel) Preload() {
	k.btfMu.Lock()
	defer k.btfMu.Unlock()
	_, _ = k.sourceLocked()
}

// BTFPath returns the file the base BTF is read from. For an archive it is
// the decompressed file in the cache.
func (k *Kernel) BTFPath() (string, error) {
	k.btfMu.Lock()
	defer k.btfMu.Unlock()
	return k.resolveLocked()
}

// resolveLocked finds the base BTF file, decompressing it from an archive
// if needed.
func (k *Kernel) resolveLocked() (string, error) {
	if k.basePath != "" || k.resolveErr != nil {
		return k.basePath, k.resolveErr
	}
	switch {
	case k.opts.BTFFile != "":
		k.basePath = k.opts.BTFFile
	case k.opts.ArchiveDir != "":
		cache := k.opts.CacheDir
		if cache == "" {
			if cache, k.resolveErr = archive.DefaultCacheDir(); k.resolveErr != nil {
				return "", k.resolveErr
			}
		}
		k.basePath, k.resolveErr = archive.Open(k.opts.ArchiveDir, k.opts.Target, cache)
	default:
		k.basePath = filepath.Join(k.sysfs, "vmlinux")
	}
	return k.basePath, k.resolveErr
}

// sourceLocked returns the base BTF for lookups: the on-demand decoder, or
// cilium/ebpf's spec where the BTF cannot be read raw (a kernel without
// /sys/kernel/btf/vmlinux, whose BTF cilium/ebpf finds in vmlinux images
// on disk).
func (k *Kernel) sourceLocked() (typeSource, error) {
	if k.raw == nil && k.rawErr == nil {
		k.raw, k.rawErr = k.loadRaw()
	}
	if k.raw != nil {
		return k.raw, nil
	}
	return k.baseLocked()
}

func (k *Kernel) loadRaw() (*rawSpec, error) {
	path, err := k.resolveLocked()
	if err != nil {
		return nil, err
	}
	var raw []byte
	if path == filepath.Join(sysfsBTF, "vmlinux") {
		// The kernel's BTF never changes: map it rather than copy its
		// megabytes. The mapping is kept for the life of the process, as
		// the decoded types' strings point into it.
		raw, err = mapFile(path)
	}
	if raw == nil {
		if raw, err = readRawBTF(path); err != nil {
			return nil, err
		}
	}
	return parseRawSpec(raw)
}

// mapFile maps a read-only file into memory, or returns nil if it cannot.
func mapFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.Size() == 0 {
		return nil, err
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(info.Size()), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		return nil, nil
	}
	return data, nil
}

func (k *Kernel) baseLocked() (*btf.Spec, error) {
	if k.base == nil && k.baseErr == nil {
		k.base, k.baseErr = k.loadBase()
	}
	return k.base, k.baseErr
}

func (k *Kernel) loadBase() (*btf.Spec, error) {
	path, err := k.resolveLocked()
	if err != nil {
		return nil, err
	}
	var spec *btf.Spec
	if !k.External() && k.sysfs == sysfsBTF {
		// Falls back to vmlinux images on disk on kernels without
		// /sys/kernel/btf/vmlinux.
		spec, err = btf.LoadKernelSpec()
	} else {
		spec, err = btf.LoadSpec(path)
	}
	if err != nil {
		return nil, fmt.Errorf("load BTF %s: %w", path, err)
	}
	return spec, nil
}

// Modules returns the names of kernel modules with BTF, sorted. It is empty
// when an external BTF source is configured.
func (k *Kernel) Modules() ([]string, error) {
	k.btfMu.Lock()
	defer k.btfMu.Unlock()
	names, err := k.modulesLocked()
	return slices.Clone(names), err
}

func (k *Kernel) modulesLocked() ([]string, error) {
	if k.External() || k.modNames != nil {
		return k.modNames, nil
	}
	entries, err := os.ReadDir(k.sysfs)
	if errors.Is(err, fs.ErrNotExist) {
		// vmlinux BTF may come from a file on disk (see btf.LoadKernelSpec),
		// but module BTF only exists in sysfs.
		entries, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list module BTF: %w", err)
	}
	names := []string{}
	for _, e := range entries {
		if e.Name() != "vmlinux" {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names) // ReadDir sorts already; be explicit about the contract.
	k.modNames = names
	return names, nil
}

// ModuleSpec returns the BTF of the named kernel module, split BTF on top of
// vmlinux, loading it on first use.
func (k *Kernel) ModuleSpec(module string) (*btf.Spec, error) {
	k.btfMu.Lock()
	defer k.btfMu.Unlock()
	return k.moduleLocked(module)
}

func (k *Kernel) moduleLocked(module string) (*btf.Spec, error) {
	if spec := k.modules[module]; spec != nil {
		return spec, nil
	}
	if k.External() {
		return nil, fmt.Errorf("module %s: no module BTF with an external BTF source: %w", module, ErrNotFound)
	}
	if module == "" || module == "vmlinux" || strings.ContainsAny(module, "/\x00") || strings.HasPrefix(module, ".") {
		return nil, fmt.Errorf("invalid module name %q", module)
	}
	base, err := k.baseLocked()
	if err != nil {
		return nil, err
	}
	spec, err := btf.LoadSplitSpec(filepath.Join(k.sysfs, module), base)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("module %s: no BTF: %w", module, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("load BTF of module %s: %w", module, err)
	}
	if k.modules == nil {
		k.modules = make(map[string]*btf.Spec)
	}
	k.modules[module] = spec
	return spec, nil
}

// eachSpec calls fn with the base BTF (module "") and then with each
// module's spec in name order until fn returns true. Modules are loaded only
// when fn has not stopped before them.
func (k *Kernel) eachSpec(fn func(module string, spec typeSource) (bool, error)) error {
	k.btfMu.Lock()
	defer k.btfMu.Unlock()

	base, err := k.sourceLocked()
	if err != nil {
		return err
	}
	if done, err := fn("", base); done || err != nil {
		return err
	}
	mods, err := k.modulesLocked()
	if err != nil {
		return err
	}
	for _, m := range mods {
		spec, err := k.moduleLocked(m)
		if err != nil {
			return err
		}
		if done, err := fn(m, spec); done || err != nil {
			return err
		}
	}
	return nil
}
