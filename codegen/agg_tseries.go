package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// Offsets of the u64 fields of a tseries interval in a map value.
const (
	tseriesValue = 0  // the value: last, running total, minimum or maximum
	tseriesMeta  = 8  // last: the write time; avg: the count; min, max: set
	tseriesEpoch = 16 // the interval's start time divided by its length
)

// tseries lowers @m[k] = tseries(n, interval, num_intervals [, agg]) as
// the newest bpftrace does. The current TAI time picks the interval
// (epoch = now / interval) and the slot that holds it (epoch modulo
// num_intervals); the map, a per-CPU hash, is keyed on the user key
// followed by the slot as a u64. A slot still holding an older epoch is
// reset before an aggregating update; user space keeps, for each slot,
// the newest epoch any CPU saw.
func (c *compiler) tseries(m *lang.MapExpr, mp *Map, call *lang.Call) {
	args := mp.Info.TSeries
	x := c.reg(c.value(call.Args[0]))
	now := c.tseriesNow()
	epoch := c.b.alu(asm.Div, now, c.b.movImm(args.Interval))
	slot := c.b.alu(asm.Mod, epoch, c.b.movImm(args.Intervals))

	var key mem
	if mp.Info.Key == nil {
		key = c.temp(8)
	} else {
		key = c.mapKey(m, mp, 8)
	}
	c.store(key.plus(mp.KeySize), slot, asm.DWord)

	p := c.lookup(mp, key)
	missing, done := c.b.newLabel(), c.b.newLabel()
	c.b.jumpImm(asm.JEq, p, 0, missing)
	if args.Agg != lang.TSeriesLast {
		// An interval from an earlier round of the slots starts afresh.
		same := c.b.newLabel()
		c.b.jump(asm.JEq, c.b.load(p, tseriesEpoch, asm.DWord, false), epoch, same)
		zero := c.b.movImm(0)
		c.b.store(p, tseriesValue, zero, asm.DWord)
		c.b.store(p, tseriesMeta, zero, asm.DWord)
		c.b.mark(same)
	}
	c.tseriesUpdate(p, args.Agg, x, now, epoch, mp.Info.Value.AggSigned)
	c.b.goTo(done)

	c.b.mark(missing)
	vm := c.temp(lang.TSeriesValueSize)
	c.zero(vm, lang.TSeriesValueSize)
	c.tseriesUpdate(c.addr(vm), args.Agg, x, now, epoch, mp.Info.Value.AggSigned)
	c.update(mp, key, vm)
	c.b.mark(done)
}

// tseriesUpdate records x in the interval that p points to.
func (c *compiler) tseriesUpdate(p vreg, agg lang.TSeriesAgg, x, now, epoch vreg, signed bool) {
	switch agg {
	case lang.TSeriesLast:
		// The write time tells user space which CPU wrote last.
		c.b.store(p, tseriesValue, x, asm.DWord)
		c.b.store(p, tseriesMeta, now, asm.DWord)
	case lang.TSeriesAvg:
		c.addTo(p, tseriesMeta, 1)
		fallthrough
	case lang.TSeriesSum:
		c.b.store(p, tseriesValue, c.b.alu(asm.Add, c.b.load(p, tseriesValue, asm.DWord, false), x), asm.DWord)
	case lang.TSeriesMin, lang.TSeriesMax:
		store, skip := c.b.newLabel(), c.b.newLabel()
		c.b.jumpImm(asm.JNE, c.b.load(p, tseriesMeta, asm.DWord, false), 1, store)
		cur := c.b.load(p, tseriesValue, asm.DWord, false)
		// Keep the current value unless x is at least as large (max) or
		// at most as large (min).
		if agg == lang.TSeriesMax {
			c.b.jump(map[bool]asm.JumpOp{true: asm.JSLT, false: asm.JLT}[signed], x, cur, skip)
		} else {
			c.b.jump(map[bool]asm.JumpOp{true: asm.JSGT, false: asm.JGT}[signed], x, cur, skip)
		}
		c.b.mark(store)
		c.b.store(p, tseriesValue, x, asm.DWord)
		c.b.store(p, tseriesMeta, c.b.movImm(1), asm.DWord)
		c.b.mark(skip)
	}
	c.b.store(p, tseriesEpoch, epoch, asm.DWord)
}

// tseriesNow reads the clock tseries() buckets by: TAI nanoseconds, which
// user space prints as wall-clock time. With Options.TSeriesClock naming
// a map without keys that holds an integer, its value (unsigned) stands
// for the clock (0 while it has none), so that tests control time.
func (c *compiler) tseriesNow() vreg {
	mp := c.obj.Map(c.opts.TSeriesClock)
	if c.opts.TSeriesClock == "" || mp == nil || mp.Layout != LayoutHash || mp.Info.Key != nil || !mp.Info.Value.IsInt() {
		return c.b.call(asm.FnKtimeGetTaiNs)
	}
	key := c.temp(8)
	c.storeImm(key, 0, asm.DWord)
	p := c.lookup(mp, key)
	now := c.b.movImm(0)
	missing := c.b.newLabel()
	c.b.jumpImm(asm.JEq, p, 0, missing)
	c.b.mov(now, c.b.load(p, 0, sizeOf(mp.Info.Value.Size), false))
	c.b.mark(missing)
	return now
}
