package lang

import (
	"errors"
	"fmt"
	"runtime"
	"sort"

	"github.com/gtrace/gtrace/btf"
)

// Stacks, symbols and registers: kstack and ustack (also called with a
// mode and a depth), ksym(addr), kaddr("name"), reg("name") and the func
// builtin. Stacks and symbols are computed in BPF as ids and addresses
// and named in user space when they print.

func init() {
	for name, spec := range map[string]funcSpec{
		"kstack": {0, 2, checkStack(false)},
		"ustack": {0, 2, checkStack(true)},
		"ksym":   {1, 1, checkKsym},
		"kaddr":  {1, 1, checkKaddr},
		"reg":    {1, 1, checkReg},
	} {
		functions[name] = spec
	}
	bareCalls["kstack"] = true
	bareCalls["ustack"] = true
}

// StackMode says how a stack prints.
type StackMode uint8

// Stack modes, as the stack_mode config variable and kstack(mode) name
// them.
const (
	// StackBpftrace prints a frame a line, as "function+offset".
	StackBpftrace StackMode = iota
	// StackPerf prints "address function+offset" lines, as perf does.
	StackPerf
	// StackRaw prints the addresses in hexadecimal.
	StackRaw
	// StackBuildID (user stacks only) prints each frame as the build id
	// of the file it falls in and its offset in that file, as the kernel
	// records them (BPF_F_STACK_BUILD_ID), without naming anything.
	StackBuildID
)

var stackModeNames = [...]string{"bpftrace", "perf", "raw", "build_id"}

func (m StackMode) String() string { return stackModeNames[m] }

// ParseStackMode parses a stack mode's name.
func ParseStackMode(s string) (StackMode, bool) {
	for i, n := range stackModeNames {
		if n == s {
			return StackMode(i), true
		}
	}
	return 0, false
}

// Stack depths: bpftrace's default and the largest it accepts.
const (
	DefaultStackLimit = 127
	MaxStackLimit     = 1024
)

// StackSpec describes a stack value: whose stack, how many frames and
// how it prints. Stacks with different specs are different types (they
// live in different stack maps).
type StackSpec struct {
	User  bool
	Mode  StackMode
	Limit int
}

// String names the type as bpftrace does: kstack_bpftrace_127.
func (s StackSpec) String() string {
	who := "kstack"
	if s.User {
		who = "ustack"
	}
	return fmt.Sprintf("%s_%s_%d", who, s.Mode, s.Limit)
}

// StackType returns the type of a stack with the given spec: an 8-byte
// stack id (with the pid in the upper half for user stacks).
func StackType(s StackSpec) *Type {
	return &Type{Kind: KindStack, Size: 8, Stack: &s}
}

// SymbolType returns the type of ksym() (space AddrKernel: an 8-byte
// address) or of a user symbol (AddrUser: the address and the pid, 16
// bytes).
func SymbolType(space AddrSpace) *Type {
	if space == AddrUser {
		return &Type{Kind: KindSymbol, Size: 16, Space: AddrUser}
	}
	return &Type{Kind: KindSymbol, Size: 8, Space: AddrKernel}
}

// checkStack types kstack, kstack(mode), kstack(limit), kstack(mode,
// limit) and the same for ustack. The default mode is the stack_mode
// config variable's.
func checkStack(user bool) func(c *checker, call *Call) *Type {
	return func(c *checker, call *Call) *Type {
		mode, ok := ParseStackMode(c.cfg.StackMode)
		if !ok {
			mode = StackBpftrace
		}
		if mode == StackBuildID && !user && len(call.Args) == 0 {
			// As the newest bpftrace does for a bare kstack.
			c.warnf(call, "'build_id' stack mode can only be used for ustack. Falling back to 'raw' mode.")
			mode = StackRaw
		}
		spec := StackSpec{User: user, Mode: mode, Limit: DefaultStackLimit}
		args := call.Args
		if len(args) > 0 {
			if id, ok := args[0].(*Ident); ok {
				m, ok := ParseStackMode(id.Name)
				if !ok {
					c.errorf(id, "%s(): unknown stack mode '%s' (expected bpftrace, perf, raw or build_id)", call.Name, id.Name)
					return nil
				}
				spec.Mode = m
				args = args[1:]
			} else if len(args) == 2 {
				c.expr(args[0])
				c.errorf(args[0], "%s() expects a stack mode (bpftrace, perf, raw or build_id) as first argument", call.Name)
				return nil
			}
		}
		if len(args) == 1 {
			t := c.expr(args[0])
			n, ok := c.constInt(args[0])
			if t == nil {
				return nil
			}
			if !ok || !t.IsInt() {
				c.errorf(call, "%s() expects a integer literal (%s provided)", call.Name, kindName(t))
				return nil
			}
			if n < 1 || n > MaxStackLimit {
				c.errorf(args[0], "%s([int limit]): limit must be between 1 and %d, %d given", call.Name, MaxStackLimit, n)
				return nil
			}
			spec.Limit = int(n)
		}
		if spec.Mode == StackBuildID && !user {
			c.errorf(call, "'build_id' stack mode can only be used for ustack")
			return nil
		}
		return StackType(spec)
	}
}

