package lang

import (
	"fmt"
	"strings"
)

// Conditional compilation, as bpftrace gets it from the C preprocessor:
// #if, #ifdef, #ifndef, #elif, #else and #endif select lines before the
// script is parsed. Lines left out become empty, so every position in the
// script stays where it was. BPFTRACE_HAVE_BTF is defined, as bpftrace
// defines it when the kernel has BTF (gtrace reads kernel types from BTF
// only); #define and #undef lines are tracked for the conditions and kept
// for the checker.

// predefined are the macros defined before the script starts.
var predefined = map[string]string{"BPFTRACE_HAVE_BTF": "1"}

type condFrame struct {
	active bool // this branch's lines are kept
	taken  bool // some branch of this #if was kept
	parent bool // the enclosing region is kept
}

// preprocess applies the conditionals of a script.
func preprocess(filename, src string) (string, error) {
	if !strings.Contains(src, "#") {
		return src, nil
	}
	defines := map[string]string{}
	for k, v := range predefined {
		defines[k] = v
	}
	lines := strings.SplitAfter(src, "\n")
	var stack []condFrame
	active := true
	for i, line := range lines {
		directive, rest := splitDirective(line)
		pos := Position{Filename: filename, Line: i + 1, Column: 1 + strings.Index(line, "#")}
		errf := func(format string, args ...any) error {
			return &Error{Pos: pos, End: pos, Msg: fmt.Sprintf(format, args...)}
		}
		switch directive {
		case "ifdef", "ifndef", "if":
			cond := false
			switch directive {
			case "ifdef":
				_, cond = defines[strings.TrimSpace(rest)]
			case "ifndef":
				_, cond = defines[strings.TrimSpace(rest)]
				cond = !cond
			default:
				v, err := evalCondition(rest, defines)
				if err != nil {
					return "", errf("#if: %v", err)
				}
				cond = v != 0
			}
			stack = append(stack, condFrame{active: active && cond, taken: cond, parent: active})
			active = active && cond
		case "elif":
			if len(stack) == 0 {
				return "", errf("#elif without #if")
			}
			f := &stack[len(stack)-1]
			v, err := evalCondition(rest, defines)
			if err != nil {
				return "", errf("#elif: %v", err)
			}
			f.active = f.parent && !f.taken && v != 0
			f.taken = f.taken || v != 0
			active = f.active
		case "else":
			if len(stack) == 0 {
				return "", errf("#else without #if")
			}
			f := &stack[len(stack)-1]
			f.active = f.parent && !f.taken
			f.taken = true
			active = f.active
		case "endif":
			if len(stack) == 0 {
				return "", errf("#endif without #if")
			}
			active = stack[len(stack)-1].parent
			stack = stack[:len(stack)-1]
		default:
			if active {
				switch directive {
				case "define":
					name, value := splitDefine(rest)
					defines[name] = value
				case "undef":
					delete(defines, strings.TrimSpace(rest))
				}
				continue
			}
		}
		lines[i] = blank(line)
	}
	if len(stack) > 0 {
		return "", &Error{Pos: Position{Filename: filename, Line: len(lines), Column: 1}, Msg: "unterminated #if"}
	}
	return strings.Join(lines, ""), nil
}

// splitDirective returns a preprocessor line's directive and the rest,
// without a trailing comment.
func splitDirective(line string) (string, string) {
	t := strings.TrimSpace(line)
	if !strings.HasPrefix(t, "#") {
		return "", ""
	}
	t = strings.TrimSpace(t[1:])
	n := 0
	for n < len(t) && isIdentChar(t[n]) {
		n++
	}
	return t[:n], stripComment(t[n:])
}

// splitDefine splits the rest of a #define line into the macro's name and
// its value, which are separated by spaces or tabs.
func splitDefine(rest string) (name, value string) {
	rest = strings.TrimSpace(rest)
	i := strings.IndexAny(rest, " \t")
	if i < 0 {
		return rest, ""
	}
	return rest[:i], strings.TrimSpace(rest[i:])
}

