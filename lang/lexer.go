package lang

import (
	"fmt"
	"io"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types produced by the script lexer.
const (
	tokEOF        = lexer.EOF
	tokIdent      = -(iota + 2) // identifiers and keywords
	tokInt                      // integer literal, raw text (suffixes included)
	tokString                   // string literal, raw text including quotes
	tokAttach                   // a raw attach point such as tracepoint:syscalls:sys_enter_*
	tokMap                      // @name or @
	tokVar                      // $name
	tokPositional               // $1, $2, ... and $#
	tokPredStart                // the '/' opening a predicate
	tokPredEnd                  // the '/' closing a predicate (followed by '{')
	tokPunct                    // operators and punctuation
	tokPreproc                  // a C preprocessor line (#include, #define)
	tokAttribute                // a C attribute: __attribute__((packed)), whole
)

var tokenNames = map[string]lexer.TokenType{
	"EOF":        tokEOF,
	"Ident":      tokIdent,
	"Int":        tokInt,
	"String":     tokString,
	"Attach":     tokAttach,
	"Map":        tokMap,
	"Var":        tokVar,
	"Positional": tokPositional,
	"PredStart":  tokPredStart,
	"PredEnd":    tokPredEnd,
	"Punct":      tokPunct,
	"Preproc":    tokPreproc,
	"Attribute":  tokAttribute,
}

// tokenDescription names a token type the way error messages talk about it.
func tokenDescription(t lexer.Token) string {
	switch t.Type {
	case tokEOF:
		return "end of file"
	case tokPredStart, tokPredEnd:
		return "/"
	case tokString:
		return "string " + t.Value
	}
	return t.Value
}

// scriptLexer is the participle lexer definition for bpftrace scripts. The
// language is context sensitive at the top level: outside of blocks, a word
// that does not start a declaration begins an attach point, which runs up
// to a comma, a brace, whitespace or a predicate.
type scriptLexer struct{}

func (scriptLexer) Symbols() map[string]lexer.TokenType { return tokenNames }

func (scriptLexer) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return newLexState(filename, string(src)), nil
}

// LexString is a fast path used by participle when parsing a string.
func (scriptLexer) LexString(filename string, src string) (lexer.Lexer, error) {
	return newLexState(filename, src), nil
}

type lexMode int

const (
	modeItem      lexMode = iota // at depth 0, expecting a top-level item
	modeProbeList                // after an attach point: ',' '/' or '{'
	modeAttach                   // after ',' in a probe list: an attach point
	modeNormal                   // ordinary tokens
)

// topKeywords start top-level items that are not probes.
var topKeywords = map[string]bool{
	"config": true, "macro": true, "let": true, "import": true,
	"struct": true, "union": true, "enum": true, "fn": true, "typedef": true,
}

type lexState struct {
	src   string
	pos   lexer.Position
	mode  lexMode
	depth int
	// end is where the last token ended: an "unexpected end of file"
	// points there rather than past trailing blank lines.
	end lexer.Position
	// prevEnd maps a token's offset to where the token before it ended.
	// participle ends a node where the next token starts; trimSpans uses
	// this to end it after its own last token instead.
	prevEnd map[int]lexer.Position
}

func newLexState(filename, src string) *lexState {
	l := &lexState{src: src, pos: lexer.Position{Filename: filename, Line: 1, Column: 1}}
	if strings.HasPrefix(src, "#!") {
		end := strings.IndexByte(src, '\n')
		if end < 0 {
			end = len(src)
		}
		l.advance(end)
	}
	return l
}

func (l *lexState) peekByte(off int) byte {
	if l.pos.Offset+off < len(l.src) {
		return l.src[l.pos.Offset+off]
	}
	return 0
}

func (l *lexState) advance(n int) {
	for i := 0; i < n && l.pos.Offset < len(l.src); i++ {
		if l.src[l.pos.Offset] == '\n' {
			l.pos.Line++
			l.pos.Column = 1
		} else {
			l.pos.Column++
		}
		l.pos.Offset++
	}
}

// layoutEnd returns the offset after whitespace and comments starting at
// off. For an unterminated block comment it returns the comment's offset and
// false.
func layoutEnd(src string, off int) (int, bool) {
	for off < len(src) {
		c := src[off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			off++
		case c == '/' && off+1 < len(src) && src[off+1] == '/':
			for off < len(src) && src[off] != '\n' {
				off++
			}
		case c == '/' && off+1 < len(src) && src[off+1] == '*':
			end := strings.Index(src[off+2:], "*/")
			if end < 0 {
				return off, false
			}
			off += end + 4
		default:
			return off, true
		}
	}
	return off, true
}

