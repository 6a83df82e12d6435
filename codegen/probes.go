package codegen

import (
	"github.com/cilium/ebpf"

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
}

// programKinds is the table of probe kinds code generation supports, by
// the checker's canonical kind name.
var programKinds = map[string]programKind{
	// BEGIN and END run once through BPF_PROG_TEST_RUN, which raw
	// tracepoint programs support.
	"BEGIN":      {progType: ebpf.RawTracepoint},
	"END":        {progType: ebpf.RawTracepoint},
	"tracepoint": {progType: ebpf.TracePoint},
	"interval":   {progType: ebpf.PerfEvent},
	"profile":    {progType: ebpf.PerfEvent},
}
