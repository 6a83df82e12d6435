package sym

import (
	"bytes"
	"debug/elf"
	"fmt"
	"hash/crc32"
	"io"
	"iter"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/ianlancetaylor/demangle"
	"github.com/ulikunitz/xz"
)

// Func is a function symbol of a binary.
type Func struct {
	// Name is the symbol as the symbol table spells it.
	Name string
	// Demangled is the demangled C++ or Rust name, "" when Name is not
	// mangled.
	Demangled string
	// Addr and Size delimit the function in the binary's virtual
	// addresses.
	Addr, Size uint64
	// global is set for global and weak symbols: they name an address
	// in preference to local aliases.
	global bool
}

// Display is the name to print: the demangled name when there is one.
func (f *Func) Display() string {
	if f.Demangled != "" {
		return f.Demangled
	}
	return f.Name
}

// segment is a PT_LOAD program header.
type segment struct {
	vaddr, memsz, off, filesz uint64
	exec                      bool
}

// Binary is a parsed ELF executable or shared object: its function
// symbols, the segments that place it in memory, and its USDT notes.
type Binary struct {
	// Path is the file the binary was read from.
	Path string
	// Type is ET_EXEC for a fixed-address executable, ET_DYN for a
	// shared object or position-independent executable.
	Type elf.Type
	// funcs is sorted by address; byName indexes it sorted by name.
	funcs  []Func
	byName []int
	// objects are the data symbols, for uaddr() and USDT arguments that
	// name one.
	objects  map[string]Func
	segments []segment
	notes    []usdtNote

	// The DWARF data (dwarf.go), read on first use.
	dwarfOnce sync.Once
	dwarf     *debugInfo
	dwarfErr  error
}

