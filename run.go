package gtrace

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime"
	"github.com/gtrace/gtrace/runtime/output"
)

// Format is an output format: FormatText or FormatJSON.
type Format = output.Format

// Output formats.
const (
	// FormatText is bpftrace's text output.
	FormatText = output.FormatText
	// FormatJSON is bpftrace's JSON lines output (gtrace -f json).
	FormatJSON = output.FormatJSON
)

// Result is what a run returns: the exit code, the number of lost
// events and the maps at exit as Go values (see package runtime/output
// for the types values have).
type Result struct {
	runtime.Result
}

// Map returns the map of the given name (with its @), or nil.
func (r *Result) Map(name string) *output.Map {
	for _, m := range r.Maps {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// RunOptions configure a run.
type RunOptions struct {
	// Output receives what the script prints, in Format; nil means
	// os.Stdout.
	Output io.Writer
	Format Format
	// Writer, when set, formats the output instead of Output and Format.
	Writer output.Writer
	// Quiet leaves out the "Attaching N probes..." message.
	Quiet bool
	// NoWarnings leaves out warnings from text output (gtrace
	// --no-warnings) and what warnf() prints from every output; JSON
	// output keeps its helper_error lines.
	NoWarnings bool
	// Buffering says when output is flushed; the default flushes after
	// each batch of events.
	Buffering runtime.Buffering
	// DryRun loads the programs into the kernel, so that the verifier
	// checks them, and stops without attaching or running anything.
	DryRun bool
	// Verbose writes each program's verifier statistics and each attach
	// point to Stderr (nil means os.Stderr).
	Verbose bool
	Stderr  io.Writer
	// Attached, when set, is called once every probe is attached.
	Attached func()
	// Target is the process traced with -p or -c.
	Target runtime.Target
	// Mode runs the script's test or bench probes instead of tracing
	// (gtrace --test, --bench).
	Mode runtime.Mode
}

// Run loads the script, attaches its probes and runs it until it calls
// exit(), ctx is cancelled or an error occurs; on every path END runs,
// the maps are printed (unless the script's config says otherwise) and
// every probe is detached. A program the kernel's verifier rejects is
// reported as an *Error wrapping a *runtime.LoadError, whose Log maps the
// verifier's log to the script.
func (s *Script) Run(ctx context.Context, opts RunOptions) (*Result, error) {
	w := opts.Writer
	if w == nil {
		out := opts.Output
		if out == nil {
			out = os.Stdout
		}
		if opts.Format == FormatJSON {
			w = output.NewJSON(out)
		} else {
			t := output.NewText(out)
			t.NoWarnings = opts.NoWarnings
			t.Stderr = opts.Stderr
			w = t
		}
	}
	res, err := runtime.Run(ctx, s.obj, runtime.Options{
		Output:    w,
		Stderr:    opts.Stderr,
		Quiet:     opts.Quiet,
		Attached:  opts.Attached,
		DryRun:    opts.DryRun,
		Verbose:   opts.Verbose,
		Buffering: opts.Buffering,
		Target:    opts.Target,
		Mode:      opts.Mode,
		// warnf() obeys --no-warnings in JSON output too.
		NoWarnings: opts.NoWarnings,
	})
	if err != nil {
		// Load and attach errors point at the script.
		var pe *lang.Error
		if errors.As(err, &pe) {
			err = &Error{Err: err, Sources: s.obj.Sources}
		}
	}
	return &Result{res}, err
}
