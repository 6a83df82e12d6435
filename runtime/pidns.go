package runtime

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	cbtf "github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/codegen"
)

// What code generation needs to know about gtrace's process and the
// running kernel for pid, tid and comm(pid) (codegen/call_pidns.go).

// initPidNSIno is the inode number of the initial PID namespace
// (PROC_PID_INIT_INO in the kernel's include/linux/proc_ns.h).
const initPidNSIno = 0xEFFFFFFC

// CurrentPidNS returns the PID namespace gtrace runs in, for pid and tid
// to count in it, or the zero PidNS in the initial namespace (and where
// /proc/self/ns/pid cannot be read, as bpftrace assumes then).
func CurrentPidNS() codegen.PidNS {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/pid", &st); err != nil || st.Ino == initPidNSIno {
		return codegen.PidNS{}
	}
	return codegen.PidNS{Dev: st.Dev, Ino: st.Ino}
}

// KernelFuncs answers code generation's questions about the running
// kernel's functions from its BTF, and whether a program type may call
// a kfunc by loading a program that does, as bpftrace does.
type KernelFuncs struct {
	Kernel *btf.Kernel

	mu      sync.Mutex
	allowed map[kfuncUse]error
}

type kfuncUse struct {
	id cbtf.TypeID
	t  ebpf.ProgramType
}

var _ codegen.KernelFuncs = (*KernelFuncs)(nil)

// Kfunc returns the BTF id of the kernel function name if programs of
// type t may call it.
func (k *KernelFuncs) Kfunc(name string, t ebpf.ProgramType) (cbtf.TypeID, error) {
	id, err := k.Kernel.FuncID(name)
	if err != nil {
		return 0, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	use := kfuncUse{id, t}
	err, ok := k.allowed[use]
	if !ok {
		err = probeKfunc(name, id, t)
		if k.allowed == nil {
			k.allowed = map[kfuncUse]error{}
		}
		k.allowed[use] = err
	}
	if err != nil {
		return 0, err
	}
	return id, nil
}

// probeKfunc loads a program of type t that calls the kfunc. The
// verifier checks that the program type may call it before anything
// else, so any other complaint means it may.
func probeKfunc(name string, id cbtf.TypeID, t ebpf.ProgramType) error {
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:    t,
		License: "GPL",
		Instructions: asm.Instructions{
			asm.Instruction{OpCode: asm.OpCode(asm.JumpClass).SetJumpOp(asm.Call), Src: asm.PseudoKfuncCall, Constant: int64(id)},
			asm.Return(),
		},
	})
	if err == nil {
		prog.Close()
		return nil
	}
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) && strings.Contains(strings.Join(ve.Log, "\n"), "calling kernel function "+name+" is not allowed") {
		return fmt.Errorf("%s programs may not call %s", t, name)
	}
	return nil
}

// MemberOffset returns the byte offset of a member of a kernel struct,
// looking into anonymous struct and union members.
func (k *KernelFuncs) MemberOffset(structName, member string) (uint32, error) {
	t, err := k.Kernel.LookupType(structName)
	if err != nil {
		return 0, err
	}
	if off, ok := memberOffset(t, member); ok {
		return off, nil
	}
	return 0, fmt.Errorf("%s has no member %s", structName, member)
}

func memberOffset(t cbtf.Type, member string) (uint32, bool) {
	var members []cbtf.Member
	switch t := cbtf.UnderlyingType(t).(type) {
	case *cbtf.Struct:
		members = t.Members
	case *cbtf.Union:
		members = t.Members
	default:
		return 0, false
	}
	for _, m := range members {
		if m.Name == member {
			return m.Offset.Bytes(), true
		}
		if m.Name == "" {
			if off, ok := memberOffset(m.Type, member); ok {
				return m.Offset.Bytes() + off, true
			}
		}
	}
	return 0, false
}
