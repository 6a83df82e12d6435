package lang

import (
	cbtf "github.com/cilium/ebpf/btf"
)

// Functions of the newest bpftrace that reach into the kernel or the
// traced process: percpu_kaddr (the address of a per-CPU kernel
// variable), unwatch (removes a watchpoint), write_user
// (bpf_probe_write_user) and override (bpf_override_return, in
// kprobes), and the helpers only BPF_PROG_TYPE_TRACING programs (fentry
// and fexit probes) may call: socket_cookie (bpf_get_socket_cookie),
// path (bpf_d_path) and skboutput (bpf_skb_output).

func init() {
	for name, spec := range map[string]funcSpec{
		"percpu_kaddr":  {1, 2, checkPercpuKaddr},
		"unwatch":       {1, 1, checkUnwatch},
		"write_user":    {3, 3, checkWriteUser},
		"override":      {1, 1, checkOverride},
		"socket_cookie": {1, 1, checkSocketCookie},
		"path":          {1, 2, checkPath},
		"skboutput":     {4, 4, checkSkbOutput},
	} {
		functions[name] = spec
	}
}

// KernelVars is what a Kernel also answers when it knows the running
// kernel's global variables (btf.Kernel does): the BTF id of one, for
// percpu_kaddr().
type KernelVars interface {
	VarID(name string) (cbtf.TypeID, error)
}

// percpu_kaddr(name [, cpu]): the address of the per-CPU kernel variable
// name on this CPU (bpf_this_cpu_ptr) or on CPU cpu (bpf_per_cpu_ptr,
// 0 for a CPU that does not exist), a uint64 * in kernel memory, as the
// newest bpftrace's documentation types it. The variable must be in the
// kernel's BTF, which describes the per-CPU variables.
func checkPercpuKaddr(c *checker, call *Call) *Type {
	name, ok := c.literalArg(call, 0)
	if !ok {
		return nil
	}
	if len(call.Args) == 2 && !c.intArg(call, 1) {
		return nil
	}
	vars, ok := c.kernel().(KernelVars)
	if ok {
		_, err := vars.VarID(name)
		ok = err == nil
	}
	if !ok {
		c.errorf(call, "Could not resolve variable \"%s\" from BTF", name)
		return nil
	}
	// Code generation reads the name from a string literal.
	if _, lit := call.Args[0].(*StrLit); !lit {
		call.Args[0] = &StrLit{Span: call.Args[0].Loc(), Value: name}
		c.expr(call.Args[0])
	}
	return PointerTo(IntType(64, false), AddrKernel)
}

// unwatch(addr): removes the watchpoints on addr, asynchronously (user
// space closes them when it handles the event). An address no
// watchpoint watches is ignored.
func checkUnwatch(c *checker, call *Call) *Type {
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	if !t.IsInt() && t.Kind != KindPointer {
		c.errorf(call, "unwatch() only supports integer arguments (%s provided)", kindName(t))
		return nil
	}
	return TypeNone
}

// unsafeError is the newest bpftrace's message for an unsafe function
// used without --unsafe.
func (c *checker) unsafeError(call *Call) bool {
	if c.opts.Unsafe {
		return false
	}
	c.errorf(call, "%s() is unsafe. To use you need the --unsafe flag", call.Name)
	return true
}

// write_user(dst, src, len): writes len bytes of src to the user-space
// address dst with bpf_probe_write_user; true when it did. src is a value
// the program holds (a string, an array, an integer, a tuple, a record or
// a struct, whose bytes are written; len at most its size) or a pointer
// to such memory (&$x), then with a literal len. Needs --unsafe.
func checkWriteUser(c *checker, call *Call) *Type {
	if c.unsafeError(call) {
		return nil
	}
	dt, st, lt := c.expr(call.Args[0]), c.expr(call.Args[1]), c.expr(call.Args[2])
	if dt == nil || st == nil || lt == nil {
		return nil
	}
	if !dt.IsInt() && dt.Kind != KindPointer {
		c.errorf(call.Args[0], "write_user() expects a pointer or an address as its destination (%s provided)", kindName(dt))
		return nil
	}
	if !lt.IsInt() {
		c.errorf(call.Args[2], "write_user() expects an integer length (%s provided)", kindName(lt))
		return nil
	}
	n, lit := c.constInt(call.Args[2])
	if lit && n <= 0 {
		c.errorf(call.Args[2], "write_user() expects a positive length (%d provided)", n)
		return nil
	}
	switch st.Kind {
	case KindPointer:
		if !lit {
			c.errorf(call.Args[2], "write_user() from a pointer needs a literal length")
			return nil
		}
	case KindString, KindArray, KindInt, KindTuple, KindStruct, KindBool:
		if lit && int(n) > st.Size {
			c.errorf(call.Args[2], "write_user() length %d exceeds the size of its source (%d bytes)", n, st.Size)
			return nil
		}
	default:
		c.errorf(call.Args[1], "write_user() can not write a %s", kindName(st))
		return nil
	}
	return TypeBool
}

