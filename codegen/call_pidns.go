package codegen

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/printf"
)

// Process ids as gtrace sees them, and comm(pid).
//
// pid and tid (and pid(), tid(), pid(curr_ns), tid(curr_ns)) count in the
// PID namespace gtrace runs in, as in the newest bpftrace: outside the
// initial namespace they come from bpf_get_ns_current_pid_tgid with the
// device and inode of gtrace's /proc/self/ns/pid (a task of another
// namespace gets 0, which the helper writes on failure); in the initial
// namespace, and for pid(init) and tid(init), from
// bpf_get_current_pid_tgid. So do the pids user symbols and user stacks
// carry, which user space looks up in its own /proc.
//
// comm(pid) is the name of the process with that pid (in the initial
// namespace), read from the task the kfunc bpf_task_from_pid returns, as
// the newest bpftrace reads it. A pid with no task gives "N/A" and a
// warning. Probe types whose programs may not call the kfunc (kprobes,
// uprobes, raw tracepoints, BEGIN and END on Linux 6.x) reject it, as
// bpftrace does.

// PidNS identifies a PID namespace by the device and inode number of its
// /proc/<pid>/ns/pid file. The zero value stands for the initial
// namespace, where no translation is needed.
type PidNS struct {
	Dev, Ino uint64
}

// KernelFuncs is what comm(pid) needs to know about the running kernel.
type KernelFuncs interface {
	// Kfunc returns the BTF id in vmlinux of the kernel function name,
	// or an error when the kernel has none or does not let programs of
	// type t call it.
	Kfunc(name string, t ebpf.ProgramType) (btf.TypeID, error)
	// MemberOffset returns the byte offset of a member of a kernel
	// struct ("struct task_struct", "comm").
	MemberOffset(structName, member string) (uint32, error)
}

// pidnsInfoSize is the size of struct bpf_pidns_info { u32 pid, tgid; }.
const pidnsInfoSize = 8

func init() {
	calls["pid"] = func(c *compiler, e *lang.Call) val {
		return val{t: e.Type(), reg: c.currentPid(lang.PidNSInit(e))}
	}
	calls["tid"] = func(c *compiler, e *lang.Call) val {
		return val{t: e.Type(), reg: c.currentTid(lang.PidNSInit(e))}
	}
	intos["comm"] = lowerCommPidInto
	checkedHelpers[asm.FnGetNsCurrentPidTgid] = "get_ns_current_pid_tgid"
}

// nsPidTgid calls bpf_get_ns_current_pid_tgid for gtrace's namespace and
// returns the struct bpf_pidns_info it filled.
func (c *compiler) nsPidTgid() mem {
	m := c.temp(pidnsInfoSize)
	ns := c.opts.PidNS
	c.b.call(asm.FnGetNsCurrentPidTgid, c.b.movImm(int64(ns.Dev)), c.b.movImm(int64(ns.Ino)),
		c.addr(m), c.b.movImm(pidnsInfoSize))
	return m
}

// currentPid returns the current process id (the thread group id): in
// gtrace's namespace, or in the initial one when init is set.
func (c *compiler) currentPid(init bool) vreg {
	if init || c.opts.PidNS == (PidNS{}) {
		return c.b.aluImm(asm.RSh, c.b.call(asm.FnGetCurrentPidTgid), 32)
	}
	return c.load(c.nsPidTgid().plus(4), asm.Word, false)
}

// currentTid returns the current thread id: in gtrace's namespace, or in
// the initial one when init is set.
func (c *compiler) currentTid(init bool) vreg {
	if init || c.opts.PidNS == (PidNS{}) {
		return c.normalize(c.b.call(asm.FnGetCurrentPidTgid), lang.IntType(32, false))
	}
	return c.load(c.nsPidTgid(), asm.Word, false)
}

// commNoProcess is comm(pid)'s value for a pid no task has, and its
// warning, as in bpftrace.
const (
	commNoProcess        = "N/A"
	commNoProcessWarning = "No such process (pid=%d)"
)

// lowerCommPidInto writes comm(pid): bpf_task_from_pid(pid), then the
// task's comm, then bpf_task_release.
func lowerCommPidInto(c *compiler, e *lang.Call, dst mem, t *lang.Type, exact bool) {
	if len(e.Args) != 1 {
		panic("codegen: comm() without a pid is the builtin comm")
	}
	fromPid, release, off := c.commPidKernel(e)
	pid := c.reg(c.value(e.Args[0]))
	m := c.temp(lang.CommPidSize)
	task := c.b.callKfunc(fromPid, pid)
	missing, done := c.b.newLabel(), c.b.newLabel()
	c.b.jumpImm(asm.JEq, task, 0, missing)
	// The verifier knows the task (a trusted pointer the kfunc
	// returned); probe_read_kernel takes any address.
	c.b.call(asm.FnProbeReadKernel, c.addr(m), c.b.movImm(lang.CommPidSize),
		c.b.aluImm(asm.Add, c.b.copyReg(task), int64(off)))
	c.b.callKfunc(release, task)
	c.b.goTo(done)
	c.b.mark(missing)
	data := make([]byte, lang.CommPidSize)
	copy(data, commNoProcess)
	c.storeBytes(m, data)
	f, err := printf.Parse(commNoProcessWarning)
	if err != nil {
		panic(err)
	}
	a := &Action{Kind: ActWarnf, Format: f, Pos: e.Span,
		Args: []Arg{{Type: lang.TypeInt64, Offset: EventHeader}}, Size: EventHeader + 8}
	c.send(a, func(rec mem) {
		c.store(rec.plus(EventHeader), c.normalize(c.b.copyReg(pid), e.Args[0].Type()), asm.DWord)
	})
	c.b.mark(done)
	c.storeVal(dst, val{t: lang.StringType(lang.CommPidSize), inMem: true, m: m}, t, exact)
}

// commPidKernel finds what comm(pid) calls and reads in the running
// kernel, or rejects the call where the probe's programs may not call
// bpf_task_from_pid.
func (c *compiler) commPidKernel(e *lang.Call) (fromPid, release int32, commOff uint32) {
	pt := c.v.Points[0]
	kind := programKinds[pt.Kind]
	fail := func(err error) {
		name := pt.Kind
		if name == "BEGIN" || name == "END" {
			name = "special"
		}
		msg := fmt.Sprintf("Syntax comm(PID) is not supported in this probe type yet. Type: %s", name)
		if err != nil {
			msg += " (" + err.Error() + ")"
		}
		panic(&lang.Error{Pos: e.Pos, End: e.EndPos, Msg: msg, ExpandedFrom: e.ExpandedFrom()})
	}
	k := c.opts.Kernel
	if k == nil {
		fail(nil)
	}
	id1, err := k.Kfunc("bpf_task_from_pid", kind.progType)
	if err != nil {
		fail(err)
	}
	id2, err := k.Kfunc("bpf_task_release", kind.progType)
	if err != nil {
		fail(err)
	}
	off, err := k.MemberOffset("struct task_struct", "comm")
	if err != nil {
		panic(&lang.Error{Pos: e.Pos, End: e.EndPos, Msg: fmt.Sprintf("comm(PID): %v", err), ExpandedFrom: e.ExpandedFrom()})
	}
	return int32(id1), int32(id2), off
}
