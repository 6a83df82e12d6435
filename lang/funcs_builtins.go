package lang

// Builtins called as functions: in the newest bpftrace `jiffies()` is
// `jiffies`, and so for every builtin without arguments. A call expands
// to the builtin; arguments are reported as a call with too many.
// (nsecs, ncpus and username are functions of their own; pid, tid and
// comm take arguments in the newest bpftrace: funcs_pidns.go.)

// builtinCalls are the builtins that may be called with ().
// (probe(), func() and retval(): builtins_spelled.go.)
var builtinCalls = []string{"jiffies", "rand", "cpu", "numaid", "cgroup", "elapsed", "uid", "gid", "cpid"}

func init() {
	for _, name := range builtinCalls {
		functions[name] = funcSpec{0, 0, checkBuiltinCall}
	}
}

// checkBuiltinCall types name() as the builtin name.
func checkBuiltinCall(c *checker, call *Call) *Type {
	call.Expansion = &Ident{Span: call.Span, Name: call.Name}
	return c.expr(call.Expansion)
}
