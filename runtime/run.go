// Package runtime loads a compiled script into the kernel, attaches its
// probes, runs BEGIN and END, turns events into output and prints the
// maps at exit, the way bpftrace does.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/runtime/output"
)

// Options configure a run.
type Options struct {
	// Output formats what the script prints; nil means bpftrace's text
	// format on os.Stdout.
	Output output.Writer
	// Stderr receives the verbose reports of -v; nil means os.Stderr.
	Stderr io.Writer
	// Quiet suppresses the "Attaching N probes..." message.
	Quiet bool
	// Attached, when set, is called once every probe is attached (or,
	// after exit() in BEGIN, once BEGIN has run), after the output so far
	// is flushed (gtrace prints bpftrace's __BPFTRACE_NOTIFY_PROBES_ATTACHED
	// line from it).
	Attached func()
	// DryRun loads the programs into the kernel and stops.
	DryRun bool
	// Verbose reports each program's verifier statistics and each attach
	// point on Stderr.
	Verbose bool
	// Buffering says when output is flushed.
	Buffering Buffering
	// Target is the process given with -p or -c, for probes that attach
	// to a process and for the cpid builtin.
	Target Target
	// NoWarnings drops what warnf() prints, in every output format
	// (bpftrace's --no-warnings).
	NoWarnings bool
	// Mode says whether the run traces (the default) or runs the
	// script's test or bench probes (special.go).
	Mode Mode
}

// Buffering says when a run flushes its output (bpftrace's -B).
type Buffering uint8

// Buffering modes.
const (
	// BufferLine flushes after each batch of events: output appears as it
	// happens (bpftrace's default, line buffering).
	BufferLine Buffering = iota
	// BufferFull flushes when the buffer is full and when the run ends.
	BufferFull
	// BufferNone flushes after every event.
	BufferNone
)

// Target is the process a run traces (-p PID or -c CMD). The zero value
// traces the whole system.
type Target struct {
	// PID is a running process to trace (-p).
	PID int
	// Command is a shell command to start and trace (-c); tracing stops
	// when it exits.
	Command string
}

// Result is the outcome of a run.
type Result struct {
	// ExitCode is the code exit() was called with (0 by default).
	ExitCode int
	// Lost counts events the ring buffer dropped.
	Lost uint64
	// Maps are the script's maps as they were at exit, after END ran,
	// ordered by name; empty maps are included.
	Maps []*output.Map
}

// runner holds the state of one run.
type runner struct {
	obj    *codegen.Object
	opts   Options
	coll   *ebpf.Collection
	rd     *ringbuf.Reader
	out    output.Writer
	dec    decoder
	maps   mapReader
	zeroed map[string]bool
	links  []io.Closer
	exited bool
	// ending is set while finish drops the detached probes' late events,
	// which it does when dropLate says the run ended by exit() or a
	// signal.
	ending, dropLate bool
	result           Result
	// target is the traced process (-p, -c; target.go), nil for the
	// whole system.
	target *target
	// skb writes skboutput()'s packets (skboutput.go), nil without.
	skb *skbOutput
}

