package lang

import (
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/btf"
)

// Perf events: software:EVENT[:COUNT] and hardware:EVENT[:COUNT] sample
// every COUNT events on every CPU; watchpoint:ADDR:LEN:MODE fires when
// memory at ADDR is read, written or executed. Their programs get the
// registers of the interrupted task (struct bpf_perf_event_data starts
// with pt_regs).

func init() {
	registerProbeKind(&ProbeKind{Name: "software", Aliases: []string{"s"},
		Expand: expandPerfEvent("software", unix.PERF_TYPE_SOFTWARE, softwareEvents), List: listPerfEvents("software", softwareEvents)})
	registerProbeKind(&ProbeKind{Name: "hardware", Aliases: []string{"h"},
		Expand: expandPerfEvent("hardware", unix.PERF_TYPE_HARDWARE, hardwareEvents), List: listPerfEvents("hardware", hardwareEvents)})
	registerProbeKind(&ProbeKind{Name: "watchpoint", Aliases: []string{"w"}, Expand: expandWatchpoint})
}

// perfEvent is one software or hardware event: its name, bpftrace's
// alias for it, its PERF_COUNT_* value and the default sample period.
type perfEvent struct {
	name, alias string
	config      uint64
	period      uint64
}

// softwareEvents and hardwareEvents are bpftrace's tables, by name.
var softwareEvents = []perfEvent{
	{"alignment-faults", "", unix.PERF_COUNT_SW_ALIGNMENT_FAULTS, 1},
	{"bpf-output", "", unix.PERF_COUNT_SW_BPF_OUTPUT, 1},
	{"context-switches", "cs", unix.PERF_COUNT_SW_CONTEXT_SWITCHES, 1000},
	{"cpu-clock", "cpu", unix.PERF_COUNT_SW_CPU_CLOCK, 1000000},
	{"cpu-migrations", "", unix.PERF_COUNT_SW_CPU_MIGRATIONS, 1},
	{"dummy", "", unix.PERF_COUNT_SW_DUMMY, 1},
	{"emulation-faults", "", unix.PERF_COUNT_SW_EMULATION_FAULTS, 1},
	{"major-faults", "", unix.PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1},
	{"minor-faults", "", unix.PERF_COUNT_SW_PAGE_FAULTS_MIN, 100},
	{"page-faults", "faults", unix.PERF_COUNT_SW_PAGE_FAULTS, 100},
	{"task-clock", "", unix.PERF_COUNT_SW_TASK_CLOCK, 1},
}

var hardwareEvents = []perfEvent{
	{"backend-stalls", "", unix.PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000},
	{"branch-instructions", "branches", unix.PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000},
	{"branch-misses", "", unix.PERF_COUNT_HW_BRANCH_MISSES, 100000},
	{"bus-cycles", "", unix.PERF_COUNT_HW_BUS_CYCLES, 100000},
	{"cache-misses", "", unix.PERF_COUNT_HW_CACHE_MISSES, 1000000},
	{"cache-references", "", unix.PERF_COUNT_HW_CACHE_REFERENCES, 1000000},
	{"cpu-cycles", "cycles", unix.PERF_COUNT_HW_CPU_CYCLES, 1000000},
	{"frontend-stalls", "", unix.PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000},
	{"instructions", "", unix.PERF_COUNT_HW_INSTRUCTIONS, 1000000},
	{"ref-cycles", "", unix.PERF_COUNT_HW_REF_CPU_CYCLES, 1000000},
}

func findPerfEvent(table []perfEvent, name string) (perfEvent, bool) {
	for _, e := range table {
		if e.name == name || (e.alias != "" && e.alias == name) {
			return e, true
		}
	}
	return perfEvent{}, false
}

