package lang

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Macros are expanded before checking, by rewriting the syntax tree: a
// call to a macro becomes a block expression holding a copy of the
// macro's body. The expansion is hygienic: a $x parameter names the
// caller's variable (which the body may change), an @m parameter the
// caller's map, a bare parameter stands for the expression passed; every
// other variable in the body is the body's own; and the body may use no
// map it was not given.

// maxMacroDepth bounds macros that expand into themselves.
const maxMacroDepth = 32

type macroExpander struct {
	macros map[string][]*Macro
	n      int // expansions so far, to name each one's variables
	errs   ErrorList
	depth  int
}

// expandMacros replaces every macro call in the program's probes.
func expandMacros(prog *Program) error {
	x := &macroExpander{macros: map[string][]*Macro{}}
	for _, it := range prog.Items {
		if m, ok := it.(*Macro); ok {
			for _, other := range x.macros[m.Name] {
				if len(other.Params) == len(m.Params) {
					x.errs = append(x.errs, errorAt(m.Span, "macro %s with %d parameters is defined twice", m.Name, len(m.Params)))
				}
			}
			x.macros[m.Name] = append(x.macros[m.Name], m)
		}
	}
	if len(x.macros) == 0 {
		return x.errs.Err()
	}
	for _, it := range prog.Items {
		if p, ok := it.(*Probe); ok {
			rewriteExprs(reflect.ValueOf(p), x.expand)
		}
	}
	return x.errs.Err()
}

// lookup finds the macro a call with n arguments names.
func (x *macroExpander) lookup(name string, n int) *Macro {
	for _, m := range x.macros[name] {
		if len(m.Params) == n {
			return m
		}
	}
	return nil
}

// expand rewrites one expression when it is a macro call: name(args), or
// a bare name for a macro without parameters.
func (x *macroExpander) expand(e Expr) Expr {
	switch e := e.(type) {
	case *Call:
		if m := x.lookup(e.Name, len(e.Args)); m != nil {
			return x.instantiate(m, e.Args, e.Span)
		}
		if ms := x.macros[e.Name]; len(ms) > 0 && functions[e.Name].check == nil && aggregations[e.Name] == AggNone {
			x.errs = append(x.errs, errorAt(e.Span, "macro %s takes %d arguments (%d provided)", e.Name, len(ms[0].Params), len(e.Args)))
		}
	case *Ident:
		if m := x.lookup(e.Name, 0); m != nil {
			return x.instantiate(m, nil, e.Span)
		}
	}
	return e
}

// instantiate copies a macro's body for one call.
func (x *macroExpander) instantiate(m *Macro, args []Expr, at Span) Expr {
	if x.depth >= maxMacroDepth {
		x.errs = append(x.errs, errorAt(at, "macro %s expands too deeply (is it recursive?)", m.Name))
		return &BlockExpr{Span: at, Block: &Block{Span: at}}
	}
	x.n++
	suffix := fmt.Sprintf("_macro%d", x.n)
	vars := map[string]string{}     // $param -> the caller's variable
	maps := map[string]string{}     // @param -> the caller's map
	exprs := map[string]Expr{}      // param -> the expression passed
	types := map[string]*TypeSpec{} // param -> the type passed, typeof(...)
	for i, p := range m.Params {
		arg := args[i]
		switch p[0] {
		case '$':
			v, ok := arg.(*Var)
			if !ok {
				x.errs = append(x.errs, errorAt(arg.Loc(), "macro %s: parameter %s needs a scratch variable", m.Name, p))
				continue
			}
			vars[p] = v.Name
		case '@':
			mp, ok := arg.(*MapExpr)
			if !ok || mp.Indexed {
				x.errs = append(x.errs, errorAt(arg.Loc(), "macro %s: parameter %s needs a map", m.Name, p))
				continue
			}
			maps[p] = mp.Name
		default:
			if t, ok := arg.(*TypeofExpr); ok {
				types[p] = t.Of
				continue
			}
			exprs[p] = arg
		}
	}
	body := cloneNode(m.Body).(*Block)
	// The copy's text is the macro's, expanded from this call: errors in
	// it say so. Arguments substituted below are the caller's text.
	setExpandedFrom(reflect.ValueOf(body), &at)
	// Rename in the copy: variables and maps first, then substitute the
	// expression parameters (whose own variables belong to the caller).
	rewriteExprs(reflect.ValueOf(body), func(e Expr) Expr {
		switch e := e.(type) {
		case *Var:
			if name, ok := vars[e.Name]; ok {
				e.Name = name
			} else {
				e.Name += suffix
			}
		case *MapExpr:
			if name, ok := maps[e.Name]; ok {
				e.Name = name
			} else {
				x.errs = append(x.errs, errorAt(e.Span, "macro %s uses %s, which was not passed to it", m.Name, e.Name))
			}
		}
		return e
	})
	renameDecls(body, vars, suffix)
	rewriteExprs(reflect.ValueOf(body), func(e Expr) Expr {
		if id, ok := e.(*Ident); ok {
			if arg, ok := exprs[id.Name]; ok {
				return cloneExpr(arg)
			}
		}
		return e
	})
	substituteTypeSpecs(body, exprs, types)
	// Macros the body calls.
	x.depth++
	rewriteExprs(reflect.ValueOf(body), x.expand)
	x.depth--
	// The body's value, as a block expression's: a last expression, or a
	// block or an if ending in values.
	return &BlockExpr{Span: at, Block: body, Value: blockValue(body)}
}

