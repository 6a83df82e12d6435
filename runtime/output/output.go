// Package output writes what a running script prints, in bpftrace's text
// format or in its JSON lines format: printf output, print() values, maps
// with their histograms and statistics, and the run's messages (the
// number of probes attached, lost events, failed helper calls).
//
// The runtime decodes the kernel's bytes into Go values (int64 and
// uint64, bool, string, Tuple, Record, Stats, *Histogram, ...) and hands
// them to a Writer; a Writer only formats.
package output

import (
	"fmt"
	"time"

	"github.com/gtrace/gtrace/lang"
)

// Writer formats a script's output. Its methods are called from one
// goroutine. Writers buffer: output reaches the underlying io.Writer when
// Flush is called or the buffer fills up, and the first write error is
// returned by Flush.
type Writer interface {
	// AttachedProbes announces how many probes are about to be attached.
	AttachedProbes(n int)
	// Message writes text a script action produced, such as printf's.
	Message(kind MessageKind, text string)
	// Value writes a value given to print().
	Value(v any)
	// Map writes a map, for print(@m) and for the maps printed at exit.
	Map(m *Map)
	// End marks the end of tracing, before the maps printed at exit.
	End()
	// LostEvents reports events the kernel could not deliver.
	LostEvents(n uint64)
	// HelperError reports a BPF helper call that failed (gtrace -k).
	HelperError(e *HelperError)
	// Diagnostic writes what errorf() or warnf() printed.
	Diagnostic(d *Diagnostic)
	// TestResult reports test probe index of tests (gtrace --test): the
	// time its run took, whether it passed (passed holds the outcome of
	// tests 0 to index) and what it printed.
	TestResult(tests []string, index int, d time.Duration, passed []bool, out string)
	// BenchResult reports bench probe index of benches (gtrace --bench):
	// the average time of a run over iters runs; first is set for the
	// first result reported.
	BenchResult(benches []string, index int, avg time.Duration, iters uint64, first bool)
	// Flush writes buffered output to the underlying writer.
	Flush() error
}

// MessageKind says which action produced a message; JSON output names it
// in the line's "type".
type MessageKind uint8

// Message kinds.
const (
	Printf MessageKind = iota // printf()
	Time                      // time()
	Cat                       // cat()
	System                    // system()
	Join                      // join()
)

// jsonType is bpftrace's JSON type of each message kind.
var jsonType = [...]string{Printf: "printf", Time: "time", Cat: "cat", System: "syscall", Join: "join"}

// HelperError is a BPF helper call that returned an error while a script
// ran, or (Msg set) another problem the program found while running, as
// a division by zero.
type HelperError struct {
	// Msg, when set, is the whole message: not a helper's failure.
	Msg string
	// Helper is the helper's name without the bpf_ prefix, e.g.
	// "probe_read_kernel".
	Helper string
	// Retcode is what the helper returned: a negative errno.
	Retcode int64
	// Pos and End delimit the script text that made the call; Source is
	// the script.
	Pos, End lang.Position
	Source   string
	// ExpandedFrom are the macro calls the text was expanded from,
	// innermost first.
	ExpandedFrom []lang.Span
}

// Message returns bpftrace's wording: "Failed to probe_read_kernel: Bad
// address (-14)".
func (e *HelperError) Message() string {
	if e.Msg != "" {
		return e.Msg
	}
	if e.Retcode >= 0 {
		return fmt.Sprintf("Failed to %s: %d", e.Helper, e.Retcode)
	}
	return fmt.Sprintf("Failed to %s: %s (%d)", e.Helper, strerror(-e.Retcode), e.Retcode)
}

// Format is an output format.
type Format uint8

// Output formats.
const (
	FormatText Format = iota // bpftrace's text output
	FormatJSON               // bpftrace's JSON lines (-f json)
)

// ParseFormat parses a format name as -f takes it: "text" or "json".
func ParseFormat(name string) (Format, error) {
	switch name {
	case "text":
		return FormatText, nil
	case "json":
		return FormatJSON, nil
	}
	return 0, fmt.Errorf("invalid output format %q (valid formats: text, json)", name)
}
