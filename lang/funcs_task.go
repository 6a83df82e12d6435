package lang

import "strings"

// Functions about the current task: ppid, pcomm, leader_tid and
// leader_comm read struct task_struct (from the kernel's BTF) through
// curtask or a task pointer; signal and signal_thread send a signal with
// bpf_send_signal(_thread).

func init() {
	for name, spec := range map[string]funcSpec{
		"ppid":          {0, 1, checkTaskField("ppid", "real_parent", "pid")},
		"pcomm":         {0, 1, checkTaskField("pcomm", "real_parent", "comm")},
		"leader_tid":    {0, 1, checkTaskField("leader_tid", "group_leader", "pid")},
		"leader_comm":   {0, 1, checkTaskField("leader_comm", "group_leader", "comm")},
		"signal":        {0, 1, checkSignal},
		"signal_thread": {0, 1, checkSignal},
	} {
		functions[name] = spec
	}
}

// isTaskPointer reports whether t is a struct task_struct *.
func isTaskPointer(t *Type) bool {
	return t != nil && t.Kind == KindPointer && t.Elem != nil && t.Elem.Kind == KindStruct && t.Elem.Name == "struct task_struct"
}

// checkTaskField types f([task]) as task->via->field (task defaults to
// curtask): ppid() is curtask->real_parent->pid, as in bpftrace. Ids are
// uint32 like pid and tid.
func checkTaskField(name, via, field string) func(c *checker, call *Call) *Type {
	return func(c *checker, call *Call) *Type {
		var task Expr
		if len(call.Args) == 1 {
			task = call.Args[0]
			t := c.expr(task)
			if t == nil {
				return nil
			}
			if !isTaskPointer(t) {
				c.errorf(call, "%s() only supports 'struct task_struct *' as the argument (%s provided)", name, t)
				return nil
			}
		} else {
			task = &Ident{Span: call.Span, Name: "curtask"}
			if t := c.expr(task); !isTaskPointer(t) {
				c.errorf(call, "%s() needs the kernel's BTF: curtask is not typed as struct task_struct *", name)
				return nil
			}
		}
		var x Expr = &FieldExpr{Span: call.Span, Arrow: true, Name: field,
			X: &FieldExpr{Span: call.Span, Arrow: true, Name: via, X: task}}
		if field == "pid" {
			x = &Cast{Span: call.Span, To: &TypeSpec{Span: call.Span, Name: "uint32"}, X: x}
		}
		call.Expansion = x
		return c.expr(x)
	}
}

// signalNumbers are the signal names signal() accepts, as in bpftrace.
var signalNumbers = map[string]int64{
	"SIGABRT": 6, "SIGALRM": 14, "SIGBUS": 7, "SIGCHLD": 17, "SIGCONT": 18, "SIGFPE": 8,
	"SIGHUP": 1, "SIGILL": 4, "SIGINT": 2, "SIGKILL": 9, "SIGPIPE": 13, "SIGPOLL": 29,
	"SIGQUIT": 3, "SIGSEGV": 11, "SIGSTOP": 19, "SIGSYS": 31, "SIGTERM": 15, "SIGTRAP": 5,
	"SIGTSTP": 20, "SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23, "SIGUSR1": 10, "SIGUSR2": 12,
	"SIGVTALRM": 26, "SIGWINCH": 28, "SIGXCPU": 24, "SIGXFSZ": 25,
}

// signalNumber resolves a signal name, with or without the SIG prefix and
// in any case ("SIGKILL", "kill"). It returns 0 for an unknown name.
func signalNumber(name string) int64 {
	s := strings.ToUpper(name)
	if !strings.HasPrefix(s, "SIG") {
		s = "SIG" + s
	}
	return signalNumbers[s]
}

// signalKinds are the probe kinds that may send signals (the current
// task is the one that hit the probe).
var signalKinds = map[string]bool{
	"kprobe": true, "kretprobe": true, "uprobe": true, "uretprobe": true, "usdt": true,
	"tracepoint": true, "profile": true, "fentry": true, "fexit": true, "rawtracepoint": true,
}

// signal(sig) and signal_thread(sig): sig is a signal name (a string
// literal) or number; literal numbers must be between 1 and 64. Both need
// --unsafe.
func checkSignal(c *checker, call *Call) *Type {
	if !c.opts.Unsafe {
		c.errorf(call, "%s() is an unsafe function being used in safe mode", call.Name)
	}
	seen := map[string]bool{}
	for _, pt := range c.variant.Points {
		if k := probeKinds[pt.Kind]; !signalKinds[k.Name] && !seen[k.Name] {
			seen[k.Name] = true
			c.errorf(call, "%s can not be used with \"%s\" probes", call.Name, k.Name)
		}
	}
	if len(call.Args) == 0 {
		c.errorf(call, "%s() requires at least one argument (0 provided)", call.Name)
		return nil
	}
	arg := call.Args[0]
	t := c.expr(arg)
	if t == nil {
		return nil
	}
	if name, ok := c.literalString(arg); ok {
		n := signalNumber(name)
		if n == 0 {
			c.errorf(call, "%s is not a valid signal", name)
			return nil
		}
		// The signal's number stands for its name from now on.
		call.Args[0] = &IntLit{Span: arg.Loc(), Value: uint64(n)}
		c.expr(call.Args[0])
		return TypeNone
	}
	if !t.IsInt() {
		c.errorf(call, "%s only accepts string literals or integers", call.Name)
		return nil
	}
	if n, ok := c.constInt(arg); ok && (n < 1 || n > 64) {
		c.errorf(call, "%d is not a valid signal, allowed range: [1,64]", n)
		return nil
	}
	return TypeNone
}

// literalString returns the value of a string known when compiling: a
// string literal, a positional parameter or a #define'd string.
func (c *checker) literalString(e Expr) (string, bool) {
	switch e := e.(type) {
	case *StrLit:
		return e.Value, true
	case *Positional:
		if t := e.Type(); t != nil && t.Kind == KindString {
			return e.Str, true
		}
	case *Ident:
		if e.Const && e.Type() != nil && e.Type().Kind == KindString {
			return e.Str, true
		}
	}
	return "", false
}
