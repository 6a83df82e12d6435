// Package codegen compiles a checked program into eBPF instructions, map
// specifications and the tables the runtime needs to decode what the
// programs produce.
package codegen

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/printf"
)

// Object is a compiled script: the contract between compile time and run
// time. It holds everything the runtime needs to load, attach and run the
// programs and to turn their maps and events into output, and nothing it
// would have to recompute.
type Object struct {
	Programs []*Program
	// Maps are the script's maps, sorted by name (the order bpftrace
	// prints them in).
	Maps []*Map
	// Internal are the maps the generated code uses for itself.
	Internal []*ebpf.MapSpec
	// Actions are the asynchronous actions events refer to, by index.
	Actions []*Action
	// ProbeNames maps the values of the `probe` builtin to names.
	ProbeNames []string
	// NumProbes is the number of attach points, BEGIN and END included.
	NumProbes int
	Config    lang.Config
	// Sources holds the script text by file name, for error messages.
	Sources map[string]string
	// Warnings from the checker, to print before running.
	Warnings []*lang.Error

	// Scratch space (scratch.go): how many programs use it, and the
	// most one needs.
	scratchUsers, scratchSize int
	// stackLen is set when the script takes len() of a stack: stack
	// values then hold their number of frames (stacks.go).
	stackLen bool
	// seqFormats holds the formats of iterator probes' printf calls,
	// each NUL-terminated, at the offsets seqFormatOff gives
	// (probe_iter.go).
	seqFormats   []byte
	seqFormatOff map[string]int
}

// Program is one BPF program and where it attaches.
type Program struct {
	// Name is a readable name: the first attach point's name.
	Name string
	// Kind is the probe kind of every point (lang.ProbePoint.Kind).
	Kind   string
	Points []*lang.ProbePoint
	Spec   *ebpf.ProgramSpec
	// Pos maps each instruction to the script text it came from.
	Pos []lang.Span
	// Probe is the action block's span in the source.
	Probe lang.Span
	// Order is the position of the action block in the script; BEGIN and
	// END programs run in this order.
	Order int
}

// Layout says how a map stores its entries.
type Layout uint8

// Map layouts.
const (
	// LayoutHash: a hash map from the key tuple (or a zero u64 for a map
	// without keys) to the value.
	LayoutHash Layout = iota
	// LayoutPerCPUHash: an aggregation keyed by the key tuple, one value
	// per CPU.
	LayoutPerCPUHash
	// LayoutPerCPUArray: an aggregation without keys in a one-entry
	// per-CPU array.
	LayoutPerCPUArray
	// LayoutBucketHash: hist/lhist with keys; the map key is the key tuple
	// followed by a u64 bucket index, the value a per-CPU u64 count.
	LayoutBucketHash
	// LayoutBucketArray: hist/lhist without keys; a per-CPU array indexed
	// by bucket.
	LayoutBucketArray
	// LayoutTSeries: tseries(); a per-CPU hash keyed by the key tuple
	// (nothing for a map without keys) followed by a u64 slot index, each
	// value one interval (agg_tseries.go).
	LayoutTSeries
)

func (l Layout) String() string {
	return [...]string{"hash", "percpu hash", "percpu array", "bucket hash", "bucket array", "tseries"}[l]
}

// Map is one script map.
type Map struct {
	Info   *lang.MapInfo
	Layout Layout
	Spec   *ebpf.MapSpec
	// KeySize is the size of the user key (without a bucket index).
	KeySize int
	// Buckets is the number of hist/lhist buckets.
	Buckets int
}

// Name returns the map's name as written (@name).
func (m *Map) Name() string { return m.Info.Name }

// PerCPU reports whether the map holds one value per CPU.
func (m *Map) PerCPU() bool { return m.Layout != LayoutHash }

// ActionKind identifies an asynchronous action.
type ActionKind uint8

// Asynchronous actions.
const (
	ActPrintf ActionKind = iota
	ActPrintMap
	ActPrintValue
	ActExit
	ActClear
	ActZero
	ActHelperError
	// ActRuntimeError is a warning the program found while running
	// (Text: the message), as a division by zero.
	ActRuntimeError
	// Actions user space carries out (call_runtime.go).
	ActTime
	ActCat
	ActSystem
	ActJoin
	ActErrorf
	ActWarnf
	// Not events: the formats of strftime() and the filters of
	// cgroup_path(), which their values refer to by index.
	ActStrftime
	ActCgroupPath
	// unwatch(addr): user space removes the watchpoints on addr.
	ActUnwatch
	// Not a ring buffer event: skboutput()'s pcap file (Text) and offset
	// (Offset), which its packets (SkbEventsMap) refer to by index.
	ActSkbOutput
)