// stripComment removes a trailing // or /* */ comment from a directive.
func stripComment(s string) string {
	if i := strings.Index(s, "//"); i >= 0 {
		s = s[:i]
	}
	for {
		i := strings.Index(s, "/*")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "*/")
		if j < 0 {
			s = s[:i]
			break
		}
		s = s[:i] + " " + s[i+j+2:]
	}
	return strings.TrimSpace(s)
}

// blank empties a line but keeps its newline.
func blank(line string) string {
	if strings.HasSuffix(line, "\n") {
		return "\n"
	}
	return ""
}

// evalCondition evaluates an #if expression: integers, macro names (an
// undefined one is 0), defined(X), !, &&, ||, comparisons and parentheses.
func evalCondition(expr string, defines map[string]string) (int64, error) {
	p := &condParser{src: strings.TrimSpace(expr), defines: defines}
	v, err := p.or()
	if err != nil {
		return 0, err
	}
	if p.skip(); p.pos < len(p.src) {
		return 0, fmt.Errorf("unexpected %q", p.src[p.pos:])
	}
	return v, nil
}

type condParser struct {
	src     string
	pos     int
	defines map[string]string
	depth   int
}

func (p *condParser) skip() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

func (p *condParser) eat(tok string) bool {
	p.skip()
	if strings.HasPrefix(p.src[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *condParser) or() (int64, error) {
	v, err := p.and()
	for err == nil && p.eat("||") {
		var r int64
		if r, err = p.and(); v != 0 || r != 0 {
			v = 1
		}
	}
	return v, err
}

func (p *condParser) and() (int64, error) {
	v, err := p.cmp()
	for err == nil && p.eat("&&") {
		var r int64
		r, err = p.cmp()
		if v != 0 && r != 0 {
			v = 1
		} else {
			v = 0
		}
	}
	return v, err
}

func (p *condParser) cmp() (int64, error) {
	v, err := p.unary()
	if err != nil {
		return 0, err
	}
	for _, op := range []string{"==", "!=", "<=", ">=", "<", ">"} {
		if p.eat(op) {
			r, err := p.unary()
			if err != nil {
				return 0, err
			}
			b := map[string]bool{"==": v == r, "!=": v != r, "<=": v <= r, ">=": v >= r, "<": v < r, ">": v > r}[op]
			if b {
				return 1, nil
			}
			return 0, nil
		}
	}
	return v, nil
}

func (p *condParser) unary() (int64, error) {
	if p.eat("!") {
		v, err := p.unary()
		if v == 0 {
			return 1, err
		}
		return 0, err
	}
	if p.eat("(") {
		v, err := p.or()
		if err == nil && !p.eat(")") {
			err = fmt.Errorf("missing )")
		}
		return v, err
	}
	p.skip()
	start := p.pos
	for p.pos < len(p.src) && isIdentChar(p.src[p.pos]) {
		p.pos++
	}
	word := p.src[start:p.pos]
	switch {
	case word == "":
		return 0, fmt.Errorf("expected a value at %q", p.src[start:])
	case word == "defined":
		paren := p.eat("(")
		p.skip()
		s := p.pos
		for p.pos < len(p.src) && isIdentChar(p.src[p.pos]) {
			p.pos++
		}
		_, ok := p.defines[p.src[s:p.pos]]
		if paren && !p.eat(")") {
			return 0, fmt.Errorf("missing ) after defined")
		}
		if ok {
			return 1, nil
		}
		return 0, nil
	case word[0] >= '0' && word[0] <= '9':
		v, err := parseIntLiteral(word)
		return int64(v), err
	}
	value, ok := p.defines[word]
	if !ok || value == "" || p.depth > 8 {
		return 0, nil
	}
	p.depth++
	defer func() { p.depth-- }()
	return evalCondition(value, p.defines)
}
