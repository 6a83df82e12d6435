package codegen

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// The intermediate form between expression lowering and register
// allocation: a linear list of instructions over an unbounded set of
// virtual registers, with labels for control flow. Lowering appends to it
// (builder methods below); regalloc.go assigns machine registers and
// stack slots and emits asm.Instructions; peephole.go tidies the result.

// vreg is a virtual register. The zero value means "no register".
type vreg int32

// opcode is an IR operation.
type opcode uint8

const (
	opMovImm        opcode = iota // dst = imm
	opMov                         // dst = a
	opALU                         // dst = a <alu> b
	opALUImm                      // dst = a <alu> imm
	opNeg                         // dst = -a
	opLoad                        // dst = *(size *)(a + off), sign-extended when signed
	opStore                       // *(size *)(a + off) = b
	opStoreImm                    // *(size *)(a + off) = imm (size < 8)
	opFrameAddr                   // dst = fp + off
	opFrameLoad                   // dst = *(size *)(fp + off)
	opFrameStore                  // *(size *)(fp + off) = a
	opFrameStoreImm               // *(size *)(fp + off) = imm (size < 8)
	opMapPtr                      // dst = address of map
	opCall                        // dst = helper(args...)
	opJump                        // if a <jmp> b goto label
	opJumpImm                     // if a <jmp> imm goto label
	opGoto                        // goto label
	opLabel                       // label:
	opExit                        // return a
	opSignExt                     // dst = sign-extend the low imm bits of a
	opCtx                         // dst = the context pointer (R1 at entry)
	opParam                       // dst = parameter imm of a callback (R1+imm at entry)
	opFuncPtr                     // dst = address of the function named mapRef
	opKernelVar                   // dst = address of the kernel variable whose vmlinux BTF id is imm
	opMapValue                    // dst = address of byte imm of the value of the array map mapRef's first entry
)

// inst is one IR instruction.
type inst struct {
	op     opcode
	alu    asm.ALUOp
	jmp    asm.JumpOp
	dst    vreg
	a, b   vreg
	imm    int64
	off    int16
	size   asm.Size
	signed bool
	mapRef string
	helper asm.BuiltinFunc
	kfunc  int32 // opCall: the BTF id of a kernel function called instead of helper
	args   []vreg
	label  int
	pos    lang.Span
}

// uses returns the registers the instruction reads.
func (in *inst) uses() []vreg {
	switch in.op {
	case opMov, opALUImm, opNeg, opLoad, opFrameStore, opJumpImm, opSignExt, opStoreImm:
		return nonZero(in.a)
	case opALU, opJump, opStore:
		return nonZero(in.a, in.b)
	case opCall:
		return in.args
	case opExit:
		return nonZero(in.a)
	}
	return nil
}

// def returns the register the instruction writes, or 0.
func (in *inst) def() vreg {
	switch in.op {
	case opMovImm, opMov, opALU, opALUImm, opNeg, opLoad, opFrameAddr, opFrameLoad, opMapPtr, opCall, opSignExt, opCtx,
		opParam, opFuncPtr, opKernelVar, opMapValue:
		return in.dst
	}
	return 0
}

func nonZero(rs ...vreg) []vreg {
	out := rs[:0:0]
	for _, r := range rs {
		if r != 0 {
			out = append(out, r)
		}
	}
	return out
}

// builder accumulates IR for one program.
type builder struct {
	code   []inst
	nregs  vreg
	labels int
	pos    lang.Span
	// frame is the stack allocator for values lowering keeps in memory.
	frame frameAlloc
}

func (b *builder) reg() vreg {
	b.nregs++
	return b.nregs
}

func (b *builder) newLabel() int {
	b.labels++
	return b.labels
}

func (b *builder) emit(in inst) {
	in.pos = b.pos
	b.code = append(b.code, in)
}

func (b *builder) movImm(v int64) vreg {
	r := b.reg()
	b.emit(inst{op: opMovImm, dst: r, imm: v})
	return r
}

func (b *builder) setImm(dst vreg, v int64) { b.emit(inst{op: opMovImm, dst: dst, imm: v}) }

