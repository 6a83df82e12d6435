package lang

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// exprParser parses expressions with precedence climbing. participle calls
// it (through ParseTypeWith) wherever the grammar holds an Expr.
type exprParser struct {
	lex  *lexer.PeekingLexer
	last *lexer.Token // the token next() returned last
}

// binaryPrec gives each binary operator its precedence; higher binds tighter.
var binaryPrec = map[string]int{
	"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5,
	"==": 6, "!=": 6,
	"<": 7, ">": 7, "<=": 7, ">=": 7,
	"<<": 8, ">>": 8,
	"+": 9, "-": 9,
	"*": 10, "/": 10, "%": 10,
}

// typeKeywords are names that always denote a type inside a cast.
var typeKeywords = map[string]bool{
	"int8": true, "int16": true, "int32": true, "int64": true,
	"uint8": true, "uint16": true, "uint32": true, "uint64": true,
	"bool": true, "string": true, "void": true, "buffer": true, "inet": true,
	"struct": true, "union": true, "enum": true,
	"char": true, "short": true, "int": true, "long": true,
	"signed": true, "unsigned": true,
}

func parseExpression(lex *lexer.PeekingLexer) (Expr, error) {
	p := &exprParser{lex: lex}
	return p.expr()
}

func endOf(t *lexer.Token) Position {
	e := t.Pos
	e.Offset += len(t.Value)
	e.Column += len(t.Value)
	return e
}

func (p *exprParser) peek() *lexer.Token { return p.lex.Peek() }

func (p *exprParser) next() *lexer.Token {
	p.last = p.lex.Next()
	return p.last
}

// is reports whether the next token is the punctuation or keyword v.
func (p *exprParser) is(v string) bool {
	t := p.peek()
	return (t.Type == tokPunct || t.Type == tokIdent) && t.Value == v
}

func (p *exprParser) accept(v string) (*lexer.Token, bool) {
	if p.is(v) {
		return p.next(), true
	}
	return nil, false
}

func (p *exprParser) expect(v string) (*lexer.Token, error) {
	if t, ok := p.accept(v); ok {
		return t, nil
	}
	return nil, p.unexpected(fmt.Sprintf("%q", v))
}

// unexpected makes a syntax error at the next token.
func (p *exprParser) unexpected(expecting string) error {
	t := p.peek()
	msg := "syntax error, unexpected " + tokenDescription(*t)
	if expecting != "" {
		msg += ", expecting " + expecting
	}
	return &Error{Pos: t.Pos, End: endOf(t), Msg: msg}
}

func (p *exprParser) expr() (Expr, error) {
	cond, err := p.binary(1)
	if err != nil {
		return nil, err
	}
	if _, ok := p.accept("?"); !ok {
		return cond, nil
	}
	var then Expr
	if !p.is(":") {
		if then, err = p.expr(); err != nil {
			return nil, err
		}
	}
	if _, err := p.expect(":"); err != nil {
		return nil, err
	}
	els, err := p.expr()
	if err != nil {
		return nil, err
	}
	if then == nil {
		// a ?: b is a ? a : b
		then = cond
	}
	return &Ternary{Span: Span{Pos: cond.Loc().Pos, EndPos: els.Loc().EndPos}, Cond: cond, Then: then, Else: els}, nil
}

func (p *exprParser) binary(minPrec int) (Expr, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.Type != tokPunct {
			return left, nil
		}
		prec, ok := binaryPrec[t.Value]
		if !ok || prec < minPrec {
			return left, nil
		}
		p.next()
		right, err := p.binary(prec + 1)
		if err != nil {
			return nil, err
		}
		left = &Binary{Span: Span{Pos: left.Loc().Pos, EndPos: right.Loc().EndPos}, Op: t.Value, L: left, R: right}
	}
}

