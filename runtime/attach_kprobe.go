package runtime

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/gtrace/gtrace/lang"
)

// kprobes and kretprobes, one link each, through the kprobe PMU or, on
// older kernels, tracefs' kprobe_events.

func init() {
	attachers["kprobe"] = attachKprobe(false)
	attachers["kretprobe"] = attachKprobe(true)
}

// errNoKprobes is the error for a kernel built without kprobes.
var errNoKprobes = errors.New("this kernel has no kprobes (built without CONFIG_KPROBES: no kprobe PMU and no kprobe_events in tracefs)")

// haveKprobes reports whether the kernel can attach kprobes: it has the
// kprobe PMU or tracefs' kprobe_events.
func haveKprobes() bool {
	if _, err := os.Stat("/sys/bus/event_source/devices/kprobe/type"); err == nil {
		return true
	}
	for _, dir := range []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"} {
		if _, err := os.Stat(filepath.Join(dir, "kprobe_events")); err == nil {
			return true
		}
	}
	return false
}

func attachKprobe(ret bool) attacher {
	return func(prog *ebpf.Program, pt *lang.ProbePoint, _ attachEnv) ([]io.Closer, error) {
		if !haveKprobes() {
			return nil, errNoKprobes
		}
		var (
			l   link.Link
			err error
		)
		if ret {
			l, err = link.Kretprobe(pt.Func, prog, nil)
		} else {
			l, err = link.Kprobe(pt.Func, prog, &link.KprobeOptions{Offset: pt.Offset})
		}
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("kernel function %s cannot be probed (it may not exist, be inlined or not traceable): %w", pt.Func, err)
		}
		if err != nil {
			return nil, err
		}
		return []io.Closer{l}, nil
	}
}