func (b *builder) mov(dst, src vreg) {
	if dst != src {
		b.emit(inst{op: opMov, dst: dst, a: src})
	}
}

func (b *builder) copyReg(src vreg) vreg {
	r := b.reg()
	b.mov(r, src)
	return r
}

func (b *builder) alu(op asm.ALUOp, a, c vreg) vreg {
	r := b.reg()
	b.emit(inst{op: opALU, alu: op, dst: r, a: a, b: c})
	return r
}

func (b *builder) aluImm(op asm.ALUOp, a vreg, imm int64) vreg {
	r := b.reg()
	b.emit(inst{op: opALUImm, alu: op, dst: r, a: a, imm: imm})
	return r
}

// aluInto computes dst = a op c in place (dst may equal a).
func (b *builder) aluInto(dst vreg, op asm.ALUOp, a, c vreg) {
	b.emit(inst{op: opALU, alu: op, dst: dst, a: a, b: c})
}

func (b *builder) aluImmInto(dst vreg, op asm.ALUOp, a vreg, imm int64) {
	b.emit(inst{op: opALUImm, alu: op, dst: dst, a: a, imm: imm})
}

func (b *builder) load(base vreg, off int, size asm.Size, signed bool) vreg {
	r := b.reg()
	b.emit(inst{op: opLoad, dst: r, a: base, off: int16(off), size: size, signed: signed})
	return r
}

func (b *builder) store(base vreg, off int, v vreg, size asm.Size) {
	b.emit(inst{op: opStore, a: base, b: v, off: int16(off), size: size})
}

func (b *builder) storeImm(base vreg, off int, v int64, size asm.Size) {
	b.emit(inst{op: opStoreImm, a: base, off: int16(off), imm: v, size: size})
}

func (b *builder) frameAddr(off int) vreg {
	r := b.reg()
	b.emit(inst{op: opFrameAddr, dst: r, imm: int64(off)})
	return r
}

func (b *builder) mapPtr(name string) vreg {
	r := b.reg()
	b.emit(inst{op: opMapPtr, dst: r, mapRef: name})
	return r
}

func (b *builder) call(fn asm.BuiltinFunc, args ...vreg) vreg {
	r := b.reg()
	b.emit(inst{op: opCall, dst: r, helper: fn, args: args})
	return r
}

// mapValue loads the address of byte off of the value of the first entry
// of an array map (ldimm64 with BPF_PSEUDO_MAP_VALUE): a constant address
// the verifier knows, as read-only strings need.
func (b *builder) mapValue(name string, off int) vreg {
	r := b.reg()
	b.emit(inst{op: opMapValue, dst: r, mapRef: name, imm: int64(off)})
	return r
}

// kernelVar loads the address of a kernel variable, by its BTF id in
// vmlinux (ldimm64 with BPF_PSEUDO_BTF_ID): for a per-CPU variable, a
// per-CPU pointer for bpf_this_cpu_ptr and bpf_per_cpu_ptr.
func (b *builder) kernelVar(id int64) vreg {
	r := b.reg()
	b.emit(inst{op: opKernelVar, dst: r, imm: id})
	return r
}

// callKfunc calls the kernel function (kfunc) whose BTF id in vmlinux is id.
func (b *builder) callKfunc(id int32, args ...vreg) vreg {
	r := b.reg()
	b.emit(inst{op: opCall, dst: r, kfunc: id, args: args})
	return r
}

func (b *builder) jump(op asm.JumpOp, a, c vreg, label int) {
	b.emit(inst{op: opJump, jmp: op, a: a, b: c, label: label})
}

func (b *builder) jumpImm(op asm.JumpOp, a vreg, imm int64, label int) {
	b.emit(inst{op: opJumpImm, jmp: op, a: a, imm: imm, label: label})
}

func (b *builder) goTo(label int) { b.emit(inst{op: opGoto, label: label}) }

func (b *builder) mark(label int) { b.emit(inst{op: opLabel, label: label}) }

func (b *builder) exit(v vreg) { b.emit(inst{op: opExit, a: v}) }

// String renders the IR, one instruction a line.
func (b *builder) String() string {
	var sb strings.Builder
	for _, in := range b.code {
		sb.WriteString(in.String())
		sb.WriteByte('\n')
	}
	return sb.String()
}