// expandPerfEvent parses software:EVENT[:COUNT] and hardware:...; a
// count of 0 or none means the event's default.
func expandPerfEvent(kind string, typ uint32, table []perfEvent) func(*checker, *AttachPoint, []string) ([]*ProbePoint, error) {
	return func(c *checker, ap *AttachPoint, parts []string) ([]*ProbePoint, error) {
		if len(parts) < 1 || len(parts) > 2 || parts[0] == "" {
			return nil, errorAt(ap.Span, "%s probe type requires 1 or 2 arguments", kind)
		}
		if hasWildcard(parts[0]) {
			return nil, errorAt(ap.Span, "wildcards are not allowed for %s probe type", kind)
		}
		ev, ok := findPerfEvent(table, parts[0])
		if !ok {
			return nil, errorAt(ap.Span, "%s is not a %s probe (see gtrace -l '%s:*')", parts[0], kind, kind)
		}
		p := &ProbePoint{Name: formatPointName(kind, parts...), Func: parts[0],
			PerfType: typ, PerfConfig: ev.config, Count: ev.period}
		if len(parts) == 2 {
			n, err := parseIntLiteral(parts[1])
			if err != nil {
				return nil, errorAt(ap.Span, "%s: invalid count '%s': %s probes take an integer count", ap.Raw, parts[1], kind)
			}
			if n > 0 {
				p.Count = n
			}
		}
		return []*ProbePoint{p}, nil
	}
}

// listPerfEvents lists a table's events and aliases as bpftrace does:
// "software:cpu-clock:".
func listPerfEvents(kind string, table []perfEvent) func(Kernel, string, bool) ([]Listed, error) {
	return func(_ Kernel, pattern string, _ bool) ([]Listed, error) {
		if pattern == "" {
			pattern = "*"
		}
		var names []string
		for _, e := range table {
			names = append(names, e.name)
			if e.alias != "" {
				names = append(names, e.alias)
			}
		}
		sort.Strings(names)
		var out []Listed
		for _, n := range names {
			if matchListPattern(pattern, n) {
				out = append(out, Listed{Name: kind + ":" + n + ":"})
			}
		}
		return out, nil
	}
}

// matchListPattern matches a listing pattern against an event name; the
// pattern may name the count part too ("cpu-clock:*").
func matchListPattern(pattern, name string) bool {
	ev, _, _ := strings.Cut(pattern, ":")
	return btf.MatchGlob(ev, name)
}

// watchpointModes are the access modes the host's debug registers can
// watch (x86_64: no read-only watchpoints; arm64: every combination).
var watchpointModes = map[string]map[string]bool{
	"amd64": {"w": true, "rw": true, "x": true},
	"arm64": {"r": true, "w": true, "rw": true, "x": true},
}

// expandWatchpoint parses watchpoint:ADDR:LEN:MODE with bpftrace's rules:
// a non-zero address, a length of 1, 2, 4 or 8, and a mode made of r, w
// and x that the architecture supports (written in any order).
func expandWatchpoint(c *checker, ap *AttachPoint, parts []string) ([]*ProbePoint, error) {
	if len(parts) != 3 {
		return nil, wrongArgCount(ap, "watchpoint", 3)
	}
	addr, err := parseIntLiteral(parts[0])
	if err != nil {
		return nil, errorAt(ap.Span, "watchpoint: invalid address '%s' (expected an integer such as 0x10000000)", parts[0])
	}
	if addr == 0 {
		return nil, errorAt(ap.Span, "watchpoint must be attached to a non-zero address")
	}
	n, err := parseIntLiteral(parts[1])
	if err != nil || (n != 1 && n != 2 && n != 4 && n != 8) {
		return nil, errorAt(ap.Span, "watchpoint length must be one of (1,2,4,8)")
	}
	mode := []byte(parts[2])
	sort.Slice(mode, func(i, j int) bool { return mode[i] < mode[j] })
	if len(mode) == 0 {
		return nil, errorAt(ap.Span, "watchpoint mode must be combination of (r,w,x)")
	}
	for i, m := range mode {
		if m != 'r' && m != 'w' && m != 'x' {
			return nil, errorAt(ap.Span, "watchpoint mode must be combination of (r,w,x)")
		}
		if i > 0 && mode[i-1] == m {
			return nil, errorAt(ap.Span, "watchpoint modes may not be duplicated")
		}
	}
	modes := watchpointModes[hostArch]
	if !modes[string(mode)] {
		var ok []string
		for m := range modes {
			ok = append(ok, m)
		}
		sort.Strings(ok)
		return nil, errorAt(ap.Span, "invalid watchpoint mode: %s (supported modes: %s)", parts[2], strings.Join(ok, ","))
	}
	return []*ProbePoint{{Name: formatPointName("watchpoint", parts...),
		WatchAddr: addr, WatchLen: int(n), WatchMode: string(mode)}}, nil
}
