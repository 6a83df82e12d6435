package lang

// scope is a lexical block's scratch variables.
type scope struct {
	parent *scope
	vars   map[string]*VarDecl
	// implicit holds variables first assigned without let in this probe,
	// by name. bpftrace 0.17 scoped variables to the whole probe; a read
	// that finds no variable in scope falls back to these so that old
	// scripts keep working.
	implicit map[string]*VarDecl
}

func (s *scope) lookup(name string) *VarDecl {
	for sc := s; sc != nil; sc = sc.parent {
		if d, ok := sc.vars[name]; ok {
			return d
		}
	}
	for sc := s; sc != nil; sc = sc.parent {
		if d, ok := sc.implicit[name]; ok {
			return d
		}
	}
	return nil
}

func (s *scope) root() *scope {
	for s.parent != nil {
		s = s.parent
	}
	return s
}

func (c *checker) push() { c.scope = &scope{parent: c.scope, vars: map[string]*VarDecl{}} }
func (c *checker) pop()  { c.scope = c.scope.parent }

func (c *checker) block(b *Block) {
	c.push()
	c.stmts(b.Stmts)
	c.pop()
}

// stmts checks a block's statements, in the current scope. It reports
// whether one of them ends control (terminates).
func (c *checker) stmts(list []Stmt) bool {
	ends := false
	for i, s := range list {
		if h := hoistAggregation(s); h != nil {
			list[i], s = h, h
		}
		c.stmt(s)
		if i+1 < len(list) && terminates(s) && !ends {
			// As the newest bpftrace: once, at the first statement
			// after a return, break, continue or exit().
			c.warnf(list[i+1], "Unreachable statement.")
		}
		ends = ends || terminates(s)
	}
	return ends
}

// terminates reports whether control never goes past s: return, break,
// continue, exit(), an if whose every branch terminates, or a block that
// does.
func terminates(s Stmt) bool {
	switch s := s.(type) {
	case *JumpStmt:
		return true
	case *ExprStmt:
		call, ok := s.X.(*Call)
		return ok && s.Op == "" && call.Name == "exit"
	case *BlockStmt:
		return blockTerminates(s.Block)
	case *IfStmt:
		if s.Else == nil || !blockTerminates(s.Then) {
			return false
		}
		if s.Else.If != nil {
			return terminates(s.Else.If)
		}
		return blockTerminates(s.Else.Block)
	}
	return false
}

func blockTerminates(b *Block) bool {
	for _, s := range b.Stmts {
		if terminates(s) {
			return true
		}
	}
	return false
}

// hoistAggregation rewrites `@m = { statements; agg(x) }`, an
// aggregation as the value of a block expression (the newest bpftrace's
// `@ = { let $a = 100; avg($a) }`), into the block with the assignment
// as its last statement, so that the aggregation is assigned directly.
// It returns nil for any other statement.
func hoistAggregation(s Stmt) Stmt {
	es, ok := s.(*ExprStmt)
	if !ok || es.Op != "=" {
		return nil
	}
	if _, ok := es.X.(*MapExpr); !ok {
		return nil
	}
	be, ok := es.Value.(*BlockExpr)
	if !ok || be.Value == nil {
		return nil
	}
	if call, ok := be.Value.(*Call); !ok || aggregations[call.Name] == AggNone {
		if _, nested := be.Value.(*BlockExpr); !nested {
			return nil
		}
	}
	assign := &ExprStmt{Span: es.Span, X: es.X, Op: "=", Value: be.Value, Semi: true}
	inner := Stmt(assign)
	if h := hoistAggregation(assign); h != nil {
		inner = h
	}
	stmts := append(append([]Stmt(nil), be.Block.Stmts...), inner)
	return &BlockStmt{Span: es.Span, Block: &Block{Span: be.Block.Span, Stmts: stmts}}
}

