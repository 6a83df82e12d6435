package lang

// Timed probes: interval (one CPU) and profile (every CPU), both driven by
// the cpu-clock perf event.

func init() {
	registerProbeKind(&ProbeKind{Name: "interval", Aliases: []string{"i"}, Expand: expandTimer("interval"), List: listTimer("interval")})
	registerProbeKind(&ProbeKind{Name: "profile", Aliases: []string{"p"}, Expand: expandTimer("profile"), List: listTimer("profile")})
}

// listTimer lists a timed kind's units as the newest bpftrace does
// (interval:hz:, interval:ms:, ...); bpftrace lists no ns.
func listTimer(kind string) func(Kernel, string, bool) ([]Listed, error) {
	return func(_ Kernel, pattern string, _ bool) ([]Listed, error) {
		if pattern == "" {
			pattern = "*"
		}
		var out []Listed
		for _, unit := range []string{"hz", "ms", "s", "us"} {
			if matchListPattern(pattern, unit) {
				out = append(out, Listed{Name: kind + ":" + unit + ":"})
			}
		}
		return out, nil
	}
}

var timerUnits = map[string]bool{"s": true, "ms": true, "us": true, "hz": true, "ns": true}

func expandTimer(kind string) func(*checker, *AttachPoint, []string) ([]*ProbePoint, error) {
	return func(c *checker, ap *AttachPoint, parts []string) ([]*ProbePoint, error) {
		p := &ProbePoint{Name: formatPointName(kind, parts...)}
		switch len(parts) {
		case 1:
			// interval:1s, interval:500ms or interval:1000000 (nanoseconds).
			ns, err := parseCount(ap, parts[0])
			if err != nil {
				return nil, err
			}
			p.Unit, p.Count = "ns", ns
		case 2:
			if !timerUnits[parts[0]] {
				return nil, errorAt(ap.Span, "%s: invalid time unit '%s' (expected s, ms, us, ns or hz)", kind, parts[0])
			}
			n, err := parseCount(ap, parts[1])
			if err != nil {
				return nil, err
			}
			p.Unit, p.Count = parts[0], n
		default:
			return nil, wrongArgCount(ap, kind, 2)
		}
		return []*ProbePoint{p}, nil
	}
}

// PeriodNanos returns the period of a timed probe in nanoseconds, or 0
// when it is given as a frequency.
func (p *ProbePoint) PeriodNanos() uint64 {
	switch p.Unit {
	case "s":
		return p.Count * 1e9
	case "ms":
		return p.Count * 1e6
	case "us":
		return p.Count * 1e3
	case "ns":
		return p.Count
	}
	return 0
}
