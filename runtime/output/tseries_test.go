package output

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// series makes a time series of points spaced step apart from start (in
// UTC, so that the times print the same everywhere); nil values are
// intervals without a value.
func series(start time.Duration, step time.Duration, values ...any) *TimeSeries {
	ts := &TimeSeries{}
	for i, v := range values {
		ts.Points = append(ts.Points, TimePoint{Start: time.Unix(0, int64(start+time.Duration(i)*step)).UTC(), Value: v})
	}
	return ts
}

func ints(vs ...int64) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// The expected charts are the newest bpftrace's test outputs
// (tests/runtime/outputs/tseries*.txt) and documentation examples, each
// followed by the empty line that ends a chart.
var (
	tseriesLast = `@a:
             8                                                  10
hh:mm:ss.ms  |___________________________________________________|
00:00:00.500 |                         *                         | 9
00:00:00.600 |                         *                         | 9
00:00:00.700 |                         *                         | 9
00:00:00.800 |                         *                         | 9
00:00:00.900 |                         *                         | 9
             v___________________________________________________v
             8                                                  10
`
	tseriesMultiple = `@a[one]:
             0                                                   5
hh:mm:ss.ms  |___________________________________________________|
00:00:00.000 *                                                   | 0
00:00:00.100 |                                                   * 5
00:00:00.200 |                                                   * 5
00:00:00.300 |                                                   * 5
00:00:00.400 |                                                   * 5
00:00:00.500 |                                                   | -
00:00:00.600 |                                                   | -
00:00:00.700 |                                                   | -
00:00:00.800 |                                                   | -
00:00:00.900 |                                                   | -
             v___________________________________________________v
             0                                                   5

@a[two]:
             3                                                   5
hh:mm:ss.ms  |___________________________________________________|
00:00:00.500 |                         *                         | 4
00:00:00.600 |                         *                         | 4
00:00:00.700 |                         *                         | 4
00:00:00.800 |                         *                         | 4
00:00:00.900 |                         *                         | 4
             v___________________________________________________v
             3                                                   5
`
	tseriesZigzag = `@:
             -5                                                  5
hh:mm:ss.ms  |___________________________________________________|
00:00:00.100 *                         .                         | -5
00:00:00.200 |    *                    .                         | -4
00:00:00.300 |         *               .                         | -3
00:00:00.400 |              *          .                         | -2
00:00:00.500 |                   *     .                         | -1
00:00:00.600 |                         *                         | 0
00:00:00.700 |                         .    *                    | 1
00:00:00.800 |                         .         *               | 2
00:00:00.900 |                         .              *          | 3
00:00:01.000 |                         .                   *     | 4
00:00:01.100 |                         .                         * 5
00:00:01.200 |                         .                   *     | 4
00:00:01.300 |                         .              *          | 3
00:00:01.400 |                         .         *               | 2
00:00:01.500 |                         .    *                    | 1
00:00:01.600 |                         *                         | 0
00:00:01.700 |                   *     .                         | -1
00:00:01.800 |              *          .                         | -2
00:00:01.900 |         *               .                         | -3
00:00:02.000 |    *                    .                         | -4
             v___________________________________________________v
             -5                                                  5
`
	tseriesDocs = `@:
             0                                                   2
hh:mm:ss.ms  |___________________________________________________|
10:41:46.700 *                                                   | 0
10:41:46.800 *                                                   | 0
10:41:46.900 |                         *                         | 1
10:41:47.000 |                                                   * 2
10:41:47.100 |                         *                         | 1
10:41:47.200 *                                                   | 0
10:41:47.300 |                         *                         | 1
10:41:47.400 *                                                   | 0
10:41:47.500 |                         *                         | 1
10:41:47.600 *                                                   | 0
10:41:47.700 |                                                   * 2
10:41:47.800 *                                                   | 0
10:41:47.900 *                                                   | 0
10:41:48.000 |                         *                         | 1
10:41:48.100 |                         *                         | 1
10:41:48.200 |                         *                         | 1
10:41:48.300 *                                                   | 0
10:41:48.400 |                                                   * 2
10:41:48.500 |                         *                         | 1
10:41:48.600 |                         *                         | 1
             v___________________________________________________v
             0                                                   2
`
	tseriesAvg = `@a:
             3                                                   5
hh:mm:ss.ms  |___________________________________________________|
00:00:00.500 |                         *                         | 4
00:00:00.600 |                         *                         | 4
00:00:00.700 |                         *                         | 4
00:00:00.800 |                         *                         | 4
00:00:00.900 |                         *                         | 4
             v___________________________________________________v
             3                                                   5
`
)