func (c *checker) stmt(s Stmt) {
	switch s := s.(type) {
	case *ExprStmt:
		c.exprStmt(s)
	case *LetStmt:
		c.letStmt(s)
	case *IfStmt:
		if call, ok := s.Cond.(*Call); ok && call.Name == "comptime" {
			c.comptimeIf(s, call)
			return
		}
		c.requireCond(s.Cond, c.expr(s.Cond))
		c.block(s.Then)
		if s.Else != nil {
			if s.Else.If != nil {
				c.stmt(s.Else.If)
			} else {
				c.block(s.Else.Block)
			}
		}
	case *WhileStmt:
		c.requireCond(s.Cond, c.expr(s.Cond))
		c.loops++
		c.block(s.Body)
		c.loops--
	case *UnrollStmt:
		n, ok := c.constInt(s.Count)
		// bpftrace points at `unroll(N)`: the head up to the ')'.
		end := s.Count.Loc().EndPos
		end.Column++
		end.Offset++
		head := s.Span
		head.EndPos = end
		switch {
		case !ok:
			c.errorf(s.Count, "unroll count must be an integer literal")
		case n < 1:
			c.errorf(head, "unroll minimum value is 1")
		case n > 100:
			c.errorf(head, "unroll maximum value is 100")
		}
		s.times = n
		c.block(s.Body)
	case *ForStmt:
		c.forStmt(s)
	case *JumpStmt:
		if s.Kind != "return" && c.loops == 0 {
			c.errorf(keyword(s.Span, s.Kind), "%s used outside of a loop", s.Kind)
		}
		if s.Value != nil {
			// The probe's return value (newest bpftrace): an integer.
			if t := c.expr(s.Value); t != nil && !t.IsInt() {
				c.errorf(s, "Probe return values can only be integers. Found %s", t)
			}
		}
	case *BlockStmt:
		c.block(s.Block)
	}
}

func (c *checker) forStmt(s *ForStmt) {
	for sc := c.scope; sc != nil; sc = sc.parent {
		if _, ok := sc.vars[s.Var.Name]; ok {
			c.errorf(s.Var, "Loop declaration shadows existing variable: %s", s.Var.Name)
			break
		}
	}
	if s.End == nil {
		c.forMap(s)
		return
	}
	st, et := c.expr(s.First), c.expr(s.End)
	for _, p := range []struct {
		e     Expr
		t     *Type
		which string
	}{{s.First, st, "start"}, {s.End, et, "end"}} {
		if p.t != nil && !p.t.IsInt() {
			c.errorf(p.e, "Loop range requires an integer for the %s value", p.which)
		}
	}
	c.loopBody(s, TypeInt64)
}

// loopBody checks a for loop's body with its variable declared.
func (c *checker) loopBody(s *ForStmt, t *Type) {
	c.push()
	s.Decl = c.declare(s.Var.Name, t, s, true)
	c.loops++
	c.fors++
	c.block(s.Body)
	c.fors--
	c.loops--
	c.pop()
}

// forMap checks for ($kv : @map): $kv is (key, value), the key a tuple
// when the map has several; an aggregation gives its total.
func (c *checker) forMap(s *ForStmt) {
	m, ok := s.First.(*MapExpr)
	if !ok || m.Indexed {
		c.expr(s.First)
		c.errorf(s.First, "for loops iterate over a map or a range start..end")
		return
	}
	info := c.mapRef(m)
	var kv *Type
	switch {
	case info.Value == nil, info.Key == nil && info.keyed:
		// Not typed yet: a later pass will be.
	case info.Key == nil:
		c.errorf(m, "%s has no explicit keys (scalar map), and cannot be used for iteration", m.Name)
	default:
		key := info.Key
		if len(key.Fields) == 1 {
			key = key.Fields[0].Type
		}
		val := info.Value
		if val.Kind == KindAgg {
			switch val.Agg {
			case AggCount, AggSum, AggMin, AggMax, AggAvg:
				val = IntType(64, val.AggSigned)
			default:
				c.errorf(m, "Loop expression does not support type: %s_t", val.Agg)
				return
			}
		}
		kv = TupleType([]*Type{key, val})
	}
	c.loopBody(s, kv)
}