func (k ActionKind) String() string {
	return [...]string{"printf", "print map", "print value", "exit", "clear", "zero", "helper error",
		"time", "cat", "system", "join", "errorf", "warnf", "strftime", "cgroup_path", "unwatch", "skboutput"}[k]
}

// Arg is one argument packed into an event.
type Arg struct {
	Type   *lang.Type
	Offset int
}

// Action is an asynchronous action: the event a program sends to user
// space carries the action's index, then its packed arguments.
type Action struct {
	Kind ActionKind
	// Format of printf-like actions.
	Format *printf.Format
	Args   []Arg
	// Size of the event, header included.
	Size int
	// Map is the map name for print/clear/zero.
	Map string
	// Top and Div are print(@m, top, div)'s arguments.
	Top, Div int64
	// Helper names the BPF helper a helper-error action reports.
	Helper string
	// Text is time()'s and strftime()'s format, join()'s separator and
	// cgroup_path()'s filter, and skboutput()'s file.
	Text string
	// Offset is skboutput()'s offset: the bytes of each packet left out.
	Offset int64
	// Pos is the call in the source.
	Pos lang.Span
}

// EventHeader is the size of the action index that starts every event.
const EventHeader = 8

// Names of the internal maps.
const (
	EventsMap  = "events"  // the ring buffer of events
	LostMap    = "lost"    // per-CPU count of events the ring buffer dropped
	GlobalsMap = "globals" // values the runtime sets before starting
	// SkbEventsMap is the perf event array skboutput() writes packets
	// to (bpf_skb_output cannot write to a ring buffer). Each sample is
	// an SkbHeader, then the packet.
	SkbEventsMap = "skb_events"
)

// SkbHeader is the size of the header of skboutput()'s samples: the
// ActSkbOutput action's index, the time (bpf_ktime_get_boot_ns) and the
// packet's length, 8 bytes each.
const SkbHeader = 24

// Map returns the script map of the given name.
func (o *Object) Map(name string) *Map {
	for _, m := range o.Maps {
		if m.Info.Name == name {
			return m
		}
	}
	return nil
}

// CollectionSpec assembles a spec of every map and program for loading.
func (o *Object) CollectionSpec() *ebpf.CollectionSpec {
	cs := &ebpf.CollectionSpec{Maps: map[string]*ebpf.MapSpec{}, Programs: map[string]*ebpf.ProgramSpec{}}
	for _, m := range o.Maps {
		cs.Maps[m.Spec.Name] = m.Spec
	}
	for _, m := range o.Internal {
		cs.Maps[m.Name] = m
	}
	for _, p := range o.Programs {
		cs.Programs[p.Spec.Name] = p.Spec
	}
	return cs
}

// Dump renders the object for `gtrace -d`: maps, actions and every
// program's instructions with the source each came from.
func (o *Object) Dump() string {
	var b strings.Builder
	for _, m := range o.Maps {
		fmt.Fprintf(&b, "map %s: %s %s key %d value %d entries %d", m.Info.Name, m.Layout, m.Spec.Type,
			m.Spec.KeySize, m.Spec.ValueSize, m.Spec.MaxEntries)
		if m.Info.Key != nil {
			fmt.Fprintf(&b, " keys %s", m.Info.Key)
		}
		fmt.Fprintf(&b, " value %s\n", m.Info.Value)
	}
	for _, m := range o.Internal {
		fmt.Fprintf(&b, "map %s: %s key %d value %d entries %d\n", m.Name, m.Type, m.KeySize, m.ValueSize, m.MaxEntries)
	}
	for i, a := range o.Actions {
		fmt.Fprintf(&b, "action %d: %s size %d", i, a.Kind, a.Size)
		if a.Map != "" {
			fmt.Fprintf(&b, " map %s", a.Map)
		}
		for _, arg := range a.Args {
			fmt.Fprintf(&b, " %s@%d", arg.Type, arg.Offset)
		}
		b.WriteByte('\n')
	}
	for _, p := range o.Programs {
		fmt.Fprintf(&b, "\nprogram %s (%s, %d instructions)\n", p.Name, p.Spec.Type, len(p.Spec.Instructions))
		last := ""
		for i, ins := range p.Spec.Instructions {
			src := ""
			if i < len(p.Pos) && p.Pos[i].Pos.Line > 0 {
				src = fmt.Sprintf("%d:%d", p.Pos[i].Pos.Line, p.Pos[i].Pos.Column)
			}
			if src == last {
				src = ""
			} else {
				last = src
			}
			fmt.Fprintf(&b, "  %4d: %-48v %s\n", i, ins, src)
		}
	}
	return b.String()
}

// sortedMaps returns map infos ordered by name, bytewise, as bpftrace
// prints them.
func sortedMaps(infos map[string]*lang.MapInfo) []*lang.MapInfo {
	out := make([]*lang.MapInfo, 0, len(infos))
	for _, m := range infos {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
