package btf

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
)

// KallsymsPath is where the running kernel lists its symbols.
const KallsymsPath = "/proc/kallsyms"

// KernelSymbol is one line of /proc/kallsyms.
type KernelSymbol struct {
	Addr uint64
	Name string
	// Type is the symbol's type letter: 'T' and 't' for code, 'D', 'R',
	// 'B' ... for data; upper case for global symbols.
	Type byte
	// Module is the module that defines the symbol, "" for vmlinux.
	Module string
}

// IsText reports whether the symbol is code (a function).
func (s KernelSymbol) IsText() bool {
	return s.Type == 'T' || s.Type == 't' || s.Type == 'W' || s.Type == 'w'
}

// Kallsyms is the kernel's symbol table, ordered by address, for
// turning kernel addresses into names (kstack, ksym) and names into
// addresses (kaddr). It does not change once read and is safe for
// concurrent use.
type Kallsyms struct {
	// syms is sorted by address; symbols that share an address keep the
	// order of the file, and the last of them names the address, as
	// bpftrace (through bcc) does.
	syms []KernelSymbol
	// hidden is set when every address reads as zero: the caller may not
	// see kernel addresses (kptr_restrict).
	hidden bool
}

// LoadKallsyms reads /proc/kallsyms.
func LoadKallsyms() (*Kallsyms, error) {
	f, err := os.Open(KallsymsPath)
	if err != nil {
		return nil, fmt.Errorf("reading kernel symbols: %w", err)
	}
	defer f.Close()
	k, err := ParseKallsyms(f)
	if err != nil {
		return nil, fmt.Errorf("reading kernel symbols from %s: %w", KallsymsPath, err)
	}
	return k, nil
}

// ParseKallsyms parses text in the format of /proc/kallsyms:
// "ffffffff816bab70 T vfs_read" or, for a module's symbol,
// "ffffffffc0a01000 t ext4_fill_super\t[ext4]".
func ParseKallsyms(r io.Reader) (*Kallsyms, error) {
	k := &Kallsyms{hidden: true}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		s, ok := parseKallsymsLine(sc.Bytes())
		if !ok {
			continue
		}
		if s.Addr != 0 {
			k.hidden = false
		}
		k.syms = append(k.syms, s)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(k.syms, func(i, j int) bool { return k.syms[i].Addr < k.syms[j].Addr })
	return k, nil
}

// parseKallsymsLine parses one line; ok is false for a malformed one.
func parseKallsymsLine(line []byte) (s KernelSymbol, ok bool) {
	addr, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok || len(rest) < 3 || rest[1] != ' ' {
		return s, false
	}
	a, err := strconv.ParseUint(string(addr), 16, 64)
	if err != nil {
		return s, false
	}
	s.Addr, s.Type = a, rest[0]
	name := rest[2:]
	if i := bytes.IndexByte(name, '\t'); i >= 0 {
		mod := bytes.TrimSpace(name[i+1:])
		mod = bytes.TrimSuffix(bytes.TrimPrefix(mod, []byte{'['}), []byte{']'})
		s.Module = string(mod)
		name = name[:i]
	}
	if len(name) == 0 {
		return s, false
	}
	s.Name = string(name)
	return s, true
}

// Len returns the number of symbols.
func (k *Kallsyms) Len() int { return len(k.syms) }

// Symbols returns every symbol, ordered by address. The slice must not
// be modified.
func (k *Kallsyms) Symbols() []KernelSymbol { return k.syms }

// Lookup returns the symbol an address falls in and the address's
// offset from the symbol's start: the last symbol at or below addr. ok
// is false below the first symbol and when addresses are hidden.
func (k *Kallsyms) Lookup(addr uint64) (name string, off uint64, module string, ok bool) {
	if k.hidden {
		return "", 0, "", false
	}
	i := sort.Search(len(k.syms), func(i int) bool { return k.syms[i].Addr > addr })
	if i == 0 {
		return "", 0, "", false
	}
	s := k.syms[i-1]
	return s.Name, addr - s.Addr, s.Module, true
}

// Address returns the address of the symbol called name: the kernel's
// own (at its lowest address, should the name appear twice), else a
// module's. ok is false for an unknown name and when addresses are
// hidden.
func (k *Kallsyms) Address(name string) (uint64, bool) {
	if k.hidden {
		return 0, false
	}
	best, found := uint64(0), false
	for _, s := range k.syms {
		if s.Name == name && s.Module == "" {
			return s.Addr, true
		}
		if s.Name == name && !found {
			best, found = s.Addr, true
		}
	}
	return best, found
}

// Hidden reports whether kernel addresses are hidden from this process
// (every address in the file is zero).
func (k *Kallsyms) Hidden() bool { return k.hidden }
