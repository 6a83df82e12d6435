package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime/output"
)

// Iterator probes (iter:NAME): attaching creates the iterator's link
// (for task iterators with a traced process, one that walks that process
// only, as bpftrace does); running it reads the iterator, which runs the
// program once per object, to the end, and copies what printf() wrote to
// the output. Then the run ends: END runs and the maps print. A point
// with a pin (iter:task:NAME) pins the link instead, for others to read.

func init() {
	attachers["iter"] = attachIter
}

// attachIter creates an iterator's link.
func attachIter(prog *ebpf.Program, pt *lang.ProbePoint, env attachEnv) ([]io.Closer, error) {
	if env.PID == 0 || !strings.HasPrefix(pt.Func, "task") {
		l, err := link.AttachIter(link.IterOptions{Program: prog})
		if err != nil {
			return nil, err
		}
		return []io.Closer{l}, nil
	}
	l, err := attachTaskIter(prog, env.PID)
	if err != nil {
		return nil, err
	}
	return []io.Closer{l}, nil
}

// attachTaskIter creates the link of a task iterator that walks the
// tasks (and their files, or memory mappings) of one process: the
// task.pid of union bpf_iter_link_info, which cilium/ebpf does not set.
func attachTaskIter(prog *ebpf.Program, pid int) (*link.Iter, error) {
	// union bpf_iter_link_info: task is { __u32 tid; __u32 pid; __u32
	// pid_fd; }; the union is 16 bytes (its cgroup member). On the heap,
	// which does not move, as the kernel gets its address as a number.
	info := new([4]uint32)
	info[1] = uint32(pid)
	// The head of union bpf_attr for BPF_LINK_CREATE with iter_info.
	attr := struct {
		progFD, targetFD, attachType, flags uint32
		iterInfo                            uint64
		iterInfoLen                         uint32
		_                                   uint32
	}{
		progFD:      uint32(prog.FD()),
		attachType:  unix.BPF_TRACE_ITER,
		iterInfo:    uint64(uintptr(unsafe.Pointer(info))),
		iterInfoLen: uint32(unsafe.Sizeof(*info)),
	}
	fd, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_LINK_CREATE, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	runtime.KeepAlive(info)
	if errno != 0 {
		return nil, fmt.Errorf("can't link iterator to process %d: %w", pid, errno)
	}
	l, err := link.NewFromFD(int(fd)) // which owns fd, also on error
	if err != nil {
		return nil, fmt.Errorf("can't link iterator to process %d: %w", pid, err)
	}
	it, ok := l.(*link.Iter)
	if !ok {
		l.Close()
		return nil, fmt.Errorf("link %d is not an iterator", fd)
	}
	return it, nil
}

// iterator returns the attached iterator's link and point, if the script
// has one.
func (r *runner) iterator() (*link.Iter, *lang.ProbePoint) {
	for _, l := range r.links {
		if it, ok := l.(*link.Iter); ok {
			for _, p := range r.obj.Programs {
				if p.Kind == "iter" {
					return it, p.Points[0]
				}
			}
		}
	}
	return nil, nil
}

// runIter reads the iterator to the end, copying its text to the output,
// then handles the events the program sent (print(), exit()...), as
// bpftrace does after the iterator; or it pins the link and says where.
func (r *runner) runIter(ctx context.Context, it *link.Iter, pt *lang.ProbePoint) error {
	if pt.Pin != "" {
		if err := it.Pin(pt.Pin); err != nil {
			return fmt.Errorf("failed to pin iter probe link to %s: %w", pt.Pin, err)
		}
		r.out.Message(output.Printf, "Program pinned to "+pt.Pin+"\n")
		return r.out.Flush()
	}
	rd, err := it.Open()
	if err != nil {
		return fmt.Errorf("failed to open iter probe link: %w", err)
	}
	defer rd.Close()
	buf := make([]byte, 64<<10)
	for ctx.Err() == nil {
		n, err := rd.Read(buf)
		if n > 0 {
			r.out.Message(output.Printf, string(buf[:n]))
			if r.opts.Buffering != BufferFull {
				if err := r.out.Flush(); err != nil {
					return err
				}
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading iter probe: %w", err)
		}
	}
	return r.drain()
}