func (c *checker) letStmt(s *LetStmt) {
	var t *Type
	if s.Type != nil {
		t = c.resolveTypeSpec(s.Type)
	}
	if s.Value != nil {
		vt := c.expr(s.Value)
		if vt != nil && vt.Kind == KindNone {
			c.errorf(s.Value, "Value does not have a type and cannot be assigned")
			vt = nil
		}
		if t == nil {
			t = varType(vt)
		} else if vt != nil && !c.convertInt(&s.Value, vt, t, s.Var) && !assignable(t, vt) {
			c.errorf(s.Value, "Type mismatch for %s: trying to assign value of type '%s' when variable already has a type '%s'", s.Var, vt, t)
		}
	}
	if t == nil && s.Value == nil && s.Type == nil {
		// `let $x;`: the first assignment gives the type (int64 if none).
		t = typeUndeclared
	}
	if prev, ok := c.scope.vars[s.Var]; ok && prev.Span.Pos != s.Pos {
		c.errorf(s, "Variable %s was already declared in this scope", s.Var)
	}
	s.Decl = c.declare(s.Var, t, s, true)
	s.Decl.Declared = s.Type != nil
}

// convertInt converts *value, an integer of type vt, to the integer type
// t of a variable declared with it, as the newest bpftrace does: a
// constant must fit, another value is converted with a warning unless
// every value of vt fits. It reports whether both types are integers.
func (c *checker) convertInt(value *Expr, vt, t *Type, name string) bool {
	cast, again := (*value).(*Cast)
	if again = again && cast.implicit; again {
		// Converted on an earlier pass: check the value itself (errors
		// are only reported on the last pass).
		value, vt = &cast.X, cast.X.Type()
	}
	if vt == nil || !vt.IsInt() || !t.IsInt() {
		return false
	}
	if vt.Equal(t) && !again {
		return true
	}
	if n, ok := c.constInt(*value); ok {
		if !fitsInt(n, t) {
			c.errorf(*value, "Type mismatch for %s: the value %d does not fit in the variable's type '%s'", name, n, t)
		}
	} else if !intFitsInto(vt, t) {
		c.warnf(*value, "Expression of type: %s being cast to type: %s. This may cause unexpected results. Use an explicit cast to suppress this warning.", vt, t)
	}
	if !again {
		at := (*value).Loc()
		*value = &Cast{Span: at, To: &TypeSpec{Span: at, Name: t.String()}, X: *value, implicit: true}
		c.expr(*value)
	}
	return true
}

// intFitsInto reports whether every value of the integer type a is a
// value of the integer type b.
func intFitsInto(a, b *Type) bool {
	switch {
	case a.Signed == b.Signed:
		return a.Bits <= b.Bits
	case b.Signed:
		return a.Bits < b.Bits
	}
	return false
}

// typeUndeclared is the type of a variable declared without a type or a
// value: an int64 until an assignment says otherwise.
var typeUndeclared = IntType(64, true)

// declare creates (or, on later passes, finds) the variable a node
// declares, in the current scope.
func (c *checker) declare(name string, t *Type, at Node, explicit bool) *VarDecl {
	d, ok := c.decls[at]
	if !ok {
		d = &VarDecl{Name: name, Span: at.Loc()}
		c.decls[at] = d
	}
	if d.Type == nil || (t != nil && !d.Type.Equal(t) && assignable(t, d.Type)) {
		d.Type = t
	}
	d.ID = c.nvars
	c.nvars++
	c.scope.vars[name] = d
	if !explicit {
		root := c.scope.root()
		if root.implicit == nil {
			root.implicit = map[string]*VarDecl{}
		}
		if _, ok := root.implicit[name]; !ok {
			root.implicit[name] = d
		}
	}
	c.variant.Vars = append(c.variant.Vars, d)
	return d
}