func (p *exprParser) unary() (Expr, error) {
	t := p.peek()
	if t.Type == tokPunct {
		switch t.Value {
		case "-", "!", "~", "*", "&", "+":
			p.next()
			x, err := p.unary()
			if err != nil {
				return nil, err
			}
			if t.Value == "+" {
				return x, nil
			}
			// Fold a negated literal so that -9223372036854775808 fits.
			if lit, ok := x.(*IntLit); ok && t.Value == "-" && !strings.HasPrefix(lit.Text, "-") {
				return &IntLit{Span: Span{Pos: t.Pos, EndPos: lit.EndPos}, Value: -lit.Value, Text: "-" + lit.Text}, nil
			}
			return &Unary{Span: Span{Pos: t.Pos, EndPos: x.Loc().EndPos}, Op: t.Value, X: x}, nil
		case "++", "--":
			p.next()
			x, err := p.unary()
			if err != nil {
				return nil, err
			}
			return &IncDec{Span: Span{Pos: t.Pos, EndPos: x.Loc().EndPos}, Op: t.Value, Prefix: true, X: x}, nil
		case "(":
			if c, ok, err := p.tryCast(); ok || err != nil {
				return c, err
			}
		}
	}
	if t.Type == tokIdent && t.Value == "comptime" {
		// comptime x (newest bpftrace): x, which must be known when
		// compiling. A call the checker replaces by the value.
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		// The span ends at the last token, a ')' the operand's span leaves
		// out included.
		return &Call{Span: Span{Pos: t.Pos, EndPos: endOf(p.last)}, Name: "comptime", Args: []Expr{x}}, nil
	}
	return p.postfix()
}

// tryCast parses (type)expr when the parenthesis holds a type followed by
// something that starts an expression. It rewinds and reports false
// otherwise.
func (p *exprParser) tryCast() (Expr, bool, error) {
	cp := p.lex.MakeCheckpoint()
	open := p.next()
	ts, ok := p.typeSpec()
	if !ok || !p.is(")") {
		p.lex.LoadCheckpoint(cp)
		return nil, false, nil
	}
	p.next()
	if !p.startsExpr() || bareBuiltin(ts) {
		p.lex.LoadCheckpoint(cp)
		return nil, false, nil
	}
	x, err := p.unary()
	if err != nil {
		return nil, true, err
	}
	return &Cast{Span: Span{Pos: open.Pos, EndPos: x.Loc().EndPos}, To: ts, X: x}, true, nil
}

// bareBuiltin reports whether a parsed type is a lone identifier naming a
// builtin ((pid) or sizeof(curtask)), which is an expression, not a type.
func bareBuiltin(ts *TypeSpec) bool {
	return !ts.wrapped && ts.Typeof == nil && len(ts.Suffix) == 0 && !strings.Contains(ts.Name, " ") &&
		!typeKeywords[ts.Name] && isBuiltinIdent(ts.Name)
}

// startsExpr reports whether the next token can begin an expression.
func (p *exprParser) startsExpr() bool {
	t := p.peek()
	switch t.Type {
	case tokInt, tokString, tokIdent, tokVar, tokMap, tokPositional:
		return true
	case tokPunct:
		switch t.Value {
		case "(", "-", "!", "~", "*", "&", "++", "--":
			return true
		}
	}
	return false
}

// typeSpec parses a type name with pointer and array suffixes. It consumes
// nothing and returns false when the tokens do not form a type.
func (p *exprParser) typeSpec() (*TypeSpec, bool) {
	t := p.peek()
	if t.Type != tokIdent {
		return nil, false
	}
	start := t.Pos
	var words []string
	end := endOf(t)
	switch t.Value {
	case "struct", "union", "enum":
		p.next()
		name := p.peek()
		if name.Type != tokIdent {
			return nil, false
		}
		p.next()
		words = []string{t.Value, name.Value}
		end = endOf(name)
	case "typeof":
		// typeof(type) or typeof(expression): the type the checker
		// gives the expression, which is never evaluated.
		cp := p.lex.MakeCheckpoint()
		p.next()
		if _, ok := p.accept("("); !ok {
			p.lex.LoadCheckpoint(cp)
			return nil, false
		}
		ts := &TypeSpec{wrapped: true}
		if inner, ok := p.typeSpec(); ok && p.is(")") && !bareBuiltin(inner) {
			ts.Name, ts.Suffix = inner.Name, inner.Suffix
			ts.Typeof = inner.Typeof
		} else {
			p.lex.LoadCheckpoint(cp)
			p.next()
			p.next()
			x, err := p.expr()
			if err != nil || !p.is(")") {
				p.lex.LoadCheckpoint(cp)
				return nil, false
			}
			ts.Typeof = x
		}
		end = endOf(p.next())
		ts.Span = Span{Pos: start, EndPos: end}
		return p.typeSuffixes(ts, start, end), true
	case "signed", "unsigned", "char", "short", "int", "long":
		for p.peek().Type == tokIdent && cWords[p.peek().Value] {
			w := p.next()
			words = append(words, w.Value)
			end = endOf(w)
		}
	default:
		if reservedWords[t.Value] {
			return nil, false
		}
		p.next()
		words = []string{t.Value}
	}
	return p.typeSuffixes(&TypeSpec{Name: strings.Join(words, " ")}, start, end), true
}

