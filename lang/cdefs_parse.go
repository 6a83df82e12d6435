package lang

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Struct and union definitions are parsed by hand: a member's type may be
// a struct, union or enum defined right there, a declaration may declare
// several members, and attributes may stand almost anywhere.
//
//	definition := ('struct' | 'union') Attr* Word* Name Attr* '{' member* '}' Attr* ';'*
//	member     := Attr* type declarator (',' declarator)* ';'
//	type       := ('struct' | 'union') ... '{' member* '}' Attr*   (a definition)
//	            | 'enum' Ident? '{' enumerators '}'
//	            | (Ident | Attr)+
//	declarator := '*'* (Ident | '(' '*' Ident ')' group*)? ('[' Int? ']')* (':' Int)? Attr*
//
// The ';' of the last member may be left out, as clang allows. Words
// before a definition's name are attribute macros (#define __packed
// __attribute__((packed))); the checker resolves them.

// parseCStruct parses a struct or union definition at the top level.
func parseCStruct(lex *lexer.PeekingLexer) (Item, error) {
	p := &exprParser{lex: lex}
	s, err := p.cstruct(true)
	if err != nil {
		return nil, err
	}
	for p.is(";") {
		s.EndPos = endOf(p.next())
	}
	return s, nil
}

// cstruct parses a struct or union from its keyword to after the
// attributes that follow its closing brace. At the top level it must have
// a name.
func (p *exprParser) cstruct(top bool) (*CStruct, error) {
	kw := p.next()
	s := &CStruct{Span: Span{Pos: kw.Pos, EndPos: endOf(kw)}, Kind: kw.Value}
	var words []*CWord
head:
	for {
		switch t := p.peek(); t.Type {
		case tokAttribute:
			s.Attrs = append(s.Attrs, p.attr())
		case tokIdent:
			p.next()
			words = append(words, &CWord{Span: Span{Pos: t.Pos, EndPos: endOf(t)}, Word: t.Value})
		default:
			break head
		}
	}
	if len(words) > 0 {
		s.Name = words[len(words)-1].Word
		s.Macros = words[:len(words)-1]
	} else if top {
		return nil, p.unexpected("a name")
	}
	if _, err := p.expect("{"); err != nil {
		return nil, err
	}
	for !p.is("}") {
		if p.peek().EOF() {
			return nil, p.unexpected("}")
		}
		fields, err := p.cmember()
		if err != nil {
			return nil, err
		}
		s.Fields = append(s.Fields, fields...)
	}
	s.EndPos = endOf(p.next())
	for p.peek().Type == tokAttribute {
		a := p.attr()
		s.Attrs = append(s.Attrs, a)
		s.EndPos = a.EndPos
	}
	return s, nil
}

// attr takes an attribute token.
func (p *exprParser) attr() *CAttr {
	t := p.next()
	text := t.Value[len("__attribute__"):]
	text = text[skipLayout(text, 0):]
	text = strings.TrimSpace(text[2 : len(text)-2])
	return &CAttr{Span: Span{Pos: t.Pos, EndPos: endOf(t)}, Text: text}
}

// isDefinition reports whether the struct, union or enum keyword ahead
// starts a definition (a '{' after its name and attributes) rather than
// naming a type.
func (p *exprParser) isDefinition() bool {
	cp := p.lex.MakeCheckpoint()
	defer p.lex.LoadCheckpoint(cp)
	p.next()
	for t := p.peek(); t.Type == tokAttribute || t.Type == tokIdent; t = p.peek() {
		p.next()
	}
	return p.is("{")
}

