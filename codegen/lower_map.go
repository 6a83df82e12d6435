package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// BPF_ANY for map updates.
const updateAny = 0

func (c *compiler) mapOf(m *lang.MapExpr) *Map { return c.obj.Map(m.Name) }

// mapKey builds the key of @m[k...] in a temporary. extra reserves room
// after the user key (for a hist bucket index).
func (c *compiler) mapKey(m *lang.MapExpr, mp *Map, extra int) mem {
	info := mp.Info
	switch mp.Layout {
	case LayoutPerCPUArray:
		k := c.temp(4)
		c.storeImm(k, 0, asm.Word)
		return k
	case LayoutBucketArray:
		return c.temp(4)
	}
	if info.Key == nil {
		k := c.temp(8 + extra)
		c.storeImm(k, 0, asm.DWord)
		return k
	}
	k := c.temp(mp.KeySize + extra)
	if pad := mp.KeySize - info.Key.Size; pad > 0 {
		c.zero(k.plus(info.Key.Size), pad)
	}
	if len(m.Keys) == 1 && m.Keys[0].Type().Kind == lang.KindTuple && len(info.Key.Fields) > 1 {
		c.into(m.Keys[0], k, info.Key, true)
		return k
	}
	for i, e := range m.Keys {
		c.into(e, k.plus(info.Key.Fields[i].Offset), info.Key.Fields[i].Type, true)
	}
	c.zeroPadding(k, info.Key)
	return k
}

func (c *compiler) lookup(mp *Map, key mem) vreg {
	return c.b.call(asm.FnMapLookupElem, c.b.mapPtr(mp.Spec.Name), c.addr(key))
}

func (c *compiler) update(mp *Map, key, value mem) {
	c.b.call(asm.FnMapUpdateElem, c.b.mapPtr(mp.Spec.Name), c.addr(key), c.addr(value), c.b.movImm(updateAny))
}

// mapRead lowers a read of @m[k]: the value, or zero when there is none.
func (c *compiler) mapRead(e *lang.MapExpr) val {
	mp := c.mapOf(e)
	t := e.Type()
	key := c.mapKey(e, mp, 0)
	if mp.Info.Value.Kind == lang.KindAgg {
		return val{t: t, reg: c.aggRead(mp, key)}
	}
	p := c.lookup(mp, key)
	if isScalar(t) {
		r := c.b.reg()
		missing, done := c.b.newLabel(), c.b.newLabel()
		c.b.jumpImm(asm.JEq, p, 0, missing)
		size := sizeOf(t.Size)
		if mp.Info.Value.Kind == lang.KindAgg {
			size = asm.DWord
		}
		c.b.mov(r, c.b.load(p, 0, size, t.Signed))
		c.b.goTo(done)
		c.b.mark(missing)
		c.b.setImm(r, 0)
		c.b.mark(done)
		return val{t: t, reg: r}
	}
	m := c.temp(t.Size)
	missing, done := c.b.newLabel(), c.b.newLabel()
	c.b.jumpImm(asm.JEq, p, 0, missing)
	c.copyMem(m, mem{base: p}, t.Size)
	c.b.goTo(done)
	c.b.mark(missing)
	c.zero(m, t.Size)
	c.b.mark(done)
	return val{t: t, inMem: true, m: m}
}

