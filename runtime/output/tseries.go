package output

import (
	"strconv"
	"strings"
	"time"
)

// TimeSeries is the value of a tseries() aggregation: one point per
// interval, oldest first.
type TimeSeries struct {
	Points []TimePoint
}

// TimePoint is one interval of a TimeSeries.
type TimePoint struct {
	// Start is when the interval began. Text output writes its time of
	// day in Start's location.
	Start time.Time
	// Value is what the interval recorded: an int64 or a uint64, or nil
	// for an interval in which nothing was recorded.
	Value any
}

// The chart's geometry, as bpftrace draws it: the plot area is 53
// columns wide, borders included, and the minimum is written in a
// 21-column field above and below its left edge.
const (
	tseriesWidth   = 53
	tseriesPadding = 21
)

// appendTSeriesMap writes a map of time series the way the newest
// bpftrace does: "@name:" or "@name[key]:" on a line of its own, the
// chart, then an empty line ("<no data>" has none). A map without
// entries writes nothing.
func appendTSeriesMap(b []byte, m *Map) []byte {
	for _, e := range m.Entries {
		b = appendEntryName(b, m, e)
		b = append(b, ":\n"...)
		b = AppendText(b, e.Value)
		b = append(b, '\n')
	}
	return b
}

// appendTSeries draws a time series as bpftrace's text output does: a
// header with the smallest and largest values, one row per interval with
// its start time, a '*' placed between the two and the value ("-" for an
// interval without one), a '.' column where zero lies when the values
// have both signs, and a footer repeating the header. A series without
// points is "<no data>".
func appendTSeries(b []byte, ts *TimeSeries) []byte {
	pts := ts.Points
	if len(pts) == 0 {
		return append(b, "<no data>"...)
	}
	lo, hi := pts[0].Value, pts[0].Value
	for _, p := range pts {
		if p.Value == nil {
			continue
		}
		if comparePoint(p.Value, lo) < 0 {
			lo = p.Value
		}
		if comparePoint(p.Value, hi) > 0 {
			hi = p.Value
		}
	}
	if comparePoint(lo, hi) == 0 {
		// Leave room on both sides of a flat line, where the type allows.
		lo, hi = nudge(lo, -1), nudge(hi, 1)
	}

	// The rows' time resolution follows the length of an interval.
	steps := len(pts) - 1
	if steps == 0 {
		steps = 1
	}
	interval := uint64(pts[len(pts)-1].Start.Sub(pts[0].Start)) / uint64(steps)
	label, digits := "hh:mm:ss", 0
	switch {
	case interval >= uint64(time.Second):
	case interval >= uint64(time.Millisecond):
		label, digits = label+".ms", 3
	case interval >= uint64(time.Microsecond):
		label, digits = label+".μs", 6
	default:
		label, digits = label+".ns", 9
	}
	timeWidth := 8
	if digits > 0 {
		timeWidth += 1 + digits
	}

	b = appendBounds(append(b, strings.Repeat(" ", timeWidth+1)...), lo, hi)
	b = padRight(b, label, timeWidth+1)
	b = append(b, '|')
	b = append(b, strings.Repeat("_", tseriesWidth-2)...)
	b = append(b, "|\n"...)

	zero := 0
	if distance(lo, int64(0)) < 0 && distance(int64(0), hi) < 0 {
		zero = int(float32(float32(tseriesWidth)*float32(distance(lo, int64(0)))) / float32(distance(lo, hi)))
	}
	line := make([]byte, tseriesWidth)
	for _, p := range pts {
		b = appendTimeOfDay(b, p.Start, digits)
		b = append(b, ' ')
		for i := range line {
			line[i] = ' '
		}
		line[0], line[tseriesWidth-1] = '|', '|'
		if zero > 0 {
			line[zero] = '.'
		}
		if p.Value == nil {
			b = append(append(b, line...), " -\n"...)
			continue
		}
		at := tseriesWidth / 2
		if comparePoint(lo, hi) != 0 {
			at = int(float32(float32(tseriesWidth-1)*float32(distance(lo, p.Value))) / float32(distance(lo, hi)))
		}
		line[min(max(at, 0), tseriesWidth-1)] = '*'
		b = append(append(b, line...), ' ')
		b = appendPoint(b, p.Value)
		b = append(b, '\n')
	}

	b = append(b, strings.Repeat(" ", timeWidth+1)...)
	b = append(b, 'v')
	b = append(b, strings.Repeat("_", tseriesWidth-2)...)
	b = append(b, "v\n"...)
	return appendBounds(append(b, strings.Repeat(" ", timeWidth+1)...), lo, hi)
}

