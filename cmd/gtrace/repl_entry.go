package main

import (
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// scanState is how far a scan of script text got: the depth of open
// braces and whether it ended inside a string or a block comment.
type scanState struct {
	depth   int
	inStr   bool
	comment bool
}

// scan follows braces through script text, skipping string literals and
// comments.
func scan(text string) scanState {
	var s scanState
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case s.comment:
			if c == '*' && i+1 < len(text) && text[i+1] == '/' {
				s.comment = false
				i++
			}
		case s.inStr:
			switch c {
			case '\\':
				i++
			case '"', '\n':
				s.inStr = false
			}
		case c == '"':
			s.inStr = true
		case c == '/' && i+1 < len(text) && text[i+1] == '/':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			s.comment = true
			i++
		case c == '{':
			s.depth++
		case c == '}':
			s.depth--
		}
	}
	return s
}

// complete reports whether an entry is a whole program: every brace
// closed and no comment left open.
func complete(entry string) bool {
	s := scan(entry)
	return s.depth <= 0 && !s.comment
}

// oneLine joins the lines of an entry into one, for the history file
// (one entry a line): line comments are dropped, since they would hide
// the lines after them.
func oneLine(entry string) string {
	lines := strings.Split(entry, "\n")
	for i, l := range lines {
		if j := lineComment(l); j >= 0 {
			l = l[:j]
		}
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(strings.Fields(strings.Join(lines, " ")), " ")
}

// lineComment returns where a // comment starts in a line, outside
// strings, or -1.
func lineComment(line string) int {
	inStr := false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case !inStr && c == '/' && i+1 < len(line) && line[i+1] == '/':
			return i
		}
	}
	return -1
}

// definition is a top-level item other than a probe that an entry made:
// a struct definition, a #define, a macro... The REPL keeps each one
// for the entries that follow.
type definition struct {
	key  string // what it defines; a later definition of it replaces it
	text string
}

// parseEntry parses an entry and returns its top-level items other than
// probes, in order, and how many probes it has.
func parseEntry(src string) (defs []definition, probes int, err error) {
	prog, err := lang.Parse("", src)
	if err != nil {
		return nil, 0, err
	}
	for _, it := range prog.Items {
		if _, ok := it.(*lang.Probe); ok {
			probes++
			continue
		}
		span := it.Loc()
		text := strings.TrimSpace(src[span.Pos.Offset:span.EndPos.Offset])
		defs = append(defs, definition{key: definitionKey(it, text), text: text})
	}
	return defs, probes, nil
}

// definitionKey names what an item defines: a struct or union, a map, a
// macro, a preprocessor name, the config block; anything else is keyed
// by its text.
func definitionKey(it lang.Item, text string) string {
	switch it := it.(type) {
	case *lang.CStruct:
		return it.Kind + " " + it.Name
	case *lang.CEnum:
		if it.Name != "" {
			return "enum " + it.Name
		}
	case *lang.MapDecl:
		return "map " + it.Name
	case *lang.Macro:
		return "macro " + it.Name
	case *lang.ConfigBlock:
		return "config"
	case *lang.Preproc:
		// "#define NAME value" defines NAME.
		f := strings.Fields(strings.TrimPrefix(text, "#"))
		if len(f) >= 2 {
			return "#" + f[0] + " " + f[1]
		}
	}
	return text
}

// keep adds an entry's definitions to the kept ones, replacing earlier
// definitions of the same names.
func keep(kept, defs []definition) []definition {
	for _, d := range defs {
		replaced := false
		for i := range kept {
			if kept[i].key == d.key {
				kept[i], replaced = d, true
				break
			}
		}
		if !replaced {
			kept = append(kept, d)
		}
	}
	return kept
}

// withDefinitions appends the kept definitions to an entry. They go after
// it so that positions in the entry stay as the user typed them; the
// checker reads definitions before probes wherever they are. A
// definition the entry itself makes wins over a kept one.
func withDefinitions(entry string, kept []definition) string {
	own := map[string]bool{}
	defs, _, _ := parseEntry(entry)
	for _, d := range defs {
		own[d.key] = true
	}
	var b strings.Builder
	b.WriteString(entry)
	for _, d := range kept {
		if !own[d.key] {
			b.WriteString("\n")
			b.WriteString(d.text)
		}
	}
	return b.String()
}
