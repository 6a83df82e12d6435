// Package runtime loads a compiled script into the kernel, attaches its
// probes, runs BEGIN and END, turns events into output and prints the
// maps at exit, the way bpftrace does.
package runtime

import (
	"bufio"
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
)

// Options configure a run.
type Options struct {
	// Stdout receives the script's output; Stderr warnings and lost-event
	// reports.
	Stdout, Stderr io.Writer
	// Quiet suppresses the "Attaching N probes..." line.
	Quiet bool
	// NotifyAttached prints __BPFTRACE_NOTIFY_PROBES_ATTACHED once every
	// probe is attached, for harnesses that wait for it.
	NotifyAttached bool
	// DryRun loads the programs into the kernel and stops.
	DryRun bool
	// Verbose reports verifier statistics and attach details on Stderr.
	Verbose bool
	// Unbuffered flushes output after every event instead of after each
	// batch (bpftrace's -B none).
	Unbuffered bool
}

// Result is the outcome of a run.
type Result struct {
	// ExitCode is the code exit() was called with (0 by default).
	ExitCode int
	// Lost counts events the ring buffer dropped.
	Lost uint64
}

// runner holds the state of one run.
type runner struct {
	obj    *codegen.Object
	opts   Options
	coll   *ebpf.Collection
	rd     *ringbuf.Reader
	out    *bufio.Writer
	dec    decoder
	maps   mapReader
	zeroed map[string]bool
	links  []io.Closer
	exited bool
	result Result
}

// Run loads and runs a compiled script until it calls exit(), the context
// is cancelled (Ctrl-C), or an error occurs. On every path it runs END,
// prints the maps and detaches everything it attached.
func Run(ctx context.Context, obj *codegen.Object, opts Options) (Result, error) {
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		return Result{}, err
	}
	r := &runner{
		obj:    obj,
		opts:   opts,
		out:    bufio.NewWriterSize(opts.Stdout, 64<<10),
		dec:    decoder{probeNames: obj.ProbeNames},
		maps:   mapReader{ncpu: ncpu},
		zeroed: map[string]bool{},
	}
	defer r.close()
	if err := r.load(); err != nil {
		return Result{}, err
	}
	if opts.DryRun {
		return Result{}, nil
	}
	if !opts.Quiet {
		r.printAttaching()
	}
	if err := r.start(); err != nil {
		return r.result, err
	}
	if !r.exited {
		if err := r.attach(); err != nil {
			r.detach()
			r.finish()
			return r.result, err
		}
		if opts.NotifyAttached {
			fmt.Fprintln(r.out, "__BPFTRACE_NOTIFY_PROBES_ATTACHED")
			r.out.Flush()
		}
		if err := r.loop(ctx); err != nil {
			r.detach()
			r.finish()
			return r.result, err
		}
	}
	r.detach()
	return r.result, r.finish()
}

func (r *runner) printAttaching() {
	n := r.obj.NumProbes
	if n == 1 {
		fmt.Fprintln(r.out, "Attaching 1 probe...")
	} else {
		fmt.Fprintf(r.out, "Attaching %d probes...\n", n)
	}
	r.out.Flush()
}

// load creates the maps and loads every program, mapping a verifier
// rejection back to the script.
func (r *runner) load() error {
	if err := removeMemlock(); err != nil {
		return err
	}
	spec := r.obj.CollectionSpec()
	coll, err := ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{})
	if err != nil {
		return r.loadError(err)
	}
	r.coll = coll
	if r.opts.Verbose {
		r.verifierStats()
	}
	key := uint32(0)
	globals := make([]byte, codegen.GlobalsSize)
	putUint64(globals[codegen.GlobalStartNs:], uint64(monotonicNow()))
	if err := coll.Maps[codegen.GlobalsMap].Update(&key, globals, ebpf.UpdateAny); err != nil {
		return fmt.Errorf("setting globals: %w", err)
	}
	rd, err := ringbuf.NewReader(coll.Maps[codegen.EventsMap])
	if err != nil {
		return fmt.Errorf("opening the event ring buffer: %w", err)
	}
	r.rd = rd
	return nil
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
		if r.opts.Unbuffered || rec.Remaining == 0 {
			r.out.Flush()
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
	return r.out.Flush()
}

// finish runs END, prints the maps and reports lost events.
func (r *runner) finish() error {
	r.exited = false
	err := r.runOnce("END")
	r.exited = true
	fmt.Fprint(r.out, "\n\n")
	if r.obj.Config.PrintMapsOnExit {
		for _, m := range r.obj.Maps {
			if perr := r.printMap(m, 0, 0); perr != nil && err == nil {
				err = perr
			}
		}
	}
	if ferr := r.out.Flush(); ferr != nil && err == nil {
		err = ferr
	}
	r.reportLost()
	return err
}

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
		fmt.Fprintf(r.opts.Stderr, "Lost %d events\n", n)
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
	if r.rd != nil {
		r.rd.Close()
	}
	if r.coll != nil {
		r.coll.Close()
	}
}
