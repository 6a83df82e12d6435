package codegen

import (
	"fmt"
	"math"
	"sort"

	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// Register allocation: liveness over basic blocks, one live interval per
// virtual register, linear scan with hints, and spill-everywhere with
// re-allocation when registers run out. Helper calls clobber R0-R5, so a
// value live across a call gets one of R6-R9 or a stack slot.

var (
	callerSaved = []asm.Register{asm.R0, asm.R1, asm.R2, asm.R3, asm.R4, asm.R5}
	calleeSaved = []asm.Register{asm.R6, asm.R7, asm.R8, asm.R9}
	argRegs     = []asm.Register{asm.R1, asm.R2, asm.R3, asm.R4, asm.R5}
)

// interval is the range of positions a virtual register is live over.
// Instruction i reads its operands at 2i and writes its result at 2i+1.
type interval struct {
	reg        vreg
	start, end int
	crossCall  bool
	phys       asm.Register
	spilled    bool
	spillSlot  int
}

// twoAddress rewrites dst = a op b into dst = a; dst op= b, the form BPF
// instructions take.
func (b *builder) twoAddress() {
	out := make([]inst, 0, len(b.code)+len(b.code)/4)
	for _, in := range b.code {
		switch in.op {
		case opALU, opALUImm, opNeg, opSignExt:
			if in.dst == in.a {
				out = append(out, in)
				continue
			}
			if in.op == opALU && in.b == in.dst {
				t := b.reg()
				out = append(out, inst{op: opMov, dst: t, a: in.a, pos: in.pos})
				in.dst, in.a = t, t
				out = append(out, in)
				out = append(out, inst{op: opMov, dst: in.b, a: t, pos: in.pos})
				continue
			}
			out = append(out, inst{op: opMov, dst: in.dst, a: in.a, pos: in.pos})
			in.a = in.dst
			out = append(out, in)
		default:
			out = append(out, in)
		}
	}
	b.code = out
}

// block is a basic block: code[first:last+1].
type block struct {
	first, last int
	succ        []int
	liveIn      bitset
	liveOut     bitset
}

func (b *builder) blocks() []*block {
	var blocks []*block
	labelBlock := map[int]int{}
	start := 0
	flush := func(end int) {
		if end >= start {
			blocks = append(blocks, &block{first: start, last: end})
		}
		start = end + 1
	}
	for i, in := range b.code {
		switch in.op {
		case opLabel:
			if i > start {
				flush(i - 1)
			}
			labelBlock[in.label] = len(blocks)
		case opJump, opJumpImm, opGoto, opExit:
			flush(i)
		}
	}
	flush(len(b.code) - 1)
	for bi, bl := range blocks {
		last := b.code[bl.last]
		switch last.op {
		case opGoto:
			bl.succ = []int{labelBlock[last.label]}
		case opExit:
		case opJump, opJumpImm:
			bl.succ = []int{labelBlock[last.label]}
			if bi+1 < len(blocks) {
				bl.succ = append(bl.succ, bi+1)
			}
		default:
			if bi+1 < len(blocks) {
				bl.succ = []int{bi + 1}
			}
		}
	}
	return blocks
}

// liveness computes live-in and live-out sets of every block.
func (b *builder) liveness(blocks []*block) {
	n := int(b.nregs) + 1
	use := make([]bitset, len(blocks))
	def := make([]bitset, len(blocks))
	for bi, bl := range blocks {
		use[bi], def[bi] = newBitset(n), newBitset(n)
		for i := bl.first; i <= bl.last; i++ {
			for _, u := range b.code[i].uses() {
				if !def[bi].has(int(u)) {
					use[bi].set(int(u))
				}
			}
			if d := b.code[i].def(); d != 0 {
				def[bi].set(int(d))
			}
		}
		bl.liveIn, bl.liveOut = newBitset(n), newBitset(n)
	}
	for changed := true; changed; {
		changed = false
		for bi := len(blocks) - 1; bi >= 0; bi-- {
			bl := blocks[bi]
			for _, s := range bl.succ {
				if bl.liveOut.union(blocks[s].liveIn) {
					changed = true
				}
			}
			in := bl.liveOut.clone()
			in.subtract(def[bi])
			in.union(use[bi])
			if !in.equal(bl.liveIn) {
				bl.liveIn = in
				changed = true
			}
		}
	}
}

func (b *builder) intervals(blocks []*block) map[vreg]*interval {
	ivs := map[vreg]*interval{}
	touch := func(r vreg, pos int) {
		iv, ok := ivs[r]
		if !ok {
			ivs[r] = &interval{reg: r, start: pos, end: pos}
			return
		}
		if pos < iv.start {
			iv.start = pos
		}
		if pos > iv.end {
			iv.end = pos
		}
	}
	for i, in := range b.code {
		for _, u := range in.uses() {
			touch(u, 2*i)
		}
		if d := in.def(); d != 0 {
			touch(d, 2*i+1)
		}
	}
	for _, bl := range blocks {
		bl.liveIn.each(func(r int) { touch(vreg(r), 2*bl.first) })
		bl.liveOut.each(func(r int) { touch(vreg(r), 2*bl.last+1) })
	}
	for _, in := range b.code {
		if in.op == opParam {
			// A callback's parameters move out of R1-R4 at entry, one
			// after another: keeping them out of R0-R5 means no move
			// overwrites a parameter still to be read.
			ivs[in.dst].crossCall = true
		}
	}
	for i, in := range b.code {
		if in.op != opCall {
			continue
		}
		clobber := 2*i + 1
		for _, iv := range ivs {
			if iv.start < clobber && iv.end > clobber {
				iv.crossCall = true
			}
		}
	}
	return ivs
}

// hints suggests a register for each virtual register: call arguments in
// their argument registers, call results and exit values in R0, the
// context in R1.
func (b *builder) hints(ivs map[vreg]*interval) (map[vreg]asm.Register, map[vreg]vreg) {
	hint := map[vreg]asm.Register{}
	copyOf := map[vreg]vreg{}
	for i, in := range b.code {
		switch in.op {
		case opCall:
			for k, a := range in.args {
				if ivs[a].end == 2*i {
					if _, ok := hint[a]; !ok {
						hint[a] = argRegs[k]
					}
				}
			}
			hint[in.dst] = asm.R0
		case opExit:
			if in.a != 0 {
				hint[in.a] = asm.R0
			}
		case opCtx:
			hint[in.dst] = asm.R1
		case opMov:
			if ivs[in.a].end == 2*i {
				copyOf[in.dst] = in.a
			}
		}
	}
	return hint, copyOf
}

// allocate runs linear scan and reports the intervals it had to spill.
func (b *builder) allocate(ivs map[vreg]*interval) []*interval {
	hint, copyOf := b.hints(ivs)
	order := make([]*interval, 0, len(ivs))
	for _, iv := range ivs {
		order = append(order, iv)
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].start != order[j].start {
			return order[i].start < order[j].start
		}
		return order[i].reg < order[j].reg
	})
	var active []*interval
	var spills []*interval
	for _, cur := range order {
		kept := active[:0]
		for _, a := range active {
			if a.end >= cur.start {
				kept = append(kept, a)
			}
		}
		active = kept
		busy := map[asm.Register]bool{}
		for _, a := range active {
			busy[a.phys] = true
		}
		allowed := append(append([]asm.Register{}, callerSaved...), calleeSaved...)
		if cur.crossCall {
			allowed = calleeSaved
		}
		ok := func(r asm.Register) bool {
			if busy[r] {
				return false
			}
			for _, a := range allowed {
				if a == r {
					return true
				}
			}
			return false
		}
		var pick asm.Register = 0xff
		if src, has := copyOf[cur.reg]; has && ivs[src] != nil && !ivs[src].spilled && ok(ivs[src].phys) {
			pick = ivs[src].phys
		} else if h, has := hint[cur.reg]; has && ok(h) {
			pick = h
		} else {
			for _, r := range allowed {
				if ok(r) {
					pick = r
					break
				}
			}
		}
		if pick == 0xff {
			// Spill whichever of the active intervals (or cur) ends last
			// and holds a register cur may use.
			victim := cur
			for _, a := range active {
				if a.end > victim.end && contains(allowed, a.phys) {
					victim = a
				}
			}
			if victim != cur {
				cur.phys = victim.phys
				victim.spilled = true
				for i, a := range active {
					if a == victim {
						active[i] = cur
					}
				}
				spills = append(spills, victim)
				continue
			}
			cur.spilled = true
			spills = append(spills, cur)
			continue
		}
		cur.phys = pick
		active = append(active, cur)
	}
	return spills
}