// aggRead reads an aggregation (count, sum, min, max) across every CPU,
// as the newest bpftrace does: each CPU's slot through
// bpf_map_lookup_percpu_elem, until a CPU has none.
func (c *compiler) aggRead(mp *Map, key mem) vreg {
	agg := mp.Info.Value.Agg
	ncpu := c.opts.NumCPU
	if ncpu <= 0 {
		ncpu = defaultMaxCPUs
	}
	res, found, cpu := c.b.movImm(0), c.b.movImm(0), c.b.movImm(0)
	var count vreg
	if agg == lang.AggAvg {
		count = c.b.movImm(0)
	}
	loop, next, done := c.b.newLabel(), c.b.newLabel(), c.b.newLabel()
	c.b.mark(loop)
	c.b.jumpImm(asm.JGE, cpu, int64(ncpu), done)
	p := c.b.call(asm.FnMapLookupPercpuElem, c.b.mapPtr(mp.Spec.Name), c.addr(key), cpu)
	c.b.jumpImm(asm.JEq, p, 0, done)
	v := c.b.load(p, 0, asm.DWord, false)
	switch agg {
	case lang.AggCount, lang.AggSum:
		c.b.aluInto(res, asm.Add, res, v)
	case lang.AggMin, lang.AggMax:
		// Skip CPUs that never saw a value.
		c.b.jumpImm(asm.JEq, c.b.load(p, 8, asm.Word, false), 0, next)
		take := c.b.newLabel()
		c.b.jumpImm(asm.JEq, found, 0, take)
		signed := mp.Info.Value.AggSigned
		better := map[bool]asm.JumpOp{true: asm.JSLT, false: asm.JLT}[signed]
		if agg == lang.AggMax {
			better = map[bool]asm.JumpOp{true: asm.JSGT, false: asm.JGT}[signed]
		}
		c.b.jump(better, v, res, take)
		c.b.goTo(next)
		c.b.mark(take)
		c.b.mov(res, v)
		c.b.setImm(found, 1)
	case lang.AggAvg:
		c.b.aluInto(count, asm.Add, count, v)
		c.b.aluInto(res, asm.Add, res, c.b.load(p, 8, asm.DWord, false))
	}
	c.b.mark(next)
	c.b.aluImmInto(cpu, asm.Add, cpu, 1)
	c.b.goTo(loop)
	c.b.mark(done)
	if agg == lang.AggAvg {
		// The total over the count, truncated toward zero; BPF's
		// division of a zero count gives 0.
		if !mp.Info.Value.AggSigned {
			return c.b.alu(asm.Div, res, count)
		}
		pos := c.b.newLabel()
		end := c.b.newLabel()
		c.b.jumpImm(asm.JSGE, res, 0, pos)
		c.b.emit(inst{op: opNeg, dst: res, a: res})
		c.b.aluInto(res, asm.Div, res, count)
		c.b.emit(inst{op: opNeg, dst: res, a: res})
		c.b.goTo(end)
		c.b.mark(pos)
		c.b.aluInto(res, asm.Div, res, count)
		c.b.mark(end)
	}
	return res
}

// defaultMaxCPUs bounds the per-CPU loop when the caller did not say how
// many CPUs the machine has.
const defaultMaxCPUs = 64

// mapAssign lowers @m[k] = v and @m[k] op= v.
func (c *compiler) mapAssign(m *lang.MapExpr, op string, value lang.Expr) {
	mp := c.mapOf(m)
	if call, ok := value.(*lang.Call); ok && mp.Info.Value.Kind == lang.KindAgg && op == "=" {
		c.aggregate(m, mp, call)
		return
	}
	t := mp.Info.Value
	if op == "=" {
		key := c.mapKey(m, mp, 0)
		vm := c.temp(t.Size)
		c.into(value, vm, t, false)
		c.update(mp, key, vm)
		return
	}
	rhs := c.value(value)
	if step := pointerStep(t); step != 1 {
		// @p += n on a pointer moves it by n of what it points to.
		if rhs.konst {
			rhs = val{t: rhs.t, konst: true, imm: rhs.imm * step}
		} else {
			rhs = val{t: rhs.t, reg: c.b.aluImm(asm.Mul, c.b.copyReg(c.reg(rhs)), step)}
		}
	}
	c.readModifyWrite(m, mp, func(cur val) val { return c.arith(op[:len(op)-1], cur, rhs, t) })
}

// pointerStep is how far ++ moves a value of type t: the size of what a
// pointer points to, 1 for integers.
func pointerStep(t *lang.Type) int64 {
	if t.Kind == lang.KindPointer && t.Elem != nil && t.Elem.Size > 0 {
		return int64(t.Elem.Size)
	}
	return 1
}

// readModifyWrite updates an integer map entry in place, creating it
// (from zero) when missing. It returns the old and new values.
func (c *compiler) readModifyWrite(m *lang.MapExpr, mp *Map, f func(cur val) val) (old, updated vreg) {
	t := mp.Info.Value
	key := c.mapKey(m, mp, 0)
	p := c.lookup(mp, key)
	old, updated = c.b.reg(), c.b.reg()
	missing, done := c.b.newLabel(), c.b.newLabel()
	c.b.jumpImm(asm.JEq, p, 0, missing)
	c.b.mov(old, c.b.load(p, 0, asm.DWord, false))
	c.b.mov(updated, c.reg(f(val{t: t, reg: old})))
	c.b.store(p, 0, updated, asm.DWord)
	c.b.goTo(done)
	c.b.mark(missing)
	c.b.setImm(old, 0)
	c.b.mov(updated, c.reg(f(val{t: t, reg: old})))
	vm := c.temp(8)
	c.store(vm, updated, asm.DWord)
	c.update(mp, key, vm)
	c.b.mark(done)
	return old, updated
}

