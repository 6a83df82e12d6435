package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// Task functions: signal and signal_thread call bpf_send_signal(_thread).
// (ppid, pcomm, leader_tid and leader_comm are reads of struct
// task_struct that lang spells out as field accesses: their expansions.)

func init() {
	calls["signal"] = lowerSignal(asm.FnSendSignal)
	calls["signal_thread"] = lowerSignal(asm.FnSendSignalThread)
}

// lowerSignal sends a signal; a number known only at run time is sent
// when it is a valid signal (1 to 64).
func lowerSignal(fn asm.BuiltinFunc) callLowering {
	return func(c *compiler, e *lang.Call) val {
		// lang replaced a signal's name by its number.
		v := c.value(e.Args[0])
		if v.konst {
			c.b.call(fn, c.b.movImm(v.imm))
			return val{t: e.Type()}
		}
		sig := c.reg(v)
		skip := c.b.newLabel()
		c.b.jumpImm(asm.JEq, sig, 0, skip)
		c.b.jumpImm(asm.JGT, sig, 64, skip)
		c.b.call(fn, sig)
		c.b.mark(skip)
		return val{t: e.Type()}
	}
}