func contains(rs []asm.Register, r asm.Register) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// spill rewrites every use and definition of the spilled registers to go
// through a stack slot, with short-lived temporaries.
func (b *builder) spill(spills []*interval) {
	slot := map[vreg]int{}
	for _, iv := range spills {
		slot[iv.reg] = b.frame.alloc(8)
	}
	out := make([]inst, 0, len(b.code)*2)
	for _, in := range b.code {
		loaded := map[vreg]vreg{}
		replace := func(r vreg) vreg {
			off, ok := slot[r]
			if !ok {
				return r
			}
			if t, ok := loaded[r]; ok {
				return t
			}
			t := b.reg()
			out = append(out, inst{op: opFrameLoad, dst: t, off: int16(off), size: asm.DWord, pos: in.pos})
			loaded[r] = t
			return t
		}
		switch in.op {
		case opCall:
			args := make([]vreg, len(in.args))
			for i, a := range in.args {
				args[i] = replace(a)
			}
			in.args = args
		default:
			in.a = replace(in.a)
			in.b = replace(in.b)
		}
		var store *inst
		if d := in.def(); d != 0 {
			if off, ok := slot[d]; ok {
				t, had := loaded[d]
				if !had {
					t = b.reg()
				}
				in.dst = t
				store = &inst{op: opFrameStore, a: t, off: int16(off), size: asm.DWord, pos: in.pos}
			}
		}
		out = append(out, in)
		if store != nil {
			out = append(out, *store)
		}
	}
	b.code = out
}

