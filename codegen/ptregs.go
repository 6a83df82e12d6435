package codegen

import (
	"runtime"
	"strconv"
	"sync"
)

// The pt_regs table: where the kernel saves each register of the traced
// task when a kprobe or uprobe fires, per architecture, as the offset into
// the struct pt_regs (x86_64) or struct user_pt_regs (arm64) the program's
// context points to. kprobes, uprobes, USDT and reg() all read it.

// regsLayout describes one architecture's pt_regs.
type regsLayout struct {
	// offsets maps register names, as reg() spells them, to their offset.
	offsets map[string]int
	// args names the registers holding the first integer arguments.
	args []string
	// ret names the register holding the return value.
	ret string
	// sp and pc name the stack pointer and instruction pointer.
	sp, pc string
	// stackArgOffset is how far above the stack pointer, at function
	// entry, the first argument passed on the stack lives (x86_64 skips
	// the return address the call pushed).
	stackArgOffset int
}

// ptRegsLayouts is the table of supported architectures, keyed by
// runtime.GOARCH names. It is built on first use: only scripts that read
// registers need it.
var ptRegsLayouts = sync.OnceValue(func() map[string]*regsLayout {
	return map[string]*regsLayout{
		"amd64": {
			offsets: map[string]int{
				"r15": 0, "r14": 8, "r13": 16, "r12": 24,
				"bp": 32, "bx": 40, "r11": 48, "r10": 56,
				"r9": 64, "r8": 72, "ax": 80, "cx": 88,
				"dx": 96, "si": 104, "di": 112,
				// bpftrace 0.17 says orig_ax, newer ones orig_rax.
				"orig_ax": 120, "orig_rax": 120,
				"ip": 128, "pc": 128, "cs": 136, "flags": 144,
				"sp": 152, "ss": 160,
			},
			args:           []string{"di", "si", "dx", "cx", "r8", "r9"},
			ret:            "ax",
			sp:             "sp",
			pc:             "ip",
			stackArgOffset: 8,
		},
		"arm64": {
			offsets: arm64Offsets(),
			args:    []string{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"},
			ret:     "r0",
			sp:      "sp",
			pc:      "pc",
		},
	}
})

// arm64Offsets builds arm64's register names: r0..r30 (also spelled
// regs[0]..regs[30]), sp, pc, pstate and the 32-bit compat aliases.
func arm64Offsets() map[string]int {
	m := map[string]int{
		"sp": 248, "pc": 256, "pstate": 264,
		"compat_fp": 88, "compat_sp": 104, "compat_lr": 112,
	}
	for i := 0; i <= 30; i++ {
		m["r"+strconv.Itoa(i)] = 8 * i
		m["regs["+strconv.Itoa(i)+"]"] = 8 * i
	}
	return m
}

// hostArch is the architecture programs are compiled for: the one gtrace
// runs on.
func hostArch() string { return runtime.GOARCH }

// ptRegsArg returns the pt_regs offset of integer argument n (0-based) on
// arch; ok is false when the argument is not passed in a register (see
// ptRegsStackArg) or the architecture is unknown.
func ptRegsArg(arch string, n int) (off int, ok bool) {
	l := ptRegsLayouts()[arch]
	if l == nil || n < 0 || n >= len(l.args) {
		return 0, false
	}
	return l.offsets[l.args[n]], true
}

// ptRegsStackArg locates integer argument n when it is passed on the
// stack: read the stack pointer at spOff in pt_regs, then the 8-byte
// argument at that address plus addend (user or kernel memory, per probe).
// ok is false for register arguments and unknown architectures.
func ptRegsStackArg(arch string, n int) (spOff, addend int, ok bool) {
	l := ptRegsLayouts()[arch]
	if l == nil || n < len(l.args) {
		return 0, 0, false
	}
	return l.offsets[l.sp], l.stackArgOffset + 8*(n-len(l.args)), true
}

// ptRegsRet returns the pt_regs offset of the return value register.
func ptRegsRet(arch string) (off int, ok bool) {
	l := ptRegsLayouts()[arch]
	if l == nil {
		return 0, false
	}
	return l.offsets[l.ret], true
}

// ptRegsOffset returns the pt_regs offset of the register reg() calls
// name (x86_64: "ax", "di", "ip", "sp", ...; arm64: "r0".."r30", "sp",
// "pc", "pstate").
func ptRegsOffset(arch, name string) (off int, ok bool) {
	l := ptRegsLayouts()[arch]
	if l == nil {
		return 0, false
	}
	off, ok = l.offsets[name]
	return off, ok
}

// ptRegsPC and ptRegsSP return the offsets of the instruction and stack
// pointers.
func ptRegsPC(arch string) (off int, ok bool) {
	if l := ptRegsLayouts()[arch]; l != nil {
		return l.offsets[l.pc], true
	}
	return 0, false
}

func ptRegsSP(arch string) (off int, ok bool) {
	if l := ptRegsLayouts()[arch]; l != nil {
		return l.offsets[l.sp], true
	}
	return 0, false
}
