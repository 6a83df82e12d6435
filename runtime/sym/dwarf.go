package sym

import (
	"debug/dwarf"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"

	"github.com/gtrace/gtrace/lang"
)

// DWARF debugging information, read only when a script asks for it: the
// parameters of a function (uprobe args, gtrace -lv) and the addresses
// of source lines (uprobe:binary@file:line). It comes from the binary's
// own .debug_* sections or, when it has none, from its separate debug
// file (by build ID or .gnu_debuglink, as for symbols).

// debugInfo is a binary's DWARF data with an index of its functions.
// debug/dwarf caches types without locking, so every use holds mu.
type debugInfo struct {
	mu   sync.Mutex
	data *dwarf.Data
	// funcs maps function names (DW_AT_name, and DW_AT_linkage_name for
	// C++) to the first subprogram entry describing them, types the
	// names of structs and unions ("struct point") to their first
	// definition; both built on first use.
	funcs map[string]dwarf.Offset
	types map[string]dwarf.Offset
}

// errNoDWARF says that a binary has no DWARF debugging information.
var errNoDWARF = errors.New("no DWARF debugging information")

// debugInfo returns the binary's DWARF data, reading it on first use; it
// is errNoDWARF when the binary and its separate debug file have none.
func (b *Binary) debugInfo() (*debugInfo, error) {
	b.dwarfOnce.Do(func() { b.dwarf, b.dwarfErr = readDWARF(b.Path) })
	return b.dwarf, b.dwarfErr
}

// readDWARF reads the DWARF sections of an ELF file or of its separate
// debug file.
func readDWARF(path string) (*debugInfo, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !hasDWARF(f) {
		for c := range debugFileCandidates(f, path) {
			df, err := elf.Open(c)
			if err != nil {
				continue
			}
			if !hasDWARF(df) {
				df.Close()
				continue
			}
			d, err := df.DWARF()
			df.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: reading DWARF: %w", c, err)
			}
			return &debugInfo{data: d}, nil
		}
		return nil, errNoDWARF
	}
	d, err := f.DWARF()
	if err != nil {
		return nil, fmt.Errorf("%s: reading DWARF: %w", path, err)
	}
	return &debugInfo{data: d}, nil
}

// hasDWARF reports whether an ELF file has a DWARF .debug_info section
// (compressed or not).
func hasDWARF(f *elf.File) bool {
	for _, name := range []string{".debug_info", ".zdebug_info"} {
		if s := f.Section(name); s != nil && s.Type != elf.SHT_NOBITS && s.Size > 0 {
			return true
		}
	}
	return false
}

// index lists the functions the DWARF data describes. Call with mu held.
func (d *debugInfo) index() error {
	if d.funcs != nil {
		return nil
	}
	funcs, types := map[string]dwarf.Offset{}, map[string]dwarf.Offset{}
	r := d.data.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return fmt.Errorf("reading DWARF: %w", err)
		}
		if e == nil {
			break
		}
		switch e.Tag {
		case dwarf.TagCompileUnit, dwarf.TagPartialUnit, dwarf.TagNamespace, 0:
			// Look inside: functions are the children of units
			// (and of C++ namespaces).
			continue
		case dwarf.TagSubprogram:
			if e.Val(dwarf.AttrDeclaration) == nil {
				for _, name := range d.funcNames(e) {
					if _, dup := funcs[name]; !dup {
						funcs[name] = e.Offset
					}
				}
			}
		case dwarf.TagStructType, dwarf.TagUnionType:
			name, _ := e.Val(dwarf.AttrName).(string)
			if name != "" && e.Val(dwarf.AttrDeclaration) == nil {
				name = map[dwarf.Tag]string{dwarf.TagStructType: "struct ", dwarf.TagUnionType: "union "}[e.Tag] + name
				if _, dup := types[name]; !dup {
					types[name] = e.Offset
				}
			}
		}
		if e.Children {
			r.SkipChildren()
		}
	}
	d.funcs, d.types = funcs, types
	return nil
}