func (in inst) String() string {
	r := func(v vreg) string { return fmt.Sprintf("v%d", v) }
	switch in.op {
	case opMovImm:
		return fmt.Sprintf("  %s = %d", r(in.dst), in.imm)
	case opMov:
		return fmt.Sprintf("  %s = %s", r(in.dst), r(in.a))
	case opALU:
		return fmt.Sprintf("  %s = %s %v %s", r(in.dst), r(in.a), in.alu, r(in.b))
	case opALUImm:
		return fmt.Sprintf("  %s = %s %v %d", r(in.dst), r(in.a), in.alu, in.imm)
	case opNeg:
		return fmt.Sprintf("  %s = -%s", r(in.dst), r(in.a))
	case opSignExt:
		return fmt.Sprintf("  %s = sext%d %s", r(in.dst), in.imm, r(in.a))
	case opLoad:
		return fmt.Sprintf("  %s = *(%v)(%s%+d)", r(in.dst), in.size, r(in.a), in.off)
	case opStore:
		return fmt.Sprintf("  *(%v)(%s%+d) = %s", in.size, r(in.a), in.off, r(in.b))
	case opStoreImm:
		return fmt.Sprintf("  *(%v)(%s%+d) = %d", in.size, r(in.a), in.off, in.imm)
	case opFrameAddr:
		return fmt.Sprintf("  %s = fp%+d", r(in.dst), in.imm)
	case opFrameLoad:
		return fmt.Sprintf("  %s = *(%v)(fp%+d)", r(in.dst), in.size, in.off)
	case opFrameStore:
		return fmt.Sprintf("  *(%v)(fp%+d) = %s", in.size, in.off, r(in.a))
	case opFrameStoreImm:
		return fmt.Sprintf("  *(%v)(fp%+d) = %d", in.size, in.off, in.imm)
	case opMapPtr:
		return fmt.Sprintf("  %s = map %s", r(in.dst), in.mapRef)
	case opCall:
		var as []string
		for _, a := range in.args {
			as = append(as, r(a))
		}
		if in.kfunc != 0 {
			return fmt.Sprintf("  %s = call kfunc#%d(%s)", r(in.dst), in.kfunc, strings.Join(as, ", "))
		}
		return fmt.Sprintf("  %s = call %v(%s)", r(in.dst), in.helper, strings.Join(as, ", "))
	case opJump:
		return fmt.Sprintf("  if %s %v %s goto L%d", r(in.a), in.jmp, r(in.b), in.label)
	case opJumpImm:
		return fmt.Sprintf("  if %s %v %d goto L%d", r(in.a), in.jmp, in.imm, in.label)
	case opGoto:
		return fmt.Sprintf("  goto L%d", in.label)
	case opLabel:
		return fmt.Sprintf("L%d:", in.label)
	case opExit:
		return fmt.Sprintf("  exit %s", r(in.a))
	case opCtx:
		return fmt.Sprintf("  %s = ctx", r(in.dst))
	case opParam:
		return fmt.Sprintf("  %s = param %d", r(in.dst), in.imm)
	case opFuncPtr:
		return fmt.Sprintf("  %s = func %s", r(in.dst), in.mapRef)
	case opKernelVar:
		return fmt.Sprintf("  %s = kernel var btf#%d", r(in.dst), in.imm)
	case opMapValue:
		return fmt.Sprintf("  %s = map %s value %+d", r(in.dst), in.mapRef, in.imm)
	}
	return "?"
}

// frameAlloc hands out stack space below the frame pointer. Space is
// released in stack order with mark/release, so a statement's temporaries
// are reused by the next statement.
type frameAlloc struct {
	top, max int
}

// alloc reserves n bytes aligned to 8 and returns the offset from fp
// (negative).
func (f *frameAlloc) alloc(n int) int {
	n = (n + 7) &^ 7
	f.top += n
	if f.top > f.max {
		f.max = f.top
	}
	return -f.top
}

func (f *frameAlloc) mark() int        { return f.top }
func (f *frameAlloc) release(mark int) { f.top = mark }