// Run loads and runs a compiled script until it calls exit(), the context
// is cancelled (Ctrl-C), or an error occurs. On every path it runs END,
// reads the maps into the Result, prints them (unless the script's config
// turns that off) and detaches everything it attached.
func Run(ctx context.Context, obj *codegen.Object, opts Options) (Result, error) {
	if opts.Output == nil {
		opts.Output = output.NewText(os.Stdout)
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if obj.NumProbes == 0 {
		// A script of definitions only (structs, macros, maps).
		return Result{}, errors.New("no probes to attach")
	}
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		return Result{}, err
	}
	r := &runner{
		obj:    obj,
		opts:   opts,
		out:    opts.Output,
		dec:    decoder{probeNames: obj.ProbeNames, render: newRenderer(obj), trailer: obj.Config.StrTruncTrailer},
		maps:   mapReader{ncpu: ncpu},
		zeroed: map[string]bool{},
	}
	defer r.close()
	if r.target, err = startTarget(opts.Target); err != nil {
		return Result{}, err
	}
	outer := ctx
	ctx, stopWatching := r.target.watch(ctx)
	defer stopWatching()
	if err := r.load(); err != nil {
		return Result{}, err
	}
	if opts.DryRun {
		return Result{}, nil
	}
	nprobes, err := r.probesToRun()
	if err != nil {
		return Result{}, err
	}
	if !opts.Quiet && opts.Mode == ModeTrace {
		// bpftrace announces no probes when it tests or benchmarks.
		r.out.AttachedProbes(nprobes)
		if err := r.out.Flush(); err != nil {
			return Result{}, err
		}
	}
	if err := r.start(); err != nil {
		return r.result, err
	}
	if opts.Mode != ModeTrace {
		return r.runSpecialMode()
	}
	stopSignals := func() {}
	if !r.exited {
		if err := r.attach(); err != nil {
			// As bpftrace: a probe that cannot attach ends the run
			// before END and without printing the maps.
			r.detach()
			r.out.Flush()
			return r.result, err
		}
		// self:signal probes are attached too: a SIGUSR1 sent once the
		// probes are reported attached must find them.
		stopSignals = r.watchSignals()
	}
	if opts.Attached != nil {
		// bpftrace notifies also when exit() in BEGIN leaves nothing to
		// attach.
		if err := r.out.Flush(); err != nil {
			stopSignals()
			r.detach()
			r.finish()
			return r.result, err
		}
		opts.Attached()
	}
	if !r.exited {
		if err := r.target.resume(); err != nil {
			stopSignals()
			r.detach()
			r.finish()
			return r.result, err
		}
		var err error
		if it, pt := r.iterator(); it != nil {
			// An iterator runs once, to its end (attach_iter.go).
			err = r.runIter(ctx, it, pt)
		} else {
			err = r.loop(ctx)
		}
		stopSignals()
		if err != nil {
			r.detach()
			r.finish()
			return r.result, err
		}
		// Ended by exit() or a signal, the run ignores what the probes
		// send from now on; ended because the traced process exited, it
		// still prints what they sent.
		r.dropLate = r.exited || outer.Err() != nil
	}
	r.detach()
	return r.result, r.finish()
}

// runSpecialMode runs the tests or benchmarks (after BEGIN, unless it
// called exit()), then END; the maps are not printed. A failed test or
// benchmark makes the exit code 1.
func (r *runner) runSpecialMode() (Result, error) {
	failed := false
	if !r.exited {
		var err error
		if failed, err = r.runMode(); err != nil {
			r.finish()
			return r.result, err
		}
	}
	if r.opts.Attached != nil {
		if err := r.out.Flush(); err != nil {
			r.finish()
			return r.result, err
		}
		r.opts.Attached()
	}
	err := r.finish()
	if failed {
		r.result.ExitCode = 1
	}
	return r.result, err
}

// load creates the maps and loads every program, mapping a verifier
// rejection back to the script.
func (r *runner) load() error {
	if err := removeMemlock(); err != nil {
		return err
	}
	spec := r.obj.CollectionSpec()
	clampStackMaps(spec)
	var copts ebpf.CollectionOptions
	if r.opts.Verbose {
		// Ask for the verifier's statistics. A rejected program is loaded
		// again below, for the whole log.
		copts.Programs.LogLevel = ebpf.LogLevelStats
	}
	coll, err := ebpf.NewCollectionWithOptions(spec, copts)
	if err != nil && r.opts.Verbose {
		coll, err = ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{})
	}
	if err != nil {
		return r.loadError(err)
	}
	r.coll = coll
	r.dec.syms = newSymbolizer(coll)
	if r.opts.Verbose {
		r.verifierStats()
	}
	key := uint32(0)
	globals := make([]byte, codegen.GlobalsSize)
	putUint64(globals[codegen.GlobalStartNs:], uint64(monotonicNow()))
	putUint64(globals[codegen.GlobalCpid:], uint64(r.target.childPID()))
	if err := coll.Maps[codegen.GlobalsMap].Update(&key, globals, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("setting globals: %w", err)
	}
	rd, err := ringbuf.NewReader(coll.Maps[codegen.EventsMap])
	if err != nil {
		return fmt.Errorf("opening the event ring buffer: %w", err)
	}
	r.rd = rd
	return r.openSkbOutput()
}