// checkKsym types ksym(addr): the address, printed as the kernel symbol
// it falls in.
func checkKsym(c *checker, call *Call) *Type {
	t := c.expr(call.Args[0])
	if t == nil {
		return nil
	}
	if !t.IsInt() && t.Kind != KindPointer {
		c.errorf(call, "%s() expects an integer or a pointer argument (%s provided)", call.Name, kindName(t))
		return nil
	}
	return SymbolType(AddrKernel)
}

// checkKaddr resolves kaddr("name") while compiling, from the kernel's
// symbol table: the call is the address, a uint64 constant.
func checkKaddr(c *checker, call *Call) *Type {
	name, ok := c.literalArg(call, 0)
	if !ok {
		return nil
	}
	addr, err := c.kernel().KernelSymbolAddress(name)
	if err != nil {
		if errors.Is(err, btf.ErrNotFound) {
			c.errorf(call, "Failed to resolve kernel symbol: %s", name)
		} else {
			c.errorf(call, "kaddr(%q): %v", name, err)
		}
		return nil
	}
	x := &Cast{Span: call.Span, To: &TypeSpec{Span: call.Span, Name: "uint64"},
		X: &IntLit{Span: call.Span, Value: addr}}
	call.Expansion = x
	return c.expr(x)
}

// ptRegsKinds are the probe kinds whose context holds the registers of
// the traced task (struct pt_regs, or bpf_perf_event_data that starts
// with it): reg() and kstack/ustack's registers come from there.
var ptRegsKinds = map[string]bool{
	"kprobe": true, "kretprobe": true, "uprobe": true, "uretprobe": true, "usdt": true,
	"profile": true, "interval": true, "software": true, "hardware": true, "watchpoint": true,
}

// hostArch is the architecture programs are compiled for: this one.
var hostArch = runtime.GOARCH

// archNames are bpftrace's names for the architectures, in messages.
var archNames = map[string]string{"amd64": "x86_64", "arm64": "aarch64"}

// registerNames returns the names reg() accepts on an architecture (a
// GOARCH name), nil for others. Code generation holds their pt_regs
// offsets (codegen/ptregs.go; a test keeps the two tables equal).
// arm64's are built when asked for, not at every start.
func registerNames(arch string) []string {
	switch arch {
	case "amd64":
		return amd64RegisterNames
	case "arm64":
		return arm64RegisterNames()
	}
	return nil
}

var amd64RegisterNames = []string{"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx", "dx",
	"si", "di", "orig_ax", "orig_rax", "ip", "pc", "cs", "flags", "sp", "ss"}

func arm64RegisterNames() []string {
	names := []string{"sp", "pc", "pstate", "compat_fp", "compat_sp", "compat_lr"}
	for i := 0; i <= 30; i++ {
		names = append(names, fmt.Sprintf("r%d", i), fmt.Sprintf("regs[%d]", i))
	}
	return names
}

// RegisterNames returns the register names reg() accepts on an
// architecture (a GOARCH name), sorted.
func RegisterNames(arch string) []string {
	out := append([]string(nil), registerNames(arch)...)
	sort.Strings(out)
	return out
}

// checkReg types reg("name"): the register's 64-bit value when the probe
// fired.
func checkReg(c *checker, call *Call) *Type {
	name, ok := c.literalArg(call, 0)
	if !ok {
		return nil
	}
	if !c.pointsAll(call, "reg", ptRegsKinds) {
		return nil
	}
	found := false
	for _, r := range registerNames(hostArch) {
		found = found || r == name
	}
	if !found {
		arch := archNames[hostArch]
		if arch == "" {
			arch = hostArch
		}
		c.errorf(call, "'%s' is not a valid register on this architecture (%s)", name, arch)
		return nil
	}
	return TypeUint64
}

// pointsAll reports whether every point of the probe being checked is of
// one of the kinds, after reporting the first that is not, as bpftrace
// does: `reg can not be used with "tracepoint" probes`.
func (c *checker) pointsAll(n Node, what string, kinds map[string]bool) bool {
	for _, pt := range c.variant.Points {
		if !kinds[pt.Kind] {
			c.errorf(n, "%s can not be used with \"%s\" probes", what, pt.Kind)
			return false
		}
	}
	return true
}

// funcKinds are the kinds with the func builtin, and whether it names a
// user-space function.
var funcKinds = map[string]bool{
	"kprobe": false, "kretprobe": false, "fentry": false, "fexit": false,
	"uprobe": true, "uretprobe": true,
}

// funcBuiltin types `func`: the probed function, printed by name.
func (c *checker) funcBuiltin(e *Ident) *Type {
	kind := c.pointKind().Name
	user, ok := funcKinds[kind]
	if !ok {
		c.errorf(e, "The func builtin can not be used with '%s' probes", kind)
		return nil
	}
	if user {
		return SymbolType(AddrUser)
	}
	return SymbolType(AddrKernel)
}
