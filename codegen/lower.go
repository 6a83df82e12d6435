package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// compiler lowers one variant of an action block to IR.
type compiler struct {
	obj  *Object
	v    *lang.Variant
	opts Options
	b    builder
	// ctx holds the program's context pointer.
	ctx  vreg
	vars map[*lang.VarDecl]*varSlot
	// loops holds break/continue targets of the enclosing loops.
	loops []loopLabels
	// exit is the label that returns from the program.
	exit int

	// Loops (lower_for.go): the callbacks compiled so far, the
	// capture-region offset of each variable a loop body shares, the
	// innermost loop declaring each variable, the slot of each range
	// loop's start, the capture region's place
	// in the probe's frame, and, while compiling a callback, the register
	// holding the region's address and the loop being compiled.
	funcs     []*function
	nfuncs    int
	captured  map[*lang.VarDecl]int
	declOwner map[*lang.VarDecl]*lang.ForStmt
	starts    map[*lang.ForStmt]int
	capBase   int
	capSize   int
	capReg    vreg
	owner     *lang.ForStmt
	// capScratch holds the scratch-space offset of each shared variable
	// too large for the capture region.
	capScratch map[*lang.VarDecl]int

	// Scratch space (scratch.go): values larger than onStack bytes go
	// there; scratch hands out the program's space (its functions
	// share it), scratchReg holds its address in the function being
	// compiled (0 until used), scratchKey is the program's entry (-1
	// until known).
	onStack    int
	scratch    frameAlloc
	scratchReg vreg
	scratchKey int

	// argsMem is where the prologue built the struct `args` points to,
	// for kinds that build it (uprobes); nil otherwise.
	argsMem *mem
}

type loopLabels struct{ brk, cont int }

// varSlot is where a scratch variable lives: a register for scalars, or
// memory (the stack, or the probe's frame for variables a loop body's
// callback shares with the probe).
type varSlot struct {
	reg   vreg
	mem   mem
	inMem bool
}

// readVar returns a variable's value.
func (c *compiler) readVar(d *lang.VarDecl) val {
	s := c.vars[d]
	switch {
	case !s.inMem:
		return val{t: d.Type, reg: s.reg}
	case isScalar(d.Type):
		return val{t: d.Type, reg: c.load(s.mem, sizeOf(d.Type.Size), d.Type.Signed)}
	}
	return val{t: d.Type, inMem: true, m: s.mem}
}

// writeScalar sets a scalar variable.
func (c *compiler) writeScalar(d *lang.VarDecl, v val) {
	s := c.vars[d]
	switch {
	case s.inMem && v.konst:
		c.storeImm(s.mem, v.imm, sizeOf(d.Type.Size))
	case s.inMem:
		c.store(s.mem, c.reg(v), sizeOf(d.Type.Size))
	case v.konst:
		c.b.setImm(s.reg, v.imm)
	default:
		c.b.mov(s.reg, c.reg(v))
	}
}

// mem is a memory location: base register plus offset, or the frame
// pointer when base is 0. space says whose memory it is: BPF memory (the
// stack, map values, ring-buffer records) is read and written directly,
// the context is read directly, kernel and user memory only through the
// probe_read helpers.
type mem struct {
	base  vreg
	off   int
	space lang.AddrSpace
}

func (m mem) plus(off int) mem { return mem{m.base, m.off + off, m.space} }

// foreign reports whether m must be read through a probe_read helper.
func (m mem) foreign() bool { return m.space == lang.AddrKernel || m.space == lang.AddrUser }

// probeRead copies n bytes from foreign memory (kernel or user; the
// context is kernel memory) into BPF memory.
func (c *compiler) probeRead(dst, src mem, n int, str bool) {
	fn := asm.FnProbeReadKernel
	switch {
	case src.space == lang.AddrUser && str:
		fn = asm.FnProbeReadUserStr
	case src.space == lang.AddrUser:
		fn = asm.FnProbeReadUser
	case str:
		fn = asm.FnProbeReadKernelStr
	}
	c.b.call(fn, c.addr(dst), c.b.movImm(int64(n)), c.addr(src))
}

