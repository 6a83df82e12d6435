package runtime

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/lang"
)

// Perf event probes: software and hardware events sampled on every
// online CPU (of the traced process only, with -p or -c), and
// watchpoints on the threads of the traced process, or on every CPU.

func init() {
	attachers["software"] = attachPerfCounter
	attachers["hardware"] = attachPerfCounter
	attachers["watchpoint"] = attachWatchpoint
}

// perfEventAttr returns an attribute of the given type and config.
func perfEventAttr(typ uint32, config uint64) unix.PerfEventAttr {
	return unix.PerfEventAttr{Type: typ, Config: config, Size: uint32(unsafe.Sizeof(unix.PerfEventAttr{}))}
}

// attachPerfEvents opens a perf event for every pair of pid and cpu (-1
// meaning any, as in perf_event_open) and attaches prog to each. On error
// it returns what it opened so far, for the caller to close.
func attachPerfEvents(prog *ebpf.Program, attr *unix.PerfEventAttr, pids, cpus []int) ([]io.Closer, error) {
	var closers []io.Closer
	for _, pid := range pids {
		for _, cpu := range cpus {
			fd, err := unix.PerfEventOpen(attr, pid, cpu, -1, unix.PERF_FLAG_FD_CLOEXEC)
			if err != nil {
				return closers, perfOpenError(pid, cpu, err)
			}
			ev := os.NewFile(uintptr(fd), "perf-event")
			closers = append(closers, ev)
			l, err := link.AttachRawLink(link.RawLinkOptions{Target: fd, Program: prog, Attach: ebpf.AttachPerfEvent})
			if err != nil {
				return closers, err
			}
			closers = append(closers, l)
		}
	}
	return closers, nil
}

// perfOpenError says which perf event could not be opened.
func perfOpenError(pid, cpu int, err error) error {
	switch {
	case pid >= 0 && cpu >= 0:
		return fmt.Errorf("opening a perf event for pid %d on CPU %d: %w", pid, cpu, err)
	case pid >= 0:
		return fmt.Errorf("opening a perf event for thread %d: %w", pid, err)
	}
	return fmt.Errorf("opening a perf event on CPU %d: %w", cpu, err)
}

// targetPIDs is the pid argument of perf_event_open for a run: the traced
// process, or -1 for every process.
func targetPIDs(env attachEnv) []int {
	if env.PID > 0 {
		return []int{env.PID}
	}
	return []int{-1}
}

// attachPerfCounter attaches a software or hardware event, sampled every
// pt.Count events, on every online CPU.
func attachPerfCounter(prog *ebpf.Program, pt *lang.ProbePoint, env attachEnv) ([]io.Closer, error) {
	cpus, err := onlineCPUs()
	if err != nil {
		return nil, err
	}
	attr := perfEventAttr(pt.PerfType, pt.PerfConfig)
	attr.Sample = pt.Count
	closers, err := attachPerfEvents(prog, &attr, targetPIDs(env), cpus)
	if err != nil && pt.Kind == "hardware" && isNoPMU(err) {
		err = fmt.Errorf("this machine has no hardware performance counter for %s (no PMU: virtual machines often have none): %w", pt.Func, err)
	}
	return closers, err
}

// isNoPMU reports whether perf_event_open failed because the hardware
// has no such counter.
func isNoPMU(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENODEV)
}

// Breakpoint types of perf_event_attr.bp_type.
const (
	hwBreakpointR = 1
	hwBreakpointW = 2
	hwBreakpointX = 4
)

// attachWatchpoint opens a hardware breakpoint at the watched address: on
// each thread of the traced process (and, inherited, the threads it
// creates), or on every CPU for the whole system.
func attachWatchpoint(prog *ebpf.Program, pt *lang.ProbePoint, env attachEnv) ([]io.Closer, error) {
	attr := perfEventAttr(unix.PERF_TYPE_BREAKPOINT, 0)
	for _, m := range pt.WatchMode {
		switch m {
		case 'r':
			attr.Bp_type |= hwBreakpointR
		case 'w':
			attr.Bp_type |= hwBreakpointW
		case 'x':
			attr.Bp_type |= hwBreakpointX
		}
	}
	attr.Ext1 = pt.WatchAddr // bp_addr
	attr.Ext2 = uint64(pt.WatchLen)
	if attr.Bp_type&hwBreakpointX != 0 {
		attr.Ext2 = 8 // sizeof(long): the length of an execute breakpoint
	}
	attr.Sample = 1
	var pids, cpus []int
	if env.PID > 0 {
		tids, err := processThreads(env.PID)
		if err != nil {
			return nil, err
		}
		attr.Bits |= unix.PerfBitInherit
		pids, cpus = tids, []int{-1}
	} else {
		var err error
		if cpus, err = onlineCPUs(); err != nil {
			return nil, err
		}
		pids = []int{-1}
	}
	closers, err := attachPerfEvents(prog, &attr, pids, cpus)
	if errors.Is(err, unix.ENOSPC) {
		err = fmt.Errorf("no hardware breakpoint registers left: %w", err)
	}
	for i, c := range closers {
		closers[i] = watchCloser{addr: pt.WatchAddr, Closer: c}
	}
	return closers, err
}

// watchCloser is a link or perf event of a watchpoint on addr, which
// unwatch(addr) closes.
type watchCloser struct {
	addr uint64
	io.Closer
}

// unwatch closes the watchpoints on addr, as the newest bpftrace's
// unwatch() did: an address no watchpoint watches is ignored.
func (r *runner) unwatch(addr uint64) {
	kept := r.links[:0]
	for _, l := range r.links {
		if w, ok := l.(watchCloser); ok && w.addr == addr {
			w.Close()
			continue
		}
		kept = append(kept, l)
	}
	clear(r.links[len(kept):])
	r.links = kept
}

// processThreads lists the threads of a process.
func processThreads(pid int) ([]int, error) {
	entries, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		return nil, fmt.Errorf("listing the threads of process %d: %w", pid, err)
	}
	var tids []int
	for _, e := range entries {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids, nil
}
