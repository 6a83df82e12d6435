package btf

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/cilium/ebpf/btf"

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

	btfMu    sync.Mutex
	base     *btf.Spec // vmlinux, or the external BTF
	basePath string    // file base was read from
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

// Spec returns the kernel's base BTF: vmlinux, or the external BTF file or
// archive entry if one is configured. It is loaded on the first call; the
// result, or the error, is cached.
func (k *Kernel) Spec() (*btf.Spec, error) {
	k.btfMu.Lock()
	defer k.btfMu.Unlock()
	return k.baseLocked()
}

// BTFPath returns the file the base BTF is read from, after loading it. For
// an archive it is the decompressed file in the cache.
func (k *Kernel) BTFPath() (string, error) {
	k.btfMu.Lock()
	defer k.btfMu.Unlock()
	if _, err := k.baseLocked(); err != nil {
		return "", err
	}
	return k.basePath, nil
}

func (k *Kernel) baseLocked() (*btf.Spec, error) {
	if k.base == nil && k.baseErr == nil {
		k.base, k.basePath, k.baseErr = k.loadBase()
	}
	return k.base, k.baseErr
}

func (k *Kernel) loadBase() (*btf.Spec, string, error) {
	switch {
	case k.opts.BTFFile != "":
		spec, err := btf.LoadSpec(k.opts.BTFFile)
		if err != nil {
			return nil, "", fmt.Errorf("load BTF file %s: %w", k.opts.BTFFile, err)
		}
		return spec, k.opts.BTFFile, nil

	case k.opts.ArchiveDir != "":
		cache := k.opts.CacheDir
		if cache == "" {
			var err error
			if cache, err = archive.DefaultCacheDir(); err != nil {
				return nil, "", err
			}
		}
		path, err := archive.Open(k.opts.ArchiveDir, k.opts.Target, cache)
		if err != nil {
			return nil, "", err
		}
		spec, err := btf.LoadSpec(path)
		if err != nil {
			return nil, "", fmt.Errorf("load BTF from archive: %s: %w", path, err)
		}
		return spec, path, nil
	}

	path := filepath.Join(k.sysfs, "vmlinux")
	var (
		spec *btf.Spec
		err  error
	)
	if k.sysfs == sysfsBTF {
		// Maps the file instead of copying it, and falls back to vmlinux
		// images on disk on kernels without /sys/kernel/btf/vmlinux.
		spec, err = btf.LoadKernelSpec()
	} else {
		spec, err = btf.LoadSpec(path)
	}
	if err != nil {
		return nil, "", fmt.Errorf("load kernel BTF %s: %w", path, err)
	}
	return spec, path, nil
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

// eachSpec calls fn with the base spec (module "") and then with each
// module's spec in name order until fn returns true. Modules are loaded only
// when fn has not stopped before them.
func (k *Kernel) eachSpec(fn func(module string, spec *btf.Spec) (bool, error)) error {
	k.btfMu.Lock()
	defer k.btfMu.Unlock()

	base, err := k.baseLocked()
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
