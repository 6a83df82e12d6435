package lang

// Inspect calls f for n and every node below it, parents first.
func Inspect(n Node, f func(Node)) { walk(n, f) }

// walk calls f for n and every node below it, parents first.
func walk(n Node, f func(Node)) {
	if n == nil {
		return
	}
	f(n)
	switch n := n.(type) {
	case *Program:
		for _, it := range n.Items {
			walk(it, f)
		}
	case *Probe:
		if n.Pred != nil {
			walk(n.Pred, f)
		}
		walk(n.Body, f)
	case *Block:
		for _, s := range n.Stmts {
			walk(s, f)
		}
	case *ExprStmt:
		walk(n.X, f)
		if n.Value != nil {
			walk(n.Value, f)
		}
	case *LetStmt:
		if n.Value != nil {
			walk(n.Value, f)
		}
	case *IfStmt:
		walk(n.Cond, f)
		walk(n.Then, f)
		if n.Else != nil {
			if n.Else.If != nil {
				walk(n.Else.If, f)
			} else {
				walk(n.Else.Block, f)
			}
		}
	case *WhileStmt:
		walk(n.Cond, f)
		walk(n.Body, f)
	case *UnrollStmt:
		walk(n.Count, f)
		walk(n.Body, f)
	case *ForStmt:
		walk(n.First, f)
		if n.End != nil {
			walk(n.End, f)
		}
		walk(n.Body, f)
	case *BlockStmt:
		walk(n.Block, f)
	case *JumpStmt:
		if n.Value != nil {
			walk(n.Value, f)
		}
	case *MapExpr:
		for _, k := range n.Keys {
			walk(k, f)
		}
	case *Call:
		for _, a := range n.Args {
			walk(a, f)
		}
	case *Binary:
		walk(n.L, f)
		walk(n.R, f)
	case *Unary:
		walk(n.X, f)
	case *IncDec:
		walk(n.X, f)
	case *Ternary:
		walk(n.Cond, f)
		walk(n.Then, f)
		walk(n.Else, f)
	case *Tuple:
		for _, e := range n.Elems {
			walk(e, f)
		}
	case *Record:
		for _, e := range n.Values {
			walk(e, f)
		}
	case *FieldExpr:
		walk(n.X, f)
	case *IndexExpr:
		walk(n.X, f)
		walk(n.Index, f)
	case *Cast:
		walk(n.X, f)
	case *SizeofExpr:
		if n.X != nil {
			walk(n.X, f)
		}
	case *BlockExpr:
		walk(n.Block, f)
		if n.Value != nil {
			walk(n.Value, f)
		}
	}
}
