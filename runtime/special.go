package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/runtime/output"
)

// The newest bpftrace's special probes besides BEGIN and END: test and
// bench probes, which run only in their mode (gtrace --test, --bench)
// instead of attaching the script's other probes, and self:signal probes,
// which run when gtrace receives the signal. All run with
// BPF_PROG_TEST_RUN; tests and benchmarks are XDP programs, whose runs
// report the time they take.

// Mode says what a run does with the script's probes.
type Mode uint8

// Modes.
const (
	// ModeTrace attaches the probes and traces; test and bench probes are
	// ignored.
	ModeTrace Mode = iota
	// ModeTest runs each test probe once, in script order, and reports
	// which passed (gtrace --test); the other probes are not attached.
	ModeTest
	// ModeBench runs each bench probe many times, in script order, and
	// reports the average time of a run (gtrace --bench).
	ModeBench
)

// runFromUserSpace reports whether probes of a kind are run by the
// runtime rather than attached.
func runFromUserSpace(kind string) bool {
	switch kind {
	case "BEGIN", "END", "test", "bench", "self":
		return true
	}
	return false
}

// modeKind is the kind of probe a mode runs ("" for tracing).
func (m Mode) kind() string {
	switch m {
	case ModeTest:
		return "test"
	case ModeBench:
		return "bench"
	}
	return ""
}

// countPoints counts the attach points of a kind.
func (r *runner) countPoints(kind string) int {
	n := 0
	for _, p := range r.obj.Programs {
		if p.Kind == kind {
			n += len(p.Points)
		}
	}
	return n
}

// probesToRun is the number of probes the run attaches or runs, as
// bpftrace counts them: BEGIN and END, and the test or bench probes in
// their mode, the others otherwise. None is an error that says what to
// do, as bpftrace says it.
func (r *runner) probesToRun() (int, error) {
	tests, benches := r.countPoints("test"), r.countPoints("bench")
	n := r.obj.NumProbes - tests - benches
	if r.opts.Mode != ModeTrace {
		n = r.countPoints("BEGIN") + r.countPoints("END") + r.countPoints(r.opts.Mode.kind())
	}
	switch {
	case n > 0:
		return n, nil
	case tests > 0:
		return 0, errors.New("No probes attached; use --test to run test probes.")
	case benches > 0:
		return 0, errors.New("No probes attached; use --bench to run benchmark probes.")
	}
	return 0, errors.New("Attachment failed for all probes.")
}

// runMode runs the tests or benchmarks; failed is set when one failed.
func (r *runner) runMode() (failed bool, err error) {
	if r.opts.Mode == ModeTest {
		return r.runTests()
	}
	return r.runBenches()
}

// userPoint is one test or bench probe: a program and the name after the
// kind (test:NAME).
type userPoint struct {
	prog *ebpf.Program
	name string
}

// userPoints lists the points of a kind in script order, a program with
// several points (test:a, test:b { }) running once for each.
func (r *runner) userPoints(kind string) []userPoint {
	var out []userPoint
	for _, p := range r.special(kind) {
		for _, pt := range p.Points {
			out = append(out, userPoint{prog: r.coll.Programs[p.Spec.Name], name: pt.Target})
		}
	}
	return out
}

// xdpInput is the packet a test or bench program runs on: the kernel
// wants at least an Ethernet header's worth of bytes for XDP.
var xdpInput = make([]byte, 14)

// runTests runs each test probe once, collecting what it prints, and
// reports each as bpftrace does: a test passes when it returns 0, calls
// no errorf() and no exit() with a non-zero code. A test's output shows
// only when it fails.
func (r *runner) runTests() (failed bool, err error) {
	points := r.userPoints("test")
	names := make([]string, len(points))
	for i, p := range points {
		names[i] = p.name
	}
	var passed []bool
	out := r.out
	defer func() { r.out = out }()
	for i, p := range points {
		var buf bytes.Buffer
		capture := output.NewText(&buf)
		capture.Stderr = &buf
		capture.NoWarnings = r.opts.NoWarnings
		counter := &errorCounter{Writer: capture}
		r.out = counter
		ret, d, err := p.prog.Benchmark(xdpInput, 1, nil)
		if err != nil {
			return failed, fmt.Errorf("running test %s: %w", p.name, err)
		}
		if err := r.settle(); err != nil {
			return failed, err
		}
		if err := capture.Flush(); err != nil {
			return failed, err
		}
		ok := ret == 0 && r.result.ExitCode == 0 && counter.errors == 0
		failed = failed || !ok
		passed = append(passed, ok)
		out.TestResult(names, i, d, passed, buf.String())
		// Every test starts afresh.
		r.result.ExitCode = 0
	}
	return failed, nil
}

