package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/internal/e2e"
)

// End-to-end tests of tseries() on the real clock, whose output differs
// on every run; spec/cases/lang_agg_tseries*.txtar cover exact output
// with a clock the script controls.

// taiNow reads CLOCK_TAI, the clock tseries() buckets by.
func taiNow(t *testing.T) time.Time {
	t.Helper()
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_TAI, &ts); err != nil {
		t.Fatal(err)
	}
	return time.Unix(ts.Unix()).UTC()
}

// chart is a tseries chart parsed from text output.
type chart struct {
	name   string
	times  []time.Time
	values []string // "-" for an interval without a value
}

var (
	chartBounds = regexp.MustCompile(`^ +(-?\d+) +(-?\d+)$`)
	chartRow    = regexp.MustCompile(`^(\d\d:\d\d:\d\d\.\d{3}) ([|*.][ .*]{51}[|*.]) (-?\d+|-)$`)
	chartBottom = regexp.MustCompile(`^ +v_{51}v$`)
)

// parseCharts splits text output into charts, checking each one's frame:
// the bounds line above and below, the hh:mm:ss.ms header, rows with the
// '*' in the plot area and the footer. day is the date of the times.
func parseCharts(t *testing.T, out string, day time.Time) []chart {
	t.Helper()
	var charts []chart
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		name, ok := strings.CutSuffix(lines[i], ":")
		if !ok || !strings.HasPrefix(name, "@") {
			continue
		}
		c := chart{name: name}
		if i+2 >= len(lines) || !chartBounds.MatchString(lines[i+1]) || lines[i+2] != "hh:mm:ss.ms  |"+strings.Repeat("_", 51)+"|" {
			t.Fatalf("%s: bad chart header:\n%s", name, out)
		}
		bounds := lines[i+1]
		i += 3
		for ; i < len(lines) && chartRow.MatchString(lines[i]); i++ {
			m := chartRow.FindStringSubmatch(lines[i])
			at, err := time.ParseInLocation("15:04:05.000", m[1], time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			at = at.AddDate(day.Year(), int(day.Month())-1, day.Day()-1)
			c.times = append(c.times, at)
			c.values = append(c.values, m[3])
			if (m[3] == "-") != !strings.Contains(m[2], "*") {
				t.Errorf("%s: row %q", name, lines[i])
			}
		}
		if i+1 >= len(lines) || !chartBottom.MatchString(lines[i]) || lines[i+1] != bounds || lines[i+2] != "" {
			t.Fatalf("%s: bad chart footer:\n%s", name, out)
		}
		charts = append(charts, c)
	}
	return charts
}