// val is a lowered expression: a constant, a register, or memory.
type val struct {
	t     *lang.Type
	konst bool
	imm   int64
	reg   vreg
	inMem bool
	m     mem
}

func newCompiler(o *Object, v *lang.Variant, opts Options, onStack int) *compiler {
	return &compiler{obj: o, v: v, opts: opts, vars: map[*lang.VarDecl]*varSlot{}, onStack: onStack, scratchKey: -1}
}

// at makes n the source position of the instructions emitted next and
// returns the previous position, for restore: a node's own instructions,
// emitted after its operands', then point at the node, not its last
// operand.
func (c *compiler) at(n lang.Node) lang.Span {
	prev := c.b.pos
	if n != nil {
		c.b.pos = n.Loc()
	}
	return prev
}

// restore sets the position at returned.
func (c *compiler) restore(prev lang.Span) { c.b.pos = prev }

// lowerProgram emits the whole program: prologue, predicate, body, exit.
func (c *compiler) lowerProgram() error {
	c.at(c.v.Probe)
	c.ctx = c.b.reg()
	c.b.emit(inst{op: opCtx, dst: c.ctx})
	c.exit = c.b.newLabel()
	if c.analyzeLoops() {
		c.zero(mem{off: c.capBase}, c.capSize)
		c.store(c.capMem(ctxSlot), c.ctx, asm.DWord)
		for _, d := range c.v.Vars {
			if off, ok := c.capScratch[d]; ok {
				c.zero(c.scratchMem(off), d.Type.Size)
			}
		}
	}
	c.allocVars(nil)
	if k := programKinds[c.v.Points[0].Kind]; k.args != nil && c.v.Args != nil {
		m := k.args(c)
		c.argsMem = &m
	}
	if c.v.Pred != nil {
		body := c.b.newLabel()
		c.cond(c.v.Pred, body, c.exit)
		c.b.mark(body)
	}
	if err := c.block(c.v.Body); err != nil {
		return err
	}
	c.b.mark(c.exit)
	c.b.exit(0)
	return nil
}

// allocVars gives the scratch variables of the probe (owner nil) or of a
// map loop's body their storage, zero-initialised so that a read on a
// path without an assignment sees 0, as in bpftrace. Variables shared
// between a loop body and its surroundings live in the capture region,
// which the probe zeroes once.
func (c *compiler) allocVars(owner *lang.ForStmt) {
	for _, d := range c.v.Vars {
		if _, ok := c.vars[d]; ok || d.Type == nil {
			continue
		}
		if off, ok := c.captured[d]; ok {
			c.vars[d] = &varSlot{mem: c.capMem(off), inMem: true}
			continue
		}
		if off, ok := c.capScratch[d]; ok {
			c.vars[d] = &varSlot{mem: c.scratchMem(off), inMem: true}
			continue
		}
		if c.declOwner[d] != owner {
			continue
		}
		s := &varSlot{}
		if isScalar(d.Type) && !d.AddrTaken {
			s.reg = c.b.movImm(0)
		} else {
			s.mem, s.inMem = c.temp(d.Type.Size), true
			c.zero(s.mem, d.Type.Size)
		}
		c.vars[d] = s
	}
}

func isScalar(t *lang.Type) bool {
	switch t.Kind {
	case lang.KindInt, lang.KindBool, lang.KindPointer, lang.KindProbe, lang.KindStack:
		return true
	case lang.KindSymbol:
		// A kernel symbol is its address; a user symbol adds the pid.
		return t.Size == 8
	}
	return false
}

// temp reserves memory for a value of size bytes for the rest of the
// current statement: on the stack, or in scratch space (scratch.go) when
// the value is large.
func (c *compiler) temp(size int) mem {
	if size > c.onStack {
		return c.scratchMem(c.scratch.allocUp(size))
	}
	return mem{off: c.b.frame.alloc(size)}
}

