package codegen

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// programKind is code generation's view of a probe kind: the program type
// it needs and how it reads probe-specific builtins (argN, retval).
type programKind struct {
	progType   ebpf.ProgramType
	attachType ebpf.AttachType
	// userSpace marks kinds whose integer arguments are user addresses.
	userSpace bool
	// arg lowers kind-specific builtins; it reports false for others.
	arg func(c *compiler, e *lang.Ident) (val, bool)
	// args, when set, builds the struct `args` points to in BPF memory
	// (uprobes: from the argument registers) and returns where; without
	// it, `args` is the context.
	args func(c *compiler) mem
	// attachTo names the kernel function a tracing program attaches to.
	attachTo bool
	// iterator marks BPF iterators (probe_iter.go): a context field that
	// reads NULL ends the probe, printf writes to the seq_file.
	iterator bool
}

// programKinds is the table of probe kinds code generation supports, by
// the checker's canonical kind name.
var programKinds = map[string]programKind{
	// BEGIN and END run once through BPF_PROG_TEST_RUN, which raw
	// tracepoint programs support.
	"BEGIN": {progType: ebpf.RawTracepoint},
	"END":   {progType: ebpf.RawTracepoint},
	// self:signal probes run the same way, when gtrace gets the signal.
	"self": {progType: ebpf.RawTracepoint},
	// test and bench probes are XDP programs, as in bpftrace: their
	// BPF_PROG_TEST_RUN reports the time a run takes, and can repeat it.
	"test":       {progType: ebpf.XDP},
	"bench":      {progType: ebpf.XDP},
	"tracepoint": {progType: ebpf.TracePoint},
	"interval":   {progType: ebpf.PerfEvent},
	"profile":    {progType: ebpf.PerfEvent},
	// Raw tracepoints, fentry and fexit get their arguments as an array of
	// 64-bit slots in the context.
	"rawtracepoint": {progType: ebpf.RawTracepoint, arg: ctxSlotArg},
	"fentry":        {progType: ebpf.Tracing, attachType: ebpf.AttachTraceFEntry, attachTo: true, arg: ctxSlotArg},
	"fexit":         {progType: ebpf.Tracing, attachType: ebpf.AttachTraceFExit, attachTo: true, arg: ctxSlotArg},
}

// ctxSlotArg reads argN from the context's argument slots, and retval from
// the slot after the arguments (fexit).
func ctxSlotArg(c *compiler, e *lang.Ident) (val, bool) {
	t := e.Type()
	if e.Name == "retval" {
		f, _ := c.v.Args.FieldByName("$retval")
		return val{t: t, reg: c.b.load(c.ctx, f.Offset, sizeOf(t.Size), t.Signed)}, true
	}
	var n int
	if _, err := fmt.Sscanf(e.Name, "arg%d", &n); err != nil {
		return val{}, false
	}
	return val{t: t, reg: c.b.load(c.ctx, 8*n, asm.DWord, false)}, true
}
