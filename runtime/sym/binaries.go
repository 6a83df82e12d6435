package sym

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/gtrace/gtrace/lang"
)

// Binaries is the checker's view of user-space files (lang.Binaries):
// for the whole system, or for one traced process (-p), whose mount
// namespace, mappings and PATH it then uses.
type Binaries struct {
	cache *Cache
	pid   int
	arch  string

	ldOnce sync.Once
	ld     []ldCacheEntry
}

var _ lang.Binaries = (*Binaries)(nil)

// NewBinaries returns the view of the whole system (pid 0) or of one
// process.
func NewBinaries(pid int) *Binaries {
	return NewBinariesWithCache(NewCache(), pid)
}

// NewBinariesWithCache is NewBinaries sharing a binary cache (with a
// Resolver, say).
func NewBinariesWithCache(c *Cache, pid int) *Binaries {
	return &Binaries{cache: c, pid: pid, arch: runtime.GOARCH}
}

// Process returns the traced process's executable and the files it maps
// executable, as paths this process can open.
func (b *Binaries) Process() (exe string, mapped []string, ok bool) {
	if b.pid <= 0 {
		return "", nil, false
	}
	if p, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", b.pid)); err == nil {
		exe = b.inRoot(strings.TrimSuffix(p, " (deleted)"))
	}
	files, _ := mappedFiles(b.pid)
	for _, f := range files {
		mapped = append(mapped, b.inRoot(f))
	}
	return exe, mapped, true
}

// Resolve returns the files a target names (see lang.Binaries).
func (b *Binaries) Resolve(target string) ([]string, error) {
	if target == "*" {
		return b.allMapped()
	}
	wild := strings.ContainsAny(target, "*?[")
	if !wild && !strings.Contains(target, "/") && strings.HasPrefix(target, "lib") {
		if p, ok := b.library(target[3:]); ok {
			return []string{p}, nil
		}
	}
	candidates := []string{target}
	if !strings.Contains(target, "/") {
		for _, dir := range filepath.SplitList(b.pathEnv()) {
			if dir != "" {
				candidates = append(candidates, filepath.Join(dir, target))
			}
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, c := range candidates {
		paths := []string{c}
		if wild {
			// Glob in the process's namespace, report paths this
			// process can open.
			matches, err := filepath.Glob(b.inRoot(c))
			if err != nil {
				return nil, fmt.Errorf("bad pattern %q: %w", target, err)
			}
			paths = matches
		} else {
			paths[0] = b.inRoot(c)
		}
		for _, p := range paths {
			if !seen[p] && traceable(p) {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	if !wild && len(out) > 1 {
		// A PATH lookup takes the first match, as a shell does.
		out = out[:1]
	}
	return out, nil
}

// Functions lists a binary's function symbols, ordered by name.
func (b *Binaries) Functions(path string) ([]lang.UserFunc, error) {
	bin, err := b.cache.Open(path)
	if err != nil {
		return nil, err
	}
	funcs := bin.Funcs()
	out := make([]lang.UserFunc, 0, len(funcs))
	for _, f := range funcs {
		off, ok := bin.FileOffset(f.Addr)
		if !ok {
			continue
		}
		out = append(out, lang.UserFunc{Name: f.Name, Demangled: f.Demangled, Addr: f.Addr, Size: f.Size, Offset: off})
	}
	return out, nil
}

// USDTProbes lists a binary's USDT probe sites.
func (b *Binaries) USDTProbes(path string) ([]lang.USDTProbe, error) {
	bin, err := b.cache.Open(path)
	if err != nil {
		return nil, err
	}
	return bin.USDTProbes(b.arch)
}

// Symbol finds a function or data symbol of a binary by name.
func (b *Binaries) Symbol(path, name string) (addr, size uint64, pie bool, err error) {
	bin, err := b.cache.Open(path)
	if err != nil {
		return 0, 0, false, err
	}
	s, ok := bin.Symbol(name)
	if !ok {
		return 0, 0, false, fmt.Errorf("%s: no symbol %s", path, name)
	}
	return s.Addr, s.Size, bin.Type == elf.ET_DYN, nil
}

// allMapped lists the executable files the traced process maps or,
// without one, that any process maps.
func (b *Binaries) allMapped() ([]string, error) {
	if _, mapped, ok := b.Process(); ok {
		return mapped, nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil || pid <= 0 {
			continue
		}
		files, _ := mappedFiles(pid)
		for _, f := range files {
			if !seen[f] && traceable(f) {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// library finds a shared library by the name after "lib" ("c" for libc,
// "ssl.so.3" for libssl.so.3): among the traced process's mappings,
// then in the loader's cache, then in the standard directories.
func (b *Binaries) library(name string) (string, bool) {
	match := func(base string) bool {
		if strings.Contains(name, ".so") {
			return base == "lib"+name || strings.HasPrefix(base, "lib"+name+".")
		}
		return strings.HasPrefix(base, "lib"+name+".so") || strings.HasPrefix(base, "lib"+name+"-")
	}
	if _, mapped, ok := b.Process(); ok {
		for _, m := range mapped {
			if match(filepath.Base(m)) {
				return m, true
			}
		}
	}
	b.ldOnce.Do(func() { b.ld, _ = readLDCache(b.inRoot("/etc/ld.so.cache")) })
	for _, e := range b.ld {
		if match(e.soname) {
			if p := b.inRoot(e.path); traceable(p) {
				return p, true
			}
		}
	}
	for _, dir := range libraryDirs() {
		matches, _ := filepath.Glob(b.inRoot(dir) + "/lib" + name + "*")
		sort.Strings(matches)
		for _, m := range matches {
			if match(filepath.Base(m)) && traceable(m) {
				return m, true
			}
		}
	}
	return "", false
}

// libraryDirs are the directories the loader searches by default.
func libraryDirs() []string {
	triple := map[string]string{"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}[runtime.GOARCH]
	dirs := []string{"/lib64", "/usr/lib64"}
	if triple != "" {
		dirs = append(dirs, "/lib/"+triple, "/usr/lib/"+triple)
	}
	return append(dirs, "/lib", "/usr/lib")
}

// pathEnv is the PATH programs are looked up in: the traced process's
// when it lives in another mount namespace.
func (b *Binaries) pathEnv() string {
	if b.otherMountNS() {
		if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", b.pid)); err == nil {
			for _, kv := range strings.Split(string(data), "\x00") {
				if v, ok := strings.CutPrefix(kv, "PATH="); ok {
					return v
				}
			}
		}
		return ""
	}
	return os.Getenv("PATH")
}

// inRoot turns a path as the traced process sees it into one this
// process can open: through /proc/PID/root when the process lives in
// another mount namespace.
func (b *Binaries) inRoot(path string) string {
	if b.otherMountNS() && strings.HasPrefix(path, "/") {
		return fmt.Sprintf("/proc/%d/root%s", b.pid, path)
	}
	return path
}

// otherMountNS reports whether the traced process lives in another
// mount namespace than this one.
func (b *Binaries) otherMountNS() bool {
	if b.pid <= 0 {
		return false
	}
	theirs, err1 := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", b.pid))
	ours, err2 := os.Readlink("/proc/self/ns/mnt")
	return err1 == nil && err2 == nil && theirs != ours
}

// traceable reports whether a file is an ELF shared object, or an ELF
// executable its owner may run.
func traceable(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	typ := f.Type
	f.Close()
	switch typ {
	case elf.ET_DYN:
		return true
	case elf.ET_EXEC:
		fi, err := os.Stat(path)
		return err == nil && fi.Mode()&0o100 != 0
	}
	return false
}