// addr returns a register holding the address of m.
func (c *compiler) addr(m mem) vreg {
	if m.base == 0 {
		return c.b.frameAddr(m.off)
	}
	if m.off == 0 {
		return m.base
	}
	return c.b.aluImm(asm.Add, m.base, int64(m.off))
}

func (c *compiler) load(m mem, size asm.Size, signed bool) vreg {
	if m.foreign() {
		tmp := c.temp(8)
		c.probeRead(tmp, m, int(size.Sizeof()), false)
		return c.load(tmp, size, signed)
	}
	if misaligned(m, size) {
		n := int(size.Sizeof())
		r := c.load(m.plus(n-1), asm.Byte, false)
		for i := n - 2; i >= 0; i-- {
			r = c.b.aluImm(asm.LSh, r, 8)
			r = c.b.alu(asm.Or, r, c.load(m.plus(i), asm.Byte, false))
		}
		if signed && n < 8 {
			return c.signExtend(r, n*8)
		}
		return r
	}
	if m.base == 0 {
		r := c.b.reg()
		c.b.emit(inst{op: opFrameLoad, dst: r, off: int16(m.off), size: size})
		if signed && size != asm.DWord {
			return c.signExtend(r, int(size.Sizeof())*8)
		}
		return r
	}
	return c.b.load(m.base, m.off, size, signed)
}

func (c *compiler) store(m mem, v vreg, size asm.Size) {
	if misaligned(m, size) {
		for i := range int(size.Sizeof()) {
			b := v
			if i > 0 {
				b = c.b.aluImm(asm.RSh, v, int64(8*i))
			}
			c.store(m.plus(i), b, asm.Byte)
		}
		return
	}
	if m.base == 0 {
		c.b.emit(inst{op: opFrameStore, a: v, off: int16(m.off), size: size})
		return
	}
	c.b.store(m.base, m.off, v, size)
}

// storeImm stores a constant; 8-byte constants go through a register, as
// BPF has no 64-bit store-immediate.
func (c *compiler) storeImm(m mem, v int64, size asm.Size) {
	if size == asm.DWord || v < -1<<31 || v > 1<<31-1 {
		c.store(m, c.b.movImm(v), size)
		return
	}
	if misaligned(m, size) {
		for i := range int(size.Sizeof()) {
			c.storeImm(m.plus(i), int64(int8(v>>(8*i))), asm.Byte)
		}
		return
	}
	if m.base == 0 {
		c.b.emit(inst{op: opFrameStoreImm, off: int16(m.off), imm: v, size: size})
		return
	}
	c.b.storeImm(m.base, m.off, v, size)
}

// misaligned reports whether an access of size bytes at m is a stack
// access the verifier refuses: stack accesses must be naturally aligned
// (map values and the scratch space may be accessed unaligned). Fields of
// tuples are only as aligned as the newest bpftrace lays them out: the
// 64-bit family of an ntop() value that follows an int8, say. Such
// accesses go byte by byte.
func misaligned(m mem, size asm.Size) bool {
	n := int(size.Sizeof())
	return m.base == 0 && n > 1 && m.off%n != 0
}

// chunk picks the widest access for position off (relative to an 8-byte
// aligned base) with n bytes left that is naturally aligned, as stack
// accesses must be.
func chunk(off, n int) (asm.Size, int) {
	for _, w := range []int{8, 4, 2} {
		if n >= w && off%w == 0 {
			return sizeOf(w), w
		}
	}
	return asm.Byte, 1
}

// alignOf is the alignment of a memory location's offset.
func alignOf(m mem) int { return ((m.off % 8) + 8) % 8 }

// zero clears n bytes at m.
func (c *compiler) zero(m mem, n int) {
	var z vreg
	base := alignOf(m)
	for off := 0; off < n; {
		size, w := chunk(base+off, n-off)
		if size == asm.DWord {
			if z == 0 {
				z = c.b.movImm(0)
			}
			c.store(m.plus(off), z, asm.DWord)
		} else {
			c.storeImm(m.plus(off), 0, size)
		}
		off += w
	}
}

