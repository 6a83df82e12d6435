package lang

import (
	"strings"
	"testing"
)

// checkScript parses and checks src with the default configuration. It
// returns the program (nil when src does not parse) and the diagnostics,
// "" when there are none.
func checkScript(t *testing.T, src string) (*Program, string) {
	t.Helper()
	prog, err := Parse("", src)
	if err != nil {
		t.Errorf("Parse(%q): %v", src, err)
		return nil, ""
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
		return prog, err.Error()
	}
	return prog, ""
}

// TestTSeriesErrors checks tseries()'s diagnostics: the newest bpftrace's
// wording (bpftrace 0.17 has no tseries), at the call.
func TestTSeriesErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{`BEGIN { @ = tseries(5, 10000000000); }`, `stdin:1:13-36: tseries() requires at least 3 arguments (2 provided)`},
		{`BEGIN { @ = tseries(5); }`, `stdin:1:13-23: tseries() requires at least 3 arguments (1 provided)`},
		{`BEGIN { @ = tseries(); }`, `stdin:1:13-22: tseries() requires at least 3 arguments (0 provided)`},
		{`BEGIN { @ = tseries(5, 10000000000, 1, 10, 10); }`, `stdin:1:13-47: tseries() takes up to 4 arguments (5 provided)`},
		{`BEGIN { @ = tseries(1, 10000000000, 5, "stats"); }`, `stdin:1:13-48: tseries() expects one of the following aggregation functions: avg, max, min, sum ("stats" provided)`},
		{`BEGIN { @ = tseries(1, 0, 10); }`, `stdin:1:13-30: tseries() interval_ns must be >= 1 (0 provided)`},
		{`BEGIN { @ = tseries(1, -1, 10); }`, `stdin:1:13-31: tseries: invalid interval_ns value (must be non-negative literal)`},
		{`BEGIN { @ = tseries(1, pid, 10); }`, `stdin:1:13-32: tseries: invalid interval_ns value (must be non-negative literal)`},
		{`BEGIN { @ = tseries(1, "1ms", 10); }`, `stdin:1:13-34: tseries: invalid interval_ns value (must be non-negative literal)`},
		{`BEGIN { @ = tseries(1, 10000000000, 0); }`, `stdin:1:13-39: tseries() num_intervals must be >= 1 (0 provided)`},
		{`BEGIN { @ = tseries(1, 10000000000, -1); }`, `stdin:1:13-40: tseries: invalid num_intervals value (must be non-negative literal)`},
		{`BEGIN { @ = tseries(1, 0, $x); }`, `stdin:1:27-29: Undefined or undeclared variable: $x`},
		{`BEGIN { @ = tseries(1, 0, pid); }`, `stdin:1:13-31: tseries: invalid num_intervals value (must be non-negative literal)`},
		{`BEGIN { @ = tseries(1, 10000000000, 1000001); }`, `stdin:1:13-45: tseries() num_intervals must be < 1000000 (1000001 provided)`},
		{`BEGIN { @ = tseries(1, 1s, 1000001, "foo"); }`, "stdin:1:13-43: tseries() num_intervals must be < 1000000 (1000001 provided)\n" +
			`stdin:1:13-43: tseries() expects one of the following aggregation functions: avg, max, min, sum ("foo" provided)`},
		{`BEGIN { @ = tseries("a", 10s, 1); }`, `stdin:1:13-33: tseries() only supports integer arguments (string provided)`},
		{`BEGIN { @ = tseries(1, 10s, 1, 5); }`, `stdin:1:13-34: tseries() expects a string literal (integer provided)`},
		{`BEGIN { @ = tseries(10, 10s, 1); @ = tseries(10, 10s, 2); }`, `stdin:1:38-57: Different tseries bounds in a single map unsupported`},
		{`BEGIN { @ = tseries(10, 10s, 1); @ = tseries(10, 10s, 1, "max"); }`, `stdin:1:38-64: Different tseries bounds in a single map unsupported`},
		{`BEGIN { tseries(5, 10s, 1); }`, `stdin:1:9-27: tseries() must be assigned directly to a map`},
		{`BEGIN { $x = tseries(); }`, `stdin:1:14-23: tseries() must be assigned directly to a map`},
		{`BEGIN { @[tseries()] = 1; }`, `stdin:1:11-20: tseries() must be assigned directly to a map`},
		{`BEGIN { if(tseries()) { 123 } }`, `stdin:1:12-21: tseries() must be assigned directly to a map`},
		{`BEGIN { tseries() ? 0 : 1; }`, `stdin:1:9-18: tseries() must be assigned directly to a map`},
		// A series is not a number: it is printed, cleared or zeroed whole.
		{`BEGIN { @map[0] = tseries(10, 10s, 10); for ($kv : @map) { } }`, `stdin:1:52-56: Loop expression does not support type: tseries_t`},
		{`BEGIN { @x = tseries(10, 1s, 10); @y[@x] = 1; }`, `stdin:1:38-40: The map @x of type tseries cannot be read`},
		{`BEGIN { @a = tseries(10, 10s, 1); $b = @a; }`, `stdin:1:40-42: The map @a of type tseries cannot be read`},
		{`BEGIN { @a = tseries(10, 10s, 1); @b = @a; }`, `stdin:1:40-42: The map @a of type tseries cannot be read`},
		{`BEGIN { @a[1] = tseries(1, 1s, 1); print(@a[1]); }`, `stdin:1:42-47: The map @a of type tseries cannot be read`},
		{`BEGIN { @a[1] = tseries(1, 1s, 1); $x = has_key(@a, 1); }`, `stdin:1:41-55: has_key() does not support tseries() maps`},
		{`BEGIN { @a = tseries(1, 1s, 1); @a = 1; }`, `stdin:1:38: Type mismatch for @a: trying to assign value of type 'int64' when map already contains a value of type 'tseries'`},
	}
	for _, c := range cases {
		if prog, got := checkScript(t, c.src); prog != nil && got != c.want {
			t.Errorf("Check(%q):\n got %q\nwant %q", c.src, got, c.want)
		}
	}
}