func TestTSeriesText(t *testing.T) {
	utc := func(d time.Duration) time.Time { return time.Unix(0, int64(d)).UTC() }
	docs := series(10*time.Hour+41*time.Minute+46700*time.Millisecond, 100*time.Millisecond,
		ints(0, 0, 1, 2, 1, 0, 1, 0, 1, 0, 2, 0, 0, 1, 1, 1, 0, 2, 1, 1)...)
	zigzag := series(100*time.Millisecond, 100*time.Millisecond,
		ints(-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0, -1, -2, -3, -4)...)
	cases := []struct {
		name string
		m    *Map
		want string
	}{
		{"last", &Map{Name: "@a", Kind: MapTSeries, Entries: []Entry{{Value: series(500*time.Millisecond, 100*time.Millisecond,
			uint64(9), uint64(9), uint64(9), uint64(9), uint64(9))}}}, tseriesLast + "\n"},
		{"avg", &Map{Name: "@a", Kind: MapTSeries, Entries: []Entry{{Value: series(500*time.Millisecond, 100*time.Millisecond,
			ints(4, 4, 4, 4, 4)...)}}}, tseriesAvg + "\n"},
		{"multiple", &Map{Name: "@a", Kind: MapTSeries, Keyed: true, Entries: []Entry{
			{Key: []any{"one"}, Value: series(0, 100*time.Millisecond, uint64(0), uint64(5), uint64(5), uint64(5), uint64(5), nil, nil, nil, nil, nil)},
			{Key: []any{"two"}, Value: series(500*time.Millisecond, 100*time.Millisecond, uint64(4), uint64(4), uint64(4), uint64(4), uint64(4))},
		}}, tseriesMultiple + "\n"},
		{"zigzag", &Map{Name: "@", Kind: MapTSeries, Entries: []Entry{{Value: zigzag}}}, tseriesZigzag + "\n"},
		{"docs", &Map{Name: "@", Kind: MapTSeries, Entries: []Entry{{Value: docs}}}, tseriesDocs + "\n"},
		// Without data: no chart and no empty line after it.
		{"no data", &Map{Name: "@a", Kind: MapTSeries, Entries: []Entry{{Value: &TimeSeries{}}}}, "@a:\n<no data>\n"},
		{"empty map", &Map{Name: "@a", Kind: MapTSeries, Keyed: true}, ""},
		// One point: the interval is unknown and the time has nanoseconds.
		{"one point", &Map{Name: "@", Kind: MapTSeries, Entries: []Entry{{Value: &TimeSeries{Points: []TimePoint{{utc(time.Second + 5), int64(-7)}}}}}},
			"@:\n" +
				"                   -8                                                 -6\n" +
				"hh:mm:ss.ns        |___________________________________________________|\n" +
				"00:00:01.000000005 |                         *                         | -7\n" +
				"                   v___________________________________________________v\n" +
				"                   -8                                                 -6\n\n"},
		// A key whose last value is older than the map's window: one row,
		// at the newest interval, without a value.
		{"stale key", &Map{Name: "@", Kind: MapTSeries, Keyed: true, Entries: []Entry{{Key: []any{int64(1)},
			Value: &TimeSeries{Points: []TimePoint{{utc(2 * time.Second), nil}}}}}},
			"@[1]:\n" +
				"                   null                                             null\n" +
				"hh:mm:ss.ns        |___________________________________________________|\n" +
				"00:00:02.000000000 |                                                   | -\n" +
				"                   v___________________________________________________v\n" +
				"                   null                                             null\n\n"},
		// Microseconds: the label's "μ" is two bytes, and the columns are
		// counted in bytes, as bpftrace's C++ streams count them.
		{"microseconds", &Map{Name: "@", Kind: MapTSeries, Entries: []Entry{{Value: series(time.Second, 250*time.Microsecond,
			uint64(0), uint64(1<<64-1), nil)}}},
			"@:\n" +
				"                0                                18446744073709551615\n" +
				"hh:mm:ss.μs    |___________________________________________________|\n" +
				"00:00:01.000000 *                                                   | 0\n" +
				"00:00:01.000250 |                                                   * 18446744073709551615\n" +
				"00:00:01.000500 |                                                   | -\n" +
				"                v___________________________________________________v\n" +
				"                0                                18446744073709551615\n\n"},
		// Whole seconds: no fraction; the extremes of int64 cannot be
		// widened.
		{"seconds", &Map{Name: "@", Kind: MapTSeries, Entries: []Entry{{Value: series(59*time.Second, 2*time.Second,
			int64(-1<<63), int64(-1<<63))}}},
			"@:\n" +
				"         -9223372036854775808             -9223372036854775807\n" +
				"hh:mm:ss |___________________________________________________|\n" +
				"00:00:59 *                                                   | -9223372036854775808\n" +
				"00:01:01 *                                                   | -9223372036854775808\n" +
				"         v___________________________________________________v\n" +
				"         -9223372036854775808             -9223372036854775807\n\n"},
	}
	for _, c := range cases {
		if got := text(t, c.m); got != c.want {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", c.name, got, c.want)
		}
	}
}

