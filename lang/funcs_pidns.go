package lang

// pid, tid and comm called as functions, as in the newest bpftrace:
//
//	pid([curr_ns|init]), tid([curr_ns|init])
//	comm([pid])
//
// pid() and tid() default to curr_ns, the ids as seen from the PID
// namespace gtrace runs in, which is what the bare builtins pid and tid
// mean too; init asks for the ids in the initial PID namespace. comm(pid)
// names the process with that pid (in the initial namespace: code
// generation looks the task up with the kfunc bpf_task_from_pid).

func init() {
	functions["pid"] = funcSpec{0, 1, checkNsID}
	functions["tid"] = funcSpec{0, 1, checkNsID}
	functions["comm"] = funcSpec{0, 1, checkComm}
}

// PidNSInit reports whether a pid() or tid() call left unexpanded by the
// checker asks for the initial namespace: pid() and pid(curr_ns) expand
// to the builtin pid, so only pid(init) stays a call.
func PidNSInit(call *Call) bool {
	if len(call.Args) != 1 {
		return false
	}
	id, ok := call.Args[0].(*Ident)
	return ok && id.Name == "init"
}

// checkNsID types pid([curr_ns|init]) and tid([curr_ns|init]). The
// argument is a bare identifier, not an expression: it is not checked
// as one (init is no builtin).
func checkNsID(c *checker, call *Call) *Type {
	mode := "curr_ns"
	if len(call.Args) == 1 {
		id, ok := call.Args[0].(*Ident)
		if !ok {
			c.errorf(call, "%s() only supports curr_ns and init as the argument", call.Name)
			return nil
		}
		if id.Name != "curr_ns" && id.Name != "init" {
			c.errorf(id, "Invalid PID namespace mode: %s (expects: curr_ns or init)", id.Name)
			return nil
		}
		mode = id.Name
	}
	if mode == "curr_ns" {
		call.Expansion = &Ident{Span: call.Span, Name: call.Name}
		return c.expr(call.Expansion)
	}
	return IntType(32, false)
}

// CommPidSize is the size of comm(pid)'s string: the kernel's
// TASK_COMM_LEN, as for the builtin comm.
const CommPidSize = 16

// checkComm types comm() as the builtin comm and comm(pid) as the name of
// the process with that pid.
func checkComm(c *checker, call *Call) *Type {
	if len(call.Args) == 0 {
		call.Expansion = &Ident{Span: call.Span, Name: "comm"}
		return c.expr(call.Expansion)
	}
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	if !t.IsInt() {
		c.errorf(call, "Only integer supported for comm()'s pid")
		return nil
	}
	return StringType(CommPidSize)
}
