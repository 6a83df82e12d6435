package codegen

import (
	"github.com/gtrace/gtrace/lang"
)

func (c *compiler) block(b *lang.Block) error {
	for _, s := range b.Stmts {
		if err := c.stmt(s); err != nil {
			return err
		}
	}
	return nil
}

// stmt lowers one statement. Temporaries it allocates are released when
// it ends.
func (c *compiler) stmt(s lang.Stmt) error {
	mark, smark := c.b.frame.mark(), c.scratch.mark()
	defer func() {
		c.b.frame.release(mark)
		c.scratch.release(smark)
	}()
	defer c.restore(c.at(s))
	switch s := s.(type) {
	case *lang.ExprStmt:
		switch {
		case s.Op == "":
			c.value(s.X)
		default:
			c.assign(s)
		}
	case *lang.LetStmt:
		d := s.Decl
		if s.Value != nil {
			c.assignVar(d, "=", s.Value)
		} else {
			c.resetVar(d)
		}
	case *lang.IfStmt:
		return c.ifStmt(s)
	case *lang.WhileStmt:
		head, body, end := c.b.newLabel(), c.b.newLabel(), c.b.newLabel()
		c.b.mark(head)
		c.cond(s.Cond, body, end)
		c.b.mark(body)
		c.loops = append(c.loops, loopLabels{brk: end, cont: head})
		err := c.block(s.Body)
		c.loops = c.loops[:len(c.loops)-1]
		if err != nil {
			return err
		}
		c.b.goTo(head)
		c.b.mark(end)
	case *lang.UnrollStmt:
		for i := int64(0); i < s.Times(); i++ {
			if err := c.block(s.Body); err != nil {
				return err
			}
		}
	case *lang.ForStmt:
		if s.End == nil {
			return c.forMap(s)
		}
		return c.forRange(s)
	case *lang.JumpStmt:
		switch s.Kind {
		case "return":
			if s.Value == nil {
				c.b.goTo(c.exit)
				break
			}
			if c.owner != nil {
				// The body of a for loop is a callback, whose return
				// value means something else; bpftrace has no return
				// in for loops at all.
				panic(&lang.Error{Pos: s.Pos, End: s.EndPos, Msg: "'return' statement is not allowed in a for-loop", ExpandedFrom: s.ExpandedFrom()})
			}
			// The probe's return value (a test probe fails with 1).
			c.b.exit(c.b.copyReg(c.reg(c.value(s.Value))))
		case "break":
			c.b.goTo(c.loops[len(c.loops)-1].brk)
		case "continue":
			c.b.goTo(c.loops[len(c.loops)-1].cont)
		}
	case *lang.BlockStmt:
		return c.block(s.Block)
	}
	return nil
}

func (c *compiler) ifStmt(s *lang.IfStmt) error {
	then, els, end := c.b.newLabel(), c.b.newLabel(), c.b.newLabel()
	c.cond(s.Cond, then, els)
	c.b.mark(then)
	if err := c.block(s.Then); err != nil {
		return err
	}
	c.b.goTo(end)
	c.b.mark(els)
	if s.Else != nil {
		var err error
		if s.Else.If != nil {
			err = c.ifStmt(s.Else.If)
		} else {
			err = c.block(s.Else.Block)
		}
		if err != nil {
			return err
		}
	}
	c.b.mark(end)
	return nil
}

// resetVar sets a variable back to zero (a let without a value).
func (c *compiler) resetVar(d *lang.VarDecl) {
	s := c.vars[d]
	if s == nil {
		return
	}
	if isScalar(d.Type) {
		c.writeScalar(d, val{t: d.Type, konst: true})
		return
	}
	c.zero(s.mem, d.Type.Size)
}

func (c *compiler) assign(s *lang.ExprStmt) {
	switch target := s.X.(type) {
	case *lang.Var:
		c.assignVar(target.Decl, s.Op, s.Value)
	case *lang.MapExpr:
		c.mapAssign(target, s.Op, s.Value)
	}
}

// assignVar lowers $x = v and $x op= v.
func (c *compiler) assignVar(d *lang.VarDecl, op string, value lang.Expr) {
	s := c.vars[d]
	t := d.Type
	if op != "=" {
		c.writeScalar(d, c.arith(op[:len(op)-1], c.readVar(d), c.value(value), t))
		return
	}
	if isScalar(t) {
		c.writeScalar(d, c.value(value))
		return
	}
	if refersTo(value, d) {
		tmp := c.temp(t.Size)
		c.into(value, tmp, t, false)
		c.copyMem(s.mem, tmp, t.Size)
		return
	}
	c.into(value, s.mem, t, false)
}

// refersTo reports whether an expression reads the variable.
func refersTo(e lang.Expr, d *lang.VarDecl) bool {
	found := false
	lang.Inspect(e, func(n lang.Node) {
		if v, ok := n.(*lang.Var); ok && v.Decl == d {
			found = true
		}
	})
	return found
}
