package lang

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ProbePoint is one concrete attach point, after parsing and wildcard
// expansion: what the runtime attaches and what `probe` evaluates to.
type ProbePoint struct {
	Span
	// Kind is the canonical kind name: "BEGIN", "tracepoint", "interval"...
	Kind string
	// Name is the full canonical name, e.g. tracepoint:syscalls:sys_enter_read.
	Name string
	// Target is the tracepoint category (or binary, for user probes).
	Target string
	// Func is the tracepoint or function name.
	Func string
	// EventID is a tracepoint's event id, read with its format file (0
	// when unknown).
	EventID uint32
	// Unit and Count describe timed probes: interval:ms:100 has Unit "ms"
	// and Count 100; Unit "hz" makes Count a frequency.
	Unit  string
	Count uint64
	// Args is the type `args` points to, nil when the kind has none.
	Args *Type

	// Kernel probes and perf events (probe_kprobe.go, probe_perf.go).
	// Offset is a kprobe's offset into Func (kprobe:func+off). PerfType
	// and PerfConfig select a software or hardware perf event (the
	// PERF_TYPE_* and PERF_COUNT_* values), sampled every Count events.
	// WatchAddr, WatchLen and WatchMode ("w", "rw", "x"...) describe a
	// watchpoint.
	Offset     uint64
	PerfType   uint32
	PerfConfig uint64
	WatchAddr  uint64
	WatchLen   int
	WatchMode  string

	// User-space probes (probe_uprobe.go, probe_usdt.go): Target is the
	// binary or library file, Func the symbol as the symbol table spells
	// it (or the USDT probe's name). FileOffset is where in Target the
	// probe attaches: the function's file offset plus any +offset, or the
	// USDT site; Addr is the same place as a virtual address of the
	// binary. Provider is a USDT probe's provider; Semaphore the file
	// offset of its semaphore (0 for none), which the kernel increments
	// while the probe is attached; USDTArgs locate the site's arguments.
	FileOffset uint64
	Addr       uint64
	Provider   string
	Semaphore  uint64
	USDTArgs   []USDTArg

	// Pin is where an iterator probe's link is pinned (iter:task:NAME,
	// probe_iter.go): an absolute path in the BPF file system, empty when
	// the iterator is read instead.
	Pin string
}

// ProbeKind describes one kind of probe to the checker: how its attach
// points are parsed and expanded and which probe-specific builtins it
// offers. The table below holds one entry per kind; code generation and
// the runtime keep their own per-kind tables keyed by Name.
type ProbeKind struct {
	Name    string
	Aliases []string
	// Expand parses the parts of an attach point after the kind name and
	// returns the concrete points it names.
	Expand func(c *checker, ap *AttachPoint, parts []string) ([]*ProbePoint, error)
	// NumArgs is how many argN builtins the kind has (0: none).
	NumArgs int
	// Retval is set when the kind has `retval`.
	Retval bool
	// Special kinds (BEGIN, END) run once from user space.
	Special bool
	// ProbeType is what the probetype builtin returns for the kind when
	// it is not Name ("special" for special kinds).
	ProbeType string
	// UserSpace kinds probe processes: their pointers are user addresses.
	UserSpace bool
	// ArgsType returns the type `args` points to for a point; nil when the
	// kind has no `args`. It is only called when a probe uses args.
	ArgsType func(c *checker, p *ProbePoint) (*Type, error)
	// List lists the probes of this kind whose names (after the kind)
	// match a glob, with their arguments when verbose (gtrace -l, -lv).
	List func(k Kernel, pattern string, verbose bool) ([]Listed, error)
	// ListUser lists the probes of a user-space kind in the binaries the
	// pattern names (uprobe:/bin/bash:read*); it stands in for List.
	ListUser func(b Binaries, pattern string, verbose bool) ([]Listed, error)
	// SharePoint reports whether two points of this kind can share one
	// program; nil means they can. USDT sites whose arguments live in
	// different places cannot.
	SharePoint func(a, b *ProbePoint) bool
	// ArgType, when set, types argN at a point (n < NumArgs), or says
	// why the point has no such argument: a USDT site has as many
	// arguments as its probe passes, each signed or not.
	ArgType func(p *ProbePoint, n int) (*Type, error)
}

// probeKinds is the table of every probe kind, by canonical name.
var probeKinds = make(map[string]*ProbeKind, 32)

