package codegen

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// Stacks, as bpftrace 0.17 records them: bpf_get_stackid() stores the
// stack's addresses in a BPF_MAP_TYPE_STACK_TRACE map and returns its id;
// the id (for user stacks, with the pid in the upper 32 bits, since user
// addresses only mean something in their process) is the stack's value,
// 8 bytes that fit in a map key. User space reads the addresses back from
// the stack map by id when the value prints. One stack map serves every
// stack of a depth, kernel or user.

// ustack(build_id) stacks live in stack maps of their own, created with
// BPF_F_STACK_BUILD_ID: the kernel stores each frame as a struct
// bpf_stack_build_id (BuildIDFrameSize bytes: a status, the 20-byte build
// id of the file the address falls in and the offset in that file, or the
// address when the build id could not be read).
//
// len() of a stack is its number of frames, which bpf_get_stackid does not
// return: when a script takes len() of a stack, every stack it records is
// also walked with bpf_get_stack, and the number of frames (at most
// StackLenMax) is kept in the value's top StackLenShift bits, above the
// pid (below 2^22, the kernel's PID_MAX_LIMIT).

// Flags of bpf_get_stackid and bpf_get_stack, and of stack maps.
const (
	stackUser    = 1 << 8 // BPF_F_USER_STACK
	stackBuildID = 1 << 5 // BPF_F_STACK_BUILD_ID (map flag)
)

// BuildIDFrameSize is the size of a frame of a build-id stack map (struct
// bpf_stack_build_id).
const BuildIDFrameSize = 32

// Where a stack value keeps its number of frames, when the script takes
// len() of a stack.
const (
	StackLenShift = 54
	StackLenMax   = 1<<(64-StackLenShift) - 1
)

// StackMapName returns the name of the stack map holding stacks of the
// given depth.
func StackMapName(limit int) string { return fmt.Sprintf("stack_%d", limit) }

// BuildIDStackMapName returns the name of the stack map holding
// ustack(build_id) stacks of the given depth.
func BuildIDStackMapName(limit int) string { return fmt.Sprintf("stack_bid_%d", limit) }

// StackMapFor returns the name of the stack map holding stacks of a spec.
func StackMapFor(spec *lang.StackSpec) string {
	if spec.Mode == lang.StackBuildID {
		return BuildIDStackMapName(spec.Limit)
	}
	return StackMapName(spec.Limit)
}

// stackMap returns the name of the stack map for a stack spec, adding it
// to the object's internal maps on first use. It holds as many stacks as
// a map holds keys.
func (c *compiler) stackMap(spec *lang.StackSpec) string {
	name := StackMapFor(spec)
	for _, m := range c.obj.Internal {
		if m.Name == name {
			return name
		}
	}
	m := &ebpf.MapSpec{
		Name:       name,
		Type:       ebpf.StackTrace,
		KeySize:    4,
		ValueSize:  uint32(8 * spec.Limit),
		MaxEntries: uint32(c.obj.Config.MaxMapKeys),
	}
	if spec.Mode == lang.StackBuildID {
		m.Flags = stackBuildID
		m.ValueSize = uint32(BuildIDFrameSize * spec.Limit)
	}
	c.obj.Internal = append(c.obj.Internal, m)
	return name
}

// usesStackLen reports whether a program takes len() of a stack.
func usesStackLen(prog *lang.Program) bool {
	found := false
	for _, p := range prog.Probes {
		lang.Inspect(p, func(n lang.Node) {
			if call, ok := n.(*lang.Call); ok && call.Name == "len" && len(call.Args) == 1 {
				if t := call.Args[0].Type(); t != nil && t.Kind == lang.KindStack {
					found = true
				}
			}
		})
	}
	return found
}

// stackDepth walks the current stack again with bpf_get_stack, into
// temporary space, and returns its number of frames (0 when it cannot be
// read), at most StackLenMax.
func (c *compiler) stackDepth(spec *lang.StackSpec, flags int64) vreg {
	size := 8 * spec.Limit
	buf := c.temp(size)
	n := c.b.call(asm.FnGetStack, c.ctx, c.addr(buf), c.b.movImm(int64(size)), c.b.movImm(flags))
	ok, done := c.b.newLabel(), c.b.newLabel()
	c.b.jumpImm(asm.JSGE, n, 0, ok)
	c.b.setImm(n, 0)
	c.b.mark(ok)
	c.b.aluImmInto(n, asm.RSh, n, 3)
	c.b.jumpImm(asm.JLE, n, StackLenMax, done)
	c.b.setImm(n, StackLenMax)
	c.b.mark(done)
	return n
}

// lowerStackLen is len() of a stack: its number of frames, kept in the
// value's top bits.
func lowerStackLen(c *compiler, e *lang.Call) val {
	v := c.b.copyReg(c.reg(c.value(e.Args[0])))
	return val{t: e.Type(), reg: c.b.aluImm(asm.RSh, v, StackLenShift)}
}

// lowerStack records the current kernel or user stack and returns its
// value: the stack id, and for a user stack the pid above it. A stack
// that cannot be recorded keeps its (negative) error as the id; it prints
// as an empty stack.
func lowerStack(c *compiler, e *lang.Call) val {
	spec := e.Type().Stack
	var flags int64
	if spec.User {
		flags = stackUser
	}
	id := c.b.call(asm.FnGetStackid, c.ctx, c.b.mapPtr(c.stackMap(spec)), c.b.movImm(flags))
	// Keep the id's 32 bits.
	id = c.b.aluImm(asm.LSh, id, 32)
	id = c.b.aluImm(asm.RSh, id, 32)
	if spec.User {
		// The pid as gtrace sees it: user space reads its /proc.
		tgid := c.currentPid(false)
		c.b.aluInto(id, asm.Or, id, c.b.aluImm(asm.LSh, tgid, 32))
	}
	if c.obj.stackLen {
		n := c.stackDepth(spec, flags)
		c.b.aluInto(id, asm.Or, id, c.b.aluImm(asm.LSh, n, StackLenShift))
	}
	return val{t: e.Type(), reg: id}
}
