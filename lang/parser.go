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

// grammar returns the participle configuration shared by the program
// parser and the block parser the expression parser calls for block
// expressions.
func grammar() []participle.Option {
	return []participle.Option{
		participle.Lexer(scriptLexer{}),
		participle.Union[Item](&Preproc{}, &ConfigBlock{}, &Import{}, &CStruct{}, &MapDecl{}, &Macro{}, &Probe{}),
		participle.Union[Stmt](&LetStmt{}, &IfStmt{}, &WhileStmt{}, &UnrollStmt{}, &ForStmt{},
			&JumpStmt{}, &BlockStmt{}, &ExprStmt{}),
		participle.ParseTypeWith(parseExpression),
	}
}

// The parsers are built on first use (the grammar is recursive through the
// expression parser, so they are set up in init). The block parser is
// only built for scripts that use block expressions.
var (
	buildParser      func() *participle.Parser[Program]
	buildBlockParser func() *participle.Parser[Block]
)

func init() {
	buildParser = sync.OnceValue(func() *participle.Parser[Program] {
		return participle.MustBuild[Program](grammar()...)
	})
	buildBlockParser = sync.OnceValue(func() *participle.Parser[Block] {
		return participle.MustBuild[Block](grammar()...)
	})
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
	prog, err = buildParser().ParseFromLexer(tokens)
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