func (c *checker) exprStmt(s *ExprStmt) {
	if id, ok := s.X.(*Ident); ok && id.Name == "_" && s.Op == "=" {
		// The discard expression: `_ = x` runs x and drops its value.
		s.X, s.Op, s.Value, s.discard = s.Value, "", nil, true
	}
	if s.Op == "" {
		t := c.expr(s.X)
		if call, ok := s.X.(*Call); ok && aggregations[call.Name] != AggNone && t != nil {
			c.errorf(s.X, "%s() should be directly assigned to a map", call.Name)
			return
		}
		if !s.discard && t != nil && t.Kind != KindNone && !discardable(s.X) {
			// As the newest bpftrace: a value computed for nothing is
			// likely a mistake; `_ = x` says it is not.
			c.warnf(s, "Return value discarded.")
		}
		return
	}
	switch target := s.X.(type) {
	case *MapExpr:
		c.assignMap(s, target)
	case *Var:
		c.assignVar(s, target)
	default:
		c.expr(s.X)
		c.expr(s.Value)
		c.errorf(s.X, "Invalid assignment target: only maps and scratch variables can be assigned")
	}
}

// discardable reports whether an expression statement is run for its
// effect, so that dropping its value is expected: ++ and --, and delete(),
// whose result says whether the key was there.
func discardable(e Expr) bool {
	switch e := e.(type) {
	case *IncDec:
		return true
	case *Call:
		return e.Name == "delete"
	}
	return false
}

// compoundOp returns the binary operator of a compound assignment.
func compoundOp(op string) string { return op[:len(op)-1] }

func (c *checker) assignVar(s *ExprStmt, v *Var) {
	vt := c.materialize(s.Value, c.expr(s.Value), maxStoredStruct)
	if vt != nil && vt.Kind == KindNone {
		c.errorf(s.Value, "Value does not have a type and cannot be assigned")
		return
	}
	d := c.scope.lookup(v.Name)
	if s.Op != "=" {
		if d == nil {
			c.errorf(v, "Undefined or undeclared variable: %s", v.Name)
			return
		}
		v.Decl = d
		v.setType(d.Type)
		c.requireInt(s.Value, vt, s.Op)
		if d.Type != nil && !d.Type.IsInt() && !(d.Type.Kind == KindPointer && (s.Op == "+=" || s.Op == "-=")) {
			c.errorf(v, "The %s operator can not be used on a variable of type %s", s.Op, d.Type)
		}
		return
	}
	if d == nil {
		d = c.declare(v.Name, varType(vt), s, false)
	} else if d.Declared && vt != nil && d.Type != nil && c.convertInt(&s.Value, vt, d.Type, v.Name) {
		// A declared integer variable keeps its type.
	} else if vt != nil {
		if n, ok := c.constInt(s.Value); ok && d.Type != nil && fitsInt(n, d.Type) {
			// A constant the variable can hold does not widen it.
			vt = d.Type
		}
		if d.Type == nil || d.Type == typeUndeclared {
			d.Type = varType(vt)
			c.changed = true
		} else if u, ok := unify(d.Type, vt); ok {
			if !u.Equal(d.Type) || u.Size != d.Type.Size || !sameLayout(u, d.Type) {
				d.Type = u
				c.changed = true
			}
		} else {
			c.errorf(s, "Type mismatch for %s: trying to assign value of type '%s' when variable already contains a value of type '%s'", v.Name, vt, d.Type)
		}
	}
	v.Decl = d
	v.setType(d.Type)
}

// assignMap checks @m[k] = v and @m[k] op= v.
func (c *checker) assignMap(s *ExprStmt, m *MapExpr) {
	info := c.mapKeys(m)
	info.assigned = true
	if s.Op != "=" {
		vt := c.expr(s.Value)
		c.requireInt(s.Value, vt, s.Op)
		if info.Value != nil && info.Value.Kind == KindPointer && (s.Op == "+=" || s.Op == "-=") {
			// Pointer arithmetic on a map's value.
			m.setType(info.Value)
			return
		}
		c.setMapValue(m, info, TypeInt64, s.Value)
		if info.Value != nil && !info.Value.IsInt() {
			c.errorf(m, "The %s operator can not be used on a map of type %s", s.Op, info.Value)
		}
		m.setType(info.Value)
		return
	}
	if call, ok := s.Value.(*Call); ok && aggregations[call.Name] != AggNone {
		t := c.aggregation(call, info)
		if t != nil {
			c.setMapValue(m, info, t, call)
		}
		m.setType(info.Value)
		return
	}
	vt := c.materialize(s.Value, c.expr(s.Value), maxStoredStruct)
	if vt == nil {
		return
	}
	if vt.Kind == KindNone {
		c.errorf(s.Value, "Value does not have a type and cannot be assigned")
		return
	}
	c.setMapValue(m, info, StorageType(vt), s.Value)
	m.setType(info.Value)
}