// skipLayout is layoutEnd for callers that treat an unterminated comment as
// the end of the input.
func skipLayout(src string, off int) int {
	end, ok := layoutEnd(src, off)
	if !ok {
		return len(src)
	}
	return end
}

func (l *lexState) token(typ lexer.TokenType, start lexer.Position) lexer.Token {
	l.end = l.pos
	return lexer.Token{Type: typ, Value: l.src[start.Offset:l.pos.Offset], Pos: start}
}

func (l *lexState) errorf(pos lexer.Position, format string, args ...any) error {
	return &Error{Pos: pos, End: pos, Msg: fmt.Sprintf(format, args...)}
}

// Next returns the next token.
func (l *lexState) Next() (lexer.Token, error) {
	off, ok := layoutEnd(l.src, l.pos.Offset)
	l.advance(off - l.pos.Offset)
	if !ok {
		start := l.pos
		l.advance(len(l.src))
		return lexer.Token{}, l.errorf(start, "unterminated comment")
	}
	start := l.pos
	if l.end.Line > 0 && l.end.Offset != start.Offset {
		if l.prevEnd == nil {
			l.prevEnd = map[int]lexer.Position{}
		}
		l.prevEnd[start.Offset] = l.end
	}
	if l.pos.Offset >= len(l.src) {
		if l.end.Line > 0 {
			return lexer.EOFToken(l.end), nil
		}
		return lexer.EOFToken(start), nil
	}
	c := l.src[l.pos.Offset]
	if c == '_' && (l.mode == modeItem || l.mode == modeNormal) {
		if t, ok, err := l.attribute(start); ok || err != nil {
			return t, err
		}
	}

	switch l.mode {
	case modeItem:
		if c == '#' {
			return l.preprocessor(start), nil
		}
		if isIdentStart(c) {
			word := l.src[l.pos.Offset : l.pos.Offset+identLen(l.src[l.pos.Offset:])]
			if topKeywords[word] {
				l.advance(len(word))
				l.mode = modeNormal
				return l.token(tokIdent, start), nil
			}
			return l.attachPoint(start), nil
		}
		if c == '$' && l.pos.Offset+1 < len(l.src) && l.src[l.pos.Offset+1] >= '0' && l.src[l.pos.Offset+1] <= '9' {
			// A positional parameter as the whole first attach
			// point (`$1 { }`), as the newest bpftrace takes it.
			return l.attachPoint(start), nil
		}
	case modeAttach:
		if c != '{' && c != '/' && c != ',' {
			return l.attachPoint(start), nil
		}
	case modeProbeList:
		switch c {
		case ',':
			l.advance(1)
			l.mode = modeAttach
			return l.token(tokPunct, start), nil
		case '/':
			l.advance(1)
			l.mode = modeNormal
			return l.token(tokPredStart, start), nil
		}
	}
	return l.normal(start, c)
}

func (l *lexState) preprocessor(start lexer.Position) lexer.Token {
	end := l.pos.Offset
	for end < len(l.src) {
		nl := strings.IndexByte(l.src[end:], '\n')
		if nl < 0 {
			end = len(l.src)
			break
		}
		end += nl
		if end > 0 && l.src[end-1] == '\\' {
			end++
			continue
		}
		break
	}
	l.advance(end - l.pos.Offset)
	return l.token(tokPreproc, start)
}

// attribute lexes a C attribute, `__attribute__((...))` with layout
// allowed before the parentheses, as one token: in C definitions it may
// follow a struct's closing brace, where a word would start an attach
// point. The mode stays as it was.
func (l *lexState) attribute(start lexer.Position) (lexer.Token, bool, error) {
	const kw = "__attribute__"
	rest := l.src[l.pos.Offset:]
	if !strings.HasPrefix(rest, kw) || identLen(rest) != len(kw) {
		return lexer.Token{}, false, nil
	}
	off := skipLayout(l.src, l.pos.Offset+len(kw))
	if !strings.HasPrefix(l.src[off:], "((") {
		l.advance(len(kw))
		return lexer.Token{}, false, l.errorf(start, "__attribute__ syntax error, expected '(('")
	}
	depth := 0
	for ; off < len(l.src); off++ {
		switch l.src[off] {
		case '(':
			depth++
		case ')':
			depth--
		case ';', '{', '}':
			depth = -1 // unbalanced: let the parser report it
		}
		if depth <= 0 {
			break
		}
	}
	if depth != 0 {
		l.advance(len(kw))
		return lexer.Token{}, false, l.errorf(start, "__attribute__ syntax error, mismatched '(' and ')'")
	}
	l.advance(off + 1 - l.pos.Offset)
	return l.token(tokAttribute, start), true, nil
}

