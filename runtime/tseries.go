package runtime

import (
	"encoding/binary"
	"math"
	"sort"
	"time"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime/output"
)

// tseriesSlot is one interval as a CPU recorded it (codegen/agg_tseries.go).
type tseriesSlot struct {
	value, meta, epoch uint64
}

func decodeSlot(b []byte) tseriesSlot {
	return tseriesSlot{
		value: binary.LittleEndian.Uint64(b),
		meta:  binary.LittleEndian.Uint64(b[8:]),
		epoch: binary.LittleEndian.Uint64(b[16:]),
	}
}

// readTSeries reads a tseries map: for each user key, the value of each
// epoch its slots hold. A slot's CPUs are merged as the newest bpftrace
// merges them: only the newest epoch any CPU saw counts, and the CPUs
// that saw it are combined by the aggregation function.
func (r *mapReader) readTSeries(m *codegen.Map, bm *ebpf.Map) ([]*entry, error) {
	info := m.Info
	byKey := map[string]*entry{}
	var out []*entry
	key := make([]byte, m.Spec.KeySize)
	vals := r.perCPUBuffers(int(m.Spec.ValueSize))
	it := bm.Iterate()
	for it.Next(&key, &vals) {
		user := key[:m.KeySize]
		e, ok := byKey[string(user)]
		if !ok {
			e = &entry{series: map[uint64]uint64{}}
			if info.Key != nil {
				e.key = append([]byte(nil), user...)
			}
			byKey[string(user)] = e
			out = append(out, e)
		}
		epoch, v := reduceSlot(vals, info.TSeries.Agg, info.Value.AggSigned)
		if _, ok := e.series[epoch]; !ok {
			e.series[epoch] = v
		}
	}
	return out, it.Err()
}

// reduceSlot merges a slot's per-CPU intervals and returns the newest
// epoch with its value (the bits of an int64 when signed). A slot no CPU
// wrote to (epoch 0, as zero() leaves it) is epoch 0 with the value 0.
func reduceSlot(cpus [][]byte, agg lang.TSeriesAgg, signed bool) (epoch, value uint64) {
	var best tseriesSlot
	for _, b := range cpus {
		s := decodeSlot(b)
		switch {
		case s.epoch == 0 || s.epoch < best.epoch:
			continue
		case s.epoch > best.epoch:
			best = s
			continue
		}
		switch agg {
		case lang.TSeriesLast:
			// The value written last wins: meta is its write time.
			if s.meta > best.meta {
				best.value, best.meta = s.value, s.meta
			}
		case lang.TSeriesAvg:
			best.value += s.value
			best.meta += s.meta
		case lang.TSeriesSum:
			best.value += s.value
		case lang.TSeriesMin:
			if less(s.value, best.value, signed) {
				best.value = s.value
			}
		case lang.TSeriesMax:
			if less(best.value, s.value, signed) {
				best.value = s.value
			}
		}
	}
	if best.epoch == 0 {
		return 0, 0
	}
	if agg == lang.TSeriesAvg && best.meta != 0 {
		if signed {
			best.value = uint64(int64(best.value) / int64(best.meta))
		} else {
			best.value /= best.meta
		}
	}
	return best.epoch, best.value
}

// outputTSeries turns a tseries map's entries into what prints. Every
// key's series ends at the newest epoch of the whole map and reaches back
// at most num_intervals epochs; a series starts at its own first epoch
// in that window, or is the window's last epoch alone when it has none.
// Keys print in key order. print()'s top and div do not apply, as in
// bpftrace.
func (d *decoder) outputTSeries(m *codegen.Map, entries []*entry) *output.Map {
	info := m.Info
	args := info.TSeries
	out := &output.Map{Name: info.Name, Kind: output.MapTSeries, Keyed: info.Key != nil, Entries: make([]output.Entry, len(entries))}
	last := uint64(math.MaxUint64)
	if len(entries) > 0 {
		last = 0
		for _, e := range entries {
			for epoch := range e.series {
				last = max(last, epoch)
			}
		}
	}
	// Unsigned arithmetic, as bpftrace's: when the newest epoch is 0
	// (all zeroed) the window wraps around and holds nothing.
	first := last - uint64(args.Intervals) + 1
	if info.Key != nil {
		sort.SliceStable(entries, func(i, j int) bool { return compareKeys(info.Key, entries[i].key, entries[j].key) < 0 })
	}
	for i, e := range entries {
		out.Entries[i] = output.Entry{Key: d.decodeKey(info, e.key), Value: tseriesPoints(e.series, first, last, args.Interval, info.Value.AggSigned)}
	}
	return out
}

// tseriesPoints builds one key's series over the epochs first..last.
func tseriesPoints(series map[uint64]uint64, first, last uint64, interval int64, signed bool) *output.TimeSeries {
	start := last
	for epoch := range series {
		if epoch >= first && epoch < start {
			start = epoch
		}
	}
	ts := &output.TimeSeries{}
	if first > last {
		return ts
	}
	for epoch := start; epoch <= last; epoch++ {
		p := output.TimePoint{Start: tseriesTime(epoch, interval)}
		if v, ok := series[epoch]; ok {
			if signed {
				p.Value = int64(v)
			} else {
				p.Value = v
			}
		}
		ts.Points = append(ts.Points, p)
		if epoch == math.MaxUint64 {
			break
		}
	}
	return ts
}

// tseriesTime is the start of an interval: its epoch times the interval
// length, in TAI nanoseconds, printed as wall-clock time (bpftrace makes
// no correction for the TAI offset either).
func tseriesTime(epoch uint64, interval int64) time.Time {
	return time.Unix(0, int64(epoch*uint64(interval)))
}
