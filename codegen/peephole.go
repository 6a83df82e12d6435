package codegen

import (
	"fmt"

	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// peephole simplifies machine code after register allocation:
// self-moves, jumps to the next instruction, jumps to jumps, code after an
// unconditional transfer, and a reload of a value just stored.
func peephole(code []minst) []minst {
	for changed := true; changed; {
		changed = false
		code, changed = removeDeadCode(code, changed)
		code, changed = threadJumps(code, changed)
		code, changed = removeUselessJumps(code, changed)
		code, changed = forwardStores(code, changed)
	}
	return code
}

func isUncond(m minst) bool {
	return m.label == 0 && (m.ins.OpCode.JumpOp() == asm.Exit || (m.target != 0 && m.ins.OpCode.JumpOp() == asm.Ja))
}

// removeDeadCode drops instructions that cannot be reached: those after
// an unconditional jump or exit up to the next label that is jumped to.
func removeDeadCode(code []minst, changed bool) ([]minst, bool) {
	targets := map[int]bool{}
	for _, m := range code {
		if m.target != 0 {
			targets[m.target] = true
		}
	}
	out := code[:0]
	dead := false
	for _, m := range code {
		if m.label != 0 {
			if !targets[m.label] {
				changed = true
				continue
			}
			dead = false
		}
		if dead {
			changed = true
			continue
		}
		out = append(out, m)
		if isUncond(m) {
			dead = true
		}
	}
	return out, changed
}

// threadJumps retargets a jump whose target label is followed by an
// unconditional goto.
func threadJumps(code []minst, changed bool) ([]minst, bool) {
	next := map[int]int{} // label -> the label its goto jumps to
	for i, m := range code {
		if m.label == 0 {
			continue
		}
		j := i + 1
		for j < len(code) && code[j].label != 0 {
			j++
		}
		if j < len(code) && code[j].target != 0 && code[j].ins.OpCode.JumpOp() == asm.Ja {
			next[m.label] = code[j].target
		}
	}
	for i := range code {
		t := code[i].target
		for hops := 0; t != 0 && hops < 8; hops++ {
			n, ok := next[t]
			if !ok || n == t {
				break
			}
			t = n
		}
		if t != code[i].target {
			code[i].target = t
			changed = true
		}
	}
	return code, changed
}

// removeUselessJumps drops a jump to the label right after it.
func removeUselessJumps(code []minst, changed bool) ([]minst, bool) {
	out := code[:0]
	for i, m := range code {
		if m.target != 0 {
			j := i + 1
			useless := false
			for j < len(code) && code[j].label != 0 {
				if code[j].label == m.target {
					useless = true
				}
				j++
			}
			if useless {
				changed = true
				continue
			}
		}
		out = append(out, m)
	}
	return out, changed
}

// forwardStores turns `*(fp+off) = rA; rB = *(fp+off)` into a move.
func forwardStores(code []minst, changed bool) ([]minst, bool) {
	for i := 0; i+1 < len(code); i++ {
		st, ld := code[i].ins, code[i+1].ins
		if code[i].label != 0 || code[i+1].label != 0 {
			continue
		}
		if st.OpCode.Class() == asm.StXClass && st.OpCode.Mode() == asm.MemMode && st.Dst == asm.RFP &&
			ld.OpCode.Class() == asm.LdXClass && ld.OpCode.Mode() == asm.MemMode && ld.Src == asm.RFP &&
			st.Offset == ld.Offset && st.OpCode.Size() == asm.DWord && ld.OpCode.Size() == asm.DWord {
			if ld.Dst == st.Src {
				code = append(code[:i+1], code[i+2:]...)
			} else {
				code[i+1].ins = asm.Mov.Reg(ld.Dst, st.Src)
			}
			changed = true
		}
		if m := code[i].ins; m.OpCode.Class() == asm.ALU64Class && m.OpCode.ALUOp() == asm.Mov &&
			m.OpCode.Source() == asm.RegSource && m.Dst == m.Src && code[i].label == 0 {
			code = append(code[:i], code[i+1:]...)
			changed = true
			i--
		}
	}
	return code, changed
}

// finalize resolves jump targets to offsets and returns the instructions
// with each one's source position.
func finalize(code []minst) (asm.Instructions, []lang.Span, error) {
	offsets := map[int]int{}
	raw := 0
	for _, m := range code {
		if m.label != 0 {
			offsets[m.label] = raw
			continue
		}
		raw += int(m.ins.Size() / asm.InstructionSize)
	}
	var insns asm.Instructions
	var pos []lang.Span
	raw = 0
	for _, m := range code {
		if m.label != 0 {
			continue
		}
		ins := m.ins
		width := int(ins.Size() / asm.InstructionSize)
		if m.target != 0 {
			t, ok := offsets[m.target]
			if !ok {
				return nil, nil, fmt.Errorf("internal error: undefined label L%d", m.target)
			}
			d := t - raw - 1
			if d < -32768 || d > 32767 {
				return nil, nil, fmt.Errorf("program too large: jump of %d instructions", d)
			}
			ins.Offset = int16(d)
		}
		insns = append(insns, ins)
		pos = append(pos, m.pos)
		raw += width
	}
	return insns, pos, nil
}
