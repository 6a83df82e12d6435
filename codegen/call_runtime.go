package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// Functions user space finishes. time, cat, system, errorf, warnf and
// join send an event (join reads the array's strings into it); assert
// sends errorf's event and exit's. strftime, ntop, macaddr, username and
// cgroup_path store raw data that user space renders when the value
// prints (lang/types_rendered.go has the layouts), and buf a length and
// bytes. strerror, signal_name and syscall_name (call_names.go) and len
// (here) compute in BPF.

func init() {
	calls["time"] = lowerTime
	calls["cat"] = lowerFormatted(ActCat)
	calls["system"] = lowerFormatted(ActSystem)
	calls["errorf"] = lowerFormatted(ActErrorf)
	calls["warnf"] = lowerFormatted(ActWarnf)
	calls["join"] = lowerJoin
	calls["assert"] = lowerAssert
	calls["len"] = lowerLen
	intos["strftime"] = lowerStrftimeInto
	intos["buf"] = lowerBufInto
	intos["ntop"] = lowerNtopInto
	intos["macaddr"] = lowerMacaddrInto
	intos["username"] = lowerUsernameInto
	intos["cgroup_path"] = lowerCgroupPathInto
}

// Address families, as ntop() stores them.
const (
	afInet  = 2
	afInet6 = 10
)

// lowerTime sends time()'s event: user space formats the time.
func lowerTime(c *compiler, e *lang.Call) val {
	f := lang.DefaultTimeFormat
	if len(e.Args) == 1 {
		f = lang.LiteralText(e.Args[0])
	}
	c.event(&Action{Kind: ActTime, Text: f, Pos: e.Span}, nil)
	return val{t: e.Type()}
}

// lowerFormatted sends the event of a function that formats its
// arguments as printf() does: cat, system, errorf, warnf.
func lowerFormatted(kind ActionKind) callLowering {
	return func(c *compiler, e *lang.Call) val {
		c.event(&Action{Kind: kind, Format: e.Format, Pos: e.Span}, e.Args[1:])
		return val{t: e.Type()}
	}
}

// readsUser reports whether an address argument points into user memory:
// a user pointer, or an integer in a user-space probe.
func (c *compiler) readsUser(t *lang.Type) bool {
	return t.Space == lang.AddrUser || (t.Kind == lang.KindInt && c.userArgs())
}

// lowerJoin sends join()'s event: the first lang.JoinArgs strings of the
// array, lang.JoinArgSize bytes for each. A string that cannot be read
// (past the array's NULL) is empty, which ends the list in user space.
func lowerJoin(c *compiler, e *lang.Call) val {
	at := e.Args[0].Type()
	read, readStr := asm.FnProbeReadKernel, asm.FnProbeReadKernelStr
	if c.readsUser(at) {
		read, readStr = asm.FnProbeReadUser, asm.FnProbeReadUserStr
	}
	arr := c.b.copyReg(c.reg(c.value(e.Args[0])))
	slot := c.temp(8)
	a := &Action{Kind: ActJoin, Text: lang.JoinSeparator(e), Pos: e.Span,
		Size: EventHeader + lang.JoinArgs*lang.JoinArgSize}
	c.send(a, func(r mem) {
		for i := 0; i < lang.JoinArgs; i++ {
			// A failed read zeroes the slot: the string is then empty.
			c.b.call(read, c.addr(slot), c.b.movImm(8), c.b.aluImm(asm.Add, c.b.copyReg(arr), int64(8*i)))
			c.b.call(readStr, c.addr(r.plus(EventHeader+i*lang.JoinArgSize)), c.b.movImm(lang.JoinArgSize),
				c.load(slot, asm.DWord, false))
		}
	})
	return val{t: e.Type()}
}

// lowerAssert reports "assert failed: msg" as errorf() does and exits with
// code 1 when the condition is false.
func lowerAssert(c *compiler, e *lang.Call) val {
	ok, fail := c.b.newLabel(), c.b.newLabel()
	c.cond(e.Args[0], ok, fail)
	c.b.mark(fail)
	c.event(&Action{Kind: ActErrorf, Format: e.Format, Pos: e.Span}, e.Args[1:])
	a := &Action{Kind: ActExit, Pos: e.Span, Args: []Arg{{Type: lang.TypeInt64}}}
	layout(a, nil)
	c.send(a, func(r mem) { c.storeImm(r.plus(a.Args[0].Offset), 1, asm.DWord) })
	c.b.goTo(c.exit)
	c.b.mark(ok)
	return val{t: e.Type()}
}

// lowerLen counts a map's entries: bpf_for_each_map_elem returns how many
// it visited, and the callback visits them all.
func lowerLen(c *compiler, e *lang.Call) val {
	if t := e.Args[0].Type(); t != nil && t.Kind == lang.KindStack {
		return lowerStackLen(c, e)
	}
	mp := c.mapOf(e.Args[0].(*lang.MapExpr))
	fn := c.b.reg()
	c.b.emit(inst{op: opFuncPtr, dst: fn, mapRef: c.countCallback()})
	n := c.b.call(asm.FnForEachMapElem, c.b.mapPtr(mp.Spec.Name), fn, c.b.movImm(0), c.b.movImm(0))
	return val{t: e.Type(), reg: n}
}

// countCallback returns the name of the program's callback that goes on
// to the next entry, adding it on first use.
func (c *compiler) countCallback() string {
	const name = "len_each"
	for _, f := range c.funcs {
		if f.name == name {
			return name
		}
	}
	f := &function{name: name, b: builder{pos: c.b.pos}}
	f.b.exit(f.b.movImm(0))
	c.funcs = append(c.funcs, f)
	return name
}