// regalloc assigns machine registers to every virtual register.
func (b *builder) regalloc() (map[vreg]asm.Register, error) {
	b.twoAddress()
	// Spill slots go below everything lowering placed on the stack.
	b.frame.top = b.frame.max
	for round := 0; round < 32; round++ {
		blocks := b.blocks()
		b.liveness(blocks)
		ivs := b.intervals(blocks)
		spills := b.allocate(ivs)
		if len(spills) == 0 {
			phys := make(map[vreg]asm.Register, len(ivs))
			for r, iv := range ivs {
				phys[r] = iv.phys
			}
			return phys, nil
		}
		b.spill(spills)
	}
	return nil, fmt.Errorf("register allocation did not converge")
}

// minst is a machine instruction before jump offsets are known.
type minst struct {
	ins    asm.Instruction
	target int // jump target label, 0 when not a jump
	label  int // when non-zero, a label marker that emits nothing
	pos    lang.Span
}

// emit lowers allocated IR to machine instructions.
func (b *builder) emitMachine(phys map[vreg]asm.Register, v4 bool) []minst {
	var out []minst
	p := func(r vreg) asm.Register { return phys[r] }
	for _, in := range b.code {
		add := func(ins asm.Instruction) { out = append(out, minst{ins: ins, pos: in.pos}) }
		switch in.op {
		case opMovImm:
			if in.imm >= math.MinInt32 && in.imm <= math.MaxInt32 {
				add(asm.Mov.Imm(p(in.dst), int32(in.imm)))
			} else {
				add(asm.LoadImm(p(in.dst), in.imm, asm.DWord))
			}
		case opMov:
			if p(in.dst) != p(in.a) {
				add(asm.Mov.Reg(p(in.dst), p(in.a)))
			}
		case opCtx:
			if p(in.dst) != asm.R1 {
				add(asm.Mov.Reg(p(in.dst), asm.R1))
			}
		case opParam:
			add(asm.Mov.Reg(p(in.dst), asm.R1+asm.Register(in.imm)))
		case opFuncPtr:
			add(asm.Instruction{OpCode: asm.LoadImmOp(asm.DWord), Dst: p(in.dst), Src: asm.PseudoFunc, Constant: -1}.WithReference(in.mapRef))
		case opALU:
			add(in.alu.Reg(p(in.dst), p(in.b)))
		case opALUImm:
			add(in.alu.Imm(p(in.dst), int32(in.imm)))
		case opNeg:
			add(asm.Neg.Imm(p(in.dst), 0))
		case opSignExt:
			switch {
			case in.imm >= 64:
			case v4 && in.imm == 8:
				add(asm.MovSX8.Reg(p(in.dst), p(in.dst)))
			case v4 && in.imm == 16:
				add(asm.MovSX16.Reg(p(in.dst), p(in.dst)))
			case v4 && in.imm == 32:
				add(asm.MovSX32.Reg(p(in.dst), p(in.dst)))
			default:
				add(asm.LSh.Imm(p(in.dst), int32(64-in.imm)))
				add(asm.ArSh.Imm(p(in.dst), int32(64-in.imm)))
			}
		case opLoad:
			if in.signed && in.size != asm.DWord {
				if v4 {
					add(asm.LoadMemSX(p(in.dst), p(in.a), in.off, in.size))
				} else {
					add(asm.LoadMem(p(in.dst), p(in.a), in.off, in.size))
					bits := int32(64 - 8*in.size.Sizeof())
					add(asm.LSh.Imm(p(in.dst), bits))
					add(asm.ArSh.Imm(p(in.dst), bits))
				}
			} else {
				add(asm.LoadMem(p(in.dst), p(in.a), in.off, in.size))
			}
		case opStore:
			add(asm.StoreMem(p(in.a), in.off, p(in.b), in.size))
		case opStoreImm:
			add(asm.StoreImm(p(in.a), in.off, in.imm, in.size))
		case opFrameAddr:
			add(asm.Mov.Reg(p(in.dst), asm.RFP))
			add(asm.Add.Imm(p(in.dst), int32(in.imm)))
		case opFrameLoad:
			add(asm.LoadMem(p(in.dst), asm.RFP, in.off, in.size))
		case opFrameStore:
			add(asm.StoreMem(asm.RFP, in.off, p(in.a), in.size))
		case opFrameStoreImm:
			add(asm.StoreImm(asm.RFP, in.off, in.imm, in.size))
		case opMapPtr:
			add(asm.LoadMapPtr(p(in.dst), 0).WithReference(in.mapRef))
		case opMapValue:
			add(asm.LoadMapValue(p(in.dst), 0, uint32(in.imm)).WithReference(in.mapRef))
		case opKernelVar:
			// BPF_PSEUDO_BTF_ID (3); the second half's imm, the BTF
			// object's fd, is 0 for vmlinux.
			add(asm.Instruction{OpCode: asm.LoadImmOp(asm.DWord), Dst: p(in.dst), Src: asm.R3, Constant: in.imm})
		case opCall:
			for _, mv := range parallelMoves(in.args, p) {
				add(asm.Mov.Reg(mv[0], mv[1]))
			}
			if in.kfunc != 0 {
				add(asm.Instruction{OpCode: asm.OpCode(asm.JumpClass).SetJumpOp(asm.Call), Src: asm.PseudoKfuncCall, Constant: int64(in.kfunc)})
			} else {
				add(in.helper.Call())
			}
			if p(in.dst) != asm.R0 {
				add(asm.Mov.Reg(p(in.dst), asm.R0))
			}
		case opJump:
			ins := asm.Instruction{OpCode: in.jmp.Op(asm.RegSource), Dst: p(in.a), Src: p(in.b)}
			out = append(out, minst{ins: ins, target: in.label, pos: in.pos})
		case opJumpImm:
			ins := asm.Instruction{OpCode: in.jmp.Op(asm.ImmSource), Dst: p(in.a), Constant: in.imm}
			out = append(out, minst{ins: ins, target: in.label, pos: in.pos})
		case opGoto:
			ins := asm.Instruction{OpCode: asm.Ja.Op(asm.ImmSource)}
			out = append(out, minst{ins: ins, target: in.label, pos: in.pos})
		case opLabel:
			out = append(out, minst{label: in.label, pos: in.pos})
		case opExit:
			if in.a == 0 {
				add(asm.Mov.Imm(asm.R0, 0))
			} else if p(in.a) != asm.R0 {
				add(asm.Mov.Reg(asm.R0, p(in.a)))
			}
			add(asm.Return())
		}
	}
	return out
}

