package lang

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// The constants of C headers. Kernel types come from BTF, so gtrace reads
// no header for its types; but scripts written for bpftrace include
// headers for their #defines (AF_INET from <sys/socket.h>). For each
// #include the checker finds the header in the include path and collects
// the object-like #defines of it and of the headers it includes; a name
// the script uses is evaluated when it is first looked up.

// DefaultIncludeDirs are the directories searched for <headers> after
// CheckOptions.IncludeDirs: the C library's, as a C compiler searches
// them on this machine.
func DefaultIncludeDirs() []string {
	arch := map[string]string{"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}[runtime.GOARCH]
	dirs := []string{"/usr/local/include"}
	if arch != "" {
		dirs = append(dirs, "/usr/include/"+arch)
	}
	return append(dirs, "/usr/include")
}

// maxHeaders bounds the headers one script may pull in.
const maxHeaders = 2000

// headerDefs are the #defines of the headers a script includes.
type headerDefs struct {
	dirs []string
	// defs holds each macro's replacement text, the first definition
	// kept (alternatives under #if usually list the common case first).
	defs map[string]string
	seen map[string]bool // headers read, by path
	// resolving marks the macros being evaluated: a macro that expands
	// to itself (#define IPPROTO_TCP IPPROTO_TCP) has no value of its own.
	resolving map[string]bool
	// missing are the script's #includes not found, as written.
	missing []string
}

// include reads the header name (<name> when angled, "name" otherwise,
// relative to dir first) and the headers it includes. It reports whether
// it found the header.
func (h *headerDefs) include(name string, angled bool, dir string) bool {
	var dirs []string
	if !angled && dir != "" {
		dirs = append(dirs, dir)
	}
	for _, d := range append(dirs, h.dirs...) {
		path := filepath.Join(d, name)
		if h.seen[path] {
			return true
		}
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if len(h.seen) >= maxHeaders {
			return true
		}
		h.seen[path] = true
		h.scan(string(b), filepath.Dir(path))
		return true
	}
	return false
}

// scan collects a header's object-like #defines and follows its
// #includes.
func (h *headerDefs) scan(text, dir string) {
	text = stripComments(text)
	lines := strings.Split(strings.ReplaceAll(text, "\\\n", " "), "\n")
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "#") {
			continue
		}
		directive, rest := splitDirective(line)
		switch directive {
		case "include":
			if name, angled, ok := includeName(rest); ok {
				h.include(name, angled, dir)
			}
		case "define":
			name := rest
			if i := strings.IndexAny(rest, " \t("); i >= 0 {
				if rest[i] == '(' {
					continue // a function-like macro
				}
				name = rest[:i]
			}
			if _, ok := h.defs[name]; !ok && name != "" {
				h.defs[name] = strings.TrimSpace(rest[len(name):])
			}
		}
	}
}

// includeName splits `<name>` or `"name"`.
func includeName(rest string) (name string, angled, ok bool) {
	rest = strings.TrimSpace(rest)
	if len(rest) < 2 {
		return "", false, false
	}
	switch {
	case rest[0] == '<':
		if i := strings.IndexByte(rest, '>'); i > 1 {
			return rest[1:i], true, true
		}
	case rest[0] == '"':
		if i := strings.IndexByte(rest[1:], '"'); i > 0 {
			return rest[1 : i+1], false, true
		}
	}
	return "", false, false
}

// stripComments removes C comments, keeping string literals and line
// breaks.
func stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' && s[j] != '\n' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			end := min(j+1, len(s))
			b.WriteString(s[i:end])
			i = end - 1
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			b.WriteString(strings.Repeat("\n", strings.Count(s[i:i+2+end], "\n")))
			b.WriteByte(' ')
			i += end + 3
		case strings.HasPrefix(s[i:], "//"):
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				return b.String()
			}
			i += end - 1
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// headerDefine defines name from the included headers, if they define it
// as an integer or a string constant (an expression of literals and other
// such macros), and reports whether they did.
func (c *checker) headerDefine(name string) bool {
	if c.headers == nil {
		return false
	}
	if _, ok := c.defines[name]; ok {
		return true
	}
	if _, ok := c.strDefines[name]; ok {
		return true
	}
	text, ok := c.headers.defs[name]
	if !ok || c.headers.resolving[name] {
		return false
	}
	c.headers.resolving[name] = true
	defer delete(c.headers.resolving, name)
	if s, ok := unquoteC(text); ok {
		c.strDefines[name] = s
		return true
	}
	v, ok := c.evalMacro(text)
	if ok {
		c.defines[name] = v
	}
	return ok
}

// unquoteC reads a string literal, possibly several adjacent ones.
func unquoteC(text string) (string, bool) {
	p := &macroLexer{s: text}
	var out strings.Builder
	n := 0
	for {
		t := p.next()
		if t == "" {
			return out.String(), n > 0
		}
		if len(t) < 2 || t[0] != '"' {
			return "", false
		}
		s, err := unquote(t)
		if err != nil {
			return "", false
		}
		out.WriteString(s)
		n++
	}
}