// TestTSeriesAccepted checks tseries()'s accepted forms and the arguments
// each records for its map.
func TestTSeriesAccepted(t *testing.T) {
	cases := []struct {
		src    string
		want   TSeriesArgs
		signed bool
	}{
		{`BEGIN { @ = tseries(5, 10000000000, 1); }`, TSeriesArgs{10000000000, 1, TSeriesLast}, true},
		{`BEGIN { @ = tseries(-5, 10s, 1); }`, TSeriesArgs{10000000000, 1, TSeriesLast}, true},
		{`BEGIN { @ = tseries(1, 10ns, 5); }`, TSeriesArgs{10, 5, TSeriesLast}, true},
		{`BEGIN { @ = tseries(1, 10us, 5); }`, TSeriesArgs{10000, 5, TSeriesLast}, true},
		{`BEGIN { @ = tseries(1, 10ms, 5); }`, TSeriesArgs{10000000, 5, TSeriesLast}, true},
		{`BEGIN { @ = tseries(1, 1_000, 1000000); }`, TSeriesArgs{1000, 1000000, TSeriesLast}, true},
		{`BEGIN { @ = tseries(1, 1s, 5, "avg"); }`, TSeriesArgs{1e9, 5, TSeriesAvg}, true},
		{`BEGIN { @ = tseries(1, 1s, 5, "max"); }`, TSeriesArgs{1e9, 5, TSeriesMax}, true},
		{`BEGIN { @ = tseries(1, 1s, 5, "min"); }`, TSeriesArgs{1e9, 5, TSeriesMin}, true},
		{`BEGIN { @ = tseries(1, 1s, 5, "sum"); }`, TSeriesArgs{1e9, 5, TSeriesSum}, true},
		{`BEGIN { @ = tseries((uint32)pid, 100ms, 20, "min"); @ = tseries(pid, 100ms, 20, "min"); }`, TSeriesArgs{1e8, 20, TSeriesMin}, false},
		{`BEGIN { @[comm, pid] = tseries(pid > 1, 2 * 1s, 4); }`, TSeriesArgs{2e9, 4, TSeriesLast}, false},
		{`BEGIN { @ = tseries(1, 1s, 5); print(@); clear(@); zero(@); }`, TSeriesArgs{1e9, 5, TSeriesLast}, true},
	}
	for _, c := range cases {
		prog, errs := checkScript(t, c.src)
		if prog == nil || errs != "" {
			t.Errorf("Check(%q): %s", c.src, errs)
			continue
		}
		var info *MapInfo
		for _, m := range prog.Maps {
			info = m
		}
		if info == nil || info.TSeries == nil {
			t.Errorf("Check(%q): no tseries arguments recorded", c.src)
			continue
		}
		if *info.TSeries != c.want {
			t.Errorf("Check(%q): arguments %+v, want %+v", c.src, *info.TSeries, c.want)
		}
		v := info.Value
		if v.Kind != KindAgg || v.Agg != AggTSeries || v.AggSigned != c.signed || v.Size != TSeriesValueSize {
			t.Errorf("Check(%q): value type %+v", c.src, v)
		}
		if v.String() != "tseries" {
			t.Errorf("Check(%q): value type spelled %q", c.src, v)
		}
	}
}

