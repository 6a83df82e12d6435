package lang

import "reflect"

var spanType = reflect.TypeOf(Span{})

// trimSpans ends every span of the tree at its node's last token. The
// parser ends a node where the next token starts, which would take in the
// whitespace, comments and separators after it; prevEnd (from the lexer)
// maps each token's start to the end of the token before it. Spans that
// already end at a token's end are left as they are.
func trimSpans(v reflect.Value, prevEnd map[int]Position) {
	if len(prevEnd) == 0 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			trimSpans(v.Elem(), prevEnd)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			trimSpans(v.Index(i), prevEnd)
		}
	case reflect.Struct:
		if v.Type() == spanType {
			if !v.CanSet() {
				return
			}
			s := v.Addr().Interface().(*Span)
			if end, ok := prevEnd[s.EndPos.Offset]; ok && end.Offset > s.Pos.Offset {
				s.EndPos = end
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				trimSpans(v.Field(i), prevEnd)
			}
		}
	}
}

// keyword is the span of the keyword that starts s.
func keyword(s Span, word string) Span {
	end := s.Pos
	end.Offset += len(word)
	end.Column += len(word)
	return Span{Pos: s.Pos, EndPos: end, from: s.from}
}
