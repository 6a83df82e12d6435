package lang

import (
	"fmt"
	"strconv"
	"strings"
)

// Dump writes the syntax tree as an indented outline, one node a line,
// with types where Check has set them. It is what `gtrace -d` shows.
func Dump(prog *Program) string {
	var d dumper
	for _, it := range prog.Items {
		d.item(it)
	}
	return d.b.String()
}

// ExprString renders an expression on one line, as S-expression.
func ExprString(e Expr) string {
	var d dumper
	d.inline(e)
	return d.b.String()
}

type dumper struct {
	b     strings.Builder
	depth int
}

func (d *dumper) line(format string, args ...any) {
	d.b.WriteString(strings.Repeat("  ", d.depth))
	fmt.Fprintf(&d.b, format, args...)
	d.b.WriteByte('\n')
}

// cstruct dumps a struct or union definition, nested ones too.
func (d *dumper) cstruct(s *CStruct) {
	head := s.Kind + " " + s.Name
	for _, a := range s.Attrs {
		head += " __attribute__((" + a.Text + "))"
	}
	d.line("%s", strings.TrimSpace(head))
	d.depth++
	for _, f := range s.Fields {
		typ, name := f.decl()
		t := typ.String()
		switch {
		case f.Def != nil:
			d.cstruct(f.Def)
			t = f.Def.Kind + " " + f.Def.Name
		case f.Enum != nil:
			t = "enum " + f.Enum.Name
		case f.FuncPtr:
			t = "function pointer"
		}
		if f.Bits != "" {
			name += " : " + f.Bits
		}
		for _, a := range f.Attrs {
			name += " __attribute__((" + a.Text + "))"
		}
		d.line("%s %s", strings.TrimSpace(t), name)
	}
	d.depth--
}

func (d *dumper) item(it Item) {
	switch it := it.(type) {
	case *Preproc:
		d.line("preprocessor %s", it.Text)
	case *CStruct:
		d.cstruct(it)
	case *CEnum:
		d.line("enum %s", it.Name)
		d.depth++
		for _, v := range it.Values {
			d.line("%s %s", v.Name, v.Value)
		}
		d.depth--
	case *Macro:
		d.nested("macro "+it.Name+"("+strings.Join(it.Params, ", ")+")", it.Body)
	case *MapDecl:
		d.line("let %s = %s(%s)", it.Name, it.Kind, it.Size)
	case *Import:
		d.line("import %s", it.Path)
	case *ConfigBlock:
		d.line("config")
		d.depth++
		for _, e := range it.Entries {
			d.line("%s = %s", e.Name, e.Value)
		}
		d.depth--
	case *Probe:
		var names []string
		for _, a := range it.Attach {
			names = append(names, a.Raw)
		}
		d.line("probe %s", strings.Join(names, ", "))
		d.depth++
		if it.Pred != nil {
			d.line("predicate %s", ExprString(it.Pred))
		}
		d.block(it.Body)
		d.depth--
	}
}

func (d *dumper) block(b *Block) {
	for _, s := range b.Stmts {
		d.stmt(s)
	}
}

func (d *dumper) nested(head string, b *Block) {
	d.line("%s", head)
	d.depth++
	d.block(b)
	d.depth--
}

func (d *dumper) stmt(s Stmt) {
	switch s := s.(type) {
	case *ExprStmt:
		if s.Op != "" {
			d.line("%s %s %s", ExprString(s.X), s.Op, ExprString(s.Value))
		} else {
			d.line("%s", ExprString(s.X))
		}
	case *LetStmt:
		l := "let " + s.Var
		if s.Type != nil {
			l += ": " + s.Type.String()
		}
		if s.Value != nil {
			l += " = " + ExprString(s.Value)
		}
		d.line("%s", l)
	case *IfStmt:
		d.nested("if "+ExprString(s.Cond), s.Then)
		if s.Else != nil {
			if s.Else.If != nil {
				d.line("else")
				d.depth++
				d.stmt(s.Else.If)
				d.depth--
			} else {
				d.nested("else", s.Else.Block)
			}
		}
	case *WhileStmt:
		d.nested("while "+ExprString(s.Cond), s.Body)
	case *UnrollStmt:
		d.nested("unroll "+ExprString(s.Count), s.Body)
	case *ForStmt:
		head := "for " + s.Var.Name + " : " + ExprString(s.First)
		if s.End != nil {
			head += " .. " + ExprString(s.End)
		}
		d.nested(head, s.Body)
	case *JumpStmt:
		if s.Value != nil {
			d.line("%s %s", s.Kind, ExprString(s.Value))
			break
		}
		d.line("%s", s.Kind)
	case *BlockStmt:
		d.nested("block", s.Block)
	}
}

