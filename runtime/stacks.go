package runtime

import (
	"encoding/binary"
	"os"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime/output"
	"github.com/gtrace/gtrace/runtime/sym"
)

// Naming stacks and symbols when they print: kstack/ustack values are
// stack ids (with the pid above a user stack's id) whose addresses are
// read from the stack maps; ksym and func values are kernel addresses.

// symbolizer turns stack ids and addresses into text.
type symbolizer struct {
	coll   *ebpf.Collection
	kernel *sym.KernelResolver
	user   *sym.Resolver
	// stacks caches stacks read by map, id and pid: ids are stable, as
	// bpf_get_stackid does not reuse them.
	stacks map[stackKey][]uint64
}

type stackKey struct {
	limit int
	id    uint32
	pid   uint32
}

func newSymbolizer(coll *ebpf.Collection) *symbolizer {
	return &symbolizer{coll: coll, kernel: sym.NewKernelResolver(), user: sym.NewResolver(), stacks: map[stackKey][]uint64{}}
}

// addresses reads a stack's addresses, nil when it was not recorded.
func (s *symbolizer) addresses(spec *lang.StackSpec, id, pid uint32) []uint64 {
	key := stackKey{spec.Limit, id, pid}
	if addrs, ok := s.stacks[key]; ok {
		return addrs
	}
	m := s.coll.Maps[codegen.StackMapName(spec.Limit)]
	if m == nil || int32(id) < 0 {
		return nil
	}
	buf := make([]byte, m.ValueSize())
	if err := m.Lookup(&id, buf); err != nil {
		return nil
	}
	var addrs []uint64
	for i := 0; i+8 <= len(buf); i += 8 {
		a := binary.LittleEndian.Uint64(buf[i:])
		if a == 0 {
			break
		}
		addrs = append(addrs, a)
	}
	s.stacks[key] = addrs
	return addrs
}

// stack decodes a kstack or ustack value.
func (s *symbolizer) stack(t *lang.Type, b []byte) output.Stack {
	v := binary.LittleEndian.Uint64(b)
	spec := t.Stack
	id, pid := uint32(v), uint32(v>>32)
	addrs := s.addresses(spec, id, pid)
	out := output.Stack{}
	switch spec.Mode {
	case lang.StackPerf:
		out.Style = output.StackTabbed
	case lang.StackRaw:
		out.Style = output.StackPlain
	}
	var frames strings.Builder
	for _, a := range addrs {
		switch spec.Mode {
		case lang.StackRaw:
			frames.WriteString(strconv.FormatUint(a, 16))
		case lang.StackPerf:
			frames.WriteString(strconv.FormatUint(a, 16))
			frames.WriteByte(' ')
			frames.WriteString(s.frame(spec.User, int(pid), a, true))
		default:
			frames.WriteString(s.frame(spec.User, int(pid), a, false))
		}
		frames.WriteByte('\n')
	}
	out.Frames = frames.String()
	return out
}

// frame names one frame: "function+offset", or the address in hex; user
// frames in perf mode add the module in parentheses.
func (s *symbolizer) frame(user bool, pid int, addr uint64, perf bool) string {
	if !user {
		return s.kernel.Format(addr, true)
	}
	name, off, module, ok := s.user.Lookup(pid, addr)
	text := sym.HexAddress(addr)
	if ok {
		text = name + "+" + strconv.FormatUint(off, 10)
	}
	if perf {
		if !ok || module == "" {
			module = "[unknown]"
		}
		text += " (" + module + ")"
	}
	return text
}

// symbol decodes a ksym or func value: the name of the symbol the
// address falls in, without the offset.
func (s *symbolizer) symbol(t *lang.Type, b []byte) string {
	addr := binary.LittleEndian.Uint64(b)
	if t.Space != lang.AddrUser {
		return s.kernel.Format(addr, false)
	}
	pid := int(binary.LittleEndian.Uint64(b[8:]))
	if name, _, _, ok := s.user.Lookup(pid, addr); ok {
		return name
	}
	return sym.HexAddress(addr)
}

// clampStackMaps limits stack maps to the depth the kernel records
// (kernel.perf_event_max_stack): a deeper stack map cannot be created,
// and stacks are never deeper anyway.
func clampStackMaps(spec *ebpf.CollectionSpec) {
	data, err := os.ReadFile("/proc/sys/kernel/perf_event_max_stack")
	if err != nil {
		return
	}
	limit, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || limit <= 0 {
		return
	}
	for name, m := range spec.Maps {
		if m.Type == ebpf.StackTrace && m.ValueSize > uint32(8*limit) {
			c := m.Copy()
			c.ValueSize = uint32(8 * limit)
			spec.Maps[name] = c
		}
	}
}
