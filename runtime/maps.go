package runtime

import (
	"encoding/binary"
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
)

// entry is one map entry with its per-CPU values merged.
type entry struct {
	key []byte // the user key, nil for a map without keys
	// raw is the value of a plain (non-aggregating) map.
	raw []byte
	// num is the merged value of count, sum, min and max, as the bits of
	// an int64 or uint64 depending on the aggregation's sign.
	num uint64
	// count and total are avg() and stats() state.
	count, total int64
	// buckets are hist() and lhist() counts.
	buckets []uint64
	// series maps each epoch of a tseries() to its value (tseries.go).
	series map[uint64]uint64
}

// mapReader reads and merges a map's entries.
type mapReader struct {
	ncpu int
}

// read returns every entry of a map. zeroed marks a map that user space
// zeroed: its entries stay visible even when all zero, as in bpftrace.
func (r *mapReader) read(m *codegen.Map, bm *ebpf.Map, zeroed bool) ([]*entry, error) {
	info := m.Info
	valueSize := int(m.Spec.ValueSize)
	switch m.Layout {
	case codegen.LayoutHash:
		var out []*entry
		key := make([]byte, m.Spec.KeySize)
		val := make([]byte, valueSize)
		it := bm.Iterate()
		for it.Next(&key, &val) {
			e := &entry{raw: append([]byte(nil), val...)}
			if info.Key != nil {
				e.key = append([]byte(nil), key...)
			}
			out = append(out, e)
		}
		return out, it.Err()
	case codegen.LayoutPerCPUArray:
		vals, err := r.lookupPerCPU(bm, uint32(0), valueSize)
		if err != nil {
			return nil, err
		}
		e := r.merge(info.Value, vals)
		if !present(info.Value, vals) && !zeroed {
			return nil, nil
		}
		return []*entry{e}, nil
	case codegen.LayoutPerCPUHash:
		var out []*entry
		key := make([]byte, m.Spec.KeySize)
		vals := r.perCPUBuffers(valueSize)
		it := bm.Iterate()
		for it.Next(&key, &vals) {
			e := r.merge(info.Value, vals)
			e.key = append([]byte(nil), key...)
			out = append(out, e)
		}
		return out, it.Err()
	case codegen.LayoutBucketArray:
		e := &entry{buckets: make([]uint64, m.Buckets)}
		any := false
		for b := 0; b < m.Buckets; b++ {
			vals, err := r.lookupPerCPU(bm, uint32(b), 8)
			if err != nil {
				return nil, err
			}
			for _, v := range vals {
				e.buckets[b] += binary.LittleEndian.Uint64(v)
			}
			any = any || e.buckets[b] != 0
		}
		if !any && !zeroed {
			return nil, nil
		}
		return []*entry{e}, nil
	case codegen.LayoutBucketHash:
		byKey := map[string]*entry{}
		var out []*entry
		key := make([]byte, m.Spec.KeySize)
		vals := r.perCPUBuffers(8)
		it := bm.Iterate()
		for it.Next(&key, &vals) {
			user := key[:m.KeySize]
			bucket := binary.LittleEndian.Uint64(key[m.KeySize:])
			e, ok := byKey[string(user)]
			if !ok {
				e = &entry{key: append([]byte(nil), user...), buckets: make([]uint64, m.Buckets)}
				byKey[string(user)] = e
				out = append(out, e)
			}
			if bucket < uint64(m.Buckets) {
				for _, v := range vals {
					e.buckets[bucket] += binary.LittleEndian.Uint64(v)
				}
			}
		}
		return out, it.Err()
	case codegen.LayoutTSeries:
		return r.readTSeries(m, bm)
	}
	return nil, fmt.Errorf("map %s: unknown layout %v", info.Name, m.Layout)
}

func (r *mapReader) perCPUBuffers(size int) [][]byte {
	vals := make([][]byte, r.ncpu)
	for i := range vals {
		vals[i] = make([]byte, size)
	}
	return vals
}

func (r *mapReader) lookupPerCPU(bm *ebpf.Map, key uint32, size int) ([][]byte, error) {
	vals := r.perCPUBuffers(size)
	if err := bm.Lookup(&key, &vals); err != nil {
		return nil, err
	}
	return vals, nil
}

// present reports whether a per-CPU aggregation slot was ever updated.
// count() maps without keys always print, as in bpftrace 0.17.
func present(t *lang.Type, vals [][]byte) bool {
	for _, v := range vals {
		switch t.Agg {
		case lang.AggCount:
			return true
		case lang.AggSum, lang.AggMin, lang.AggMax:
			if binary.LittleEndian.Uint32(v[8:]) != 0 {
				return true
			}
		case lang.AggAvg, lang.AggStats:
			if binary.LittleEndian.Uint64(v) != 0 {
				return true
			}
		}
	}
	return false
}

// merge combines the per-CPU values of an aggregation.
func (r *mapReader) merge(t *lang.Type, vals [][]byte) *entry {
	e := &entry{}
	first := true
	for _, v := range vals {
		x := binary.LittleEndian.Uint64(v)
		switch t.Agg {
		case lang.AggCount:
			e.num += x
		case lang.AggSum:
			e.num += x
		case lang.AggMin, lang.AggMax:
			if binary.LittleEndian.Uint32(v[8:]) == 0 {
				continue
			}
			better := less(x, e.num, t.AggSigned)
			if t.Agg == lang.AggMax {
				better = less(e.num, x, t.AggSigned)
			}
			if first || better {
				e.num = x
				first = false
			}
		case lang.AggAvg, lang.AggStats:
			e.count += int64(x)
			e.total += int64(binary.LittleEndian.Uint64(v[8:]))
		}
	}
	return e
}

func less(a, b uint64, signed bool) bool {
	if signed {
		return int64(a) < int64(b)
	}
	return a < b
}
