package btf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Type prefixes of dynamically sized tracepoint fields.
const (
	dataLocPrefix = "__data_loc"
	relLocPrefix  = "__rel_loc"
)

// TracepointField is one field of a tracepoint's record, as described by its
// format file in tracefs.
//
// Offset and Size come straight from the kernel and are authoritative: the
// declared type of syscall arguments is the C parameter type ("int dfd") but
// every argument occupies eight bytes ("size:8"), and the kernel reports
// "signed:0" for all of them, even for int. bpftrace reads an eight-byte
// "int" as s64 and an eight-byte "unsigned int" as u64.
//
// A __data_loc field holds a 32-bit value whose low 16 bits are the offset of
// the data from the start of the record and whose high 16 bits are its length
// in bytes. A __rel_loc field is laid out the same way, except that the offset
// is relative to the end of the field (Offset+Size).
type TracepointField struct {
	// Name is the field name without array dimensions.
	Name string
	// Type is the C type of the field without its name, with white space
	// normalised: "const char *", "char[16]", "unsigned long[]",
	// "__data_loc char[]", "struct iocb **", "const char *const *".
	Type string
	// Offset and Size of the field in the record, in bytes.
	Offset, Size int
	// Signed is the kernel's "signed:" flag.
	Signed bool
	// Common is set for the common_* header fields shared by every event.
	Common bool
}

// IsDataLoc reports whether the field is a __data_loc reference.
func (f TracepointField) IsDataLoc() bool {
	return hasWordPrefix(f.Type, dataLocPrefix)
}

// IsRelLoc reports whether the field is a __rel_loc reference.
func (f TracepointField) IsRelLoc() bool {
	return hasWordPrefix(f.Type, relLocPrefix)
}

// BaseType returns Type without a __data_loc or __rel_loc prefix: for
// "__data_loc char[]" it is "char[]".
func (f TracepointField) BaseType() string {
	for _, p := range []string{dataLocPrefix, relLocPrefix} {
		if hasWordPrefix(f.Type, p) {
			return strings.TrimSpace(f.Type[len(p):])
		}
	}
	return f.Type
}

// IsPointer reports whether the field is a pointer (BaseType ends in '*').
func (f TracepointField) IsPointer() bool {
	return strings.HasSuffix(f.BaseType(), "*")
}

// Array splits an array BaseType into its element type and length. For
// "char[16]" it returns ("char", 16, true), for "u8[2][4]" ("u8[4]", 2, true).
// A flexible or dynamic array such as "char[]" has n == -1.
func (f TracepointField) Array() (elem string, n int, ok bool) {
	t := f.BaseType()
	open := strings.IndexByte(t, '[')
	if open < 0 || !strings.HasSuffix(t, "]") {
		return "", 0, false
	}
	end := strings.IndexByte(t[open:], ']') + open
	dim := strings.TrimSpace(t[open+1 : end])
	n = -1
	if dim != "" {
		v, err := strconv.Atoi(dim)
		if err != nil || v < 0 {
			return "", 0, false
		}
		n = v
	}
	return t[:open] + t[end+1:], n, true
}

// TracepointFormat is a parsed tracepoint format file
// (events/<category>/<name>/format in tracefs).
type TracepointFormat struct {
	Category, Name string
	// ID is the event id, also the value of common_type in each record.
	ID uint32
	// Fields in the order of the file: common fields first.
	Fields []TracepointField
}

// Field returns the field called name, including common fields.
func (tf *TracepointFormat) Field(name string) (TracepointField, bool) {
	for _, f := range tf.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return TracepointField{}, false
}

// Args returns the event's own fields, without the common header.
func (tf *TracepointFormat) Args() []TracepointField {
	args := make([]TracepointField, 0, len(tf.Fields))
	for _, f := range tf.Fields {
		if !f.Common {
			args = append(args, f)
		}
	}
	return args
}

// ParseTracepointFormat parses a tracepoint format file. Category is left
// empty: it is not part of the file but of its path.
func ParseTracepointFormat(r io.Reader) (*TracepointFormat, error) {
	tf := &TracepointFormat{}
	sc := bufio.NewScanner(r)
	// "print fmt:" lines can be long; they are skipped, but must fit.
	sc.Buffer(make([]byte, 0, 16*1024), 4*1024*1024)

	var haveID bool
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := strings.TrimSpace(sc.Text())
		key, value, _ := strings.Cut(line, ":")
		switch key {
		case "name":
			tf.Name = strings.TrimSpace(value)
		case "ID":
			id, err := strconv.ParseUint(strings.TrimSpace(value), 10, 32)
			if err != nil {
				return nil, fmt.Errorf("line %d: invalid ID: %w", lineNo, err)
			}
			tf.ID, haveID = uint32(id), true
		case "field":
			f, err := parseField(value)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, err)
			}
			tf.Fields = append(tf.Fields, f)
		case "print fmt":
			// The rest of the file is the printk format, of no interest.
			return finishFormat(tf, haveID)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return finishFormat(tf, haveID)
}