// openBinary reads an ELF file's symbols, segments and USDT notes.
// Symbols also come from the MiniDebugInfo in .gnu_debugdata and from a
// separate debug file (found by build ID or .gnu_debuglink) when the
// file's own symbol table is missing.
func openBinary(path string) (*Binary, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return nil, fmt.Errorf("%s is not an executable or a shared object", path)
	}
	b := &Binary{Path: path, Type: f.Type, objects: map[string]Func{}}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			b.segments = append(b.segments, segment{vaddr: p.Vaddr, memsz: p.Memsz, off: p.Off, filesz: p.Filesz, exec: p.Flags&elf.PF_X != 0})
		}
	}
	var syms []elf.Symbol
	full, _ := f.Symbols()
	dyn, _ := f.DynamicSymbols()
	syms = append(syms, full...)
	syms = append(syms, dyn...)
	if len(full) == 0 {
		syms = append(syms, miniDebugInfo(f)...)
		syms = append(syms, debugFileSymbols(f, path)...)
	}
	b.addSymbols(syms)
	b.notes, err = readUSDTNotes(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// stGNUIFunc is STT_GNU_IFUNC: a function chosen at load time (memcpy
// and friends in the C library).
const stGNUIFunc = elf.SymType(10)

// addSymbols keeps the defined function and data symbols, without
// duplicates, and indexes them.
func (b *Binary) addSymbols(syms []elf.Symbol) {
	type key struct {
		name string
		addr uint64
	}
	seen := map[key]bool{}
	for _, s := range syms {
		if s.Section == elf.SHN_UNDEF || s.Value == 0 || s.Name == "" {
			continue
		}
		switch elf.ST_TYPE(s.Info) {
		case elf.STT_FUNC, stGNUIFunc:
		case elf.STT_OBJECT:
			b.objects[s.Name] = Func{Name: s.Name, Addr: s.Value, Size: s.Size}
			continue
		default:
			continue
		}
		// Versioned dynamic symbols read "memcpy@@GLIBC_2.14" elsewhere;
		// debug/elf keeps the version apart, so Name is plain.
		k := key{s.Name, s.Value}
		if seen[k] {
			continue
		}
		seen[k] = true
		bind := elf.ST_BIND(s.Info)
		b.funcs = append(b.funcs, Func{
			Name:      s.Name,
			Demangled: demangleName(s.Name),
			Addr:      s.Value,
			Size:      s.Size,
			global:    bind == elf.STB_GLOBAL || bind == elf.STB_WEAK,
		})
	}
	sort.SliceStable(b.funcs, func(i, j int) bool {
		fi, fj := &b.funcs[i], &b.funcs[j]
		if fi.Addr != fj.Addr {
			return fi.Addr < fj.Addr
		}
		// At one address: sized before unsized, global before local.
		if (fi.Size > 0) != (fj.Size > 0) {
			return fi.Size > 0
		}
		return fi.global && !fj.global
	})
	b.byName = make([]int, len(b.funcs))
	for i := range b.byName {
		b.byName[i] = i
	}
	sort.SliceStable(b.byName, func(i, j int) bool { return b.funcs[b.byName[i]].Name < b.funcs[b.byName[j]].Name })
}

// demangleName demangles C++ (_Z) and Rust (_R) names; it returns ""
// for names that are not mangled or that it cannot read.
func demangleName(name string) string {
	if !strings.HasPrefix(name, "_Z") && !strings.HasPrefix(name, "_R") {
		return ""
	}
	s, err := demangle.ToString(name)
	if err != nil || s == name {
		return ""
	}
	return s
}

// Funcs returns the function symbols ordered by name.
func (b *Binary) Funcs() []Func {
	out := make([]Func, len(b.byName))
	for i, j := range b.byName {
		out[i] = b.funcs[j]
	}
	return out
}

// Symbol finds a function or data symbol by name.
func (b *Binary) Symbol(name string) (Func, bool) {
	i := sort.Search(len(b.byName), func(i int) bool { return b.funcs[b.byName[i]].Name >= name })
	if i < len(b.byName) && b.funcs[b.byName[i]].Name == name {
		return b.funcs[b.byName[i]], true
	}
	f, ok := b.objects[name]
	return f, ok
}

// FuncAt returns the function containing a virtual address.
func (b *Binary) FuncAt(addr uint64) (*Func, bool) {
	i := sort.Search(len(b.funcs), func(i int) bool { return b.funcs[i].Addr > addr })
	// The symbols starting at or before addr, nearest first: the first
	// that contains addr wins (the preferred alias comes first among
	// those at one address). A few steps back are enough for nested or
	// overlapping symbols.
	for j := i - 1; j >= 0 && j >= i-16; j-- {
		f := &b.funcs[j]
		if addr < f.Addr+f.Size || (f.Size == 0 && addr == f.Addr) {
			// Prefer the first entry at this address (the best alias).
			for j > 0 && b.funcs[j-1].Addr == f.Addr && (b.funcs[j-1].Size > 0 || f.Size == 0) {
				j--
				f = &b.funcs[j]
			}
			return f, true
		}
	}
	return nil, false
}

// FileOffset converts a virtual address to the file offset that holds
// it, as uprobes want it.
func (b *Binary) FileOffset(addr uint64) (uint64, bool) {
	for _, s := range b.segments {
		if s.vaddr <= addr && addr < s.vaddr+s.filesz {
			return addr - s.vaddr + s.off, true
		}
	}
	return 0, false
}

// Vaddr converts a file offset, as /proc/PID/maps gives it, back to the
// binary's virtual address.
func (b *Binary) Vaddr(off uint64) (uint64, bool) {
	for _, s := range b.segments {
		if s.off <= off && off < s.off+s.filesz {
			return off - s.off + s.vaddr, true
		}
	}
	return 0, false
}

// miniDebugInfo reads the symbols of the xz-compressed ELF file that
// .gnu_debugdata holds (Fedora's MiniDebugInfo).
func miniDebugInfo(f *elf.File) []elf.Symbol {
	sec := f.Section(".gnu_debugdata")
	if sec == nil {
		return nil
	}
	data, err := sec.Data()
	if err != nil {
		return nil
	}
	r, err := xz.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil
	}
	mini, err := elf.NewFile(bytes.NewReader(raw))
	if err != nil {
		return nil
	}
	syms, _ := mini.Symbols()
	return syms
}

// debugDir is where distributions install separate debug files.
const debugDir = "/usr/lib/debug"