// TestTSeriesClock runs tseries() on the real clock: the rows are
// consecutive intervals, in time order, within the run (times are TAI,
// printed in the local time zone: UTC here), and each holds what its
// interval recorded.
func TestTSeriesClock(t *testing.T) {
	script := `interval:ms:10 { @ = tseries(1, 100ms, 10, "sum"); @k[1] = tseries(2, 50ms, 3); @k[2] = tseries(3, 50ms, 3); }
interval:ms:450 { exit(); }`
	before := taiNow(t)
	res := gtraceRun(t, e2e.Run{Args: []string{"-e", script}, Env: []string{"TZ=UTC"}})
	after := taiNow(t)
	if res.ExitCode != 0 || !strings.HasPrefix(res.Stdout, "Attaching 2 probes...\n\n\n") {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	charts := parseCharts(t, res.Stdout, before)
	if len(charts) != 3 || charts[0].name != "@" || charts[1].name != "@k[1]" || charts[2].name != "@k[2]" {
		t.Fatalf("charts %+v in:\n%s", charts, res.Stdout)
	}
	for i, c := range charts {
		step, most, want := 50*time.Millisecond, 3, "2"
		switch i {
		case 0:
			step, most, want = 100*time.Millisecond, 10, ""
		case 2:
			want = "3"
		}
		if len(c.times) < 2 || len(c.times) > most {
			t.Errorf("%s: %d rows, want 2 to %d:\n%s", c.name, len(c.times), most, res.Stdout)
			continue
		}
		if c.times[0].Before(before.Truncate(step)) || c.times[len(c.times)-1].After(after) {
			t.Errorf("%s: rows from %v to %v, run from %v to %v", c.name, c.times[0], c.times[len(c.times)-1], before, after)
		}
		for j, at := range c.times {
			if at.Truncate(step) != at || (j > 0 && at.Sub(c.times[j-1]) != step) {
				t.Errorf("%s: row %d at %v", c.name, j, at)
			}
			v := c.values[j]
			switch {
			case want != "" && v != want && v != "-":
				t.Errorf("%s: row %d value %s, want %s", c.name, j, v, want)
			case want == "":
				// 10ms ticks summed over 100ms.
				if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 12 {
					t.Errorf("%s: row %d value %s", c.name, j, v)
				}
			}
		}
	}
}

// TestTSeriesPerCPU checks the merging of CPUs, with every CPU kept
// busy: an interval's sum adds every CPU's share of it, its max is the
// largest CPU's value.
func TestTSeriesPerCPU(t *testing.T) {
	script := `profile:hz:499 { @sum = tseries(1, 200ms, 5, "sum"); @cpu = tseries(cpu, 200ms, 5, "max"); @c[cpu] = tseries(1, 200ms, 5, "sum"); }
interval:ms:700 { exit(); }`
	busy := `for i in $(seq $(nproc)); do timeout 0.8 sh -c 'while :; do :; done' & done; wait`
	res := gtraceRun(t, e2e.Run{Args: []string{"-f", "json", "-e", script}, Trigger: busy})
	if res.ExitCode != 0 {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	type point struct {
		Start string `json:"interval_start"`
		Value int64  `json:"value"`
	}
	series := map[string][]point{}
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		var msg struct {
			Type string
			Data map[string]json.RawMessage
		}
		if err := json.Unmarshal([]byte(line), &msg); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if msg.Type != "tseries" {
			continue
		}
		for name, data := range msg.Data {
			var pts []point
			if err := json.Unmarshal(data, &pts); err == nil {
				series[name] = pts
				continue
			}
			var byCPU map[string][]point
			if err := json.Unmarshal(data, &byCPU); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for cpu, pts := range byCPU {
				series[cpu] = pts
			}
		}
	}
	sums, maxes := map[string]int64{}, map[string]int64{}
	cpus := 0
	for name, pts := range series {
		if strings.HasPrefix(name, "@") {
			continue
		}
		cpus++
		cpu, _ := strconv.ParseInt(name, 10, 64)
		for _, p := range pts {
			sums[p.Start] += p.Value
			maxes[p.Start] = max(maxes[p.Start], cpu)
		}
	}
	if len(series["@sum"]) < 2 || len(series["@cpu"]) < 2 || cpus == 0 {
		t.Fatalf("series %v", series)
	}
	t.Logf("%d CPUs ticked", cpus)
	for _, p := range series["@sum"] {
		if p.Value != sums[p.Start] {
			t.Errorf("@sum interval %s: %d, the CPUs' sums add up to %d", p.Start, p.Value, sums[p.Start])
		}
	}
	for _, p := range series["@cpu"] {
		if p.Value != maxes[p.Start] {
			t.Errorf("@cpu interval %s: %d, the highest CPU that ticked is %d", p.Start, p.Value, maxes[p.Start])
		}
	}
	if _, err := time.Parse("2006-01-02 15:04:05.000000000", series["@sum"][0].Start); err != nil {
		t.Errorf("interval_start: %v", err)
	}
}

// TestTSeriesJSON runs the newest bpftrace's JSON tests of tseries() with
// the clock the script sets (BPFTRACE_DUMMY_TS_MAP) and compares with its
// expected output (tests/runtime/outputs/tseries*.json).
func TestTSeriesJSON(t *testing.T) {
	loop := func(n, body string) string {
		return `BEGIN { @ts = (uint64)0; $i = (uint64)0; while ($i < ` + n + `) { ` + body + ` @ts += 10ms; $i++; } clear(@ts); `
	}
	span := func(first int, values string) string {
		var pts []string
		for i, v := range strings.Fields(values) {
			pts = append(pts, fmt.Sprintf(`{"interval_start": "1970-01-01 00:00:00.%d00000000", "value": %s}`, first+i, v))
		}
		return "[" + strings.Join(pts, ", ") + "]"
	}
	cases := []struct{ name, script, want string }{
		{"last", loop("100", `@a = tseries($i % 10, 100ms, 5);`) + `exit(); }`, `{"@a": ` + span(5, "9 9 9 9 9") + `}`},
		{"min", loop("100", `@a = tseries($i % 10, 100ms, 5, "min");`) + `exit(); }`, `{"@a": ` + span(5, "0 0 0 0 0") + `}`},
		{"max", loop("100", `@a = tseries($i % 10, 100ms, 5, "max");`) + `exit(); }`, `{"@a": ` + span(5, "9 9 9 9 9") + `}`},
		{"avg", loop("100", `@a = tseries($i % 10, 100ms, 5, "avg");`) + `exit(); }`, `{"@a": ` + span(5, "4 4 4 4 4") + `}`},
		{"zero", loop("100", `@a = tseries($i % 10, 100ms, 5, "avg");`) + `zero(@a); exit(); }`, `{"@a": []}`},
		{"multiple", `BEGIN { @ts = (uint64)0; $i = 0; while ($i < 5) { @a["one"] = tseries(5, 100ms, 10); @ts += 100ms; $i++; }
  $i = 0; while ($i < 5) { @a["two"] = tseries(4, 100ms, 10); @ts += 100ms; $i++; } clear(@ts); exit(); }`,
			`{"@a": {"one": ` + span(0, "0 5 5 5 5") + `, "two": ` + span(5, "4 4 4 4 4") + `}}`},
	}
	for _, c := range cases {
		res := gtraceRun(t, e2e.Run{Args: []string{"-f", "json", "-e", c.script}, Env: []string{"BPFTRACE_DUMMY_TS_MAP=@ts"}})
		var got, want any
		var line string
		for _, l := range strings.Split(res.Stdout, "\n") {
			if strings.HasPrefix(l, `{"type": "tseries"`) {
				line = l
			}
		}
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Errorf("%s: %q: %v\nstderr: %s", c.name, res.Stdout, err, res.Stderr)
			continue
		}
		if err := json.Unmarshal([]byte(`{"type": "tseries", "data": `+c.want+`}`), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", c.name, line, c.want)
		}
	}
}
