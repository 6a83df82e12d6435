package output

import "strconv"

// Histogram is the value of a hist() or lhist() aggregation: its buckets
// from the first to the last non-empty one.
type Histogram struct {
	Buckets []Bucket
}

// Bucket is one histogram bucket: Count values from Min to Max, both
// included. The first bucket may instead hold every value below its Max
// (Below is set), and the last bucket of a linear histogram every value
// from its Min up (Above is set).
type Bucket struct {
	Min, Max     int64
	Below, Above bool
	Count        uint64

	// label is the bucket as text output writes it, e.g. "[4K, 8K)";
	// raw is the count before division, which scales the bar.
	label string
	raw   uint64
}

// nonEmpty returns the first and last non-zero counts, or -1, -1.
func nonEmpty(counts []uint64) (lo, hi int) {
	lo, hi = -1, -1
	for i, v := range counts {
		if v > 0 {
			if lo < 0 {
				lo = i
			}
			hi = i
		}
	}
	return lo, hi
}

// NewHist makes the value of hist() from its bucket counts: bucket 0
// counts negative values; with precision bits k, each of the next 2 << k
// buckets counts one value (0, 1, ...), and every power of two after that
// is split into 1 << k buckets. Counts are divided by div (print()'s
// third argument; 0 or 1 leaves them as they are).
func NewHist(counts []uint64, k int, div uint64) *Histogram {
	if div == 0 {
		div = 1
	}
	h := &Histogram{}
	lo, hi := nonEmpty(counts)
	if lo < 0 {
		return h
	}
	for i := lo; i <= hi; i++ {
		b := Bucket{Count: counts[i] / div, raw: counts[i]}
		switch {
		case i == 0:
			b.Below, b.Max, b.label = true, -1, "(..., 0)"
		case i <= 2<<k:
			b.Min, b.Max, b.label = int64(i-1), int64(i-1), "["+strconv.Itoa(i-1)+"]"
		default:
			b.Min, b.Max = histBound(i-1, k), histBound(i, k)-1
			b.label = "[" + histLabel(i-1, k) + ", " + histLabel(i, k) + ")"
		}
		h.Buckets = append(h.Buckets, b)
	}
	return h
}

// histBound is the smallest value of hist bucket i with precision k (for
// i above the single-value buckets): each power of two is split into
// n = 1 << k intervals, and the low k bits of i pick the interval.
func histBound(i, k int) int64 {
	if i <= 2<<k {
		return int64(i)
	}
	n := 1 << k
	interval := i & (n - 1)
	power := (i >> k) - 1
	return int64(uint64(1) << power * uint64(n+interval))
}

// histLabel writes a hist bound as bpftrace does: the value itself for
// the single-value buckets, otherwise with a K/M/G/T/P/E suffix for each
// power of 1024.
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

// NewLinearHist makes the value of lhist(v, min, max, step) from its
// bucket counts: bucket 0 counts values below min, the last bucket values
// at or above max, and the ones between count step values each.
func NewLinearHist(counts []uint64, min, max, step int64) *Histogram {
	h := &Histogram{}
	lo, hi := nonEmpty(counts)
	if lo < 0 {
		return h
	}
	last := int((max-min)/step) + 1
	for i := lo; i <= hi; i++ {
		b := Bucket{Count: counts[i], raw: counts[i]}
		switch {
		case i == 0:
			b.Below, b.Max = true, min-1
			b.label = "(..., " + lhistLabel(min) + ")"
		case i == last:
			b.Above, b.Min = true, max
			b.label = "[" + lhistLabel(max) + ", ...)"
		default:
			b.Min, b.Max = int64(i-1)*step+min, int64(i)*step+min-1
			b.label = "[" + lhistLabel(b.Min) + ", " + lhistLabel(b.Max+1) + ")"
		}
		h.Buckets = append(h.Buckets, b)
	}
	return h
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
