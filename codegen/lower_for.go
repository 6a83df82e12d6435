package codegen

import (
	"fmt"

	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// Loops over a map, for ($kv : @map) { body }, and over a range,
// for ($i : a..b) { body }, run their body through a helper that calls it
// back: bpf_for_each_map_elem once per entry, bpf_loop once per value
// (as the newest bpftrace does: the verifier checks the body once rather
// than once per iteration). The body compiles into a callback function
// with its own registers and stack. Variables the body shares with the
// code around it (read or written) live in a capture region in the
// probe's stack frame, which every callback reaches through its context
// argument; the region also holds the probe's context pointer and a flag
// a body sets when it returns from the probe (return, exit()).

// function is a callback compiled for a loop body.
type function struct {
	name string
	b    builder
}

// Capture region layout: the flag, the probe's context, then each range
// loop's start and the shared variables.
const (
	flagSlot   = 0
	ctxSlot    = 8
	capHeader  = 16
	flagReturn = 2 // the body returned from the probe
)

// loopState is what compiling a callback replaces in the compiler.
type loopState struct {
	b          builder
	vars       map[*lang.VarDecl]*varSlot
	loops      []loopLabels
	exit       int
	ctx        vreg
	capReg     vreg
	owner      *lang.ForStmt
	scratchReg vreg
}

// analyzeLoops finds the loops of the program, which variables each loop
// body shares with its surroundings, and which loop (if any) owns each
// variable; it lays out the capture region in the probe's frame.
//
// Ownership follows the tree, not source positions: the copies of a
// macro's body that expand it twice in one probe have the same spans.
// A variable belongs to the innermost loop whose body holds its first
// mention (its declaration: let, the loop variable, or the first
// assignment); a loop variable to its loop. A variable mentioned in the
// body of any other loop, or outside its own loop, is shared.
func (c *compiler) analyzeLoops() bool {
	var loops []*lang.ForStmt
	lang.Inspect(c.v.Body, func(n lang.Node) {
		if f, ok := n.(*lang.ForStmt); ok {
			loops = append(loops, f)
		}
	})
	if len(loops) == 0 {
		return false
	}
	// The innermost loop whose body holds each node: outer loops come
	// first in Inspect's order, so inner ones overwrite them.
	inner := map[lang.Node]*lang.ForStmt{}
	for _, l := range loops {
		lang.Inspect(l.Body, func(n lang.Node) { inner[n] = l })
	}
	c.captured = map[*lang.VarDecl]int{}
	c.capScratch = map[*lang.VarDecl]int{}
	c.declOwner = map[*lang.VarDecl]*lang.ForStmt{}
	c.starts = map[*lang.ForStmt]int{}
	off := capHeader
	for _, l := range loops {
		if l.End != nil {
			c.starts[l] = off
			off += 8
		}
	}
	seen := map[*lang.VarDecl]bool{}
	declare := func(d *lang.VarDecl, owner *lang.ForStmt) {
		if d != nil && !seen[d] {
			seen[d] = true
			c.declOwner[d] = owner
		}
	}
	var refs []*lang.Var
	lang.Inspect(c.v.Body, func(n lang.Node) {
		switch n := n.(type) {
		case *lang.ForStmt:
			declare(n.Decl, n)
		case *lang.LetStmt:
			declare(n.Decl, inner[n])
		case *lang.Var:
			declare(n.Decl, inner[n])
			refs = append(refs, n)
		}
	})
	for d, owner := range c.declOwner {
		if owner == nil {
			delete(c.declOwner, d)
		}
	}
	for _, v := range refs {
		d := v.Decl
		if d == nil || d.Type == nil || inner[v] == c.declOwner[d] {
			continue
		}
		if _, done := c.captured[d]; done {
			continue
		}
		if _, done := c.capScratch[d]; done {
			continue
		}
		if d.Type.Size > c.onStack {
			// Too large for the stack: every function reaches the
			// program's scratch space at the same offsets.
			c.capScratch[d] = c.scratch.allocUp(d.Type.Size)
			continue
		}
		c.captured[d] = off
		off += (d.Type.Size + 7) &^ 7
	}
	c.capBase, c.capSize = c.b.frame.alloc(off), off
	return true
}

// capMem returns a location in the capture region, from the probe or from
// a callback.
func (c *compiler) capMem(off int) mem {
	if c.owner == nil {
		return mem{off: c.capBase + off}
	}
	return mem{base: c.capReg, off: off}
}

// forMap lowers a map loop: a callback for the body, then the helper
// call.
func (c *compiler) forMap(s *lang.ForStmt) error {
	mp := c.mapOf(s.First.(*lang.MapExpr))
	return c.loop(s, func(fn vreg) {
		c.b.call(asm.FnForEachMapElem, c.b.mapPtr(mp.Spec.Name), fn, c.addr(c.capMem(0)), c.b.movImm(0))
	}, func() {
		// (map, key, value, capture region): $kv = (key, value).
		keyp, valp := c.param(1), c.param(2)
		c.capReg = c.param(3)
		c.ctx = c.load(c.capMem(ctxSlot), asm.DWord, false)
		c.allocVars(s)
		kv, kt := c.vars[s.Decl], s.Decl.Type
		keyField, valField := kt.Fields[0], kt.Fields[1]
		c.copyMem(kv.mem.plus(keyField.Offset), mem{base: keyp}, keyField.Type.Size)
		if mp.Info.Value.Kind == lang.KindAgg {
			c.store(kv.mem.plus(valField.Offset), c.aggRead(mp, mem{base: keyp}), asm.DWord)
		} else {
			c.copyMem(kv.mem.plus(valField.Offset), mem{base: valp}, valField.Type.Size)
		}
	})
}

// forRange lowers for ($i : start..end) (end excluded): bpf_loop runs the
// body end-start times, passing the count so far. An empty range (end <=
// start) skips the helper call altogether: when the verifier knows the
// count is 0 it never looks at the callback, and the kernel (6.18 at
// least) then drops the callback as dead code while the instruction that
// takes its address stays, failing the load with EFAULT ("verifier bug:
// No program to jit"). Behind the branch, that instruction is dead too.
func (c *compiler) forRange(s *lang.ForStmt) error {
	start := c.b.copyReg(c.reg(c.value(s.First)))
	n := c.b.alu(asm.Sub, c.b.copyReg(c.reg(c.value(s.End))), start)
	empty := c.b.newLabel()
	c.b.jumpImm(asm.JSLE, n, 0, empty)
	// The start goes to the callback through the loop's own slot in the
	// capture region.
	c.store(c.capMem(c.starts[s]), start, asm.DWord)
	err := c.loop(s, func(fn vreg) {
		c.b.call(asm.FnLoop, n, fn, c.addr(c.capMem(0)), c.b.movImm(0))
	}, func() {
		// (index, capture region): $i = start + index.
		idx := c.param(0)
		c.capReg = c.param(1)
		c.ctx = c.load(c.capMem(ctxSlot), asm.DWord, false)
		c.allocVars(s)
		c.writeScalar(s.Decl, val{t: s.Decl.Type, reg: c.b.alu(asm.Add, idx, c.load(c.capMem(c.starts[s]), asm.DWord, false))})
	})
	c.b.mark(empty)
	return err
}

// loop compiles s's body as a callback (prologue sets up its variables),
// then emits call (given the callback's address) and the return check.
func (c *compiler) loop(s *lang.ForStmt, call func(fn vreg), prologue func()) error {
	c.nfuncs++
	name := fmt.Sprintf("for%d", c.nfuncs)
	if err := c.callback(name, s, prologue); err != nil {
		return err
	}
	c.at(s)
	flag := c.capMem(flagSlot)
	c.storeImm(flag, 0, asm.DWord)
	fn := c.b.reg()
	c.b.emit(inst{op: opFuncPtr, dst: fn, mapRef: name})
	call(fn)
	c.b.jumpImm(asm.JEq, c.load(flag, asm.DWord, false), flagReturn, c.exit)
	return nil
}

// param is a callback's parameter i.
func (c *compiler) param(i int) vreg {
	r := c.b.reg()
	c.b.emit(inst{op: opParam, dst: r, imm: int64(i)})
	return r
}

// callback compiles a loop body as a function returning 0 to go on and 1
// to stop.
func (c *compiler) callback(name string, s *lang.ForStmt, prologue func()) error {
	saved := loopState{c.b, c.vars, c.loops, c.exit, c.ctx, c.capReg, c.owner, c.scratchReg}
	defer func() {
		c.b, c.vars, c.loops, c.exit, c.ctx, c.capReg, c.owner = saved.b, saved.vars, saved.loops, saved.exit, saved.ctx, saved.capReg, saved.owner
		c.scratchReg = saved.scratchReg
	}()
	c.b = builder{pos: s.Span}
	c.vars = map[*lang.VarDecl]*varSlot{}
	c.owner = s
	c.scratchReg = 0
	c.exit = c.b.newLabel()
	stop, next := c.b.newLabel(), c.b.newLabel()
	prologue()
	c.loops = []loopLabels{{brk: stop, cont: next}}
	if err := c.block(s.Body); err != nil {
		return err
	}
	c.b.mark(next)
	c.b.exit(c.b.movImm(0))
	c.b.mark(stop)
	c.b.exit(c.b.movImm(1))
	c.b.mark(c.exit)
	c.storeImm(c.capMem(flagSlot), flagReturn, asm.DWord)
	c.b.exit(c.b.movImm(1))
	c.checkHelpers()
	c.scratchPrologue(stop)
	c.funcs = append(c.funcs, &function{name: name, b: c.b})
	return nil
}