// monotonicNow is the clock bpf_ktime_get_ns() reads.
func monotonicNow() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// special returns the BEGIN or END programs in script order.
func (r *runner) special(kind string) []*codegen.Program {
	var out []*codegen.Program
	for _, p := range r.obj.Programs {
		if p.Kind == kind {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}

// runOnce runs BEGIN or END programs with BPF_PROG_TEST_RUN and handles
// the events they produce.
func (r *runner) runOnce(kind string) error {
	for _, p := range r.special(kind) {
		prog := r.coll.Programs[p.Spec.Name]
		if _, err := prog.Run(&ebpf.RunOptions{Context: make([]byte, 8)}); err != nil {
			return fmt.Errorf("running %s: %w", kind, err)
		}
		if err := r.drain(); err != nil {
			return err
		}
		if r.exited && kind == "BEGIN" {
			break
		}
	}
	return nil
}

func (r *runner) start() error { return r.runOnce("BEGIN") }

// loop handles events until exit() or cancellation.
func (r *runner) loop(ctx context.Context) error {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			// Wake the reader up (SetDeadline would wait for the blocked
			// read); it then returns what is pending and ErrFlushed.
			r.rd.Flush()
		case <-done:
		}
	}()
	var rec ringbuf.Record
	for !r.exited {
		if ctx.Err() != nil {
			return nil
		}
		err := r.rd.ReadInto(&rec)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, ringbuf.ErrFlushed):
			continue
		case err != nil:
			return fmt.Errorf("reading events: %w", err)
		}
		if err := r.handle(rec.RawSample); err != nil {
			return err
		}
		if r.opts.Buffering == BufferNone || (r.opts.Buffering == BufferLine && rec.Remaining == 0) {
			if err := r.out.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// drain handles the events already in the ring buffer.
func (r *runner) drain() error {
	r.rd.SetDeadline(time.Now())
	defer r.rd.SetDeadline(time.Time{})
	var rec ringbuf.Record
	for !r.exited {
		err := r.rd.ReadInto(&rec)
		if errors.Is(err, ringbuf.ErrFlushed) {
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading events: %w", err)
		}
		if err := r.handle(rec.RawSample); err != nil {
			return err
		}
	}
	if r.opts.Buffering == BufferFull {
		return nil
	}
	return r.out.Flush()
}

// finish runs END, reads the maps (printing them unless the script's
// config says not to) and reports lost events.
func (r *runner) finish() error {
	// Events the probes sent before they were detached come first. After
	// exit() or a signal they are dropped, so that neither their output
	// nor an exit() among them (another CPU racing the first exit) gets
	// mixed with END's; after the traced process exited, they print.
	r.exited, r.ending = false, r.dropLate
	err := r.drain()
	r.ending = false
	if err == nil {
		err = r.runOnce("END")
	}
	r.exited = true
	r.out.End()
	for _, m := range r.obj.Maps {
		om, rerr := r.readMap(m, 0, 0)
		if rerr != nil {
			if err == nil {
				err = rerr
			}
			continue
		}
		r.result.Maps = append(r.result.Maps, om)
		if r.obj.Config.PrintMapsOnExit && r.opts.Mode == ModeTrace {
			r.out.Map(om)
		}
	}
	r.reportLost()
	if ferr := r.out.Flush(); ferr != nil && err == nil {
		err = ferr
	}
	return err
}

// reportLost counts the events the ring buffer dropped.
func (r *runner) reportLost() {
	bm := r.coll.Maps[codegen.LostMap]
	vals := r.maps.perCPUBuffers(8)
	key := uint32(0)
	if bm.Lookup(&key, &vals) != nil {
		return
	}
	var n uint64
	for _, v := range vals {
		n += getUint64(v)
	}
	r.result.Lost = n
	if n > 0 {
		r.out.LostEvents(n)
	}
}

// detach closes every link and perf event. Each close of a tracepoint
// waits for an RCU grace period in the kernel, so they run concurrently
// and share the wait.
func (r *runner) detach() {
	var wg sync.WaitGroup
	for _, l := range r.links {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Close()
		}()
	}
	wg.Wait()
	r.links = nil
}

func (r *runner) close() {
	r.detach()
	r.closeSkbOutput()
	r.target.close()
	if r.rd != nil {
		r.rd.Close()
	}
	if r.coll != nil {
		r.coll.Close()
	}
}