// typeSuffixes parses the pointer stars and array sizes after a type.
func (p *exprParser) typeSuffixes(ts *TypeSpec, start, end Position) *TypeSpec {
	for {
		if st, ok := p.accept("*"); ok {
			ts.Suffix = append(ts.Suffix, -1)
			end = endOf(st)
			continue
		}
		if p.is("[") {
			cp := p.lex.MakeCheckpoint()
			p.next()
			n := -2 // [] without a size
			if p.peek().Type == tokInt {
				v, err := parseIntLiteral(p.peek().Value)
				if err != nil {
					p.lex.LoadCheckpoint(cp)
					break
				}
				p.next()
				n = int(v)
			}
			cl, ok := p.accept("]")
			if !ok {
				p.lex.LoadCheckpoint(cp)
				break
			}
			ts.Suffix = append(ts.Suffix, n)
			end = endOf(cl)
			continue
		}
		break
	}
	ts.Span = Span{Pos: start, EndPos: end}
	return ts
}

var cWords = map[string]bool{"signed": true, "unsigned": true, "char": true, "short": true, "int": true, "long": true}

// reservedWords cannot name a type.
var reservedWords = map[string]bool{
	"if": true, "else": true, "while": true, "for": true, "unroll": true, "return": true,
	"break": true, "continue": true, "let": true, "sizeof": true, "offsetof": true,
	"true": true, "false": true, "config": true, "macro": true, "import": true,
}

func (p *exprParser) postfix() (Expr, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.Type != tokPunct {
			return x, nil
		}
		switch t.Value {
		case ".", "->":
			p.next()
			name := p.next()
			if name.Type != tokIdent && !(name.Type == tokInt && t.Value == ".") {
				return nil, &Error{Pos: name.Pos, End: endOf(name), Msg: "syntax error, unexpected " + tokenDescription(*name) + ", expecting field name"}
			}
			x = &FieldExpr{Span: Span{Pos: x.Loc().Pos, EndPos: endOf(name)}, X: x, Name: name.Value, Arrow: t.Value == "->"}
		case "[":
			p.next()
			idx, err := p.expr()
			if err != nil {
				return nil, err
			}
			cl, err := p.expect("]")
			if err != nil {
				return nil, err
			}
			x = &IndexExpr{Span: Span{Pos: x.Loc().Pos, EndPos: endOf(cl)}, X: x, Index: idx}
		case "++", "--":
			p.next()
			x = &IncDec{Span: Span{Pos: x.Loc().Pos, EndPos: endOf(t)}, Op: t.Value, X: x}
		default:
			return x, nil
		}
	}
}