// attachPoint lexes a raw attach point: everything up to ',', '{', layout,
// or a '/' that cannot be part of a path (no ':' seen yet). Quoted parts
// are kept whole.
func (l *lexState) attachPoint(start lexer.Position) lexer.Token {
	seenColon := false
	off := l.pos.Offset
	for off < len(l.src) {
		c := l.src[off]
		if c == '{' || c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			break
		}
		if c == '/' && off+1 < len(l.src) && (l.src[off+1] == '/' || l.src[off+1] == '*') {
			break
		}
		if c == '/' && !seenColon {
			break
		}
		if c == ':' {
			seenColon = true
		}
		if c == '"' {
			off++
			for off < len(l.src) && l.src[off] != '"' {
				if l.src[off] == '\\' {
					off++
				}
				off++
			}
		}
		off++
	}
	if off > len(l.src) {
		off = len(l.src)
	}
	l.advance(off - l.pos.Offset)
	l.mode = modeProbeList
	return l.token(tokAttach, start)
}

var punctuation = []string{
	"<<=", ">>=", "...",
	"->", "++", "--", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "..", "::",
}

func (l *lexState) normal(start lexer.Position, c byte) (lexer.Token, error) {
	switch {
	case isIdentStart(c):
		l.advance(identLen(l.src[l.pos.Offset:]))
		return l.token(tokIdent, start), nil
	case c >= '0' && c <= '9':
		n := 1
		for l.pos.Offset+n < len(l.src) && (isIdentChar(l.src[l.pos.Offset+n])) {
			n++
		}
		l.advance(n)
		return l.token(tokInt, start), nil
	case c == '"':
		off := l.pos.Offset + 1
		for off < len(l.src) && l.src[off] != '"' && l.src[off] != '\n' {
			if l.src[off] == '\\' {
				off++
			}
			off++
		}
		if off >= len(l.src) || l.src[off] != '"' {
			return lexer.Token{}, l.errorf(start, "unterminated string")
		}
		l.advance(off + 1 - l.pos.Offset)
		return l.token(tokString, start), nil
	case c == '@':
		l.advance(1 + identLen(l.src[l.pos.Offset+1:]))
		return l.token(tokMap, start), nil
	case c == '$':
		next := l.peekByte(1)
		switch {
		case next == '#':
			l.advance(2)
			return l.token(tokPositional, start), nil
		case next >= '0' && next <= '9':
			n := 1
			for l.pos.Offset+n < len(l.src) && l.src[l.pos.Offset+n] >= '0' && l.src[l.pos.Offset+n] <= '9' {
				n++
			}
			l.advance(n)
			return l.token(tokPositional, start), nil
		case isIdentStart(next):
			l.advance(1 + identLen(l.src[l.pos.Offset+1:]))
			return l.token(tokVar, start), nil
		}
		return lexer.Token{}, l.errorf(start, "invalid character '$'")
	case c == '/' && l.depth == 0 && l.peekAfterLayout(1) == '{':
		l.advance(1)
		return l.token(tokPredEnd, start), nil
	}
	for _, p := range punctuation {
		if strings.HasPrefix(l.src[l.pos.Offset:], p) {
			l.advance(len(p))
			return l.token(tokPunct, start), nil
		}
	}
	if strings.IndexByte("+-*/%&|^~!<>=()[]{},;:?.#", c) >= 0 {
		l.advance(1)
		switch c {
		case '{':
			l.depth++
			l.mode = modeNormal
		case '}':
			if l.depth > 0 {
				l.depth--
			}
			if l.depth == 0 {
				l.mode = modeItem
			}
		case ';':
			if l.depth == 0 {
				l.mode = modeItem
			}
		}
		return l.token(tokPunct, start), nil
	}
	l.advance(1)
	return lexer.Token{}, l.errorf(start, "invalid character '%s'", printable(c))
}

// peekAfterLayout returns the first byte after layout, starting off bytes
// ahead of the current position.
func (l *lexState) peekAfterLayout(off int) byte {
	end := skipLayout(l.src, l.pos.Offset+off)
	if end < len(l.src) {
		return l.src[end]
	}
	return 0
}

func printable(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return string(rune(c))
	}
	return fmt.Sprintf("\\x%02x", c)
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func identLen(s string) int {
	n := 0
	for n < len(s) && isIdentChar(s[n]) {
		n++
	}
	return n
}
