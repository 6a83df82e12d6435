package lang

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// grammar returns the participle configuration shared by every parser of
// the package. Items and statements are parsed by dispatchers that look at
// the first token and hand over to a parser for that one kind; each such
// parser is built on first use, so a script never pays for building the
// grammar of constructs it does not contain (building all of it used to be
// most of a one-liner's start). The forms every one-liner has are parsed
// by hand with the grammar their struct tags describe: the program, action
// blocks, blocks and expression statements (here) and expressions
// (expr.go); participle parses the rest (config, C definitions, macros,
// imports, map declarations, let, if, while, unroll, for, jumps).
func grammar() []participle.Option {
	return []participle.Option{
		participle.Lexer(scriptLexer{}),
		participle.ParseTypeWith(parseItem),
		participle.ParseTypeWith(parseStmt),
		participle.ParseTypeWith(parseExpression),
	}
}

// The dispatchers' tables. They are set up in init because the grammar
// refers to the dispatchers, which refer to the parsers.
var (
	itemParsers map[string]func(*lexer.PeekingLexer) (Item, error)
	stmtParsers map[string]func(*lexer.PeekingLexer) (Stmt, error)
)

func init() {
	itemParsers = map[string]func(*lexer.PeekingLexer) (Item, error){
		"#":      subParser[Preproc, Item](),
		"config": subParser[ConfigBlock, Item](),
		"import": subParser[Import, Item](),
		"struct": parseCStruct,
		"enum":   subParser[CEnum, Item](),
		"let":    subParser[MapDecl, Item](),
		"macro":  subParser[Macro, Item](),
		"":       parseProbe,
	}
	itemParsers["union"] = itemParsers["struct"]
	jump := subParser[JumpStmt, Stmt]()
	stmtParsers = map[string]func(*lexer.PeekingLexer) (Stmt, error){
		"let":      subParser[LetStmt, Stmt](),
		"if":       subParser[IfStmt, Stmt](),
		"while":    subParser[WhileStmt, Stmt](),
		"unroll":   subParser[UnrollStmt, Stmt](),
		"for":      subParser[ForStmt, Stmt](),
		"return":   parseReturn,
		"break":    jump,
		"continue": jump,
		"{":        subParser[BlockStmt, Stmt](),
		"":         parseExprStmt,
	}
}

// subParser returns a function that parses one T from the lexer, where the
// grammar expects an I, and leaves the lexer after it. The parser for T is
// built on the first call.
func subParser[T any, I any]() func(*lexer.PeekingLexer) (I, error) {
	build := sync.OnceValue(func() *participle.Parser[T] {
		return participle.MustBuild[T](grammar()...)
	})
	return func(lex *lexer.PeekingLexer) (I, error) {
		var none I
		v, err := build().ParseFromLexer(lex, participle.AllowTrailing(true))
		if err != nil {
			return none, err
		}
		return any(v).(I), nil
	}
}

// assignOps are the operators of assignment statements.
var assignOps = map[string]bool{"=": true, "+=": true, "-=": true, "*=": true, "/=": true, "%=": true,
	"&=": true, "|=": true, "^=": true, "<<=": true, ">>=": true}

// parseExprStmt parses an expression statement, possibly an assignment,
// by hand: participle's optional group would backtrack over an assignment
// whose value is missing and blame the operator, where bpftrace reports
// the token after it (`@x = ;`: "unexpected ;").
func parseExprStmt(lex *lexer.PeekingLexer) (Stmt, error) {
	p := &exprParser{lex: lex}
	x, err := p.expr()
	if err != nil {
		return nil, err
	}
	s := &ExprStmt{Span: x.Loc(), X: x}
	if t := p.peek(); t.Type == tokPunct && assignOps[t.Value] {
		s.Op = p.next().Value
		if s.Value, err = p.expr(); err != nil {
			return nil, err
		}
		s.EndPos = s.Value.Loc().EndPos
	}
	for p.is(";") {
		s.Semi = true
		s.EndPos = endOf(p.next())
	}
	return s, nil
}