// override(rc): the probed kernel function returns rc without running
// (bpf_override_return), in kprobes on functions that allow error
// injection. Needs --unsafe. The errors are the newest bpftrace's macro's,
// in its order.
func checkOverride(c *checker, call *Call) *Type {
	for _, pt := range c.variant.Points {
		if pt.Kind != "kprobe" {
			c.expr(call.Args[0])
			c.errorf(call, "override() can only be used inside kprobes")
			return nil
		}
	}
	if c.unsafeError(call) {
		c.expr(call.Args[0])
		return nil
	}
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	if !t.IsInt() {
		c.errorf(call, "override() only supports int arguments (%s provided)", kindName(t))
		return nil
	}
	return TypeNone
}

// tracingKinds are the probe kinds whose programs are of type
// BPF_PROG_TYPE_TRACING: the only ones that may call
// bpf_get_socket_cookie on a struct sock and bpf_d_path.
var tracingKinds = map[string]bool{"fentry": true, "fexit": true}

// tracingOnly reports, as bpftrace does for socket_cookie and skboutput,
// the probe points whose programs are not of type tracing.
func (c *checker) tracingOnly(call *Call) bool {
	ok := true
	seen := map[string]bool{}
	for _, pt := range c.variant.Points {
		if k := probeKinds[pt.Kind]; !tracingKinds[pt.Kind] && !seen[k.Name] {
			seen[k.Name] = true
			c.errorf(call, "%s can not be used with \"%s\" probes", call.Name, k.Name)
			ok = false
		}
	}
	return ok
}

// socket_cookie(sk): the socket's cookie (bpf_get_socket_cookie), a
// uint64; sk is a struct sock *. fentry and fexit probes only.
func checkSocketCookie(c *checker, call *Call) *Type {
	if !c.tracingOnly(call) {
		c.expr(call.Args[0])
		return nil
	}
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	if t.Kind != KindPointer || t.Elem == nil || t.Elem.Kind != KindStruct {
		c.errorf(call, "socket_cookie() only supports 'struct sock *' as the argument (%s provided)", kindName(t))
		return nil
	}
	if t.Elem.Name != "struct sock" {
		c.errorf(call, "socket_cookie() only supports 'struct sock *' as the argument ('%s *' provided)", t.Elem.Name)
		return nil
	}
	return IntType(64, false)
}

// path(p [, size]): the full path of a struct path * (bpf_d_path), a
// string of size bytes (max_strlen by default); a path longer than that
// keeps its end. Only fentry and fexit probes of the functions the
// kernel allows (btf_allowlist_d_path) may call it.
func checkPath(c *checker, call *Call) *Type {
	size := int64(c.opts.Config.MaxStrlen)
	if len(call.Args) == 2 {
		if c.expr(call.Args[1]) == nil {
			return nil
		}
		n, ok := call.Args[1].(*IntLit)
		if !ok {
			c.errorf(call, "path: invalid size value, need non-negative literal")
			return nil
		}
		// As bpftrace does, bpf_d_path writes at most max_strlen bytes.
		size = min(max(int64(n.Value), 1), size)
	}
	kindOK := true
	for _, pt := range c.variant.Points {
		if !tracingKinds[pt.Kind] {
			kindOK = false
		}
	}
	if !kindOK {
		c.expr(call.Args[0])
		c.errorf(call, "The path function can only be used with 'fentry', 'fexit', 'iter' probes")
		return nil
	}
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	switch {
	case t.Kind == KindPointer:
	case t.Kind == KindStruct:
		// A struct path member (path(args.file->f_path)): code
		// generation passes its address.
		if _, ok := call.Args[0].(*FieldExpr); !ok {
			c.errorf(call, "path() of a struct needs a member, as in path(args.file->f_path)")
			return nil
		}
	default:
		c.errorf(call, "path() only supports pointer or C type argument (%s provided)", kindName(t))
		return nil
	}
	return StringType(int(size))
}

// skboutput(path, skb, len, offset): writes len bytes of the sk_buff's
// data (bpf_skb_output) to the pcap file path, from offset on; a uint32,
// 0 or a negative error. path and offset are literals: user space opens
// the file and cuts the packet. fentry and fexit probes only.
func checkSkbOutput(c *checker, call *Call) *Type {
	if !c.tracingOnly(call) {
		for _, a := range call.Args {
			c.expr(a)
		}
		return nil
	}
	if _, ok := c.literalArg(call, 0); !ok {
		return nil
	}
	t := c.expr(call.Args[1])
	if t == nil {
		return nil
	}
	if t.Kind != KindPointer {
		c.errorf(call, "skboutput() only supports pointer arguments (%s provided)", kindName(t))
		return nil
	}
	if !c.intArg(call, 2) {
		return nil
	}
	t = c.expr(call.Args[3])
	if t == nil {
		return nil
	}
	off, ok := c.constInt(call.Args[3])
	if !ok || !t.IsInt() {
		c.errorf(call, "skboutput() expects a integer literal (%s provided)", kindName(t))
		return nil
	}
	if off < 0 {
		c.errorf(call.Args[3], "skboutput(): the offset must not be negative (%d given)", off)
		return nil
	}
	// Code generation reads the offset as a literal.
	lit := &IntLit{Span: call.Args[3].Loc(), Value: uint64(off)}
	c.expr(lit)
	call.Args[3] = lit
	return IntType(32, false)
}