func (p *exprParser) primary() (Expr, error) {
	t := p.peek()
	span := Span{Pos: t.Pos, EndPos: endOf(t)}
	switch t.Type {
	case tokInt:
		p.next()
		v, err := parseIntLiteral(t.Value)
		if err != nil {
			return nil, &Error{Pos: t.Pos, End: endOf(t), Msg: err.Error()}
		}
		return &IntLit{Span: span, Value: v, Text: t.Value}, nil
	case tokString:
		p.next()
		s, err := unquote(t.Value)
		if err != nil {
			return nil, &Error{Pos: t.Pos, End: endOf(t), Msg: err.Error()}
		}
		return &StrLit{Span: span, Value: s}, nil
	case tokVar:
		p.next()
		return &Var{Span: span, Name: t.Value}, nil
	case tokPositional:
		p.next()
		if t.Value == "$#" {
			return &Positional{Span: span, Count: true}, nil
		}
		n, err := strconv.Atoi(t.Value[1:])
		if err != nil || n < 1 {
			return nil, &Error{Pos: t.Pos, End: endOf(t), Msg: "invalid positional parameter " + t.Value}
		}
		return &Positional{Span: span, N: n}, nil
	case tokMap:
		p.next()
		m := &MapExpr{Span: span, Name: t.Value}
		if p.is("[") {
			p.next()
			m.Indexed = true
			keys, end, err := p.list("]")
			if err != nil {
				return nil, err
			}
			if len(keys) == 0 {
				close := end
				close.Offset--
				close.Column--
				return nil, &Error{Pos: close, End: end, Msg: "syntax error, unexpected ], expecting map key"}
			}
			m.Keys = keys
			m.EndPos = end
		}
		return m, nil
	case tokIdent:
		if t.Value == "if" {
			return p.ifExpr()
		}
		return p.identOrCall()
	case tokPunct:
		switch t.Value {
		case "(":
			return p.paren()
		case "{":
			return p.blockExpr()
		}
	}
	return nil, p.unexpected("")
}

// ifExpr parses if used as an expression, as the newest bpftrace allows:
// `if (c) { a } else { b }` (the else may be another if) is c ? {a} : {b},
// whose branches are blocks with values.
func (p *exprParser) ifExpr() (Expr, error) {
	start := p.next().Pos
	cond, err := p.expr()
	if err != nil {
		return nil, err
	}
	if !p.is("{") {
		return nil, p.unexpected("{")
	}
	then, err := p.blockExpr()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect("else"); err != nil {
		return nil, err
	}
	var els Expr
	switch {
	case p.is("if"):
		els, err = p.ifExpr()
	case p.is("{"):
		els, err = p.blockExpr()
	default:
		return nil, p.unexpected("{ or if")
	}
	if err != nil {
		return nil, err
	}
	return &Ternary{Span: Span{Pos: start, EndPos: els.Loc().EndPos}, Cond: cond, Then: then, Else: els}, nil
}

// blockExpr parses { statements; value } with the participle grammar.
func (p *exprParser) blockExpr() (Expr, error) {
	b, err := parseBlock(p.lex)
	if err != nil {
		return nil, convertParseError(err)
	}
	return blockExprOf(b), nil
}

// blockValue removes the value of a block expression from the end of its
// statements and returns it: an expression without a semicolon, a block
// that ends in a value (`{ let $x = 1; { $x + 1 } }`), or an if whose every
// branch ends in a value (an if expression). It returns nil, and leaves b
// alone, for a block without a value.
func blockValue(b *Block) Expr {
	if !endsInValue(b) {
		return nil
	}
	n := len(b.Stmts)
	last := b.Stmts[n-1]
	b.Stmts = b.Stmts[:n-1]
	switch s := last.(type) {
	case *BlockStmt:
		return blockExprOf(s.Block)
	case *IfStmt:
		return ifValue(s)
	}
	return last.(*ExprStmt).X
}

// blockExprOf makes b a block expression, its value taken from its end
// (nil when it has none).
func blockExprOf(b *Block) *BlockExpr {
	return &BlockExpr{Span: b.Span, Block: b, Value: blockValue(b)}
}

// ifHasValue reports whether every branch of an if statement, which must
// have an else, ends in a value.
func ifHasValue(s *IfStmt) bool {
	if s.Else == nil || !endsInValue(s.Then) {
		return false
	}
	if s.Else.If != nil {
		return ifHasValue(s.Else.If)
	}
	return endsInValue(s.Else.Block)
}

// endsInValue reports whether b ends in a value (see blockValue).
func endsInValue(b *Block) bool {
	if len(b.Stmts) == 0 {
		return false
	}
	switch s := b.Stmts[len(b.Stmts)-1].(type) {
	case *ExprStmt:
		return s.Op == "" && !s.Semi
	case *BlockStmt:
		return endsInValue(s.Block)
	case *IfStmt:
		return ifHasValue(s)
	}
	return false
}

// ifValue turns an if statement that ifHasValue accepts into the
// expression cond ? {then} : {else}.
func ifValue(s *IfStmt) Expr {
	var els Expr
	if s.Else.If != nil {
		els = ifValue(s.Else.If)
	} else {
		els = blockExprOf(s.Else.Block)
	}
	return &Ternary{Span: s.Span, Cond: s.Cond, Then: blockExprOf(s.Then), Else: els}
}