// mapRef finds or creates a map's info for a use of the whole map
// (print, clear, zero), which does not involve its keys.
func (c *checker) mapRef(m *MapExpr) *MapInfo {
	info, ok := c.maps[m.Name]
	if !ok {
		info = &MapInfo{Name: m.Name, Span: m.Span}
		c.maps[m.Name] = info
		c.changed = true
	}
	if !info.used {
		info.useSpan = m.Span
		info.useSpan.EndPos = m.Pos
		info.useSpan.EndPos.Column += len(m.Name)
		info.useSpan.EndPos.Offset += len(m.Name)
	}
	info.used = true
	return info
}

// mapKeys finds or creates a map's info and types its keys.
func (c *checker) mapKeys(m *MapExpr) *MapInfo {
	info := c.mapRef(m)
	var kt *Type
	if m.Indexed {
		var elems []*Type
		for _, k := range m.Keys {
			t := c.expr(k)
			if t == nil {
				info.keyed = true
				return info
			}
			if t.Kind == KindNone || t.Kind == KindAgg {
				c.errorf(k, "Invalid map key type: %s", t)
				return info
			}
			if t.Kind == KindTuple && len(m.Keys) == 1 && !t.IsRecord() {
				// @m[(a, b)] is the same map as @m[a, b]; a record
				// stays one key, its field names printed.
				for _, f := range t.Fields {
					elems = append(elems, StorageType(f.Type))
				}
				continue
			}
			elems = append(elems, StorageType(t))
		}
		kt = TupleType(elems)
	}
	switch {
	case info.Key == nil && (info.Value == nil || info.keyed) && kt != nil:
		info.Key = kt
		c.changed = true
	case info.Key == nil && kt != nil:
		c.errorf(m, "%s used as a map with keys, but it was used without keys", m.Name)
	case info.Key != nil && kt == nil:
		c.errorf(m, "%s used as a map without keys, but it was used with keys", m.Name)
	case kt != nil:
		if u, ok := unify(info.Key, kt); ok {
			if !sameLayout(u, info.Key) {
				info.Key = u
				c.changed = true
			}
		} else {
			c.errorf(m, "Argument mismatch for %s: trying to access with arguments: %s when map expects arguments: %s",
				m.Name, argList(kt), argList(info.Key))
		}
	}
	return info
}

func argList(t *Type) string {
	s := "["
	for i, f := range t.Fields {
		if i > 0 {
			s += ", "
		}
		s += f.Type.String()
	}
	return s + "]"
}

func (c *checker) setMapValue(m *MapExpr, info *MapInfo, t *Type, at Node) {
	if info.Value == nil {
		info.Value = t
		c.changed = true
		return
	}
	if u, ok := unify(info.Value, t); ok {
		if !sameLayout(u, info.Value) {
			info.Value = u
			c.changed = true
		}
		return
	}
	c.errorf(at, "Type mismatch for %s: trying to assign value of type '%s' when map already contains a value of type '%s'", m.Name, t, info.Value)
}

// sameLayout reports whether two types are equal including sizes.
func sameLayout(a, b *Type) bool {
	if !a.Equal(b) || a.Size != b.Size || !sameEnum(a.Enum, b.Enum) {
		return false
	}
	for i := range a.Fields {
		if !sameLayout(a.Fields[i].Type, b.Fields[i].Type) {
			return false
		}
	}
	return true
}

// varType is the type of a scratch variable first assigned a value of
// type t: integers keep their width (sizeof((uint16)x) stays 2 in a
// variable, as in bpftrace), literals are int64 or uint64; everything
// else is stored as in a map.
func varType(t *Type) *Type {
	if t != nil && t.Kind == KindInt && !t.Literal {
		return withEnum(withClock(IntType(t.Bits, t.Signed), t.Clock), t.Enum)
	}
	return StorageType(t)
}