// tableAction adds a non-event action (a strftime() format, a
// cgroup_path() filter) and returns its index, reusing an equal one.
func (c *compiler) tableAction(kind ActionKind, text string, pos lang.Span) int {
	for i, a := range c.obj.Actions {
		if a.Kind == kind && a.Text == text {
			return i
		}
	}
	c.obj.Actions = append(c.obj.Actions, &Action{Kind: kind, Text: text, Pos: pos})
	return len(c.obj.Actions) - 1
}

// lowerStrftimeInto stores the format's id, the clock and the timestamp.
func lowerStrftimeInto(c *compiler, e *lang.Call, dst mem, t *lang.Type, exact bool) {
	id := c.tableAction(ActStrftime, lang.LiteralText(e.Args[0]), e.Span)
	c.storeImm(dst, int64(id), asm.Word)
	c.storeImm(dst.plus(4), int64(lang.StrftimeBase(e)), asm.Word)
	c.into(e.Args[1], dst.plus(8), lang.TypeUint64, false)
}

// lowerCgroupPathInto stores the filter's id and the cgroup id.
func lowerCgroupPathInto(c *compiler, e *lang.Call, dst mem, t *lang.Type, exact bool) {
	id := c.tableAction(ActCgroupPath, lang.CgroupPathFilter(e), e.Span)
	c.storeImm(dst, int64(id), asm.DWord)
	c.into(e.Args[0], dst.plus(8), lang.TypeUint64, false)
}

// lowerUsernameInto stores the user id.
func lowerUsernameInto(c *compiler, e *lang.Call, dst mem, t *lang.Type, exact bool) {
	uid := c.b.call(asm.FnGetCurrentUidGid)
	uid = c.b.aluImm(asm.LSh, uid, 32)
	c.store(dst, c.b.aluImm(asm.RSh, uid, 32), asm.DWord)
}

// lowerBufInto stores a buffer: its length (a uint32) and its bytes, the
// rest of the capacity zeroed. An array is copied whole (up to the
// capacity); otherwise the length is the second argument, capped at the
// capacity, and the bytes are read from the first (an address, or a
// string or array held in memory).
func lowerBufInto(c *compiler, e *lang.Call, dst mem, t *lang.Type, exact bool) {
	capacity := min(e.Type().Len, t.Len)
	arg := e.Args[0]
	at := arg.Type()
	data := dst.plus(lang.BufferHeader)
	c.zero(dst, t.Size)
	if len(e.Args) == 1 {
		v := c.value(arg)
		c.copyMem(data, v.m, capacity)
		c.storeImm(dst, int64(capacity), asm.Word)
		return
	}
	var src vreg
	fn := asm.FnProbeReadKernel
	avail := capacity
	switch at.Kind {
	case lang.KindString, lang.KindArray:
		// Past its end a string or array reads as zeros, as if padded
		// to the capacity.
		v := c.value(arg)
		if v.m.space == lang.AddrUser {
			fn = asm.FnProbeReadUser
		}
		src = c.addr(v.m)
		avail = min(capacity, at.Size)
	default:
		src = c.reg(c.value(arg))
		if c.readsUser(at) {
			fn = asm.FnProbeReadUser
		}
	}
	n := c.capped(c.value(e.Args[1]), capacity)
	c.store(dst, n, asm.Word)
	if avail > 0 {
		c.b.call(fn, c.addr(data), c.capped(val{t: lang.TypeUint64, reg: n}, avail), src)
	}
}

// capped returns an unsigned value capped at limit, in a register of its
// own: a size the verifier can bound.
func (c *compiler) capped(v val, limit int) vreg {
	n := c.b.copyReg(c.reg(v))
	done := c.b.newLabel()
	c.b.jumpImm(asm.JLE, n, int64(limit), done)
	c.b.setImm(n, int64(limit))
	c.b.mark(done)
	return n
}

// lowerNtopInto stores the address family and the address: an integer's
// four bytes (IPv4) or an array's 4 or 16.
func lowerNtopInto(c *compiler, e *lang.Call, dst mem, t *lang.Type, exact bool) {
	arg := e.Args[len(e.Args)-1]
	at := arg.Type()
	if len(e.Args) == 2 {
		c.into(e.Args[0], dst, lang.TypeInt64, false)
	} else if at.Kind == lang.KindInt || at.Size == 4 {
		c.storeImm(dst, afInet, asm.DWord)
	} else {
		c.storeImm(dst, afInet6, asm.DWord)
	}
	addr := dst.plus(8)
	c.zero(addr, 16)
	if at.Kind == lang.KindInt {
		c.store(addr, c.reg(c.value(arg)), asm.Word)
		return
	}
	v := c.value(arg)
	c.copyMem(addr, v.m, at.Size)
}

// lowerMacaddrInto stores six bytes: an array's first six, or six read
// from an address.
func lowerMacaddrInto(c *compiler, e *lang.Call, dst mem, t *lang.Type, exact bool) {
	arg := e.Args[0]
	at := arg.Type()
	c.zero(dst, t.Size)
	switch at.Kind {
	case lang.KindArray, lang.KindString:
		v := c.value(arg)
		c.copyMem(dst, v.m, 6)
	default:
		space := lang.AddrKernel
		if c.readsUser(at) {
			space = lang.AddrUser
		}
		c.probeRead(dst, mem{base: c.reg(c.value(arg)), space: space}, 6, false)
	}
}