// list parses comma separated expressions up to the closing token, which it
// consumes; it returns the position after the closing token.
func (p *exprParser) list(closing string) ([]Expr, Position, error) {
	var out []Expr
	for !p.is(closing) {
		e, err := p.expr()
		if err != nil {
			return nil, Position{}, err
		}
		out = append(out, e)
		if _, ok := p.accept(","); !ok {
			break
		}
	}
	cl, err := p.expect(closing)
	if err != nil {
		return nil, Position{}, err
	}
	return out, endOf(cl), nil
}

func (p *exprParser) identOrCall() (Expr, error) {
	if p.peek().Value == "typeof" {
		// typeof as a macro's argument; a type anywhere else.
		if ts, ok := p.typeSpec(); ok {
			return &TypeofExpr{Span: ts.Span, Of: ts}, nil
		}
	}
	t := p.next()
	span := Span{Pos: t.Pos, EndPos: endOf(t)}
	switch t.Value {
	case "true", "false":
		return &BoolLit{Span: span, Value: t.Value == "true"}, nil
	case "sizeof":
		return p.sizeof(t)
	case "typeinfo":
		if p.is("(") {
			return p.typeinfo(t)
		}
	case "offsetof":
		return p.offsetof(t)
	case "container_of":
		if p.is("(") {
			cp := p.lex.MakeCheckpoint()
			if e, ok := p.containerOf(t); ok {
				return e, nil
			}
			p.lex.LoadCheckpoint(cp)
		}
	}
	// config is a keyword only at the top level: in an expression it is
	// the config() function (builtins_spelled.go).
	if reservedWords[t.Value] && t.Value != "config" {
		return nil, &Error{Pos: t.Pos, End: endOf(t), Msg: "syntax error, unexpected " + t.Value}
	}
	if !p.is("(") {
		return &Ident{Span: span, Name: t.Value}, nil
	}
	p.next()
	args, end, err := p.list(")")
	if err != nil {
		return nil, err
	}
	return &Call{Span: Span{Pos: t.Pos, EndPos: end}, Name: t.Value, Args: args}, nil
}

// typeinfo parses typeinfo(type) or typeinfo(expression) into a call
// whose argument is a TypeofExpr for a type: the checker expands it into a
// record of literals.
func (p *exprParser) typeinfo(kw *lexer.Token) (Expr, error) {
	p.next() // (
	var arg Expr
	cp := p.lex.MakeCheckpoint()
	if ts, ok := p.typeSpec(); ok && p.is(")") && !bareBuiltin(ts) {
		arg = &TypeofExpr{Span: ts.Span, Of: ts}
	} else {
		p.lex.LoadCheckpoint(cp)
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		arg = x
	}
	cl, err := p.expect(")")
	if err != nil {
		return nil, err
	}
	return &Call{Span: Span{Pos: kw.Pos, EndPos: endOf(cl)}, Name: "typeinfo", Args: []Expr{arg}}, nil
}

func (p *exprParser) sizeof(kw *lexer.Token) (Expr, error) {
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	s := &SizeofExpr{}
	cp := p.lex.MakeCheckpoint()
	if ts, ok := p.typeSpec(); ok && p.is(")") && !bareBuiltin(ts) {
		s.Of = ts
	} else {
		p.lex.LoadCheckpoint(cp)
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		s.X = x
	}
	cl, err := p.expect(")")
	if err != nil {
		return nil, err
	}
	s.Span = Span{Pos: kw.Pos, EndPos: endOf(cl)}
	return s, nil
}

// offsetof parses offsetof(type, field[.field...]).
func (p *exprParser) offsetof(kw *lexer.Token) (Expr, error) {
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	ts, ok := p.typeSpec()
	if !ok {
		return nil, p.unexpected("a type")
	}
	o := &OffsetofExpr{Of: ts}
	if _, err := p.expect(","); err != nil {
		return nil, err
	}
	for {
		name := p.next()
		if name.Type != tokIdent {
			return nil, &Error{Pos: name.Pos, End: endOf(name), Msg: "syntax error, unexpected " + tokenDescription(*name) + ", expecting field name"}
		}
		o.Fields = append(o.Fields, name.Value)
		if _, ok := p.accept("."); !ok {
			break
		}
	}
	cl, err := p.expect(")")
	if err != nil {
		return nil, err
	}
	o.Span = Span{Pos: kw.Pos, EndPos: endOf(cl)}
	return o, nil
}

