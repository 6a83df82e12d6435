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

// Flags of bpf_get_stackid.
const stackUser = 1 << 8 // BPF_F_USER_STACK

// StackMapName returns the name of the stack map holding stacks of the
// given depth.
func StackMapName(limit int) string { return fmt.Sprintf("stack_%d", limit) }

// stackMap returns the name of the stack map for a depth, adding it to
// the object's internal maps on first use. It holds as many stacks as a
// map holds keys.
func (c *compiler) stackMap(limit int) string {
	name := StackMapName(limit)
	for _, m := range c.obj.Internal {
		if m.Name == name {
			return name
		}
	}
	c.obj.Internal = append(c.obj.Internal, &ebpf.MapSpec{
		Name:       name,
		Type:       ebpf.StackTrace,
		KeySize:    4,
		ValueSize:  uint32(8 * limit),
		MaxEntries: uint32(c.obj.Config.MaxMapKeys),
	})
	return name
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
	id := c.b.call(asm.FnGetStackid, c.ctx, c.b.mapPtr(c.stackMap(spec.Limit)), c.b.movImm(flags))
	// Keep the id's 32 bits.
	id = c.b.aluImm(asm.LSh, id, 32)
	id = c.b.aluImm(asm.RSh, id, 32)
	if spec.User {
		// The pid as gtrace sees it: user space reads its /proc.
		tgid := c.currentPid(false)
		c.b.aluInto(id, asm.Or, id, c.b.aluImm(asm.LSh, tgid, 32))
	}
	return val{t: e.Type(), reg: id}
}