// withClock returns the integer type t counting on clock.
func withClock(t *Type, clock string) *Type {
	if clock != "" {
		t.Clock = clock
	}
	return t
}

// fitsInt reports whether n is in the range of integer type t.
func fitsInt(n int64, t *Type) bool {
	if t.Kind != KindInt || t.Bits >= 64 {
		return t.Kind == KindInt && (t.Signed || n >= 0)
	}
	if t.Signed {
		return n >= -1<<(t.Bits-1) && n < 1<<(t.Bits-1)
	}
	return n >= 0 && n < 1<<t.Bits
}

// StorageType is the type a value takes when stored in a map, a variable
// or an event: integers widen to 64 bits (literals become int64); strings,
// structs and arrays are copies in BPF memory, whatever memory they were
// read from; tuples convert element by element, their integers keeping
// their width as in the newest bpftrace (sizeof(((int8)1, (int16)1)) is 4
// in a variable or a map too; literals become int64).
func StorageType(t *Type) *Type {
	if t == nil {
		return nil
	}
	switch t.Kind {
	case KindInt:
		if t.Literal {
			if t.Signed {
				return TypeInt64
			}
			return TypeUint64
		}
		return withEnum(withClock(IntType(64, t.Signed), t.Clock), t.Enum)
	case KindBool:
		return TypeBool
	case KindString:
		return StringType(t.Size)
	case KindTuple:
		return mapFields(t, varType)
	case KindStruct, KindArray:
		// A stored struct or array is a copy in BPF memory.
		return t.WithSpace(AddrNone)
	}
	return t
}

// unify merges the type a map or variable has with a newly assigned one:
// strings grow to the larger size, integers keep 64 bits (a signed value
// makes the slot signed), tuples merge element by element.
func unify(have, got *Type) (*Type, bool) {
	if have.Kind != got.Kind {
		return nil, false
	}
	switch have.Kind {
	case KindInt:
		if !sameEnum(have.Enum, got.Enum) {
			// Values of another enum, or plain integers: the numbers.
			have = plainInt(have)
		}
		if have.Bits == 64 && got.Bits <= 64 {
			if !have.Signed && got.Signed && !got.Literal {
				return TypeInt64, true
			}
			return have, true
		}
		if got.Bits <= have.Bits {
			return have, true
		}
		return IntType(got.Bits, have.Signed || got.Signed), true
	case KindString:
		if got.Size > have.Size {
			return StringType(got.Size), true
		}
		return have, true
	case KindTuple:
		if len(have.Fields) != len(got.Fields) {
			return nil, false
		}
		ok := true
		u := mapFields(have, func(f *Type) *Type { return f })
		for i := range have.Fields {
			if have.Fields[i].Name != got.Fields[i].Name {
				return nil, false
			}
			ft, fok := unify(have.Fields[i].Type, got.Fields[i].Type)
			ok = ok && fok
			u.Fields[i].Type = ft
		}
		if !ok {
			return nil, false
		}
		return relayout(u), true
	case KindAgg:
		return have, have.Agg == got.Agg
	case KindBuffer:
		if got.Len > have.Len {
			return got, true
		}
		return have, true
	}
	return have, have.Equal(got)
}

// assignable reports whether a value of type got can be stored in have.
func assignable(have, got *Type) bool {
	_, ok := unify(have, got)
	if !ok {
		return false
	}
	switch have.Kind {
	case KindString:
		return got.Size <= have.Size
	}
	return true
}

// mapFields returns a tuple (or record) whose field types are f's results.
func mapFields(t *Type, f func(*Type) *Type) *Type {
	names := make([]string, len(t.Fields))
	elems := make([]*Type, len(t.Fields))
	for i, fl := range t.Fields {
		names[i], elems[i] = fl.Name, f(fl.Type)
	}
	u := TupleType(elems)
	for i := range u.Fields {
		u.Fields[i].Name = names[i]
	}
	return u
}

// relayout recomputes a tuple's field offsets after its types changed.
func relayout(t *Type) *Type {
	return mapFields(t, func(f *Type) *Type { return f })
}
