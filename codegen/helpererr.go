package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// Reporting failed helper calls at run time (gtrace -k and -kk), as
// bpftrace 0.17 does: after a call to a helper that can fail, a negative
// return value sends a helper-error event that names the helper and the
// script text that made the call, with the value the helper returned.

// checkedHelpers are the helpers -k checks, by the names bpftrace gives
// them.
var checkedHelpers = map[asm.BuiltinFunc]string{
	asm.FnMapUpdateElem:    "map_update_elem",
	asm.FnMapDeleteElem:    "map_delete_elem",
	asm.FnGetCurrentComm:   "get_current_comm",
	asm.FnGetStackid:       "get_stackid",
	asm.FnSendSignal:       "send_signal",
	asm.FnSendSignalThread: "send_signal_thread",
	asm.FnDPath:            "d_path",
	asm.FnSeqPrintf:        "seq_printf",
}

// readHelpers are the helpers only -kk checks: a failed read leaves zeros,
// which a script can test for.
var readHelpers = map[asm.BuiltinFunc]string{
	asm.FnProbeRead:          "probe_read",
	asm.FnProbeReadStr:       "probe_read_str",
	asm.FnProbeReadKernel:    "probe_read_kernel",
	asm.FnProbeReadKernelStr: "probe_read_kernel_str",
	asm.FnProbeReadUser:      "probe_read_user",
	asm.FnProbeReadUserStr:   "probe_read_user_str",
}

// checkHelpers adds a check after every call to a checked helper.
func (c *compiler) checkHelpers() {
	level := c.opts.HelperErrors
	if level == 0 {
		return
	}
	code := c.b.code
	c.b.code = make([]inst, 0, len(code))
	for _, in := range code {
		c.b.code = append(c.b.code, in)
		if in.op != opCall {
			continue
		}
		name, ok := checkedHelpers[in.helper]
		if !ok && level > 1 {
			name, ok = readHelpers[in.helper]
		}
		if ok {
			c.helperError(in, name)
		}
	}
}

// helperError emits: if the call's result is negative, send a
// helper-error event carrying it.
func (c *compiler) helperError(call inst, helper string) {
	c.b.pos = call.pos
	ok := c.b.newLabel()
	c.b.jumpImm(asm.JSGE, call.dst, 0, ok)
	a := &Action{Kind: ActHelperError, Helper: helper, Pos: call.pos,
		Args: []Arg{{Type: lang.TypeInt64, Offset: EventHeader}}, Size: EventHeader + 8}
	c.send(a, func(rec mem) { c.store(rec.plus(EventHeader), call.dst, asm.DWord) })
	c.b.mark(ok)
}
