package lang

import "strings"

// TSeriesAgg says how tseries() combines the values recorded in one
// interval.
type TSeriesAgg uint8

// tseries() aggregation functions. The default keeps the last value
// recorded in the interval.
const (
	TSeriesLast TSeriesAgg = iota
	TSeriesAvg
	TSeriesMax
	TSeriesMin
	TSeriesSum
)

// tseriesAggs are the names tseries()'s fourth argument accepts, in the
// order bpftrace lists them in its error message.
var tseriesAggs = []struct {
	name string
	agg  TSeriesAgg
}{{"avg", TSeriesAvg}, {"max", TSeriesMax}, {"min", TSeriesMin}, {"sum", TSeriesSum}}

func (a TSeriesAgg) String() string {
	for _, x := range tseriesAggs {
		if x.agg == a {
			return x.name
		}
	}
	return "none"
}

// TSeriesArgs are the arguments of a map's tseries(), fixed per map.
type TSeriesArgs struct {
	// Interval is the length of one interval in nanoseconds.
	Interval int64
	// Intervals is how many intervals the series keeps.
	Intervals int64
	Agg       TSeriesAgg
}

// Limits on tseries()'s arguments, as the newest bpftrace checks them.
const maxTSeriesIntervals = 1000000

// TSeriesValueSize is the size of one tseries interval in a map value:
// the value, its metadata (the time of the last write, a count for avg,
// a "set" flag for min and max) and the interval's epoch (time divided by
// the interval length), each a u64.
const TSeriesValueSize = 24

// misplacedTSeries reports tseries() used other than as the value of a
// map assignment, in the newest bpftrace's words.
func (c *checker) misplacedTSeries(call *Call) {
	for _, a := range call.Args {
		c.expr(a)
	}
	c.errorf(call, "tseries() must be assigned directly to a map")
}

// tseries checks @m[k] = tseries(n, interval, num_intervals [, agg]) and
// records the map's arguments. It returns false after reporting an error.
func (c *checker) tseries(call *Call, info *MapInfo) bool {
	if !c.unstable(call, "tseries", "unstable_tseries", c.cfg.UnstableTSeries) {
		return false
	}
	n := len(call.Args)
	if n < 3 || n > 4 {
		c.errorf(call, "%s", argCountError(call.Name, 3, 4, n))
		return false
	}
	t := c.expr(call.Args[0])
	if t == nil {
		return false
	}
	if !t.IsInt() && t.Kind != KindBool {
		c.errorf(call, "tseries() only supports integer arguments (%s provided)", kindName(t))
		return false
	}
	for _, a := range call.Args[1:] {
		if c.expr(a) == nil {
			return false
		}
	}
	var args TSeriesArgs
	var ok bool
	args.Interval, ok = c.constInt(call.Args[1])
	if !ok || args.Interval < 0 {
		c.errorf(call, "tseries: invalid interval_ns value (must be non-negative literal)")
		return false
	}
	args.Intervals, ok = c.constInt(call.Args[2])
	if !ok || args.Intervals < 0 {
		c.errorf(call, "tseries: invalid num_intervals value (must be non-negative literal)")
		return false
	}
	if args.Interval == 0 {
		c.errorf(call, "tseries() interval_ns must be >= 1 (0 provided)")
		return false
	}
	if args.Intervals == 0 {
		c.errorf(call, "tseries() num_intervals must be >= 1 (0 provided)")
		return false
	}
	valid := true
	if args.Intervals > maxTSeriesIntervals {
		c.errorf(call, "tseries() num_intervals must be < %d (%d provided)", maxTSeriesIntervals, args.Intervals)
		valid = false
	}
	if n == 4 {
		lit, ok := call.Args[3].(*StrLit)
		if !ok {
			c.errorf(call, "tseries() expects a string literal (%s provided)", kindName(call.Args[3].Type()))
			return false
		}
		found := false
		var names []string
		for _, x := range tseriesAggs {
			names = append(names, x.name)
			if x.name == lit.Value {
				args.Agg, found = x.agg, true
			}
		}
		if !found {
			c.errorf(call, "tseries() expects one of the following aggregation functions: %s (\"%s\" provided)",
				strings.Join(names, ", "), lit.Value)
			valid = false
		}
	}
	if !valid {
		return false
	}
	if info.TSeries != nil && *info.TSeries != args {
		c.errorf(call, "Different tseries bounds in a single map unsupported")
		return false
	}
	info.TSeries = &args
	return true
}