// cmember parses one member declaration: one CField per declarator.
func (p *exprParser) cmember() ([]*CField, error) {
	start := p.peek().Pos
	base := CField{}
	// pending are attributes after the last type word: they belong to the
	// first member when that word is its name (int x __attribute__(...)),
	// else to the type.
	var pending []*CAttr
	for p.peek().Type == tokAttribute {
		base.Attrs = append(base.Attrs, p.attr())
	}
	switch {
	case (p.is("struct") || p.is("union")) && p.isDefinition():
		def, err := p.cstruct(false)
		if err != nil {
			return nil, err
		}
		base.Def = def
	case p.is("enum") && p.isDefinition():
		e, err := p.cenumDef()
		if err != nil {
			return nil, err
		}
		base.Enum = e
	default:
		for {
			t := p.peek()
			if t.Type == tokAttribute {
				pending = append(pending, p.attr())
				continue
			}
			if t.Type != tokIdent {
				break
			}
			p.next()
			base.Attrs, pending = append(base.Attrs, pending...), nil
			base.Words = append(base.Words, t.Value)
			base.WordSpans = append(base.WordSpans, Span{Pos: t.Pos, EndPos: endOf(t)})
		}
		if len(base.Words) == 0 {
			return nil, p.unexpected("a member")
		}
	}
	var out []*CField
	for {
		f := base
		f.Attrs = append([]*CAttr(nil), base.Attrs...)
		f.Span = Span{Pos: start}
		if len(out) > 0 {
			f.Pos = p.peek().Pos
		}
		if err := p.cdeclarator(&f); err != nil {
			return nil, err
		}
		if len(out) == 0 {
			if f.Name == "" && len(f.Stars) == 0 && len(f.Dims) == 0 && f.Bits == "" && len(f.Words) == 2 && !p.is(",") &&
				(f.Words[0] == "struct" || f.Words[0] == "union" || f.Words[0] == "enum") {
				// `struct A;` declares a type and no member.
				if p.is(";") {
					p.next()
				}
				return nil, nil
			}
			if f.Name == "" && len(f.Stars) == 0 && !f.FuncPtr && len(f.Words) > 1 {
				// `unsigned long x`: the last word is the name.
				n := len(f.Words) - 1
				f.Name = f.Words[n]
				f.Words, f.WordSpans = f.Words[:n], f.WordSpans[:n]
				base.Words, base.WordSpans = f.Words, f.WordSpans
			} else {
				base.Attrs = append(base.Attrs, pending...)
			}
			f.Attrs = append(f.Attrs, pending...)
		}
		f.EndPos = p.prevEnd()
		out = append(out, &f)
		if !p.is(",") {
			break
		}
		p.next()
	}
	switch {
	case p.is(";"):
		p.next()
	case p.is("}"):
	default:
		return nil, p.unexpected(`";"`)
	}
	return out, nil
}

// cdeclarator parses what follows a member's type: stars, the name (or a
// function pointer), array dimensions, a bitfield width, attributes.
func (p *exprParser) cdeclarator(f *CField) error {
	for p.is("*") || p.is("const") || p.is("volatile") || p.is("restrict") {
		if t := p.next(); t.Value == "*" {
			f.Stars = append(f.Stars, t.Value)
		}
	}
	switch t := p.peek(); {
	case p.is("("):
		// A pointer to a function (or to an array): (*name) and the
		// parameter list.
		p.next()
		if _, err := p.expect("*"); err != nil {
			return err
		}
		if n := p.peek(); n.Type == tokIdent {
			f.Name = p.next().Value
		}
		if _, err := p.expect(")"); err != nil {
			return err
		}
		for p.is("(") || p.is("[") {
			if err := p.skipGroup(); err != nil {
				return err
			}
		}
		f.FuncPtr = true
	case t.Type == tokIdent:
		f.Name = p.next().Value
	}
	for p.is("[") {
		p.next()
		dim := "0" // a flexible array member: int x[];
		if t := p.peek(); t.Type == tokInt {
			dim = p.next().Value
		}
		if _, err := p.expect("]"); err != nil {
			return err
		}
		f.Dims = append(f.Dims, dim)
	}
	if p.is(":") {
		p.next()
		t := p.peek()
		if t.Type != tokInt {
			return p.unexpected("a bitfield width")
		}
		f.Bits = p.next().Value
	}
	for p.peek().Type == tokAttribute {
		f.Attrs = append(f.Attrs, p.attr())
	}
	return nil
}

// skipGroup skips a parenthesised or bracketed group, nested ones too.
func (p *exprParser) skipGroup() error {
	depth := 0
	for {
		t := p.peek()
		if t.EOF() {
			return p.unexpected(")")
		}
		p.next()
		switch t.Value {
		case "(", "[":
			depth++
		case ")", "]":
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// cenumDef parses an enum defined in a member: enum Name? { A, B = 2 }.
func (p *exprParser) cenumDef() (*CEnum, error) {
	kw := p.next()
	e := &CEnum{Span: Span{Pos: kw.Pos}}
	if t := p.peek(); t.Type == tokIdent {
		e.Name = p.next().Value
	}
	if _, err := p.expect("{"); err != nil {
		return nil, err
	}
	for !p.is("}") {
		t := p.peek()
		if t.Type != tokIdent {
			return nil, p.unexpected("an enumerator")
		}
		p.next()
		v := &CEnumValue{Span: Span{Pos: t.Pos, EndPos: endOf(t)}, Name: t.Value}
		if p.is("=") {
			p.next()
			neg := ""
			if p.is("-") {
				neg = p.next().Value
			}
			n := p.peek()
			if n.Type != tokInt {
				return nil, p.unexpected("an integer")
			}
			v.Value = neg + p.next().Value
			v.EndPos = endOf(n)
		}
		e.Values = append(e.Values, v)
		if !p.is(",") {
			break
		}
		p.next()
	}
	end, err := p.expect("}")
	if err != nil {
		return nil, err
	}
	e.EndPos = endOf(end)
	return e, nil
}

// prevEnd is where the last token taken ended.
func (p *exprParser) prevEnd() Position {
	rc := p.lex.RawCursor()
	if rc == 0 {
		return p.peek().Pos
	}
	t := p.lex.Range(rc-1, rc)[0]
	return endOf(&t)
}
