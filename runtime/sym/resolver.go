package sym

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Resolver symbolizes user-space addresses of processes. It remembers
// each process's mappings, so addresses of a process that has since
// exited still resolve when it was seen alive; otherwise Lookup fails
// and callers print the address. It is safe for concurrent use.
type Resolver struct {
	cache *Cache
	mu    sync.Mutex
	procs map[int]*procInfo
}

// procInfo is what is known of one process.
type procInfo struct {
	start uint64 // start time in clock ticks, to notice a reused pid
	maps  []mapping
}

// NewResolver returns a Resolver with its own binary cache.
func NewResolver() *Resolver {
	return NewResolverWithCache(NewCache())
}

// NewResolverWithCache returns a Resolver that shares a binary cache.
func NewResolverWithCache(c *Cache) *Resolver {
	return &Resolver{cache: c, procs: map[int]*procInfo{}}
}

// Lookup returns the symbol containing addr in process pid: name
// (demangled), offset into it, the module path.
func (r *Resolver) Lookup(pid int, addr uint64) (name string, off uint64, module string, ok bool) {
	m, ok := r.mapping(pid, addr)
	if !ok || !m.file() {
		return "", 0, "", false
	}
	bin, err := r.open(pid, m)
	if err != nil {
		return "", 0, m.path, false
	}
	vaddr, ok := bin.Vaddr(addr - m.start + m.offset)
	if !ok {
		return "", 0, m.path, false
	}
	f, ok := bin.FuncAt(vaddr)
	if !ok {
		return "", 0, m.path, false
	}
	return f.Display(), vaddr - f.Addr, m.path, true
}

// Module returns the path of the file mapped at addr in process pid.
func (r *Resolver) Module(pid int, addr uint64) (string, bool) {
	m, ok := r.mapping(pid, addr)
	if !ok || !m.file() {
		return "", false
	}
	return m.path, true
}

// Forget drops what is known of a process.
func (r *Resolver) Forget(pid int) {
	r.mu.Lock()
	delete(r.procs, pid)
	r.mu.Unlock()
}

// mapping finds the mapping that holds addr, reading the process's maps
// again when it is not in the ones known (a library loaded since).
func (r *Resolver) mapping(pid int, addr uint64) (mapping, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.procs[pid]
	if p != nil {
		if m, ok := findMapping(p.maps, addr); ok {
			return m, true
		}
	}
	start, err := procStart(pid)
	if err != nil {
		// Gone: what was known is all there is.
		return mapping{}, false
	}
	maps, err := readMaps(pid)
	if err != nil {
		return mapping{}, false
	}
	if p == nil || p.start != start {
		p = &procInfo{start: start}
		r.procs[pid] = p
	}
	p.maps = maps
	return findMapping(maps, addr)
}

func findMapping(maps []mapping, addr uint64) (mapping, bool) {
	i := sort.Search(len(maps), func(i int) bool { return maps[i].end > addr })
	if i < len(maps) && maps[i].start <= addr {
		return maps[i], true
	}
	return mapping{}, false
}

// open reads the binary a mapping maps: through /proc/PID/map_files,
// which works for deleted files and other mount namespaces, else through
// the process's root, else by its path.
func (r *Resolver) open(pid int, m mapping) (*Binary, error) {
	candidates := []string{
		fmt.Sprintf("/proc/%d/map_files/%x-%x", pid, m.start, m.end),
		fmt.Sprintf("/proc/%d/root%s", pid, m.path),
		m.path,
	}
	var err error
	for _, c := range candidates {
		var b *Binary
		if b, err = r.cache.Open(c); err == nil {
			return b, nil
		}
	}
	return nil, err
}

// procStart reads a process's start time (field 22 of /proc/PID/stat).
func procStart(pid int) (uint64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces and parentheses: count
	// fields after its closing parenthesis.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	fields := strings.Fields(s[i+1:])
	// fields[0] is field 3 (state); start time is field 22.
	if len(fields) < 20 {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	return strconv.ParseUint(fields[19], 10, 64)
}