// debugFileSymbols reads the symbols of a binary's separate debug file:
// /usr/lib/debug/.build-id/xx/yyyy.debug by build ID, else the file
// .gnu_debuglink names, next to the binary, in .debug/ beside it or
// under /usr/lib/debug, when its CRC matches.
func debugFileSymbols(f *elf.File, path string) []elf.Symbol {
	for c := range debugFileCandidates(f, path) {
		df, err := elf.Open(c)
		if err != nil {
			continue
		}
		syms, _ := df.Symbols()
		df.Close()
		if len(syms) > 0 {
			return syms
		}
	}
	return nil
}

// debugFileCandidates yields the files that may be a binary's separate
// debug file, in the order debugFileSymbols tries them; a file found by
// name only when its CRC matches.
func debugFileCandidates(f *elf.File, path string) iter.Seq[string] {
	var candidates []string
	if id := buildID(f); len(id) > 1 {
		h := fmt.Sprintf("%x", id)
		candidates = append(candidates, debugDir+"/.build-id/"+h[:2]+"/"+h[2:]+".debug")
	}
	link, crc, hasLink := debugLink(f)
	if hasLink {
		dir := path[:strings.LastIndexByte(path, '/')+1]
		candidates = append(candidates, dir+link, dir+".debug/"+link, debugDir+dir+link)
	}
	return func(yield func(string) bool) {
		for i, c := range candidates {
			if c == path {
				continue
			}
			if i > 0 || !strings.Contains(c, "/.build-id/") {
				// A file found by name must be the right one.
				if sum, err := fileCRC(c); err != nil || sum != crc {
					continue
				}
			}
			if !yield(c) {
				return
			}
		}
	}
}

// buildID returns the GNU build ID note's bytes.
func buildID(f *elf.File) []byte {
	sec := f.Section(".note.gnu.build-id")
	if sec == nil {
		return nil
	}
	data, err := sec.Data()
	if err != nil {
		return nil
	}
	for _, n := range parseNotes(data, f.ByteOrder) {
		if n.typ == 3 && n.name == "GNU" {
			return n.desc
		}
	}
	return nil
}

// debugLink returns the file name and CRC .gnu_debuglink holds.
func debugLink(f *elf.File) (string, uint32, bool) {
	sec := f.Section(".gnu_debuglink")
	if sec == nil {
		return "", 0, false
	}
	data, err := sec.Data()
	if err != nil {
		return "", 0, false
	}
	end := bytes.IndexByte(data, 0)
	if end <= 0 {
		return "", 0, false
	}
	off := (end + 4) &^ 3
	if off+4 > len(data) {
		return "", 0, false
	}
	return string(data[:end]), f.ByteOrder.Uint32(data[off:]), true
}

// fileCRC computes the CRC-32 .gnu_debuglink checks a debug file with.
func fileCRC(path string) (uint32, error) {
	fh, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	h := crc32.NewIEEE()
	if _, err := io.Copy(h, fh); err != nil {
		return 0, err
	}
	return h.Sum32(), nil
}

// note is one ELF note.
type note struct {
	name string
	typ  uint32
	desc []byte
}

// parseNotes splits a note section into its notes.
func parseNotes(data []byte, order interface{ Uint32([]byte) uint32 }) []note {
	var out []note
	for len(data) >= 12 {
		namesz, descsz, typ := order.Uint32(data), order.Uint32(data[4:]), order.Uint32(data[8:])
		data = data[12:]
		nameEnd := align4(uint64(namesz))
		if nameEnd > uint64(len(data)) {
			break
		}
		name := strings.TrimRight(string(data[:namesz]), "\x00")
		data = data[nameEnd:]
		descEnd := align4(uint64(descsz))
		if uint64(descsz) > uint64(len(data)) {
			break
		}
		desc := data[:descsz]
		if descEnd > uint64(len(data)) {
			descEnd = uint64(len(data))
		}
		data = data[descEnd:]
		out = append(out, note{name: name, typ: typ, desc: desc})
	}
	return out
}

func align4(n uint64) uint64 { return (n + 3) &^ 3 }