// String spells the type as written.
func (ts *TypeSpec) String() string {
	s := ts.Name
	if ts.Typeof != nil {
		s = "typeof(" + ExprString(ts.Typeof) + ")"
	}
	for _, n := range ts.Suffix {
		switch {
		case n == -1:
			s += "*"
		case n < 0:
			s += "[]"
		default:
			s += "[" + strconv.Itoa(n) + "]"
		}
	}
	return s
}

func (d *dumper) inline(e Expr) {
	w := &d.b
	if e == nil {
		w.WriteString("<nil>")
		return
	}
	switch e := e.(type) {
	case *IntLit:
		w.WriteString(e.Text)
	case *StrLit:
		w.WriteString(strconv.Quote(e.Value))
	case *BoolLit:
		w.WriteString(strconv.FormatBool(e.Value))
	case *Ident:
		w.WriteString(e.Name)
	case *Var:
		w.WriteString(e.Name)
	case *Positional:
		if e.Count {
			w.WriteString("$#")
		} else {
			fmt.Fprintf(w, "$%d", e.N)
		}
	case *MapExpr:
		w.WriteString(e.Name)
		if e.Indexed {
			w.WriteString("[")
			d.list(e.Keys)
			w.WriteString("]")
		}
	case *Call:
		w.WriteString(e.Name + "(")
		d.list(e.Args)
		w.WriteString(")")
	case *Binary:
		w.WriteString("(" + e.Op + " ")
		d.inline(e.L)
		w.WriteString(" ")
		d.inline(e.R)
		w.WriteString(")")
	case *Unary:
		w.WriteString("(" + e.Op + " ")
		d.inline(e.X)
		w.WriteString(")")
	case *IncDec:
		if e.Prefix {
			w.WriteString("(pre" + e.Op + " ")
		} else {
			w.WriteString("(post" + e.Op + " ")
		}
		d.inline(e.X)
		w.WriteString(")")
	case *Ternary:
		w.WriteString("(? ")
		d.inline(e.Cond)
		w.WriteString(" ")
		d.inline(e.Then)
		w.WriteString(" ")
		d.inline(e.Else)
		w.WriteString(")")
	case *Tuple:
		w.WriteString("(tuple ")
		d.list(e.Elems)
		w.WriteString(")")
	case *Record:
		w.WriteString("(record")
		for i, n := range e.Names {
			w.WriteString(" " + n + "=")
			d.inline(e.Values[i])
		}
		w.WriteString(")")
	case *FieldExpr:
		d.inline(e.X)
		if e.Arrow {
			w.WriteString("->")
		} else {
			w.WriteString(".")
		}
		w.WriteString(e.Name)
	case *IndexExpr:
		d.inline(e.X)
		w.WriteString("[")
		d.inline(e.Index)
		w.WriteString("]")
	case *Cast:
		w.WriteString("(cast " + e.To.String() + " ")
		d.inline(e.X)
		w.WriteString(")")
	case *OffsetofExpr:
		w.WriteString("offsetof(" + e.Of.String() + ", " + strings.Join(e.Fields, ".") + ")")
	case *BlockExpr:
		w.WriteString("{ ")
		for _, s := range e.Block.Stmts {
			var sub dumper
			sub.stmt(s)
			w.WriteString(strings.TrimSpace(sub.b.String()) + "; ")
		}
		if e.Value != nil {
			d.inline(e.Value)
			w.WriteString(" ")
		}
		w.WriteString("}")
	case *TypeofExpr:
		w.WriteString(e.Of.String())
	case *SizeofExpr:
		w.WriteString("sizeof(")
		if e.Of != nil {
			w.WriteString(e.Of.String())
		} else {
			d.inline(e.X)
		}
		w.WriteString(")")
	default:
		fmt.Fprintf(w, "<%T>", e)
	}
	if t := e.Type(); t != nil {
		w.WriteString(":" + t.String())
	}
}

func (d *dumper) list(es []Expr) {
	for i, e := range es {
		if i > 0 {
			d.b.WriteString(", ")
		}
		d.inline(e)
	}
}
