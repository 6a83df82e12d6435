package codegen

import (
	"fmt"
	"slices"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
)

// Scratch memory: values too large for the 512-byte BPF stack (strings of
// a large max_strlen, tuples and keys holding them, buffers) live in a
// per-CPU array map instead, as bpftrace keeps values above its
// on_stack_limit in scratch maps. Each program that needs scratch space
// has one entry of the map (its key), shared by the program and its loop
// bodies' callbacks, which reach it at the same offsets: a variable a loop
// body shares with the probe can live there too.
//
// Space in the entry is handed out like stack space, in stack order: a
// statement's temporaries are released when it ends. A callback is
// compiled in the middle of its loop statement, so its space lies above
// everything the probe holds while the callback runs.
//
// Each function that uses the entry looks it up once, at its start (the
// lookup is spliced in after lowering, when it is known to be needed),
// and keeps the address in a register.

// ScratchMap names the internal map of scratch space.
const ScratchMap = "scratch"

// Values larger than the on_stack_limit config go to scratch space; when
// a program still needs more stack than BPF allows it is compiled again
// with everything larger than minOnStack there. Smaller values stay on
// the stack whatever the config says (compileVariant).
const (
	minOnStack = 8
	// maxScratch is the most a per-CPU array's value may hold
	// (PCPU_MIN_UNIT_SIZE), which also keeps offsets within an
	// instruction's 16 bits.
	maxScratch = 32 << 10
)

// stackError reports a program that needs more than the 512 bytes of
// stack BPF allows.
type stackError struct {
	need  int
	loops bool // the need includes loop bodies' callbacks
}

func (e *stackError) Error() string {
	what := "the probe needs"
	if e.loops {
		what = "the probe and its loop bodies need"
	}
	return fmt.Sprintf("%s %d bytes of stack, more than the 512 BPF allows", what, e.need)
}

// allocUp reserves n bytes aligned to 8 and returns their offset from the
// start (non-negative), for space that grows upwards.
func (f *frameAlloc) allocUp(n int) int {
	n = (n + 7) &^ 7
	start := f.top
	f.top += n
	if f.top > f.max {
		f.max = f.top
	}
	return start
}

// scratchMem is the location at off in the program's scratch space, from
// the function being compiled.
func (c *compiler) scratchMem(off int) mem {
	if c.scratchReg == 0 {
		c.scratchReg = c.b.reg()
	}
	return mem{base: c.scratchReg, off: off}
}

// scratchPrologue makes the function being compiled look up its scratch
// space when it starts, after it has taken its parameters, if it uses
// any; a failed lookup (which cannot happen) jumps to fail.
func (c *compiler) scratchPrologue(fail int) {
	if c.scratchReg == 0 {
		return
	}
	if c.scratchKey < 0 {
		c.scratchKey = c.obj.scratchUsers
		c.obj.scratchUsers++
	}
	body := c.b.code
	c.b.code = nil
	key := mem{off: c.b.frame.alloc(4)}
	c.storeImm(key, int64(c.scratchKey), asm.Word)
	p := c.b.call(asm.FnMapLookupElem, c.b.mapPtr(ScratchMap), c.addr(key))
	c.b.jumpImm(asm.JEq, p, 0, fail)
	c.b.mov(c.scratchReg, p)
	prologue := c.b.code
	for i := range prologue {
		prologue[i].pos = body[0].pos
	}
	at := 0
	for i, in := range body {
		if in.op == opCtx || in.op == opParam {
			at = i + 1
		}
	}
	c.b.code = slices.Insert(body, at, prologue...)
}

// addScratchMap adds the scratch map, with an entry for each program that
// uses scratch space, as large as the largest needs.
func (o *Object) addScratchMap() {
	if o.scratchUsers == 0 {
		return
	}
	o.Internal = append(o.Internal, &ebpf.MapSpec{
		Name:       ScratchMap,
		Type:       ebpf.PerCPUArray,
		KeySize:    4,
		ValueSize:  uint32(max(o.scratchSize, 8)),
		MaxEntries: uint32(o.scratchUsers),
	})
}