func finishFormat(tf *TracepointFormat, haveID bool) (*TracepointFormat, error) {
	switch {
	case tf.Name == "":
		return nil, errors.New("format has no name")
	case !haveID:
		return nil, errors.New("format has no ID")
	}
	return tf, nil
}

// parseField parses what follows "field:" on a field line, e.g.
// "char comm[16];\toffset:8;\tsize:16;\tsigned:0;".
func parseField(s string) (TracepointField, error) {
	parts := strings.Split(s, ";")
	decl := strings.TrimSpace(parts[0])
	name, typ, err := parseDecl(decl)
	if err != nil {
		return TracepointField{}, err
	}
	f := TracepointField{
		Name:   name,
		Type:   typ,
		Common: strings.HasPrefix(name, "common_"),
	}

	var haveOffset, haveSize bool
	for _, p := range parts[1:] {
		key, value, ok := strings.Cut(strings.TrimSpace(p), ":")
		if !ok {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil {
			return TracepointField{}, fmt.Errorf("field %s: invalid %s: %w", name, key, err)
		}
		switch key {
		case "offset":
			f.Offset, haveOffset = v, true
		case "size":
			f.Size, haveSize = v, true
		case "signed":
			f.Signed = v != 0
		}
	}
	if !haveOffset || !haveSize {
		return TracepointField{}, fmt.Errorf("field %s: missing offset or size", name)
	}
	return f, nil
}

// funcPtrName finds the declarator name in a function pointer declaration
// such as "void (*fn)(int)".
var funcPtrName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\(\s*\*\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)`)
})

// parseDecl splits a C declaration into the declared name and its
// normalised type.
func parseDecl(decl string) (name, typ string, err error) {
	rest := decl
	loc := ""
	for _, p := range []string{dataLocPrefix, relLocPrefix} {
		if hasWordPrefix(rest, p) {
			loc, rest = p, strings.TrimSpace(rest[len(p):])
			break
		}
	}

	// Only a function pointer has a parenthesis (most formats have none:
	// the regular expression is then not even compiled).
	if strings.Contains(rest, "(") {
		if m := funcPtrName().FindStringSubmatchIndex(rest); m != nil {
			name = rest[m[2]:m[3]]
			typ = rest[:m[2]] + rest[m[3]:]
			return name, joinLoc(loc, normalizeType(typ)), nil
		}
	}

	// Array dimensions follow the name: "char comm[16]", "u8 a[2][3]".
	dims := ""
	for strings.HasSuffix(rest, "]") {
		i := strings.LastIndexByte(rest, '[')
		if i < 0 {
			return "", "", fmt.Errorf("invalid declaration %q", decl)
		}
		dims = rest[i:] + dims
		rest = strings.TrimSpace(rest[:i])
	}

	i := len(rest)
	for i > 0 && isIdentByte(rest[i-1]) {
		i--
	}
	name, typ = rest[i:], strings.TrimSpace(rest[:i])
	if name == "" || typ == "" || !isIdentStart(name[0]) {
		return "", "", fmt.Errorf("invalid declaration %q", decl)
	}
	return name, joinLoc(loc, normalizeType(typ+dims)), nil
}

func joinLoc(loc, typ string) string {
	if loc == "" {
		return typ
	}
	return loc + " " + typ
}

// normalizeType rewrites a C type with canonical spacing: words separated by
// one space, "*" attached to what follows it ("char *const *", "void **"),
// array dimensions attached to the element type ("char[16]").
func normalizeType(s string) string {
	var b strings.Builder
	prev := byte(0) // kind of the previous token: 'w' word, or the punctuation byte
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
			continue
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			if prev == 'w' || prev == ']' || prev == ')' || prev == ',' {
				b.WriteByte(' ')
			}
			b.WriteString(s[i:j])
			i, prev = j, 'w'
			continue
		case c == '*':
			if prev == 'w' || prev == ']' || prev == ')' {
				b.WriteByte(' ')
			}
		case c == '(':
			if prev == 'w' {
				b.WriteByte(' ')
			}
		case c == ',':
			b.WriteByte(',')
			i, prev = i+1, ','
			continue
		}
		b.WriteByte(c)
		i, prev = i+1, c
	}
	return b.String()
}

func hasWordPrefix(s, prefix string) bool {
	return strings.HasPrefix(s, prefix) && len(s) > len(prefix) && !isIdentByte(s[len(prefix)])
}

func isIdentByte(c byte) bool {
	return isIdentStart(c) || '0' <= c && c <= '9'
}

func isIdentStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}
