package runtime

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/lang"
)

// attacher attaches one program at one of its points and returns what to
// close to detach it.
type attacher func(prog *ebpf.Program, pt *lang.ProbePoint, env attachEnv) ([]io.Closer, error)

// attachEnv is what attachers need to know besides the program and the
// point.
type attachEnv struct {
	// PID is the traced process (-p, or the command -c started); 0 traces
	// the whole system.
	PID int
}

// attachers is the table of probe kinds the runtime attaches, by kind
// name. BEGIN, END, test, bench and self probes are run, not attached
// (special.go).
var attachers = map[string]attacher{
	"tracepoint":    attachTracepoint,
	"interval":      attachTimer(false),
	"profile":       attachTimer(true),
	"rawtracepoint": attachRawTracepoint,
	"fentry":        attachTracing,
	"fexit":         attachTracing,
}

func attachRawTracepoint(prog *ebpf.Program, pt *lang.ProbePoint, _ attachEnv) ([]io.Closer, error) {
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: pt.Func, Program: prog})
	if err != nil {
		return nil, err
	}
	return []io.Closer{l}, nil
}

func attachTracing(prog *ebpf.Program, pt *lang.ProbePoint, _ attachEnv) ([]io.Closer, error) {
	l, err := link.AttachTracing(link.TracingOptions{Program: prog})
	if err != nil {
		return nil, err
	}
	return []io.Closer{l}, nil
}

// attach attaches every program at every point. A point that fails to
// attach ends the run, unless the script's missing_probes config says to
// warn about it or ignore it.
func (r *runner) attach() error {
	tried, attached := 0, 0
	for _, p := range r.obj.Programs {
		if runFromUserSpace(p.Kind) {
			continue
		}
		at, ok := attachers[p.Kind]
		if !ok {
			return probeError(p.Points[0], fmt.Errorf("attaching %s probes is not supported", p.Kind))
		}
		prog := r.coll.Programs[p.Spec.Name]
		for _, pt := range p.Points {
			tried++
			closers, err := at(prog, pt, attachEnv{PID: r.target.PID()})
			r.links = append(r.links, closers...)
			if err != nil {
				switch r.obj.Config.MissingProbes {
				case "warn":
					fmt.Fprintf(r.opts.Stderr, "WARNING: %v\nWARNING: Unable to attach probe: %s. Skipping.\n", err, pt.Name)
					continue
				case "ignore":
					continue
				}
				return probeError(pt, err)
			}
			attached++
			if r.opts.Verbose {
				fmt.Fprintf(r.opts.Stderr, "Attaching %s\n", pt.Name)
			}
		}
	}
	if tried > attached && attached == 0 {
		// Every point was skipped (missing_probes = warn or ignore).
		return errors.New("attachment failed for all probes")
	}
	return nil
}

// probeError names the probe an attach error is about, at its position.
func probeError(pt *lang.ProbePoint, err error) error {
	return &lang.Error{Pos: pt.Pos, End: pt.EndPos, Msg: fmt.Sprintf("failed to attach %s: %v", pt.Name, err)}
}

func attachTracepoint(prog *ebpf.Program, pt *lang.ProbePoint, _ attachEnv) ([]io.Closer, error) {
	if pt.EventID != 0 {
		// The compiler read the event id with the format file: open the
		// perf event and link the program to it, which spares
		// cilium/ebpf's tracefs lookup and a feature probe at startup.
		attr := perfEventAttr(unix.PERF_TYPE_TRACEPOINT, uint64(pt.EventID))
		attr.Sample_type = unix.PERF_SAMPLE_RAW
		attr.Sample = 1
		attr.Wakeup = 1
		closers, err := attachPerfEvents(prog, &attr, []int{-1}, []int{0})
		if err == nil {
			return closers, nil
		}
		for _, c := range closers {
			c.Close()
		}
		// Kernels without perf links (before 5.15), or an id gone
		// stale: cilium/ebpf's way finds out and says why.
	}
	l, err := link.Tracepoint(pt.Target, pt.Func, prog, nil)
	if err != nil {
		return nil, err
	}
	return []io.Closer{l}, nil
}

// attachTimer attaches to a cpu-clock perf event: on one CPU for interval
// probes, on every online CPU for profile probes.
func attachTimer(everyCPU bool) attacher {
	return func(prog *ebpf.Program, pt *lang.ProbePoint, _ attachEnv) ([]io.Closer, error) {
		cpus, err := onlineCPUs()
		if err != nil {
			return nil, err
		}
		if !everyCPU {
			cpus = cpus[:1]
		}
		attr := perfEventAttr(unix.PERF_TYPE_SOFTWARE, unix.PERF_COUNT_SW_CPU_CLOCK)
		switch {
		case pt.Unit == "hz" && everyCPU:
			attr.Sample = pt.Count
			attr.Bits |= unix.PerfBitFreq
		case pt.Unit == "hz":
			attr.Sample = 1e9 / pt.Count
		default:
			attr.Sample = pt.PeriodNanos()
		}
		return attachPerfEvents(prog, &attr, []int{-1}, cpus)
	}
}

// onlineCPUs lists the online CPUs.
func onlineCPUs() ([]int, error) {
	data, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return nil, err
	}
	return parseCPUList(strings.TrimSpace(string(data)))
}

// parseCPUList parses a kernel CPU list such as 0-3,5.
func parseCPUList(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, found := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("bad CPU list %q", s)
		}
		b := a
		if found {
			if b, err = strconv.Atoi(hi); err != nil {
				return nil, fmt.Errorf("bad CPU list %q", s)
			}
		}
		for c := a; c <= b; c++ {
			out = append(out, c)
		}
	}
	return out, nil
}
