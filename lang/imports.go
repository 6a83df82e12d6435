package lang

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Import is `import "path";`: another script, a C header, or a directory
// of them, merged into the importing script.
type Import struct {
	Span
	Path string `parser:"'import' @String ';'*"`
}

func (*Import) item() {}

// Files reads the files import statements name, for ResolveImports.
type Files interface {
	// ReadFile returns a file's contents.
	ReadFile(name string) (string, error)
	// ReadDir returns the names of a directory's entries, or isDir false
	// when name is not a directory.
	ReadDir(name string) (entries []string, isDir bool, err error)
}

// ResolveImports replaces each import statement of prog, parsed from the
// file filename, with the items of what it names: a .bt script's probes,
// macros, map declarations and definitions (its own imports resolved
// relative to it), a .h header's C definitions, or every such file of a
// directory. A path is imported once however often it is named. It
// returns the imported sources by file name, which error messages need.
func ResolveImports(prog *Program, filename string, files Files) (map[string]string, error) {
	r := &importer{files: files, sources: map[string]string{}, seen: map[string]bool{}}
	items, err := r.resolve(prog.Items, filename)
	if err != nil {
		return nil, err
	}
	prog.Items = items
	return r.sources, nil
}

type importer struct {
	files   Files
	sources map[string]string
	seen    map[string]bool
	depth   int
}

// maxImportDepth bounds chains of imports (a cycle is cut by seen; this
// only guards against pathological nesting).
const maxImportDepth = 64

func (r *importer) resolve(items []Item, filename string) ([]Item, error) {
	var out []Item
	late := false // a probe, macro or map declaration came already
	for _, it := range items {
		imp, ok := it.(*Import)
		if !ok {
			switch it.(type) {
			case *Probe, *Macro, *MapDecl:
				late = true
			}
			out = append(out, it)
			continue
		}
		if late {
			return nil, errorAt(imp.Span, "import statements must come before probes, macros and map declarations")
		}
		p, err := unquote(imp.Path)
		if err != nil || p == "" {
			return nil, errorAt(imp.Span, "invalid import path %s", imp.Path)
		}
		if !path.IsAbs(p) {
			dir := path.Dir(filename)
			if filename == "" {
				dir = "."
			}
			p = path.Join(dir, p)
		}
		more, err := r.importPath(imp, p)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// importPath imports a file or the supported files of a directory.
func (r *importer) importPath(imp *Import, p string) ([]Item, error) {
	entries, isDir, err := r.files.ReadDir(p)
	if err != nil {
		return nil, errorAt(imp.Span, "cannot import %s: %v", p, bare(err))
	}
	if !isDir {
		return r.importFile(imp, p, true)
	}
	slices.Sort(entries)
	var out []Item
	for _, e := range entries {
		items, err := r.importFile(imp, path.Join(p, e), false)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// importFile imports one file; named says the import statement named it
// (rather than its directory), so an unsupported kind is an error.
func (r *importer) importFile(imp *Import, p string, named bool) ([]Item, error) {
	kind := ""
	for _, ext := range []string{".bpf.c", ".bt", ".h"} {
		if strings.HasSuffix(p, ext) {
			kind = ext
			break
		}
	}
	switch {
	case kind == "" && named:
		return nil, errorAt(imp.Span, "cannot import %s: only .bt scripts, .h headers and directories of them can be imported", p)
	case kind == "":
		return nil, nil
	case kind == ".bpf.c":
		return nil, errorAt(imp.Span, "cannot import %s: BPF C sources need a C compiler, and gtrace compiles scripts without one", p)
	}
	if r.seen[p] {
		return nil, nil
	}
	r.seen[p] = true
	if r.depth >= maxImportDepth {
		return nil, errorAt(imp.Span, "imports nested more than %d deep", maxImportDepth)
	}
	src, err := r.files.ReadFile(p)
	if err != nil {
		return nil, errorAt(imp.Span, "cannot import %s: %v", p, bare(err))
	}
	r.sources[p] = src
	prog, err := Parse(p, src)
	if err != nil {
		return nil, err
	}
	for _, it := range prog.Items {
		switch it := it.(type) {
		case *ConfigBlock:
			return nil, errorAt(it.Span, "an imported script cannot have a config block: only the main script can")
		case *Probe, *Macro, *MapDecl, *Import:
			if kind == ".h" {
				return nil, errorAt(it.Loc(), "a header can only hold C definitions")
			}
		}
	}
	r.depth++
	defer func() { r.depth-- }()
	items, err := r.resolve(prog.Items, p)
	var le *Error
	if err != nil && !errors.As(err, &le) {
		return nil, errorAt(imp.Span, "%v", err)
	}
	return items, err
}

// bare drops the operation and path a file system error repeats.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
