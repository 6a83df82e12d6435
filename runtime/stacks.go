package runtime

import (
	"encoding/binary"
	"encoding/hex"
	"os"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

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
	// bpf_get_stackid does not reuse them; frames caches build-id stacks'
	// frames.
	stacks map[stackKey][]uint64
	frames map[stackKey][]string
}

type stackKey struct {
	limit   int
	buildID bool
	id      uint32
	pid     uint32
}

func newSymbolizer(coll *ebpf.Collection) *symbolizer {
	return &symbolizer{coll: coll, kernel: sym.NewKernelResolver(), user: sym.NewResolver(), stacks: map[stackKey][]uint64{}, frames: map[stackKey][]string{}}
}

// addresses reads a stack's addresses, nil when it was not recorded.
func (s *symbolizer) addresses(spec *lang.StackSpec, id, pid uint32) []uint64 {
	key := stackKey{spec.Limit, false, id, pid}
	if addrs, ok := s.stacks[key]; ok {
		return addrs
	}
	buf := s.stackValue(spec, id)
	if buf == nil {
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

// stackValue reads stack id's entry in the stack map of spec, nil when
// it was not recorded.
func (s *symbolizer) stackValue(spec *lang.StackSpec, id uint32) []byte {
	m := s.coll.Maps[codegen.StackMapFor(spec)]
	if m == nil || int32(id) < 0 {
		return nil
	}
	buf := make([]byte, m.ValueSize())
	if err := m.Lookup(&id, buf); err != nil {
		return nil
	}
	return buf
}

// buildIDFrames reads a ustack(build_id) stack's frames as they print:
// the build id in hexadecimal and the offset in the file ("<id> 0x<off>"),
// or the address in hexadecimal where the kernel could not read the
// build id, as the newest bpftrace prints them.
func (s *symbolizer) buildIDFrames(spec *lang.StackSpec, id, pid uint32) []string {
	key := stackKey{spec.Limit, true, id, pid}
	if frames, ok := s.frames[key]; ok {
		return frames
	}
	buf := s.stackValue(spec, id)
	if buf == nil {
		return nil
	}
	frames := formatBuildIDFrames(buf)
	s.frames[key] = frames
	return frames
}

// formatBuildIDFrames formats the frames of a build-id stack map's value:
// struct bpf_stack_build_id { s32 status; u8 build_id[20]; union { u64
// offset; u64 ip; }; } each, up to the first empty one (status 0; the
// kernel zeroes the frames after the stack's last).
func formatBuildIDFrames(buf []byte) []string {
	var frames []string
	for i := 0; i+codegen.BuildIDFrameSize <= len(buf); i += codegen.BuildIDFrameSize {
		f := buf[i : i+codegen.BuildIDFrameSize]
		status := int32(binary.LittleEndian.Uint32(f))
		off := binary.LittleEndian.Uint64(f[24:])
		switch status {
		case 0: // BPF_STACK_BUILD_ID_EMPTY
			return frames
		case 1: // BPF_STACK_BUILD_ID_VALID
			text := hex.EncodeToString(f[4:24]) + " 0x"
			if off < 0x10 {
				text += "0"
			}
			frames = append(frames, text+strconv.FormatUint(off, 16))
		default: // BPF_STACK_BUILD_ID_IP
			frames = append(frames, strconv.FormatUint(off, 16))
		}
	}
	return frames
}

// stackValue splits a kstack or ustack value: the stack id, the pid (user
// stacks) and, where the script takes len() of a stack, the number of
// frames in the top bits (codegen.StackLenShift), left out here.
func stackValue(v uint64) (id, pid uint32) {
	return uint32(v), uint32(v>>32) & (1<<(codegen.StackLenShift-32) - 1)
}

// stack decodes a kstack or ustack value.
func (s *symbolizer) stack(t *lang.Type, b []byte) output.Stack {
	v := binary.LittleEndian.Uint64(b)
	spec := t.Stack
	id, pid := stackValue(v)
	if spec.Mode == lang.StackBuildID {
		out := output.Stack{Style: output.StackPlain}
		for _, f := range s.buildIDFrames(spec, id, pid) {
			out.Frames += f + "\n"
		}
		return out
	}
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

// hasStackMap reports whether spec has a stack trace map.
func hasStackMap(spec *ebpf.CollectionSpec) bool {
	for _, m := range spec.Maps {
		if m.Type == ebpf.StackTrace {
			return true
		}
	}
	return false
}

// clampStackMaps limits stack maps to the depth the kernel records
// (kernel.perf_event_max_stack): a deeper stack map cannot be created,
// and stacks are never deeper anyway.
func clampStackMaps(spec *ebpf.CollectionSpec) {
	if !hasStackMap(spec) {
		// Most scripts have none: no need to read the limit.
		return
	}
	data, err := os.ReadFile("/proc/sys/kernel/perf_event_max_stack")
	if err != nil {
		return
	}
	limit, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || limit <= 0 {
		return
	}
	for name, m := range spec.Maps {
		frame := uint32(8)
		if m.Flags&unix.BPF_F_STACK_BUILD_ID != 0 {
			frame = codegen.BuildIDFrameSize
		}
		if m.Type == ebpf.StackTrace && m.ValueSize > frame*uint32(limit) {
			c := m.Copy()
			c.ValueSize = frame * uint32(limit)
			spec.Maps[name] = c
		}
	}
}