// evalMacro evaluates a macro's replacement text as an integer constant
// expression: literals (with C's U and L suffixes), other macros,
// parentheses, casts to integer types, unary - ~ !, and binary
// operators.
func (c *checker) evalMacro(text string) (int64, bool) {
	p := &macroParser{c: c, lex: macroLexer{s: text}}
	p.advance()
	v, ok := p.expr(1)
	return v, ok && p.tok == ""
}

// macroLexer splits a macro's text into C tokens.
type macroLexer struct {
	s string
	i int
}

func (l *macroLexer) next() string {
	for l.i < len(l.s) && (l.s[l.i] == ' ' || l.s[l.i] == '\t') {
		l.i++
	}
	if l.i >= len(l.s) {
		return ""
	}
	start := l.i
	ch := l.s[l.i]
	switch {
	case ch == '"':
		l.i++
		for l.i < len(l.s) && l.s[l.i] != '"' {
			if l.s[l.i] == '\\' {
				l.i++
			}
			l.i++
		}
		l.i = min(l.i+1, len(l.s))
	case isIdentByte(ch) || ch >= '0' && ch <= '9':
		for l.i < len(l.s) && isIdentByte(l.s[l.i]) {
			l.i++
		}
	default:
		l.i++
		if l.i < len(l.s) {
			if two := l.s[start : l.i+1]; two == "<<" || two == ">>" || two == "&&" || two == "||" || two == "==" || two == "!=" || two == "<=" || two == ">=" {
				l.i++
			}
		}
	}
	return l.s[start:l.i]
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// macroParser evaluates a macro's tokens by precedence climbing.
type macroParser struct {
	c   *checker
	lex macroLexer
	tok string
}

func (p *macroParser) advance() { p.tok = p.lex.next() }

func (p *macroParser) expr(minPrec int) (int64, bool) {
	l, ok := p.unary()
	for ok {
		prec, isOp := binaryPrec[p.tok]
		if !isOp || prec < minPrec {
			return l, true
		}
		op := p.tok
		p.advance()
		var r int64
		if r, ok = p.expr(prec + 1); !ok {
			return 0, false
		}
		l, ok = foldMacro(op, l, r)
	}
	return 0, false
}

func foldMacro(op string, l, r int64) (int64, bool) {
	switch op {
	case "&&":
		return boolInt(l != 0 && r != 0), true
	case "||":
		return boolInt(l != 0 || r != 0), true
	case "==":
		return boolInt(l == r), true
	case "!=":
		return boolInt(l != r), true
	case "<":
		return boolInt(l < r), true
	case "<=":
		return boolInt(l <= r), true
	case ">":
		return boolInt(l > r), true
	case ">=":
		return boolInt(l >= r), true
	}
	return FoldBinary(op, l, r, true)
}

func (p *macroParser) unary() (int64, bool) {
	switch t := p.tok; {
	case t == "-" || t == "~" || t == "!" || t == "+":
		p.advance()
		v, ok := p.unary()
		switch t {
		case "-":
			v = -v
		case "~":
			v = ^v
		case "!":
			v = boolInt(v == 0)
		}
		return v, ok
	case t == "(":
		p.advance()
		if cast := p.castType(); cast != nil {
			v, ok := p.unary()
			return truncate(v, cast), ok
		}
		v, ok := p.expr(1)
		if !ok || p.tok != ")" {
			return 0, false
		}
		p.advance()
		return v, true
	case t != "" && t[0] >= '0' && t[0] <= '9':
		p.advance()
		n, err := parseIntLiteral(strings.TrimRight(t, "uUlL"))
		return int64(n), err == nil
	case t != "" && isIdentByte(t[0]):
		p.advance()
		if !p.c.headerDefine(t) {
			return 0, false
		}
		v, ok := p.c.defines[t]
		return v, ok
	}
	return 0, false
}

// castType reads `type)` after a '(' when the parenthesis holds an
// integer type, the cast's type; nil otherwise (nothing consumed).
func (p *macroParser) castType() *Type {
	save, tok := p.lex, p.tok
	var words []string
	for p.tok != "" && p.tok != ")" && isIdentByte(p.tok[0]) && !(p.tok[0] >= '0' && p.tok[0] <= '9') {
		words = append(words, p.tok)
		p.advance()
	}
	if p.tok == ")" && len(words) > 0 {
		if t := cIntType(strings.Join(words, " ")); t != nil {
			p.advance()
			return t
		}
		// A name that is no macro, followed by an operand: a cast to a
		// typedef (in_addr_t), taken as 64 bits.
		if _, macro := p.c.headers.defs[words[0]]; !macro {
			p.advance()
			if t := p.tok; t != "" && (isIdentByte(t[0]) || strings.Contains("(-~!", t)) {
				return IntType(64, true)
			}
		}
	}
	p.lex, p.tok = save, tok
	return nil
}
