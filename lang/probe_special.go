package lang

import (
	"strings"

	"github.com/gtrace/gtrace/btf"
)

// The newest bpftrace's special probes that run from user space, besides
// BEGIN and END:
//
//   - test:NAME runs once per test run (gtrace --test); a non-zero return
//     value, an errorf() or exit() with a non-zero code fails the test.
//   - bench:NAME runs many times per benchmark run (gtrace --bench), which
//     measures the average time of one run.
//   - self:signal:SIGUSR1 runs each time gtrace receives the signal.
//
// Outside their mode, test and bench probes are compiled but never run.

// SelfSignals are the signals self:signal probes may name, as in bpftrace.
var SelfSignals = []string{"SIGUSR1"}

func init() {
	registerProbeKind(&ProbeKind{Name: "test", Aliases: []string{"TEST"}, Expand: expandNamed("test")})
	registerProbeKind(&ProbeKind{Name: "bench", Aliases: []string{"BENCH"}, ProbeType: "benchmark", Expand: expandNamed("bench")})
	registerProbeKind(&ProbeKind{Name: "self", ProbeType: "special", Expand: expandSelf, List: listSelf})
}

// expandNamed parses test:NAME and bench:NAME.
func expandNamed(kind string) func(*checker, *AttachPoint, []string) ([]*ProbePoint, error) {
	return func(c *checker, ap *AttachPoint, parts []string) ([]*ProbePoint, error) {
		if len(parts) != 1 {
			return nil, wrongArgCount(ap, kind, 1)
		}
		if parts[0] == "" {
			return nil, errorAt(ap.Span, "%s probes must have a name", kind)
		}
		return []*ProbePoint{{Name: formatPointName(kind, parts[0]), Target: parts[0]}}, nil
	}
}

// expandSelf parses self:signal:SIGNAL.
func expandSelf(c *checker, ap *AttachPoint, parts []string) ([]*ProbePoint, error) {
	if len(parts) != 2 {
		return nil, wrongArgCount(ap, "self", 2)
	}
	if parts[0] != "signal" {
		return nil, errorAt(ap.Span, "%s is not a supported trigger", parts[0])
	}
	for _, s := range SelfSignals {
		if parts[1] == s {
			return []*ProbePoint{{Name: formatPointName("self", parts...), Target: parts[0], Func: parts[1]}}, nil
		}
	}
	return nil, errorAt(ap.Span, "%s is not a supported signal", parts[1])
}

// listSelf lists the self probes (gtrace -l 'self:*'), as bpftrace does.
func listSelf(_ Kernel, pattern string, _ bool) ([]Listed, error) {
	if pattern == "" {
		pattern = "*"
	}
	var out []Listed
	for _, s := range SelfSignals {
		if btf.MatchGlob(pattern, "signal:"+s) {
			out = append(out, Listed{Name: "self:signal:" + s})
		}
	}
	return out, nil
}

// duplicateNames reports test and bench probes that share a name, as
// bpftrace does: at the second use, then at the first.
func (c *checker) duplicateNames() ErrorList {
	var errs ErrorList
	seen := map[string]*ProbePoint{}
	for _, p := range c.prog.Probes {
		for _, pt := range p.Points {
			if pt.Kind != "test" && pt.Kind != "bench" {
				continue
			}
			key := pt.Kind + ":" + pt.Target
			first, ok := seen[key]
			if !ok {
				seen[key] = pt
				continue
			}
			errs = append(errs,
				errorAt(pt.Span, "\"%s\" was used as the name for more than one %s probe", pt.Target, strings.ToUpper(pt.Kind)),
				errorAt(first.Span, "this is the other instance"))
		}
	}
	return errs
}