// substituteTypeSpecs replaces the parameters the parser read as type
// names. A parameter given a type (typeof(...) as the argument) is that
// type wherever it names one, its suffixes added: (t *)x, sizeof(t[2]),
// let $v: t. An expression parameter in typeof(x) and sizeof(x) gives the
// type of (or size of) the expression passed, as bpftrace substitutes the
// identifier wherever it appears.
func substituteTypeSpecs(body *Block, exprs map[string]Expr, types map[string]*TypeSpec) {
	if len(exprs) == 0 && len(types) == 0 {
		return
	}
	eachNode(reflect.ValueOf(body), func(v reflect.Value) {
		switch n := v.Interface().(type) {
		case *TypeSpec:
			if t, ok := types[n.Name]; ok && n.Typeof == nil {
				n.Name, n.Suffix = t.Name, append(append([]int(nil), t.Suffix...), n.Suffix...)
				if t.Typeof != nil {
					n.Typeof = cloneExpr(t.Typeof)
				}
				return
			}
			if arg, ok := exprs[n.Name]; ok && n.wrapped && n.Typeof == nil {
				n.Name, n.Typeof = "", cloneExpr(arg)
			}
		case *SizeofExpr:
			if n.Of == nil || len(n.Of.Suffix) > 0 || n.Of.wrapped {
				return
			}
			if arg, ok := exprs[n.Of.Name]; ok {
				n.Of, n.X = nil, cloneExpr(arg)
			}
		}
	})
}

// setExpandedFrom marks every span reachable from v (a freshly copied
// macro body) as expanded from the macro call at.
func setExpandedFrom(v reflect.Value, at *Span) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() && v.Elem().Kind() == reflect.Struct && v.Type() != typePtr && v.Type() != reflect.TypeOf((*VarDecl)(nil)) {
			setExpandedFrom(v.Elem(), at)
		}
	case reflect.Interface:
		if !v.IsNil() {
			setExpandedFrom(v.Elem(), at)
		}
	case reflect.Struct:
		if v.Type() == spanType {
			if v.CanAddr() {
				v.Addr().Interface().(*Span).from = at
			}
			return
		}
		if v.Type() == typeType || v.Type() == posType {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				setExpandedFrom(v.Field(i), at)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			setExpandedFrom(v.Index(i), at)
		}
	}
}

// eachNode calls f for every pointer to a struct reachable from v, parents
// first.
func eachNode(v reflect.Value, f func(reflect.Value)) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() && v.Elem().Kind() == reflect.Struct && v.Type() != typePtr {
			f(v)
			eachNode(v.Elem(), f)
		}
	case reflect.Interface:
		if !v.IsNil() {
			eachNode(v.Elem(), f)
		}
	case reflect.Struct:
		if v.Type() == typeType || v.Type() == posType {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				eachNode(v.Field(i), f)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			eachNode(v.Index(i), f)
		}
	}
}

// renameDecls renames variables declared by let and for, which are
// strings in the tree rather than Var nodes.
func renameDecls(b *Block, vars map[string]string, suffix string) {
	walk(b, func(n Node) {
		rename := func(name *string) {
			if to, ok := vars[*name]; ok {
				*name = to
			} else if !strings.HasSuffix(*name, suffix) {
				*name += suffix
			}
		}
		switch n := n.(type) {
		case *LetStmt:
			rename(&n.Var)
		case *ForStmt:
			rename(&n.Var.Name)
		}
	})
}

var (
	exprType = reflect.TypeOf((*Expr)(nil)).Elem()
	typeType = reflect.TypeOf(Type{})
	posType  = reflect.TypeOf(lexer.Position{})
)

// rewriteExprs replaces, bottom-up, every expression reachable from v with
// f's result.
func rewriteExprs(v reflect.Value, f func(Expr) Expr) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() && v.Elem().Kind() == reflect.Struct {
			rewriteExprs(v.Elem(), f)
		}
	case reflect.Struct:
		if v.Type() == typeType || v.Type() == posType {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				rewriteField(v.Field(i), f)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			rewriteField(v.Index(i), f)
		}
	}
}

// rewriteField rewrites one field or slice element, replacing it when it
// holds an expression.
func rewriteField(field reflect.Value, f func(Expr) Expr) {
	switch {
	case field.Kind() == reflect.Interface && !field.IsNil():
		inner := reflect.ValueOf(field.Interface())
		rewriteExprs(inner, f)
		if field.Type() == exprType && field.CanSet() {
			field.Set(reflect.ValueOf(f(field.Interface().(Expr))))
		}
	case field.Kind() == reflect.Pointer || field.Kind() == reflect.Slice || field.Kind() == reflect.Struct:
		rewriteExprs(field, f)
	}
}