// structType returns the definition of a struct or union by name
// ("struct point"), nil when there is none.
func (d *debugInfo) structType(name string) (dwarf.Type, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.index(); err != nil {
		return nil, err
	}
	off, ok := d.types[name]
	if !ok {
		return nil, nil
	}
	t, err := d.data.Type(off)
	if err != nil {
		return nil, fmt.Errorf("reading the DWARF of %s: %w", name, err)
	}
	return t, nil
}

// funcNames returns the names a subprogram entry gives its function:
// its own, or its declaration's or abstract instance's.
func (d *debugInfo) funcNames(e *dwarf.Entry) []string {
	var names []string
	for depth := 0; e != nil && depth < 4; depth++ {
		for _, a := range []dwarf.Attr{dwarf.AttrName, dwarf.AttrLinkageName} {
			if s, ok := e.Val(a).(string); ok && s != "" {
				names = append(names, s)
			}
		}
		if len(names) > 0 {
			return names
		}
		e = d.origin(e)
	}
	return nil
}

// origin returns the entry an entry completes (DW_AT_specification) or
// is a concrete instance of (DW_AT_abstract_origin), nil for none.
func (d *debugInfo) origin(e *dwarf.Entry) *dwarf.Entry {
	for _, a := range []dwarf.Attr{dwarf.AttrAbstractOrigin, dwarf.AttrSpecification} {
		if off, ok := e.Val(a).(dwarf.Offset); ok {
			r := d.data.Reader()
			r.Seek(off)
			if o, err := r.Next(); err == nil && o != nil {
				return o
			}
		}
	}
	return nil
}

// attr returns an attribute of an entry, or of the entry it is an
// instance of.
func (d *debugInfo) attr(e *dwarf.Entry, a dwarf.Attr) any {
	for depth := 0; e != nil && depth < 4; depth++ {
		if v := e.Val(a); v != nil {
			return v
		}
		e = d.origin(e)
	}
	return nil
}

// params returns the parameters of a function, none when the DWARF data
// does not describe it.
func (d *debugInfo) params(fn string) ([]lang.DWARFParam, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.index(); err != nil {
		return nil, err
	}
	off, ok := d.funcs[fn]
	if !ok {
		return nil, nil
	}
	r := d.data.Reader()
	r.Seek(off)
	e, err := r.Next()
	if err != nil || e == nil || !e.Children {
		return nil, err
	}
	var out []lang.DWARFParam
	for {
		kid, err := r.Next()
		if err != nil {
			return nil, fmt.Errorf("reading DWARF of %s: %w", fn, err)
		}
		if kid == nil || kid.Tag == 0 {
			break
		}
		if kid.Tag == dwarf.TagFormalParameter {
			p := lang.DWARFParam{}
			p.Name, _ = d.attr(kid, dwarf.AttrName).(string)
			if off, ok := d.attr(kid, dwarf.AttrType).(dwarf.Offset); ok {
				if p.Type, err = d.data.Type(off); err != nil {
					return nil, fmt.Errorf("reading the type of %s's parameter %s: %w", fn, p.Name, err)
				}
			}
			if p.Type == nil {
				p.Type = &dwarf.VoidType{}
			}
			out = append(out, p)
		}
		if kid.Children {
			r.SkipChildren()
		}
	}
	return out, nil
}

// lineAddress finds the address of a source line as the newest bpftrace
// does: the compilation unit is the one whose line table names a file
// ending in file (component by component; another such file makes the
// name ambiguous), and the line is a statement of that very file, not of
// a file it includes. Of the statements at line (and col, 0 for any) the
// one at the lowest address wins.
func (d *debugInfo) lineAddress(file string, line, col uint64) (uint64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var cu *dwarf.Entry
	var src string
	r := d.data.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return 0, fmt.Errorf("reading DWARF: %w", err)
		}
		if e == nil {
			break
		}
		if e.Children {
			r.SkipChildren()
		}
		if e.Tag != dwarf.TagCompileUnit {
			continue
		}
		lr, err := d.data.LineReader(e)
		if err != nil || lr == nil {
			continue
		}
		for _, f := range lr.Files() {
			if f == nil {
				continue
			}
			name := sourcePath(e, f.Name)
			if !pathEndsWith(name, file) {
				continue
			}
			switch {
			case cu == nil:
				cu, src = e, name
			case name != src:
				return 0, fmt.Errorf("Ambiguous source path, matches multiple files: %s, %s", src, name)
			}
		}
	}
	if cu == nil {
		return 0, fmt.Errorf("No compilation unit matches %s", file)
	}
	lr, err := d.data.LineReader(cu)
	if err != nil {
		return 0, fmt.Errorf("reading the line table of %s: %w", src, err)
	}
	var (
		best  uint64
		found bool
		row   dwarf.LineEntry
	)
	for {
		if err := lr.Next(&row); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return 0, fmt.Errorf("reading the line table of %s: %w", src, err)
		}
		if row.EndSequence || !row.IsStmt || row.File == nil || uint64(row.Line) != line ||
			(col != 0 && uint64(row.Column) != col) || !pathEndsWith(sourcePath(cu, row.File.Name), src) {
			continue
		}
		if !found || row.Address < best {
			best, found = row.Address, true
		}
	}
	if !found {
		where := fmt.Sprintf("%s:%d", file, line)
		if col != 0 {
			where += fmt.Sprintf(":%d", col)
		}
		return 0, fmt.Errorf("Unable to map '%s' to address", where)
	}
	return best, nil
}

