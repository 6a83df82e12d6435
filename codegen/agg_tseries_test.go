package codegen

import (
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/lang"
)

// tseriesVerifierScripts use tseries() with and without keys, with every
// aggregation function, signed and unsigned values of several widths;
// each must pass the kernel's verifier as generated.
var tseriesVerifierScripts = []string{
	`BEGIN { @ = tseries(5, 1s, 10); @k[comm, pid] = tseries(-1, 100ms, 20); }`,
	`BEGIN { @a = tseries(pid, 10ms, 5, "avg"); @b = tseries((int8)-3, 10ms, 5, "max"); @c[1] = tseries(nsecs, 1us, 1000000, "min"); @d[comm] = tseries((uint16)7, 3ns, 7, "sum"); }`,
	`BEGIN { @ = tseries(1, 1s, 1); print(@); clear(@); zero(@); @k[1] = tseries(pid > 1, 10s, 3, "max"); delete(@k[1]); print(@k); }`,
	`interval:ms:10 { @ = tseries(rand % 10, 100ms, 20, "min"); @p[cpu] = tseries(1, 10ms, 2); }`,
	`tracepoint:syscalls:sys_enter_read { @bytes[comm] = tseries(args->count, 1s, 60, "sum"); @last = tseries(args->fd, 1s, 60); }`,
	`BEGIN { $i = 0; while ($i < 500) { @s = tseries($i, 1ms, 100, "sum"); @m[$i % 4] = tseries($i, 1ms, 100, "max"); $i++; } }`,
	// In loop callbacks (bpf_loop).
	`BEGIN { @x[1] = 2; for ($kv : @x) { @t[$kv.0] = tseries($kv.1, 1s, 5, "avg"); } for ($i : 0..10) { @r = tseries($i, 1ms, 3, "min"); } }`,
}

func TestTSeriesVerifierAccepts(t *testing.T) {
	verify(t, tseriesVerifierScripts, lang.CheckOptions{})
}

// TestTSeriesMaps checks the layout of tseries maps: a per-CPU hash keyed
// on the user key and a u64 slot, each value one 24-byte interval.
func TestTSeriesMaps(t *testing.T) {
	src := `BEGIN { @ = tseries(5, 1s, 10); @k[comm, pid] = tseries(-1, 100ms, 20, "avg"); }`
	prog, err := lang.Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := lang.Check(prog, lang.CheckOptions{Config: lang.DefaultConfig()}); err != nil {
		t.Fatal(err)
	}
	obj, err := Compile(prog, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		keySize   uint32
		userKey   int
		intervals int64
	}{{"@", 8, 0, 10}, {"@k", 32, 24, 20}} {
		m := obj.Map(c.name)
		if m == nil {
			t.Fatalf("no map %s", c.name)
		}
		if m.Layout != LayoutTSeries || m.Spec.Type != ebpf.PerCPUHash || m.Spec.KeySize != c.keySize ||
			m.Spec.ValueSize != 24 || m.KeySize != c.userKey || m.Spec.MaxEntries != 4096 {
			t.Errorf("%s: layout %v, spec %+v, user key %d", c.name, m.Layout, m.Spec, m.KeySize)
		}
		if m.Info.TSeries == nil || m.Info.TSeries.Intervals != c.intervals {
			t.Errorf("%s: tseries arguments %+v", c.name, m.Info.TSeries)
		}
	}
}
