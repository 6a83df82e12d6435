package runtime

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// KernelVersion returns the running kernel's major and minor version.
func KernelVersion() (major, minor int) {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return 0, 0
	}
	rel := unix.ByteSliceToString(u.Release[:])
	parts := strings.SplitN(rel, ".", 3)
	if len(parts) < 2 {
		return 0, 0
	}
	major, _ = strconv.Atoi(parts[0])
	minor, _ = strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	return major, minor
}

// HasCPUv4 reports whether the kernel accepts the v4 instruction set
// (signed division, sign-extending moves and loads), added in Linux 6.6.
func HasCPUv4() bool {
	major, minor := KernelVersion()
	return major > 6 || (major == 6 && minor >= 6)
}

// removeMemlock lifts RLIMIT_MEMLOCK on kernels that still charge BPF maps
// to it (before 5.11, which accounts them to the memory cgroup instead).
// cilium/ebpf's rlimit package does the same after a probe it runs at
// init, which would cost every start a map creation.
func removeMemlock() error {
	if major, minor := KernelVersion(); major > 5 || (major == 5 && minor >= 11) {
		return nil
	}
	inf := unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
	if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &inf); err != nil {
		return fmt.Errorf("raising the locked memory limit (RLIMIT_MEMLOCK): %w", err)
	}
	return nil
}

// Prewarm runs, in the background, the one-time kernel feature probes
// cilium/ebpf makes before its first map creation, program load and test
// run, so that they overlap with parsing and compiling instead of delaying
// the load. It is safe to call once at program start; the returned
// function waits for it to finish.
func Prewarm() (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		m, err := ebpf.NewMap(&ebpf.MapSpec{Name: "gtrace.warm", Type: ebpf.Array, KeySize: 4, ValueSize: 4, MaxEntries: 1})
		if err == nil {
			m.Close()
		}
		// The program reads memory as most scripts' programs do, so that
		// cilium/ebpf's check for bpf_probe_read_kernel runs here too.
		prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
			Type:    ebpf.RawTracepoint,
			License: "GPL",
			Instructions: asm.Instructions{
				asm.Mov.Reg(asm.R1, asm.R10),
				asm.Add.Imm(asm.R1, -8),
				asm.Mov.Imm(asm.R2, 8),
				asm.Mov.Imm(asm.R3, 0),
				asm.FnProbeReadKernel.Call(),
				asm.Mov.Imm(asm.R0, 0),
				asm.Return(),
			},
		})
		if err != nil {
			return
		}
		prog.Run(&ebpf.RunOptions{Context: make([]byte, 8)})
		prog.Close()
		// cilium/ebpf tests for BPF links before the first one it
		// creates; an invalid target fails right after the test.
		_, _ = link.AttachRawLink(link.RawLinkOptions{Target: -1})
	}()
	return func() { <-done }
}
