package lang

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// C definitions in a script: struct and union definitions (laid out as a
// C compiler would on x86_64 and arm64), #define constants, and #include
// lines, whose headers gtrace reads only for their #define constants
// (cheaders.go): kernel types come from BTF.

// decl splits a member declaration into its type and name: in "unsigned
// long x" the last word is the name; after pointer stars, the word after
// them is.
func (f *CField) decl() (*TypeSpec, string) {
	return declOf(f, f.Words, f.Name)
}

// declOf is decl for the given type words and name. const and volatile
// qualify a type without changing its layout.
func declOf(f *CField, words []string, name string) (*TypeSpec, string) {
	if len(f.Stars) == 0 && name == "" && len(words) > 1 && !f.FuncPtr {
		words, name = words[:len(words)-1], words[len(words)-1]
	}
	var kept []string
	for _, w := range words {
		if w != "const" && w != "volatile" {
			kept = append(kept, w)
		}
	}
	ts := &TypeSpec{Span: f.Span, Name: strings.Join(kept, " ")}
	for range f.Stars {
		ts.Suffix = append(ts.Suffix, -1)
	}
	for _, d := range f.Dims {
		n, _ := parseIntLiteral(d)
		ts.Suffix = append(ts.Suffix, int(n))
	}
	return ts, name
}

// cdefs registers the script's struct definitions and #define constants.
func (c *checker) cdefs() {
	c.cstructs = map[string]*Type{}
	c.defines = map[string]int64{}
	c.enumOf = map[string]*EnumType{}
	c.cdef = cdefState{defined: map[*CStruct]*Type{}, align: map[string]int{}, attrMacros: map[string]string{}}
	for _, name := range c.opts.Includes {
		if !c.headerSet().include(name, true, "") {
			c.errs = append(c.errs, &Error{Msg: fmt.Sprintf("--include %s: no such header in the include path (%s)", name, strings.Join(c.headers.dirs, ", "))})
		}
	}
	for _, it := range c.prog.Items {
		switch it := it.(type) {
		case *CStruct:
			c.defineStruct(it)
		case *CEnum:
			c.cenum(it)
		case *Preproc:
			c.preproc(it)
		case *MapDecl:
			c.mapDecl(it)
		case *Import:
			c.errs = append(c.errs, errorAt(it.Span, "imports are not resolved here (see lang.ResolveImports)"))
		}
	}
}

// cenum defines an enum's enumerators as constants, numbered as C numbers
// them, and `enum Name` as an int; both have the enum's type, so that they
// print by name (enums.go).
func (c *checker) cenum(e *CEnum) {
	var et *EnumType
	if e.Name != "" {
		name := "enum " + e.Name
		if _, dup := c.cstructs[name]; dup {
			c.errs = append(c.errs, errorAt(e.Span, "%s is defined twice", name))
			return
		}
		et = newEnum(name)
		c.cstructs[name] = withEnum(IntType(32, true), et)
	} else {
		first := ""
		if len(e.Values) > 0 {
			first = e.Values[0].Name
		}
		et = newEnum("enum <anon " + first + ">")
	}
	next := int64(0)
	for _, v := range e.Values {
		if v.Value != "" {
			n, err := parseIntLiteral(strings.TrimPrefix(v.Value, "-"))
			if err != nil || n > 1<<63-1 {
				c.errs = append(c.errs, errorAt(v.Span, "enumerator %s: invalid value %s", v.Name, v.Value))
				continue
			}
			next = int64(n)
			if strings.HasPrefix(v.Value, "-") {
				next = -next
			}
		}
		if _, dup := c.defines[v.Name]; dup {
			c.errs = append(c.errs, errorAt(v.Span, "%s is defined twice", v.Name))
		}
		c.defines[v.Name] = next
		c.enumOf[v.Name] = et
		et.add(v.Name, next)
		next++
	}
}

// preproc handles a preprocessor line: #define NAME value with an integer
// or string value defines a constant; #include needs nothing when kernel
// types come from BTF; anything else is reported.
func (c *checker) preproc(p *Preproc) {
	directive, rest := splitDirective(p.Text)
	switch directive {
	case "include":
		c.includeHeader(p, rest)
	case "undef":
		return
	case "pragma":
		c.pragma(p, rest)
	case "define":
		name, value := splitDefine(rest)
		if c.attrMacro(p, name, value) {
			return
		}
		if strings.HasPrefix(value, "(") && strings.HasSuffix(value, ")") {
			value = strings.TrimSpace(value[1 : len(value)-1])
		}
		neg := strings.HasPrefix(value, "-")
		n, err := parseIntLiteral(strings.TrimPrefix(value, "-"))
		delete(c.enumOf, name)
		switch {
		case value == "":
			c.defines[name] = 1
		case err == nil:
			c.defines[name] = int64(n)
			if neg {
				c.defines[name] = -int64(n)
			}
		default:
			if s, err := strconv.Unquote(value); err == nil {
				c.strDefines[name] = s
				return
			}
			c.errs = append(c.errs, errorAt(p.Span, "#define %s: only integer and string constants are supported", name))
		}
	default:
		c.errs = append(c.errs, errorAt(p.Span, "unsupported preprocessor directive #%s", directive))
	}
}

// mapKinds are the map types a declaration may name.
var mapKinds = map[string]bool{"hash": true, "lruhash": true, "percpuhash": true, "percpulruhash": true}

// mapDecl records `let @m = kind(size)`: the map's BPF type and size.
func (c *checker) mapDecl(d *MapDecl) {
	if !mapKinds[d.Kind] {
		c.errs = append(c.errs, errorAt(d.Span, "Invalid map type '%s': expected hash, lruhash, percpuhash or percpulruhash", d.Kind))
		return
	}
	n, err := parseIntLiteral(d.Size)
	if err != nil || n == 0 || n > 1<<31 {
		c.errs = append(c.errs, errorAt(d.Span, "%s: expected a positive number of entries, got %s", d.Name, d.Size))
		return
	}
	if _, dup := c.maps[d.Name]; dup {
		c.errs = append(c.errs, errorAt(d.Span, "%s is declared twice", d.Name))
		return
	}
	c.maps[d.Name] = &MapInfo{Name: d.Name, Span: d.Span, Declared: d.Kind, MaxEntries: int(n)}
}

// headerSet returns the script's header definitions, creating them.
func (c *checker) headerSet() *headerDefs {
	if c.headers == nil {
		c.headers = &headerDefs{
			dirs:      append(append([]string(nil), c.opts.IncludeDirs...), DefaultIncludeDirs()...),
			defs:      map[string]string{},
			seen:      map[string]bool{},
			resolving: map[string]bool{},
		}
	}
	return c.headers
}

// includeHeader reads an #include'd header's #defines (cheaders.go). A
// header not found is no error: kernel headers need not be installed,
// their types come from BTF.
func (c *checker) includeHeader(p *Preproc, rest string) {
	name, angled, ok := includeName(rest)
	if !ok {
		c.errs = append(c.errs, errorAt(p.Span, "#include expects <FILENAME> or \"FILENAME\""))
		return
	}
	dir := ""
	if f := p.Pos.Filename; f != "" && f != "stdin" {
		dir = filepath.Dir(f)
	}
	if !c.headerSet().include(name, angled, dir) {
		c.headers.missing = append(c.headers.missing, strings.TrimSpace(rest))
	}
}