func (c *compiler) mapIncDec(m *lang.MapExpr, delta int64, prefix bool) val {
	mp := c.mapOf(m)
	t := mp.Info.Value
	old, updated := c.readModifyWrite(m, mp, func(cur val) val {
		return c.arith("+", cur, val{t: t, konst: true, imm: delta * pointerStep(t)}, t)
	})
	if prefix {
		return val{t: t, reg: updated}
	}
	return val{t: t, reg: old}
}

// aggregate lowers @m[k] = count(), sum(x), hist(x)...
func (c *compiler) aggregate(m *lang.MapExpr, mp *Map, call *lang.Call) {
	agg := mp.Info.Value.Agg
	if agg == lang.AggTSeries {
		c.tseries(m, mp, call)
		return
	}
	var x vreg
	if len(call.Args) > 0 {
		x = c.reg(c.value(call.Args[0]))
	}
	switch mp.Layout {
	case LayoutBucketArray, LayoutBucketHash:
		c.bucketCount(m, mp, c.bucket(mp, x, call.Args[0].Type()))
		return
	}
	key := c.mapKey(m, mp, 0)
	p := c.lookup(mp, key)
	missing, done := c.b.newLabel(), c.b.newLabel()
	c.b.jumpImm(asm.JEq, p, 0, missing)
	signed := mp.Info.Value.AggSigned
	switch agg {
	case lang.AggCount:
		c.addTo(p, 0, 1)
	case lang.AggSum:
		c.b.store(p, 0, c.b.alu(asm.Add, c.b.load(p, 0, asm.DWord, false), x), asm.DWord)
		if mp.Layout == LayoutPerCPUArray {
			c.b.storeImm(p, 8, 1, asm.Word)
		}
	case lang.AggMin, lang.AggMax:
		store := c.b.newLabel()
		c.b.jumpImm(asm.JEq, c.b.load(p, 8, asm.Word, false), 0, store)
		jop := map[bool]asm.JumpOp{true: asm.JSLE, false: asm.JLE}[signed]
		if agg == lang.AggMax {
			jop = map[bool]asm.JumpOp{true: asm.JSGE, false: asm.JGE}[signed]
		}
		c.b.jump(jop, c.b.load(p, 0, asm.DWord, false), x, done)
		c.b.mark(store)
		c.b.store(p, 0, x, asm.DWord)
		c.b.storeImm(p, 8, 1, asm.Word)
	case lang.AggAvg, lang.AggStats:
		c.addTo(p, 0, 1)
		c.b.store(p, 8, c.b.alu(asm.Add, c.b.load(p, 8, asm.DWord, false), x), asm.DWord)
	}
	c.b.goTo(done)
	c.b.mark(missing)
	if mp.Layout == LayoutPerCPUHash {
		vm := c.temp(int(mp.Spec.ValueSize))
		switch agg {
		case lang.AggCount:
			c.storeImm(vm, 1, asm.DWord)
		case lang.AggSum:
			c.store(vm, x, asm.DWord)
		case lang.AggMin, lang.AggMax:
			c.store(vm, x, asm.DWord)
			c.storeImm(vm.plus(8), 1, asm.DWord)
		case lang.AggAvg, lang.AggStats:
			c.storeImm(vm, 1, asm.DWord)
			c.store(vm.plus(8), x, asm.DWord)
		}
		c.update(mp, key, vm)
	}
	c.b.mark(done)
}

// addTo adds a constant to the u64 at p+off.
func (c *compiler) addTo(p vreg, off int, n int64) {
	c.b.store(p, off, c.b.aluImm(asm.Add, c.b.load(p, off, asm.DWord, false), n), asm.DWord)
}

