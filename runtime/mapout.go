package runtime

import (
	"sort"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime/output"
)

// outputMap turns a map's entries into what prints: sorted as bpftrace
// sorts them, the last top entries kept when top > 0, values divided by
// div when div > 1.
func (d *decoder) outputMap(m *codegen.Map, entries []*entry, top, div int64) *output.Map {
	if m.Layout == codegen.LayoutTSeries {
		return d.outputTSeries(m, entries)
	}
	if div <= 0 {
		div = 1
	}
	info := m.Info
	sortEntries(m, entries)
	if top > 0 && int64(len(entries)) > top {
		entries = entries[int64(len(entries))-top:]
	}
	out := &output.Map{Name: info.Name, Keyed: info.Key != nil, Entries: make([]output.Entry, len(entries))}
	t := info.Value
	if t.Kind == lang.KindAgg {
		switch t.Agg {
		case lang.AggHist, lang.AggLhist:
			out.Kind = output.MapHist
		case lang.AggAvg:
			out.Kind = output.MapAvg
		case lang.AggStats:
			out.Kind = output.MapStats
		}
	}
	for i, e := range entries {
		out.Entries[i] = output.Entry{Key: d.decodeKey(info, e.key), Value: d.entryValue(info, e, div)}
	}
	return out
}

// entryValue decodes the value of one entry.
func (d *decoder) entryValue(info *lang.MapInfo, e *entry, div int64) any {
	t := info.Value
	if t.Kind != lang.KindAgg {
		v := d.decode(t, e.raw)
		switch n := v.(type) {
		case int64:
			return n / div
		case uint64:
			return n / uint64(div)
		}
		return v
	}
	switch t.Agg {
	case lang.AggCount:
		return e.num / uint64(div)
	case lang.AggSum, lang.AggMin, lang.AggMax:
		if t.AggSigned {
			return int64(e.num) / div
		}
		return e.num / uint64(div)
	case lang.AggAvg:
		if !t.AggSigned {
			return uint64(e.average(false)) / uint64(div)
		}
		return e.average(true) / div
	case lang.AggStats:
		return output.Stats{Count: e.count, Average: e.average(t.AggSigned), Total: e.total, Unsigned: !t.AggSigned}
	case lang.AggHist:
		return output.NewHist(e.buckets, info.HistBits, uint64(div))
	case lang.AggLhist:
		return output.NewLinearHist(e.buckets, info.LhistMin, info.LhistMax, info.LhistStep)
	}
	return nil
}

// average is total/count, signed or unsigned as the averaged values are;
// the unsigned result is returned as the bits of an int64.
func (e *entry) average(signed bool) int64 {
	if e.count == 0 {
		return 0
	}
	if !signed {
		return int64(uint64(e.total) / uint64(e.count))
	}
	return e.total / e.count
}

// sortEntries orders entries as bpftrace prints them: by value for
// integers and numeric aggregations, by total count for histograms, by
// average for avg and stats, by key otherwise; ties by key.
func sortEntries(m *codegen.Map, entries []*entry) {
	info := m.Info
	t := info.Value
	byKey := func(a, b *entry) int {
		if info.Key == nil {
			return 0
		}
		return compareKeys(info.Key, a.key, b.key)
	}
	var cmpValue func(a, b *entry) int
	switch {
	case t.Kind == lang.KindAgg && (t.Agg == lang.AggHist || t.Agg == lang.AggLhist):
		cmpValue = func(a, b *entry) int {
			x, y := sumBuckets(a.buckets), sumBuckets(b.buckets)
			return cmp3(x < y, x > y)
		}
	case t.Kind == lang.KindAgg && (t.Agg == lang.AggAvg || t.Agg == lang.AggStats):
		cmpValue = func(a, b *entry) int {
			x, y := uint64(a.average(t.AggSigned)), uint64(b.average(t.AggSigned))
			return cmp3(less(x, y, t.AggSigned), less(y, x, t.AggSigned))
		}
	case t.Kind == lang.KindAgg:
		signed := t.AggSigned && t.Agg != lang.AggCount
		cmpValue = func(a, b *entry) int {
			return cmp3(less(a.num, b.num, signed), less(b.num, a.num, signed))
		}
	case t.Kind == lang.KindInt:
		cmpValue = func(a, b *entry) int { return compareKeys(t, a.raw, b.raw) }
	default:
		cmpValue = func(a, b *entry) int { return 0 }
	}
	sort.SliceStable(entries, func(i, j int) bool {
		if c := cmpValue(entries[i], entries[j]); c != 0 {
			return c < 0
		}
		return byKey(entries[i], entries[j]) < 0
	})
}

func sumBuckets(b []uint64) uint64 {
	var s uint64
	for _, v := range b {
		s += v
	}
	return s
}