// parseReturn parses `return`, optionally followed by the value the probe
// returns, as in the newest bpftrace: `return;`, `return 1;`.
func parseReturn(lex *lexer.PeekingLexer) (Stmt, error) {
	p := &exprParser{lex: lex}
	t := p.next()
	s := &JumpStmt{Span: Span{Pos: t.Pos, EndPos: endOf(t)}, Kind: "return"}
	if !p.is(";") && !p.is("}") && !p.peek().EOF() {
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		s.Value, s.EndPos = x, x.Loc().EndPos
	}
	for p.is(";") {
		s.Semi = true
		s.EndPos = endOf(p.next())
	}
	return s, nil
}

// Parse parses a braced block of statements, for participle wherever a
// grammar holds a Block, and for parseProbe and block expressions.
func (b *Block) Parse(lex *lexer.PeekingLexer) error {
	p := &exprParser{lex: lex}
	open := p.peek()
	if !p.is("{") {
		return p.unexpected("")
	}
	p.next()
	b.Stmts = nil
	for p.is(";") {
		p.next()
	}
	for {
		s, err := parseStmt(lex)
		if err == participle.NextMatch {
			break
		} else if err != nil {
			return err
		}
		b.Stmts = append(b.Stmts, s)
	}
	closing := p.peek()
	if !p.is("}") {
		return p.unexpected("")
	}
	p.next()
	b.Span = Span{Pos: open.Pos, EndPos: endOf(closing)}
	return nil
}

// parseBlock parses a block at the lexer's position.
func parseBlock(lex *lexer.PeekingLexer) (*Block, error) {
	b := &Block{}
	if err := b.Parse(lex); err != nil {
		return nil, err
	}
	return b, nil
}

// parseProbe parses an action block, `points [/predicate/] { body }`.
func parseProbe(lex *lexer.PeekingLexer) (Item, error) {
	p := &exprParser{lex: lex}
	pr := &Probe{}
	for {
		t := p.peek()
		if t.Type != tokAttach {
			return nil, p.unexpected("")
		}
		p.next()
		pr.Attach = append(pr.Attach, &AttachPoint{Span: Span{Pos: t.Pos, EndPos: endOf(t)}, Raw: t.Value})
		if !p.is(",") {
			break
		}
		p.next()
		if p.peek().Type != tokAttach {
			break // a trailing comma
		}
	}
	if p.peek().Type == tokPredStart {
		p.next()
		pred, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.peek().Type != tokPredEnd {
			return nil, p.unexpected("")
		}
		p.next()
		pr.Pred = pred
	}
	body, err := parseBlock(lex)
	if err != nil {
		return nil, err
	}
	pr.Body = body
	pr.Span = Span{Pos: pr.Attach[0].Pos, EndPos: body.EndPos}
	return pr, nil
}

// parseItem parses a top-level item, chosen by its first token.
func parseItem(lex *lexer.PeekingLexer) (Item, error) {
	t := lex.Peek()
	switch {
	case t.EOF():
		return nil, participle.NextMatch
	case t.Type == tokPreproc:
		return itemParsers["#"](lex)
	}
	if parse, ok := itemParsers[t.Value]; ok {
		return parse(lex)
	}
	return itemParsers[""](lex)
}

// parseStmt parses a statement, chosen by its first token; a block's
// closing brace ends the statements.
func parseStmt(lex *lexer.PeekingLexer) (Stmt, error) {
	t := lex.Peek()
	if t.EOF() || t.Type == tokPunct && t.Value == "}" {
		return nil, participle.NextMatch
	}
	if t.Type == tokPunct && t.Value == "{" || t.Type == tokIdent {
		if parse, ok := stmtParsers[t.Value]; ok {
			return parse(lex)
		}
	}
	return stmtParsers[""](lex)
}

// parseProgram parses the items of a script up to the end of the input.
func parseProgram(lex *lexer.PeekingLexer) (*Program, error) {
	prog := &Program{}
	start := lex.Peek().Pos
	for !lex.Peek().EOF() {
		it, err := parseItem(lex)
		if err != nil {
			return nil, err
		}
		prog.Items = append(prog.Items, it)
	}
	prog.Span = Span{Pos: start, EndPos: lex.Peek().Pos}
	return prog, nil
}

