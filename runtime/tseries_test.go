package runtime

import (
	"encoding/binary"
	"reflect"
	"testing"
	"time"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime/output"
)

// slot encodes one CPU's interval as the BPF program stores it.
func slot(value int64, meta, epoch uint64) []byte {
	b := make([]byte, lang.TSeriesValueSize)
	binary.LittleEndian.PutUint64(b, uint64(value))
	binary.LittleEndian.PutUint64(b[8:], meta)
	binary.LittleEndian.PutUint64(b[16:], epoch)
	return b
}

func TestReduceSlot(t *testing.T) {
	cases := []struct {
		name      string
		agg       lang.TSeriesAgg
		signed    bool
		cpus      [][]byte
		epoch     uint64
		wantValue int64
	}{
		{"unused", lang.TSeriesSum, true, [][]byte{slot(0, 0, 0), slot(0, 0, 0)}, 0, 0},
		// zero() leaves every CPU at epoch 0: read as the value 0.
		{"zeroed", lang.TSeriesLast, true, [][]byte{slot(0, 0, 0)}, 0, 0},
		// The newest epoch wins; older CPUs' values do not count.
		{"newest epoch", lang.TSeriesSum, true, [][]byte{slot(5, 0, 7), slot(3, 0, 9), slot(4, 0, 9), slot(100, 0, 8)}, 9, 7},
		// Without a function, the value written last (meta: its time).
		{"last", lang.TSeriesLast, true, [][]byte{slot(1, 300, 4), slot(2, 500, 4), slot(3, 400, 4)}, 4, 2},
		{"avg", lang.TSeriesAvg, true, [][]byte{slot(-10, 2, 4), slot(-5, 2, 4), slot(90, 1, 3)}, 4, -3},
		{"avg unsigned", lang.TSeriesAvg, false, [][]byte{slot(10, 3, 4), slot(-1, 0, 0)}, 4, 3},
		{"min signed", lang.TSeriesMin, true, [][]byte{slot(-2, 1, 4), slot(3, 1, 4), slot(-9, 1, 2)}, 4, -2},
		{"min unsigned", lang.TSeriesMin, false, [][]byte{slot(-2, 1, 4), slot(3, 1, 4)}, 4, 3},
		{"max signed", lang.TSeriesMax, true, [][]byte{slot(-2, 1, 4), slot(3, 1, 4)}, 4, 3},
		{"max unsigned", lang.TSeriesMax, false, [][]byte{slot(-2, 1, 4), slot(3, 1, 4)}, 4, -2},
	}
	for _, c := range cases {
		epoch, v := reduceSlot(c.cpus, c.agg, c.signed)
		if epoch != c.epoch || int64(v) != c.wantValue {
			t.Errorf("%s: epoch %d value %d, want %d %d", c.name, epoch, int64(v), c.epoch, c.wantValue)
		}
	}
}

// TestOutputTSeries checks the window every key's series is cut to: the
// map's newest epoch and num_intervals before it, each series starting at
// its own first epoch in the window; keys in key order.
func TestOutputTSeries(t *testing.T) {
	key := lang.TupleType([]*lang.Type{lang.TypeInt64})
	m := &codegen.Map{Layout: codegen.LayoutTSeries, KeySize: 8, Info: &lang.MapInfo{
		Name: "@m", Key: key, Value: lang.AggType(lang.AggTSeries, true),
		TSeries: &lang.TSeriesArgs{Interval: int64(time.Second), Intervals: 4},
	}}
	k := func(n int64) []byte {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, uint64(n))
		return b
	}
	at := func(epoch int64) time.Time { return time.Unix(epoch, 0) }
	entries := []*entry{
		{key: k(2), series: map[uint64]uint64{100: 1, 102: 2, 96: 9}},
		{key: k(-1), series: map[uint64]uint64{103: ^uint64(4)}},
		{key: k(1), series: map[uint64]uint64{90: 5}},
	}
	got := (&decoder{}).outputTSeries(m, entries)
	want := &output.Map{Name: "@m", Kind: output.MapTSeries, Keyed: true, Entries: []output.Entry{
		{Key: []any{int64(-1)}, Value: &output.TimeSeries{Points: []output.TimePoint{{Start: at(103), Value: int64(-5)}}}},
		// Nothing in the window: the window's last interval alone.
		{Key: []any{int64(1)}, Value: &output.TimeSeries{Points: []output.TimePoint{{Start: at(103), Value: nil}}}},
		{Key: []any{int64(2)}, Value: &output.TimeSeries{Points: []output.TimePoint{
			{Start: at(100), Value: int64(1)}, {Start: at(101), Value: nil}, {Start: at(102), Value: int64(2)}, {Start: at(103), Value: nil}}}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}

	// Zeroed: every epoch 0, so the window wraps around and is empty.
	zeroed := (&decoder{}).outputTSeries(m, []*entry{{key: k(1), series: map[uint64]uint64{0: 0}}})
	if ts := zeroed.Entries[0].Value.(*output.TimeSeries); len(ts.Points) != 0 {
		t.Errorf("zeroed: %+v", ts.Points)
	}
	if empty := (&decoder{}).outputTSeries(m, nil); len(empty.Entries) != 0 {
		t.Errorf("empty: %+v", empty)
	}
}