// sourcePath is the path of a source file of a compilation unit: a
// relative name is relative to the unit's directory (debug/dwarf leaves
// DWARF 5 names in a relative directory relative).
func sourcePath(cu *dwarf.Entry, name string) string {
	if dir, ok := cu.Val(dwarf.AttrCompDir).(string); ok && dir != "" && !filepath.IsAbs(name) {
		return filepath.Join(dir, name)
	}
	return name
}

// pathEndsWith reports whether the last components of path are those of
// pattern, as bpftrace's util::path_ends_with does: "/a/b/c" ends with
// "c", "b/c" and "/a/b/c", not with "x/c"; a pattern starting with "/"
// must match the whole path. Both are cleaned first ("./c" is "c").
func pathEndsWith(path, pattern string) bool {
	if path == "" || pattern == "" {
		return path == pattern
	}
	path, pattern = filepath.Clean(path), filepath.Clean(pattern)
	p, q := pathComponents(path), pathComponents(pattern)
	if len(q) > len(p) {
		return false
	}
	for i := 1; i <= len(q); i++ {
		if p[len(p)-i] != q[len(q)-i] {
			return false
		}
	}
	return true
}

// pathComponents splits a path into its components, a leading "/" being
// one (the root).
func pathComponents(path string) []string {
	var out []string
	if strings.HasPrefix(path, "/") {
		out = append(out, "/")
		path = strings.TrimLeft(path, "/")
	}
	if path == "" {
		return out
	}
	return append(out, strings.Split(path, "/")...)
}

// FuncParams returns the parameters of a function as the DWARF data of a
// binary (or of its separate debug file) describes them (see
// lang.Binaries).
func (b *Binaries) FuncParams(path, fn string) ([]lang.DWARFParam, bool, error) {
	d, err := b.dwarfOf(path)
	if err != nil || d == nil {
		return nil, false, err
	}
	params, err := d.params(fn)
	if err != nil {
		return nil, true, fmt.Errorf("%s: %w", path, err)
	}
	return params, true, nil
}

// StructType returns a struct or union ("struct point") as a binary's
// DWARF defines it (see lang.Binaries).
func (b *Binaries) StructType(path, name string) (dwarf.Type, error) {
	d, err := b.dwarfOf(path)
	if err != nil || d == nil {
		return nil, err
	}
	t, err := d.structType(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// LineAddress returns the virtual address of a statement at a source
// line of a binary (see lang.Binaries).
func (b *Binaries) LineAddress(path, file string, line, col uint64) (uint64, bool, error) {
	d, err := b.dwarfOf(path)
	if err != nil || d == nil {
		return 0, false, err
	}
	addr, err := d.lineAddress(file, line, col)
	return addr, true, err
}

// dwarfOf returns a binary's DWARF data, nil (and no error) when it has
// none.
func (b *Binaries) dwarfOf(path string) (*debugInfo, error) {
	bin, err := b.cache.Open(path)
	if err != nil {
		return nil, err
	}
	d, err := bin.debugInfo()
	if errors.Is(err, errNoDWARF) {
		return nil, nil
	}
	return d, err
}
