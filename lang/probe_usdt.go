package lang

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gtrace/gtrace/btf"
)

// USDT probes: usdt:binary:[provider:]name, the static markers that
// sys/sdt.h (DTRACE_PROBEn, STAP_PROBEn) compiles into a program. Each
// site of a probe is a point of its own: the arguments may live in other
// registers at each site. With a traced process (-p) the binary may be
// left out or be a wildcard: every file the process maps.

func init() {
	registerProbeKind(&ProbeKind{Name: "usdt", Aliases: []string{"U"}, NumArgs: maxUSDTArgs, UserSpace: true,
		Expand: expandUSDT, ListUser: listUSDT, SharePoint: sameUSDTArgs, ArgType: usdtArgType})
}

// maxUSDTArgs is the most arguments sys/sdt.h lets a probe have.
const maxUSDTArgs = 12

func expandUSDT(c *checker, ap *AttachPoint, parts []string) ([]*ProbePoint, error) {
	_, _, traced := c.binaries().Process()
	if traced && len(parts) == 1 {
		parts = append([]string{"*"}, parts...)
	}
	var target, provider, name string
	switch len(parts) {
	case 2:
		target, provider, name = parts[0], "*", parts[1]
	case 3:
		target, provider, name = parts[0], parts[1], parts[2]
	default:
		return nil, wrongArgCount(ap, "usdt", 2)
	}
	if name == "" {
		return nil, errorAt(ap.Span, "usdt probe must have a target function or wildcard")
	}
	paths, err := usdtPaths(c.binaries(), target)
	if err != nil {
		return nil, errorAt(ap.Span, "%v", err)
	}
	var out []*ProbePoint
	for _, path := range paths {
		probes, err := c.binaries().USDTProbes(path)
		if err != nil {
			if traced && hasWildcard(target) {
				continue // a mapped file that is not ELF
			}
			return nil, errorAt(ap.Span, "usdt: %v", err)
		}
		for _, p := range probes {
			if !btf.MatchGlob(provider, p.Provider) || !btf.MatchGlob(name, p.Name) {
				continue
			}
			out = append(out, &ProbePoint{
				Name:       formatPointName("usdt", path, p.Provider, p.Name),
				Target:     path,
				Func:       p.Name,
				Provider:   p.Provider,
				FileOffset: p.Offset,
				Addr:       p.Addr,
				Semaphore:  p.Semaphore,
				USDTArgs:   p.Args,
			})
		}
	}
	if len(out) == 0 {
		spec := name
		if len(parts) == 3 {
			spec = provider + ":" + name
		}
		return nil, errorAt(ap.Span, "No USDT probes in %s match %s", target, spec)
	}
	return out, nil
}

// usdtPaths finds the files a USDT target names: with a traced process,
// a wildcard matches the files it maps.
func usdtPaths(b Binaries, target string) ([]string, error) {
	if _, mapped, traced := b.Process(); traced && hasWildcard(target) {
		var paths []string
		for _, m := range mapped {
			if btf.MatchGlob(target, m) {
				paths = append(paths, m)
			}
		}
		return paths, nil
	}
	return resolveTarget(b, "usdt", target)
}

// sameUSDTArgs reports whether two USDT sites find their arguments in
// the same places, so that one program serves both.
func sameUSDTArgs(a, b *ProbePoint) bool {
	if len(a.USDTArgs) != len(b.USDTArgs) {
		return false
	}
	for i, x := range a.USDTArgs {
		y := b.USDTArgs[i]
		x.Spec, y.Spec = "", ""
		if x != y {
			return false
		}
	}
	return true
}

// usdtArgType types argN of a USDT site: a 64-bit integer, signed when
// the site passes a signed value.
func usdtArgType(p *ProbePoint, n int) (*Type, error) {
	if n >= len(p.USDTArgs) {
		return nil, fmt.Errorf("couldn't get argument %d for %s: the probe has %d", n, p.Name, len(p.USDTArgs))
	}
	return IntType(64, p.USDTArgs[n].Signed), nil
}

// listUSDT lists USDT probes: the pattern is binary:[provider:]name, or
// [provider:]name alone with a traced process.
func listUSDT(b Binaries, pattern string, _ bool) ([]Listed, error) {
	parts := strings.Split(pattern, ":")
	_, _, traced := b.Process()
	var target, provider, name string
	switch {
	case len(parts) == 1 && traced:
		target, provider, name = "*", "*", parts[0]
	case len(parts) == 2:
		target, provider, name = parts[0], "*", parts[1]
	case len(parts) == 3:
		target, provider, name = parts[0], parts[1], parts[2]
	case len(parts) == 1:
		target, provider, name = parts[0], "*", "*"
	default:
		return nil, fmt.Errorf("invalid usdt pattern %q: want usdt:binary:[provider:]name", pattern)
	}
	if name == "" {
		name = "*"
	}
	paths, err := usdtPaths(b, target)
	if err != nil {
		return nil, err
	}
	var out []Listed
	seen := map[string]bool{}
	for _, path := range paths {
		probes, err := b.USDTProbes(path)
		if err != nil {
			continue
		}
		for _, p := range probes {
			full := formatPointName("usdt", path, p.Provider, p.Name)
			if seen[full] || !btf.MatchGlob(provider, p.Provider) || !btf.MatchGlob(name, p.Name) {
				continue
			}
			seen[full] = true
			out = append(out, Listed{Name: full})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