// internalParseError starts the message of a parser panic turned into an
// error; the fuzz tests look for it.
const internalParseError = "internal parser error: "

// Parse parses a script. The file name is used in positions; use "" for a
// script given on the command line (it is reported as "stdin", as bpftrace
// does).
func Parse(filename, src string) (prog *Program, err error) {
	defer func() {
		// participle reports some grammar conflicts by panicking; a script
		// must never crash the program.
		if r := recover(); r != nil {
			prog, err = nil, &Error{Pos: Position{Filename: filename, Line: 1, Column: 1}, Msg: fmt.Sprint(internalParseError, r)}
		}
	}()
	if src, err = preprocess(filename, src); err != nil {
		return nil, err
	}
	lex := newLexState(filename, src)
	tokens, err := lexer.Upgrade(lex)
	if err != nil {
		return nil, convertParseError(err)
	}
	prog, err = parseProgram(tokens)
	if err != nil {
		return nil, convertParseError(err)
	}
	trimSpans(reflect.ValueOf(prog), lex.prevEnd)
	if err := checkSyntax(prog); err != nil {
		return nil, err
	}
	return prog, nil
}

// convertParseError turns participle's errors into positioned Errors with
// bpftrace's wording.
func convertParseError(err error) error {
	var own *Error
	if errors.As(err, &own) {
		return own
	}
	var ute *participle.UnexpectedTokenError
	if errors.As(err, &ute) {
		t := ute.Unexpected
		msg := "syntax error, unexpected " + tokenDescription(t)
		if ute.Expect != "" {
			msg += ", expecting " + strings.ReplaceAll(ute.Expect, `"`, "")
		}
		return &Error{Pos: t.Pos, End: endOf(&t), Msg: msg}
	}
	var pe participle.Error
	if errors.As(err, &pe) {
		msg := pe.Message()
		if !strings.HasPrefix(msg, "syntax error") {
			msg = "syntax error, " + msg
		}
		return &Error{Pos: pe.Position(), End: pe.Position(), Msg: msg}
	}
	return &Error{Pos: lexer.Position{Line: 1, Column: 1}, Msg: err.Error()}
}

// checkSyntax enforces the rules the grammar leaves loose: a statement
// that does not end in a block must be followed by ';' unless it is last.
func checkSyntax(prog *Program) error {
	var errs ErrorList
	var walkBlock func(b *Block)
	walkBlock = func(b *Block) {
		if b == nil {
			return
		}
		for i, s := range b.Stmts {
			if i+1 < len(b.Stmts) && !terminated(s) {
				next := b.Stmts[i+1].Loc()
				errs = append(errs, &Error{Pos: next.Pos, End: next.Pos, Msg: "syntax error, expecting ; or }"})
			}
			switch s := s.(type) {
			case *IfStmt:
				for s != nil {
					walkBlock(s.Then)
					if s.Else == nil {
						break
					}
					walkBlock(s.Else.Block)
					s = s.Else.If
				}
			case *WhileStmt:
				walkBlock(s.Body)
			case *UnrollStmt:
				walkBlock(s.Body)
			case *ForStmt:
				if s.Open != s.Close {
					// The head's parentheses must pair up.
					at, msg := s.Body.Loc().Pos, "syntax error, unexpected {, expecting )"
					if !s.Open {
						head := s.First
						if s.End != nil {
							head = s.End
						}
						at, msg = head.Loc().EndPos, "syntax error, unexpected ), expecting {"
					}
					errs = append(errs, &Error{Pos: at, End: at, Msg: msg})
				}
				walkBlock(s.Body)
			case *BlockStmt:
				walkBlock(s.Block)
			}
		}
	}
	for _, it := range prog.Items {
		switch it := it.(type) {
		case *Probe:
			walkBlock(it.Body)
		case *Macro:
			walkBlock(it.Body)
		}
	}
	return errs.Err()
}

func terminated(s Stmt) bool {
	switch s := s.(type) {
	case *ExprStmt:
		return s.Semi
	case *LetStmt:
		return s.Semi
	case *JumpStmt:
		return s.Semi
	}
	return true
}
