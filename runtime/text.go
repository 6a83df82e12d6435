package runtime

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
)

// Text output, byte for byte as bpftrace 0.17 prints maps: entries sorted
// by value (ties by key, so output is deterministic), one line each;
// hist and lhist as bar charts; an empty line after every map and a
// second one after hist, lhist, avg and stats maps.

// formatMap renders a map's entries. top keeps only the last top entries
// after sorting; div divides the values.
func (d *decoder) formatMap(m *codegen.Map, entries []*entry, top, div int64) string {
	if div == 0 {
		div = 1
	}
	info := m.Info
	d.sortEntries(m, entries)
	if top > 0 && int64(len(entries)) > top {
		entries = entries[int64(len(entries))-top:]
	}
	var b strings.Builder
	agg := lang.AggNone
	if info.Value.Kind == lang.KindAgg {
		agg = info.Value.Agg
	}
	for i, e := range entries {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(info.Name)
		b.WriteString(d.keyText(info, e.key))
		b.WriteString(": ")
		switch agg {
		case lang.AggHist:
			b.WriteByte('\n')
			b.WriteString(histText(e.buckets, info.HistBits, uint64(div)))
		case lang.AggLhist:
			b.WriteByte('\n')
			b.WriteString(lhistText(e.buckets, info.LhistMin, info.LhistMax, info.LhistStep))
		default:
			b.WriteString(d.entryText(info.Value, e, div))
		}
	}
	b.WriteByte('\n')
	switch agg {
	case lang.AggAvg, lang.AggStats:
		b.WriteByte('\n')
	}
	return b.String()
}

// keyText renders a key as [k1, k2], or nothing for a map without keys.
func (d *decoder) keyText(info *lang.MapInfo, key []byte) string {
	if info.Key == nil {
		return ""
	}
	parts := make([]string, len(info.Key.Fields))
	for i, f := range info.Key.Fields {
		parts[i] = d.text(f.Type, key[f.Offset:])
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// entryText renders the value of one entry.
func (d *decoder) entryText(t *lang.Type, e *entry, div int64) string {
	if t.Kind != lang.KindAgg {
		if t.Kind == lang.KindInt && div != 1 {
			switch v := intValue(t, e.raw).(type) {
			case int64:
				return strconv.FormatInt(v/div, 10)
			case uint64:
				return strconv.FormatUint(v/uint64(div), 10)
			}
		}
		return d.text(t, e.raw)
	}
	switch t.Agg {
	case lang.AggCount:
		return strconv.FormatUint(e.num/uint64(div), 10)
	case lang.AggSum, lang.AggMin, lang.AggMax:
		if t.AggSigned {
			return strconv.FormatInt(int64(e.num)/div, 10)
		}
		return strconv.FormatUint(e.num/uint64(div), 10)
	case lang.AggAvg:
		if !t.AggSigned {
			return strconv.FormatUint(uint64(e.average(false))/uint64(div), 10)
		}
		return strconv.FormatInt(e.average(true)/div, 10)
	case lang.AggStats:
		if !t.AggSigned {
			return fmt.Sprintf("count %d, average %d, total %d", e.count, uint64(e.average(false)), uint64(e.total))
		}
		return fmt.Sprintf("count %d, average %d, total %d", e.count, e.average(true), e.total)
	}
	return "?"
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
func (d *decoder) sortEntries(m *codegen.Map, entries []*entry) {
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

// histLabel is the lower bound of hist bucket i with precision k: the
// value itself for the buckets that hold a single value, otherwise a power
// of two (times the sub-bucket) with a K/M/G/T/P/E suffix for powers of
// 1024, as bpftrace writes them.
func histLabel(i, k int) string {
	if i <= 2<<k {
		return strconv.Itoa(i)
	}
	n := 1 << k
	interval := i & (n - 1)
	power := (i >> k) - 1
	decade := power / 10
	suffix := []string{"", "K", "M", "G", "T", "P", "E"}[decade]
	power -= 10 * decade
	return strconv.FormatUint(uint64(1)<<power*uint64(n+interval), 10) + suffix
}

// histText renders hist() buckets: rows from the first to the last
// non-empty bucket. Bucket 0 holds negatives; the first 2 << k buckets
// after it hold one value each.
func histText(buckets []uint64, k int, div uint64) string {
	lo, hi := nonEmpty(buckets)
	if lo < 0 {
		return ""
	}
	var headers []string
	var counts []uint64
	for i := lo; i <= hi; i++ {
		switch {
		case i == 0:
			headers = append(headers, "(..., 0)")
		case i <= 2<<k:
			headers = append(headers, "["+strconv.Itoa(i-1)+"]")
		default:
			headers = append(headers, "["+histLabel(i-1, k)+", "+histLabel(i, k)+")")
		}
		counts = append(counts, buckets[i]/div)
	}
	return bars(headers, counts, buckets[lo:hi+1])
}

// lhistLabel writes a linear histogram bound, with K and M suffixes for
// multiples of 1024 and 1048576, as bpftrace 0.17 does.
func lhistLabel(n int64) string {
	switch {
	case n == 0:
		return "0"
	case n%(1<<20) == 0:
		return strconv.FormatInt(n/(1<<20), 10) + "M"
	case n%1024 == 0:
		return strconv.FormatInt(n/1024, 10) + "K"
	}
	return strconv.FormatInt(n, 10)
}

// lhistText renders lhist() buckets: rows from the first to the last
// non-empty bucket, with open-ended first and last buckets.
func lhistText(buckets []uint64, min, max, step int64) string {
	lo, hi := nonEmpty(buckets)
	if lo < 0 {
		return ""
	}
	last := int((max-min)/step) + 1
	var headers []string
	for i := lo; i <= hi; i++ {
		switch {
		case i == 0:
			headers = append(headers, "(..., "+lhistLabel(min)+")")
		case i == last:
			headers = append(headers, "["+lhistLabel(max)+", ...)")
		default:
			headers = append(headers, "["+lhistLabel(int64(i-1)*step+min)+", "+lhistLabel(int64(i)*step+min)+")")
		}
	}
	return bars(headers, buckets[lo:hi+1], buckets[lo:hi+1])
}

func nonEmpty(buckets []uint64) (lo, hi int) {
	lo, hi = -1, -1
	for i, v := range buckets {
		if v > 0 {
			if lo < 0 {
				lo = i
			}
			hi = i
		}
	}
	return lo, hi
}

// bars writes histogram rows: a 16-column label, an 8-column count and a
// bar of up to 52 '@' scaled to the largest bucket (in single precision,
// as bpftrace computes it).
func bars(headers []string, shown, raw []uint64) string {
	var max uint64
	for _, v := range raw {
		if v > max {
			max = v
		}
	}
	var b strings.Builder
	for i, h := range headers {
		width := int(float32(float32(raw[i])/float32(max)) * float32(52))
		fmt.Fprintf(&b, "%-16s%8d |%-52s|\n", h, shown[i], strings.Repeat("@", width))
	}
	return b.String()
}