// copyMem copies n bytes from src to dst (which must be BPF memory).
func (c *compiler) copyMem(dst, src mem, n int) {
	if src.foreign() || src.space == lang.AddrCtx {
		c.probeRead(dst, src, n, false)
		return
	}
	for off := 0; off < n; {
		size, w := chunk(alignOf(dst)+off, n-off)
		if alignOf(src) != alignOf(dst) {
			size, w = chunk(alignOf(src)+off, n-off)
			if s2, w2 := chunk(alignOf(dst)+off, n-off); w2 < w {
				size, w = s2, w2
			}
		}
		r := c.load(src.plus(off), size, false)
		c.store(dst.plus(off), r, size)
		off += w
	}
}

// storeBytes writes constant bytes using aligned stores.
func (c *compiler) storeBytes(dst mem, data []byte) {
	for off := 0; off < len(data); {
		size, w := chunk(alignOf(dst)+off, len(data)-off)
		var v int64
		for i := w - 1; i >= 0; i-- {
			v = v<<8 | int64(data[off+i])
		}
		// Sign-extend so that the immediate round-trips through int32.
		switch w {
		case 4:
			v = int64(int32(v))
		case 2:
			v = int64(int16(v))
		case 1:
			v = int64(int8(v))
		}
		c.storeImm(dst.plus(off), v, size)
		off += w
	}
}

// signExtend sign-extends the low bits of r.
func (c *compiler) signExtend(r vreg, bits int) vreg {
	d := c.b.reg()
	c.b.emit(inst{op: opSignExt, dst: d, a: r, imm: int64(bits)})
	return d
}

// normalize brings a 64-bit result back to the width and signedness of
// its type: values in registers are always kept sign- or zero-extended.
func (c *compiler) normalize(r vreg, t *lang.Type) vreg {
	if t.Kind != lang.KindInt || t.Bits >= 64 {
		return r
	}
	if t.Signed {
		return c.signExtend(r, t.Bits)
	}
	if t.Bits == 32 {
		// AND with an immediate sign-extends it; shift instead.
		r = c.b.aluImm(asm.LSh, r, 32)
		return c.b.aluImm(asm.RSh, r, 32)
	}
	return c.b.aluImm(asm.And, r, int64(1)<<t.Bits-1)
}

// sizeOf returns the load/store size for a scalar of n bytes.
func sizeOf(n int) asm.Size {
	switch n {
	case 1:
		return asm.Byte
	case 2:
		return asm.Half
	case 4:
		return asm.Word
	}
	return asm.DWord
}

// reg materialises a scalar value in a register.
func (c *compiler) reg(v val) vreg {
	switch {
	case v.konst:
		return c.b.movImm(v.imm)
	case v.inMem:
		return c.load(v.m, sizeOf(v.t.Size), v.t.Signed)
	}
	return v.reg
}

// deadCode removes pure instructions whose results are never used.
func (b *builder) deadCode() {
	for {
		blocks := b.blocks()
		b.liveness(blocks)
		removed := false
		keep := make([]bool, len(b.code))
		for _, bl := range blocks {
			live := bl.liveOut.clone()
			for i := bl.last; i >= bl.first; i-- {
				in := &b.code[i]
				keep[i] = true
				if d := in.def(); d != 0 && pure(in.op) && !live.has(int(d)) {
					keep[i] = false
					removed = true
					continue
				}
				if d := in.def(); d != 0 {
					live.clear(int(d))
				}
				for _, u := range in.uses() {
					live.set(int(u))
				}
			}
		}
		if !removed {
			return
		}
		out := b.code[:0]
		for i, in := range b.code {
			if keep[i] {
				out = append(out, in)
			}
		}
		b.code = out
	}
}

// pure reports whether an operation only computes its result.
func pure(op opcode) bool {
	switch op {
	case opMovImm, opMov, opALU, opALUImm, opNeg, opLoad, opFrameAddr, opFrameLoad, opMapPtr, opSignExt,
		opParam, opFuncPtr, opKernelVar, opMapValue:
		return true
	}
	return false
}

func (s bitset) clear(i int) { s[i/64] &^= 1 << (i % 64) }