func TestTSeriesJSON(t *testing.T) {
	cases := []struct {
		m    *Map
		want string
	}{
		{&Map{Name: "@a", Kind: MapTSeries, Entries: []Entry{{Value: series(500*time.Millisecond, 100*time.Millisecond,
			uint64(9), nil, uint64(7))}}},
			`{"type": "tseries", "data": {"@a": [{"interval_start":"1970-01-01 00:00:00.500000000","value":9},` +
				`{"interval_start":"1970-01-01 00:00:00.700000000","value":7}]}}` + "\n"},
		{&Map{Name: "@a", Kind: MapTSeries, Entries: []Entry{{Value: &TimeSeries{}}}},
			`{"type": "tseries", "data": {"@a": []}}` + "\n"},
		{&Map{Name: "@a", Kind: MapTSeries, Keyed: true, Entries: []Entry{
			{Key: []any{"one", int64(-1)}, Value: series(0, time.Second, int64(-5))},
			{Key: []any{"two", int64(2)}, Value: series(time.Second, time.Second, nil)},
		}},
			`{"type": "tseries", "data": {"@a": {"one,-1": [{"interval_start":"1970-01-01 00:00:00.000000000","value":-5}], "two,2": []}}}` + "\n"},
		{&Map{Name: "@a", Kind: MapTSeries, Keyed: true}, ""},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		w := NewJSON(&buf)
		w.Map(c.m)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := buf.String(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

// TestTSeriesLocalTime checks that rows print the time of day in the
// points' location: the runtime gives them the local time zone.
func TestTSeriesLocalTime(t *testing.T) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	ts := &TimeSeries{Points: []TimePoint{{time.Unix(0, 0).In(zone), int64(1)}, {time.Unix(1, 0).In(zone), int64(2)}}}
	got := string(appendTSeries(nil, ts))
	if !strings.Contains(got, "\n05:30:00 *") || !strings.Contains(got, "\n05:30:01 |") {
		t.Errorf("chart in %v:\n%s", zone, got)
	}
}
