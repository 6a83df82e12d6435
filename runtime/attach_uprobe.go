package runtime

import (
	"fmt"
	"io"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/gtrace/gtrace/lang"
)

// User-space probes attach as uprobes at a file offset of a binary: the
// function (plus offset) for uprobes and uretprobes, the probe site for
// USDT, whose semaphore the kernel then counts (ref_ctr_offset) in every
// process that maps the binary. With a traced process (-p, -c) they fire
// only in that process.

func init() {
	attachers["uprobe"] = attachUprobe(false)
	attachers["uretprobe"] = attachUprobe(true)
	attachers["usdt"] = attachUprobe(false)
}

func attachUprobe(ret bool) attacher {
	return func(prog *ebpf.Program, pt *lang.ProbePoint, env attachEnv) ([]io.Closer, error) {
		ex, err := link.OpenExecutable(pt.Target)
		if err != nil {
			return nil, err
		}
		if pt.FileOffset == 0 {
			// cilium/ebpf reads Address 0 as "look the symbol up".
			return nil, fmt.Errorf("%s has no code at file offset 0", pt.Target)
		}
		opts := &link.UprobeOptions{
			Address:      pt.FileOffset,
			PID:          env.PID,
			RefCtrOffset: pt.Semaphore,
		}
		var l link.Link
		if ret {
			l, err = ex.Uretprobe("", prog, opts)
		} else {
			l, err = ex.Uprobe("", prog, opts)
		}
		if err != nil {
			return nil, err
		}
		return []io.Closer{l}, nil
	}
}