// containerOf parses container_of(ptr, type, member[.member...]), the
// newest bpftrace's standard macro, into what the macro expands to: the
// address of the member minus its offset, as a pointer to the type. ok is
// false when the arguments do not have that shape (a user's function or
// macro of the same name), and the caller parses a call instead.
func (p *exprParser) containerOf(kw *lexer.Token) (e Expr, ok bool) {
	p.next() // (
	ptr, err := p.expr()
	if err != nil {
		return nil, false
	}
	if _, ok := p.accept(","); !ok {
		return nil, false
	}
	ts, ok := p.typeSpec()
	if !ok {
		return nil, false
	}
	off := &OffsetofExpr{Of: ts}
	if _, ok := p.accept(","); !ok {
		return nil, false
	}
	for {
		name := p.next()
		if name.Type != tokIdent {
			return nil, false
		}
		off.Fields = append(off.Fields, name.Value)
		if _, ok := p.accept("."); !ok {
			break
		}
	}
	cl, ok := p.accept(")")
	if !ok {
		return nil, false
	}
	span := Span{Pos: kw.Pos, EndPos: endOf(cl)}
	off.Span = span
	to := *ts
	to.Suffix = append(append([]int(nil), ts.Suffix...), -1)
	to.Span = span
	addr := &Cast{Span: span, To: &TypeSpec{Span: span, Name: "uint64"}, X: ptr}
	return &Cast{Span: span, To: &to, X: &Binary{Span: span, Op: "-", L: addr, R: off}}, true
}

// paren parses a parenthesised expression or a tuple.
func (p *exprParser) paren() (Expr, error) {
	open := p.next()
	if p.atRecord() {
		return p.record(open)
	}
	elems, end, err := p.tupleList()
	if err != nil {
		return nil, err
	}
	if len(elems.exprs) == 1 && !elems.trailingComma {
		x := elems.exprs[0]
		return x, nil
	}
	return &Tuple{Span: Span{Pos: open.Pos, EndPos: end}, Elems: elems.exprs}, nil
}

// atRecord reports whether a parenthesis opens a record: name = value.
func (p *exprParser) atRecord() bool {
	cp := p.lex.MakeCheckpoint()
	defer p.lex.LoadCheckpoint(cp)
	return p.next().Type == tokIdent && p.is("=")
}

// record parses (name = value, ...) after its opening parenthesis.
func (p *exprParser) record(open *lexer.Token) (Expr, error) {
	r := &Record{}
	for !p.is(")") {
		name := p.next()
		if name.Type != tokIdent {
			return nil, &Error{Pos: name.Pos, End: endOf(name), Msg: "syntax error, unexpected " + tokenDescription(*name) + ", expecting a record field name"}
		}
		if _, err := p.expect("="); err != nil {
			return nil, err
		}
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		for _, n := range r.Names {
			if n == name.Value {
				return nil, &Error{Pos: name.Pos, End: endOf(name), Msg: "duplicate record field " + name.Value}
			}
		}
		r.Names = append(r.Names, name.Value)
		r.Values = append(r.Values, v)
		if _, ok := p.accept(","); !ok {
			break
		}
	}
	cl, err := p.expect(")")
	if err != nil {
		return nil, err
	}
	r.Span = Span{Pos: open.Pos, EndPos: endOf(cl)}
	return r, nil
}

type tupleElems struct {
	exprs         []Expr
	trailingComma bool
}

func (p *exprParser) tupleList() (tupleElems, Position, error) {
	var out tupleElems
	for !p.is(")") {
		e, err := p.expr()
		if err != nil {
			return out, Position{}, err
		}
		out.exprs = append(out.exprs, e)
		out.trailingComma = false
		if _, ok := p.accept(","); !ok {
			break
		}
		out.trailingComma = true
	}
	cl, err := p.expect(")")
	if err != nil {
		return out, Position{}, err
	}
	return out, endOf(cl), nil
}