// appendBounds writes the smallest value left-aligned in 21 columns and
// the largest right-aligned in the remaining 32, then a newline.
func appendBounds(b []byte, lo, hi any) []byte {
	b = padRight(b, string(appendPoint(nil, lo)), tseriesPadding)
	b = padLeft(b, string(appendPoint(nil, hi)), tseriesWidth-tseriesPadding)
	return append(b, '\n')
}

// padRight and padLeft pad s with spaces to width bytes (not runes, as a
// C++ stream's setw counts).
func padRight(b []byte, s string, width int) []byte {
	b = append(b, s...)
	return append(b, strings.Repeat(" ", max(width-len(s), 0))...)
}

func padLeft(b []byte, s string, width int) []byte {
	b = append(b, strings.Repeat(" ", max(width-len(s), 0))...)
	return append(b, s...)
}

// appendTimeOfDay writes t's time of day, hh:mm:ss, with digits digits
// of the second's fraction (truncated) when digits > 0.
func appendTimeOfDay(b []byte, t time.Time, digits int) []byte {
	b = t.AppendFormat(b, "15:04:05")
	if digits == 0 {
		return b
	}
	frac := t.Nanosecond()
	for i := digits; i < 9; i++ {
		frac /= 10
	}
	s := strconv.Itoa(frac)
	b = append(b, '.')
	b = append(b, strings.Repeat("0", digits-len(s))...)
	return append(b, s...)
}

// appendPoint writes a point's value; a missing one is "null", as
// bpftrace writes an empty value.
func appendPoint(b []byte, v any) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return AppendText(b, v)
}

// comparePoint orders point values: nil before any number, numbers of
// one type by value (a series holds only int64 or only uint64).
func comparePoint(a, b any) int {
	switch x := a.(type) {
	case nil:
		if b == nil {
			return 0
		}
		return -1
	case int64:
		if y, ok := b.(int64); ok {
			return cmpOrdered(x, y)
		}
	case uint64:
		if y, ok := b.(uint64); ok {
			return cmpOrdered(x, y)
		}
	}
	if b == nil {
		return 1
	}
	return 0
}

func cmpOrdered[T int64 | uint64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// nudge moves a value one step up or down unless that would overflow.
func nudge(v any, step int) any {
	switch n := v.(type) {
	case int64:
		if (step < 0 && n > -1<<63) || (step > 0 && n < 1<<63-1) {
			return n + int64(step)
		}
	case uint64:
		if step < 0 && n > 0 {
			return n - 1
		}
		if step > 0 && n < 1<<64-1 {
			return n + 1
		}
	}
	return v
}

// distance is a - b as bpftrace's chart computes it: in 64-bit
// arithmetic that wraps, the unsigned operand taken as it is, the other
// converted to int64. A missing value is at distance 0 from anything.
func distance(a, b any) int64 {
	var other int64
	switch y := b.(type) {
	case int64:
		other = y
	case uint64:
		other = int64(y)
	default:
		return 0
	}
	switch x := a.(type) {
	case uint64:
		if other < 0 {
			return int64(uint64(-other) + x)
		}
		if x > uint64(other) {
			return int64(x - uint64(other))
		}
		return -int64(uint64(other) - x)
	case int64:
		return x - other
	}
	return 0
}

// appendTSeriesJSON writes a time series as bpftrace's JSON output does:
// an array of {"interval_start": TIME, "value": V} objects for the
// intervals that hold a value, TIME being the interval's start in UTC
// with nanoseconds ("2006-01-02 15:04:05.000000000").
func appendTSeriesJSON(b []byte, ts *TimeSeries) []byte {
	b = append(b, '[')
	first := true
	for _, p := range ts.Points {
		if p.Value == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, `{"interval_start":"`...)
		b = p.Start.UTC().AppendFormat(b, "2006-01-02 15:04:05.000000000")
		b = append(b, `","value":`...)
		b = AppendText(b, p.Value)
		b = append(b, '}')
	}
	return append(b, ']')
}