// bucketCount counts one event in a hist or lhist bucket.
func (c *compiler) bucketCount(m *lang.MapExpr, mp *Map, bucket vreg) {
	var key mem
	if mp.Layout == LayoutBucketArray {
		key = c.mapKey(m, mp, 0)
		c.store(key, bucket, asm.Word)
	} else {
		key = c.mapKey(m, mp, 8)
		c.store(key.plus(mp.KeySize), bucket, asm.DWord)
	}
	p := c.lookup(mp, key)
	missing, done := c.b.newLabel(), c.b.newLabel()
	c.b.jumpImm(asm.JEq, p, 0, missing)
	c.addTo(p, 0, 1)
	c.b.goTo(done)
	c.b.mark(missing)
	if mp.Layout == LayoutBucketHash {
		vm := c.temp(8)
		c.storeImm(vm, 1, asm.DWord)
		c.update(mp, key, vm)
	}
	c.b.mark(done)
}

// bucket computes the hist or lhist bucket index of x.
func (c *compiler) bucket(mp *Map, x vreg, t *lang.Type) vreg {
	info := mp.Info
	r := c.b.reg()
	done := c.b.newLabel()
	signed := t.Signed
	if info.Value.Agg == lang.AggLhist {
		lo, hi, step := info.LhistMin, info.LhistMax, info.LhistStep
		below, above := c.b.newLabel(), c.b.newLabel()
		lt, ge := asm.JLT, asm.JGE
		if signed {
			lt, ge = asm.JSLT, asm.JSGE
		}
		c.b.jump(lt, x, c.b.movImm(lo), below)
		c.b.jump(ge, x, c.b.movImm(hi), above)
		d := c.b.aluImm(asm.Sub, x, lo)
		d = c.b.aluImm(asm.Div, d, step)
		c.b.mov(r, c.b.aluImm(asm.Add, d, 1))
		c.b.goTo(done)
		c.b.mark(below)
		c.b.setImm(r, 0)
		c.b.goTo(done)
		c.b.mark(above)
		c.b.setImm(r, 1+(hi-lo)/step)
		c.b.mark(done)
		return r
	}
	// hist(x, k), as the newest bpftrace buckets it: 0 for negatives;
	// x+1 for 0 <= x < 2^k; otherwise, with l = floor(log2 x) - k,
	// ((l+1) << k) + the k bits after the leading one + 1. With k = 0
	// that is 1 for zero and 2 + floor(log2 x) above.
	k := int64(info.HistBits)
	mask := int64(1)<<k - 1
	small := c.b.newLabel()
	c.b.setImm(r, 0)
	c.b.jumpImm(asm.JSLT, x, 0, done)
	c.b.jumpImm(asm.JLE, x, mask, small)
	l := c.log2(x)
	if k == 0 {
		c.b.mov(r, c.b.aluImm(asm.Add, l, 2))
	} else {
		c.b.aluImmInto(l, asm.Sub, l, k)
		sub := c.b.aluImm(asm.And, c.b.alu(asm.RSh, c.b.copyReg(x), l), mask)
		idx := c.b.aluImm(asm.LSh, c.b.aluImm(asm.Add, l, 1), k)
		c.b.mov(r, c.b.aluImm(asm.Add, c.b.alu(asm.Add, idx, sub), 1))
	}
	c.b.goTo(done)
	c.b.mark(small)
	c.b.mov(r, c.b.aluImm(asm.Add, x, 1))
	c.b.mark(done)
	return r
}

// log2 computes floor(log2 x) for x > 0 by binary search: the top half is
// tested by shifting (2^32 does not fit an immediate), the rest against
// immediate thresholds.
func (c *compiler) log2(x vreg) vreg {
	n := c.b.copyReg(x)
	l := c.b.movImm(0)
	skip := c.b.newLabel()
	t := c.b.aluImm(asm.RSh, n, 32)
	c.b.jumpImm(asm.JEq, t, 0, skip)
	c.b.mov(n, t)
	c.b.setImm(l, 32)
	c.b.mark(skip)
	for _, shift := range []int64{16, 8, 4, 2, 1} {
		skip := c.b.newLabel()
		c.b.jumpImm(asm.JLT, n, 1<<shift, skip)
		c.b.aluImmInto(n, asm.RSh, n, shift)
		c.b.aluImmInto(l, asm.Add, l, shift)
		c.b.mark(skip)
	}
	return l
}