// TestTSeriesUnstable checks unstable_tseries: by default one warning at
// the first call, none when enabled, an error at each call when refused.
func TestTSeriesUnstable(t *testing.T) {
	cases := []struct {
		src, warnings, errors string
	}{
		{`BEGIN { @ = tseries(1, 1s, 2); } END { @k[1] = tseries(1, 1s, 2); }`, "stdin:1:13-30: Script is using an unstable feature: tseries. To prevent this warning you must explicitly enable it in the config e.g. unstable_tseries=enable", ""},
		{`config = { unstable_tseries = enable } BEGIN { @ = tseries(1, 1s, 2); }`, "", ""},
		{`config = { unstable_tseries = 1 } BEGIN { @ = tseries(1, 1s, 2); }`, "", ""},
		{`config = { unstable_tseries = warn } BEGIN { @ = tseries(1, 1s, 2); }`, "stdin:1:50-67: Script is using an unstable feature: tseries. To prevent this warning you must explicitly enable it in the config e.g. unstable_tseries=enable", ""},
		{`config = { unstable_tseries = error } BEGIN { @ = tseries(1, 1s, 2); @ = tseries(1, 1s, 2); }`, "",
			"stdin:1:51-68: tseries feature is not enabled by default. To enable this unstable feature, set the config flag to enable. unstable_tseries=enable\n" +
				"stdin:1:74-91: tseries feature is not enabled by default. To enable this unstable feature, set the config flag to enable. unstable_tseries=enable"},
		{`config = { unstable_tseries = off } BEGIN { @ = tseries(1, 1s, 2); }`, "", "stdin:1:49-66: tseries feature is not enabled by default. To enable this unstable feature, set the config flag to enable. unstable_tseries=enable"},
		{`config = { unstable_tseries = maybe } BEGIN { @ = tseries(1, 1s, 2); }`, "", `stdin:1:12-36: unstable_tseries expects enable, warn or error, got "maybe"`},
	}
	for _, c := range cases {
		prog, gotErr := checkScript(t, c.src)
		if prog == nil {
			continue
		}
		var warnings []string
		for _, w := range prog.Warnings {
			warnings = append(warnings, w.Error())
		}
		if got := strings.Join(warnings, "\n"); got != c.warnings || gotErr != c.errors {
			t.Errorf("Check(%q):\n warnings %q\n errors %q\nwant %q\n and %q", c.src, got, gotErr, c.warnings, c.errors)
		}
	}
}
