package lang

import (
	"sort"
	"strings"
)

// ListProgram lists the probes a parsed program attaches to, as the
// newest bpftrace's -l does with a program (bpftrace -l -e 'PROGRAM',
// bpftrace -l FILE): every attach point is expanded as Check expands it
// (wildcards, missing_probes, positional parameters) and each probe it
// names is listed in the form a pattern listing prints it, with its
// arguments when verbose. Nothing is loaded and the probe bodies are not
// type-checked; imports must have been resolved (ResolveImports).
//
// As in bpftrace, probes are listed in the program's order, each attach
// point's expanded, and a probe named twice is listed twice; BEGIN, END
// and self probes, which attach to nothing, are left out; so are
// watchpoints, which bpftrace cannot list either. Timed and perf-event
// probes are listed as a pattern listing names them, without their rate
// or count (profile:hz:99 is "profile:hz:"); test:NAME and bench:NAME as
// "test:NAME:" and "bench:NAME:" (bpftrace writes "benchmark:NAME:",
// which is no probe type).
//
// Errors point at the program: a bad attach point, one that matches
// nothing (unless missing_probes says otherwise), a bad config block,
// macro or C definition.
func ListProgram(prog *Program, opts CheckOptions, verbose bool) ([]Listed, error) {
	c := newChecker(prog, opts)
	if err := c.config(); err != nil {
		return nil, err
	}
	if err := expandMacros(prog); err != nil {
		return nil, err
	}
	c.strDefines = map[string]string{}
	c.cdefs()
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	var errs ErrorList
	var out []Listed
	for _, it := range prog.Items {
		p, ok := it.(*Probe)
		if !ok {
			continue
		}
		for _, ap := range p.Attach {
			points, err := c.expandAttachPoint(ap)
			if err != nil {
				c.missingPoint(&errs, asError(err, ap.Span))
				continue
			}
			for _, pt := range points {
				if l, ok := c.listPoint(pt, verbose); ok {
					out = append(out, l)
				}
			}
		}
	}
	if err := errs.Err(); err != nil {
		// With the errors, the warnings (missing probes skipped), in
		// source order as Check reports them.
		all := append(c.errs, errs...)
		sort.SliceStable(all, func(i, j int) bool { return all[i].Pos.Offset < all[j].Pos.Offset })
		return nil, dedupe(all).Err()
	}
	return out, nil
}

// listPoint lists one expanded probe point; ok is false for a point that
// is not listed.
func (c *checker) listPoint(p *ProbePoint, verbose bool) (Listed, bool) {
	kind := probeKinds[p.Kind]
	if kind == nil || kind.Special || kind.ProbeType == "special" {
		return Listed{}, false
	}
	name := p.Name
	if f, ok := pointListings[p.Kind]; ok {
		if name, ok = f(p); !ok {
			return Listed{}, false
		}
	}
	l := Listed{Name: name}
	if verbose && p.Kind == "uprobe" {
		// The parameters, from the binary's DWARF.
		l.Args, l.Warning = listParams(c.binaries(), p.Target, p.Func)
	}
	if verbose && kind.List != nil {
		// The arguments, as the pattern listing finds them for this
		// one name.
		found, err := kind.List(c.kernel(), strings.TrimPrefix(name, kind.Name+":"), true)
		if err == nil {
			for _, f := range found {
				if f.Name == name {
					l.Args = f.Args
					break
				}
			}
		}
	}
	return l, true
}

// pointListings name the points of the kinds whose listed name is not
// their canonical name (ProbePoint.Name); false leaves a point out.
var pointListings = map[string]func(p *ProbePoint) (string, bool){
	"interval": timerListing, "profile": timerListing,
	"software": perfListing, "hardware": perfListing,
	"kprobe": kprobeListing, "kretprobe": kprobeListing,
	"rawtracepoint": funcListing, "fentry": funcListing, "fexit": funcListing,
	"uprobe": uprobeListing, "uretprobe": uprobeListing,
	"test": namedListing, "bench": namedListing,
	"watchpoint": func(*ProbePoint) (string, bool) { return "", false },
}

// timerListing names interval and profile points by their unit, as
// listing them does: interval:s:1 is "interval:s:". The nanosecond form
// (interval:1000000) is "interval:us:", as bpftrace reads it in
// microseconds.
func timerListing(p *ProbePoint) (string, bool) {
	unit := p.Unit
	if unit == "ns" && strings.Count(p.Name, ":") == 1 {
		unit = "us"
	}
	return p.Kind + ":" + unit + ":", true
}

// perfListing names software and hardware points by their event, as
// written (software:cpu-clock:1000 is "software:cpu-clock:", software:cpu
// "software:cpu:").
func perfListing(p *ProbePoint) (string, bool) {
	return p.Kind + ":" + p.Func + ":", true
}

// kprobeListing leaves out a kprobe's offset: kprobe:vfs_read+16 is
// "kprobe:vfs_read".
func kprobeListing(p *ProbePoint) (string, bool) {
	name := p.Name
	if p.Offset != 0 {
		if i := strings.LastIndexByte(name, '+'); i > 0 {
			name = name[:i]
		}
	}
	return name, true
}

// funcListing names raw tracepoints, fentry and fexit points by their
// function alone, as listing them does.
func funcListing(p *ProbePoint) (string, bool) {
	return p.Kind + ":" + p.Func, true
}

// uprobeListing names a uprobe by its binary and function, without an
// offset or address: uprobe:/bin/bash:readline+4 is
// "uprobe:/bin/bash:readline".
func uprobeListing(p *ProbePoint) (string, bool) {
	return p.Kind + ":" + p.Target + ":" + p.Func, true
}

// namedListing names test and bench probes as bpftrace does.
func namedListing(p *ProbePoint) (string, bool) {
	return p.Kind + ":" + p.Target + ":", true
}
