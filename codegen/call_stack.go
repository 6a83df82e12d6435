package codegen

import (
	"github.com/gtrace/gtrace/lang"
)

// Stack and symbol functions: kstack and ustack (stacks.go), ksym (the
// address; user space names it), reg (a register saved in pt_regs).
// kaddr is a constant lang resolved.

func init() {
	calls["kstack"] = lowerStack
	calls["ustack"] = lowerStack
	calls["ksym"] = sameValue
	calls["reg"] = lowerReg
}

// lowerReg reads a register the probed task had when the probe fired.
func lowerReg(c *compiler, e *lang.Call) val {
	var name string
	switch a := e.Args[0].(type) {
	case *lang.StrLit:
		name = a.Value
	case *lang.Positional:
		name = a.Str
	case *lang.Ident:
		name = a.Str
	}
	return val{t: e.Type(), reg: c.ptRegister(name)}
}