// parallelMoves orders the moves that put call arguments in R1-R5 so that
// no source is overwritten before it is read, breaking cycles with a free
// caller-saved register. It returns (dst, src) pairs.
func parallelMoves(args []vreg, p func(vreg) asm.Register) [][2]asm.Register {
	type move struct{ dst, src asm.Register }
	var pending []move
	for k, a := range args {
		if src := p(a); src != argRegs[k] {
			pending = append(pending, move{argRegs[k], src})
		}
	}
	var out [][2]asm.Register
	for len(pending) > 0 {
		progressed := false
		for i := 0; i < len(pending); i++ {
			m := pending[i]
			blocked := false
			for j, o := range pending {
				if j != i && o.src == m.dst {
					blocked = true
					break
				}
			}
			if !blocked {
				out = append(out, [2]asm.Register{m.dst, m.src})
				pending = append(pending[:i], pending[i+1:]...)
				progressed = true
				i--
			}
		}
		if progressed {
			continue
		}
		// Every remaining move is part of a cycle: park one source in a
		// register that no pending move reads or writes.
		used := map[asm.Register]bool{}
		for _, m := range pending {
			used[m.src], used[m.dst] = true, true
		}
		var tmp asm.Register
		for _, r := range callerSaved {
			if !used[r] {
				tmp = r
				break
			}
		}
		m := pending[0]
		out = append(out, [2]asm.Register{tmp, m.src})
		for i := range pending {
			if pending[i].src == m.src {
				pending[i].src = tmp
			}
		}
	}
	return out
}

// bitset is a set of small non-negative integers.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (s bitset) set(i int)      { s[i/64] |= 1 << (i % 64) }
func (s bitset) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }

func (s bitset) clone() bitset { return append(bitset(nil), s...) }

// union adds t to s and reports whether s changed.
func (s bitset) union(t bitset) bool {
	changed := false
	for i := range s {
		n := s[i] | t[i]
		if n != s[i] {
			s[i] = n
			changed = true
		}
	}
	return changed
}

func (s bitset) subtract(t bitset) {
	for i := range s {
		s[i] &^= t[i]
	}
}

func (s bitset) equal(t bitset) bool {
	for i := range s {
		if s[i] != t[i] {
			return false
		}
	}
	return true
}

func (s bitset) each(f func(int)) {
	for i, w := range s {
		for w != 0 {
			b := 0
			for w&(1<<b) == 0 {
				b++
			}
			f(i*64 + b)
			w &^= 1 << b
		}
	}
}