// settle handles the events a test or benchmark left in the ring buffer;
// those that follow an exit() are dropped.
func (r *runner) settle() error {
	if err := r.drain(); err != nil {
		return err
	}
	if r.exited {
		r.ending = true
		err := r.drain()
		r.exited, r.ending = false, false
		return err
	}
	return nil
}

// runBenches runs each bench probe repeatedly, with more and more runs
// until they take a millisecond, and reports the average time of a run,
// as bpftrace does. A benchmark returning non-zero is skipped; one that
// calls errorf() or exit() with a non-zero code fails. Output is dropped.
func (r *runner) runBenches() (failed bool, err error) {
	points := r.userPoints("bench")
	names := make([]string, len(points))
	for i, p := range points {
		names[i] = p.name
	}
	out := r.out
	defer func() { r.out = out }()
	first := true
	for i, p := range points {
		counter := &errorCounter{Writer: discard{}}
		r.out = counter
		for iters := uint64(1); ; {
			ret, avg, err := p.prog.Benchmark(xdpInput, int(iters), nil)
			if err != nil {
				return failed, fmt.Errorf("running benchmark %s: %w", p.name, err)
			}
			if err := r.settle(); err != nil {
				return failed, err
			}
			r.resetLost()
			if r.result.ExitCode == 0 && ret != 0 {
				// Skipped.
				break
			}
			total := avg * time.Duration(iters)
			switch {
			case total < time.Microsecond:
				iters *= 1000
				continue
			case total < 10*time.Microsecond:
				iters *= 100
				continue
			case total < 100*time.Microsecond:
				iters *= 10
				continue
			case total < time.Millisecond:
				iters *= 2
				continue
			}
			if r.result.ExitCode != 0 || counter.errors != 0 {
				fmt.Fprintf(r.opts.Stderr, "ERROR: Benchmark '%s' failed.\n", p.name)
				failed = true
				r.result.ExitCode = 0
				break
			}
			out.BenchResult(names, i, avg, iters, first)
			first = false
			break
		}
	}
	return failed, nil
}

// resetLost forgets the events the ring buffer dropped: a benchmark
// sends many, and its output is dropped anyway.
func (r *runner) resetLost() {
	key := uint32(0)
	r.coll.Maps[codegen.LostMap].Update(&key, r.maps.perCPUBuffers(8), ebpf.UpdateAny)
}

// errorCounter counts what fails a test or benchmark: errorf() messages
// and failed helper calls.
type errorCounter struct {
	output.Writer
	errors int
}

func (e *errorCounter) Diagnostic(d *output.Diagnostic) {
	if !d.Warning {
		e.errors++
	}
	// Text writes diagnostics straight to its Stderr: what was printed
	// before goes first.
	e.Writer.Flush()
	e.Writer.Diagnostic(d)
}

func (e *errorCounter) HelperError(h *output.HelperError) {
	e.errors++
	e.Writer.HelperError(h)
}

// discard drops all output.
type discard struct{}

func (discard) AttachedProbes(int)                                      {}
func (discard) Message(output.MessageKind, string)                      {}
func (discard) Value(any)                                               {}
func (discard) Map(*output.Map)                                         {}
func (discard) End()                                                    {}
func (discard) LostEvents(uint64)                                       {}
func (discard) HelperError(*output.HelperError)                         {}
func (discard) Diagnostic(*output.Diagnostic)                           {}
func (discard) Flush() error                                            { return nil }
func (discard) TestResult([]string, int, time.Duration, []bool, string) {}
func (discard) BenchResult([]string, int, time.Duration, uint64, bool)  {}

// watchSignals runs the self:signal:SIGUSR1 probes, in script order, each
// time the process receives SIGUSR1, until the returned stop is called.
// Their events reach the event loop through the ring buffer. Without
// such probes SIGUSR1 keeps its default action.
func (r *runner) watchSignals() (stop func()) {
	progs := r.special("self")
	if len(progs) == 0 {
		return func() {}
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, unix.SIGUSR1)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ch:
				for _, p := range progs {
					prog := r.coll.Programs[p.Spec.Name]
					if _, err := prog.Run(&ebpf.RunOptions{Context: make([]byte, 8)}); err != nil {
						fmt.Fprintf(r.opts.Stderr, "ERROR: Failed to run signal probe: %v\n", err)
					}
				}
			case <-quit:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(quit)
		wg.Wait()
	}
}