// probeKindByName maps canonical names and aliases to kinds.
var probeKindByName = make(map[string]*ProbeKind, 64)

func registerProbeKind(k *ProbeKind) {
	probeKinds[k.Name] = k
	probeKindByName[k.Name] = k
	for _, a := range k.Aliases {
		probeKindByName[a] = k
	}
}

// LookupProbeKind returns the kind of the given canonical name or alias.
func LookupProbeKind(name string) (*ProbeKind, bool) {
	k, ok := probeKindByName[name]
	return k, ok
}

// ProbeKindNames lists canonical kind names and aliases, sorted; the REPL
// completes them.
func ProbeKindNames() []string {
	var out []string
	for n := range probeKindByName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// splitAttachPoint splits a raw attach point on colons outside quotes.
func splitAttachPoint(raw string) []string {
	var parts []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\\' && quoted && i+1 < len(raw):
			i++
			cur.WriteByte(raw[i])
		case c == ':' && !quoted:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String())
}

// expandAttachPoint resolves one raw attach point into concrete points.
func (c *checker) expandAttachPoint(ap *AttachPoint) ([]*ProbePoint, error) {
	raw := c.substituteParams(ap.Raw)
	if i := strings.IndexByte(raw, '='); i > 0 && !strings.ContainsAny(raw[:i], ":/\"") {
		// name=probe: the name is reserved for future use.
		raw = raw[i+1:]
	}
	parts := splitAttachPoint(raw)
	kind, ok := probeKindByName[parts[0]]
	if !ok {
		return nil, errorAt(ap.Span, "Invalid probe type: %s", parts[0])
	}
	points, err := kind.Expand(c, ap, parts[1:])
	if err != nil {
		return nil, err
	}
	for _, p := range points {
		p.Span = ap.Span
		if p.Kind == "" {
			p.Kind = kind.Name
		}
	}
	return points, nil
}

// substituteParams replaces the positional parameters $1, $2, ... in an
// attach point with their values (an unset one with nothing), as bpftrace
// does: i:ms:$1, BEG$1 with "IN".
func (c *checker) substituteParams(raw string) string {
	if !strings.Contains(raw, "$") {
		return raw
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		j := i + 1
		for j < len(raw) && raw[j] >= '0' && raw[j] <= '9' {
			j++
		}
		if raw[i] != '$' || j == i+1 {
			b.WriteByte(raw[i])
			continue
		}
		if n, err := strconv.Atoi(raw[i+1 : j]); err == nil && n >= 1 && n <= len(c.opts.Params) {
			b.WriteString(c.opts.Params[n-1])
		}
		i = j - 1
	}
	return b.String()
}

// wrongArgCount is the error bpftrace gives for a malformed attach point.
func wrongArgCount(ap *AttachPoint, kind string, n int) error {
	plural := "s"
	if n == 1 {
		plural = ""
	}
	return errorAt(ap.Span, "%s probe type requires %d argument%s", kind, n, plural)
}

// hasWildcard reports whether an attach point part holds a glob.
func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?[") }

// parseCount parses the numeric part of a timed attach point.
func parseCount(ap *AttachPoint, s string) (uint64, error) {
	v, err := parseIntLiteral(s)
	if err != nil || v == 0 {
		return 0, errorAt(ap.Span, "invalid rate or count %q in %s", s, ap.Raw)
	}
	return v, nil
}

func init() {
	registerProbeKind(&ProbeKind{Name: "BEGIN", Aliases: []string{"begin"}, Special: true, Expand: expandSpecial("BEGIN")})
	registerProbeKind(&ProbeKind{Name: "END", Aliases: []string{"end"}, Special: true, Expand: expandSpecial("END")})
}

func expandSpecial(name string) func(*checker, *AttachPoint, []string) ([]*ProbePoint, error) {
	return func(c *checker, ap *AttachPoint, parts []string) ([]*ProbePoint, error) {
		if len(parts) != 0 {
			return nil, errorAt(ap.Span, "%s probe type takes no arguments", name)
		}
		return []*ProbePoint{{Kind: name, Name: name}}, nil
	}
}

// String returns the canonical name.
func (p *ProbePoint) String() string { return p.Name }

// formatPointName joins a kind and parts into a canonical probe name.
func formatPointName(kind string, parts ...string) string {
	return fmt.Sprintf("%s:%s", kind, strings.Join(parts, ":"))
}