// parseIntLiteral converts an integer literal as bpftrace writes them:
// decimal, 0x hex, 0b binary, 0o or leading-0 octal, '_' separators,
// scientific 1e6, C suffixes (U, L, UL, LL, ULL) and duration suffixes
// (ns us ms s m h d, converted to nanoseconds).
func parseIntLiteral(text string) (uint64, error) {
	s := strings.ReplaceAll(text, "_", "")
	bad := fmt.Errorf("invalid integer literal %q", text)
	base := 10
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
	case len(s) > 2 && (s[:2] == "0b" || s[:2] == "0B"):
		base, s = 2, s[2:]
	case len(s) > 2 && (s[:2] == "0o" || s[:2] == "0O"):
		base, s = 8, s[2:]
	case len(s) > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9':
		base, s = 8, s[1:]
	}
	digits := 0
	for digits < len(s) && isDigit(s[digits], base) {
		digits++
	}
	num, rest := s[:digits], s[digits:]
	if num == "" {
		return 0, bad
	}
	v, err := strconv.ParseUint(num, base, 64)
	if err != nil {
		return 0, fmt.Errorf("integer literal %q is out of range", text)
	}
	mult := uint64(1)
	if base == 10 && len(rest) > 1 && (rest[0] == 'e' || rest[0] == 'E') && rest[1] >= '0' && rest[1] <= '9' {
		exp := 1
		for exp < len(rest) && rest[exp] >= '0' && rest[exp] <= '9' {
			exp++
		}
		e, _ := strconv.Atoi(rest[1:exp])
		for i := 0; i < e; i++ {
			if mult > ^uint64(0)/10 {
				return 0, fmt.Errorf("integer literal %q is out of range", text)
			}
			mult *= 10
		}
		rest = rest[exp:]
	}
	switch strings.ToLower(rest) {
	case "", "u", "l", "ul", "lu", "ll", "ull", "llu":
	case "ns":
	case "us":
		mult *= 1e3
	case "ms":
		mult *= 1e6
	case "s":
		mult *= 1e9
	case "m":
		mult *= 60e9
	case "h":
		mult *= 3600e9
	case "d":
		mult *= 86400e9
	default:
		return 0, bad
	}
	if mult != 1 && v > ^uint64(0)/mult {
		return 0, fmt.Errorf("integer literal %q is out of range", text)
	}
	return v * mult, nil
}

func isDigit(c byte, base int) bool {
	switch {
	case c >= '0' && c <= '9':
		return int(c-'0') < base
	case c >= 'a' && c <= 'f':
		return base == 16
	case c >= 'A' && c <= 'F':
		return base == 16
	}
	return false
}

// unquote decodes a string literal with C escapes. Unlike strconv.Unquote
// it keeps \xff as the single byte 0xff.
func unquote(lit string) (string, error) {
	s := lit[1 : len(lit)-1]
	if strings.IndexByte(s, '\\') < 0 {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", fmt.Errorf("invalid escape at end of string")
		}
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case 'e':
			b.WriteByte(0x1b)
		case '\\', '"', '\'', '?':
			b.WriteByte(e)
		case 'x':
			j := i + 1
			for j < len(s) && j < i+3 && isDigit(s[j], 16) {
				j++
			}
			if j == i+1 {
				return "", fmt.Errorf("invalid escape \\x with no hex digits")
			}
			v, _ := strconv.ParseUint(s[i+1:j], 16, 8)
			b.WriteByte(byte(v))
			i = j - 1
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && isDigit(s[j], 8) {
				j++
			}
			v, err := strconv.ParseUint(s[i:j], 8, 16)
			if err != nil || v > 255 {
				return "", fmt.Errorf("octal escape \\%s is out of range", s[i:j])
			}
			b.WriteByte(byte(v))
			i = j - 1
		default:
			return "", fmt.Errorf("invalid escape character '\\%c'", e)
		}
	}
	return b.String(), nil
}

// Parse lets participle parse a TypeSpec wherever the grammar holds one.
func (ts *TypeSpec) Parse(lex *lexer.PeekingLexer) error {
	p := &exprParser{lex: lex}
	got, ok := p.typeSpec()
	if !ok {
		return participle.NextMatch
	}
	*ts = *got
	return nil
}
