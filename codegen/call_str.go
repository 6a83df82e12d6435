package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// String functions: strlen, strncmp, strcontains, strstr, str_concat,
// memcmp (strcap is an expansion lang makes). Strings are compared and searched in BPF memory
// (the stack), byte by byte: loops over a string's capacity are unrolled,
// except strstr's scan of the haystack, a bounded loop.

func init() {
	calls["strlen"] = lowerStrlen
	calls["strncmp"] = lowerStrncmp
	calls["strcontains"] = lowerStrSearch
	calls["strstr"] = lowerStrSearch
	calls["memcmp"] = lowerMemcmp
	intos["str_concat"] = lowerStrConcatInto
}

// inBPF returns a value held in memory (a string, an array, a tuple...)
// where BPF code can read it directly: on the stack, or in a map value.
// Fields of kernel, user or context memory are copied first.
func (c *compiler) inBPF(e lang.Expr) val {
	switch e.(type) {
	case *lang.FieldExpr, *lang.IndexExpr, *lang.Unary:
		return c.viaMemory(e)
	}
	v := c.value(e)
	if !v.inMem {
		// A scalar: its bytes, as the value is stored.
		m := c.temp(v.t.Size)
		c.storeVal(m, v, v.t, false)
		return val{t: v.t, inMem: true, m: m}
	}
	if v.m.foreign() || v.m.space == lang.AddrCtx {
		m := c.temp(v.t.Size)
		c.copyMem(m, v.m, v.t.Size)
		return val{t: v.t, inMem: true, m: m}
	}
	return v
}

// strlen(s): count the bytes before the first NUL, up to the capacity; a
// pointer is read as a string of at most max_strlen bytes.
func lowerStrlen(c *compiler, e *lang.Call) val {
	arg := e.Args[0]
	at := arg.Type()
	if at.Kind == lang.KindPointer {
		n := c.obj.Config.MaxStrlen
		buf := c.temp(n + 1)
		fn := asm.FnProbeReadKernelStr
		if at.Space == lang.AddrUser {
			fn = asm.FnProbeReadUserStr
		}
		ret := c.b.call(fn, c.addr(buf), c.b.movImm(int64(n+1)), c.reg(c.value(arg)))
		// The helper counts the terminator; a failed read is empty.
		r := c.b.reg()
		empty, done := c.b.newLabel(), c.b.newLabel()
		c.b.jumpImm(asm.JSLE, ret, 0, empty)
		c.b.mov(r, c.b.aluImm(asm.Sub, ret, 1))
		c.b.goTo(done)
		c.b.mark(empty)
		c.b.setImm(r, 0)
		c.b.mark(done)
		return val{t: e.Type(), reg: r}
	}
	s := c.inBPF(arg)
	r := c.b.movImm(0)
	done := c.b.newLabel()
	for i := 0; i < s.t.Size; i++ {
		c.b.jumpImm(asm.JEq, c.load(s.m.plus(i), asm.Byte, false), 0, done)
		c.b.aluImmInto(r, asm.Add, r, 1)
	}
	c.b.mark(done)
	return val{t: e.Type(), reg: r}
}

// strncmp(a, b, n): 0 when the strings agree up to n bytes or up to their
// terminator, 1 otherwise. bpftrace reads no further than the smaller
// capacity.
func lowerStrncmp(c *compiler, e *lang.Call) val {
	a, b := c.inBPF(e.Args[0]), c.inBPF(e.Args[1])
	n := min(int(c.value(e.Args[2]).imm), a.t.Size, b.t.Size)
	eq, ne := c.b.newLabel(), c.b.newLabel()
	for i := 0; i < n; i++ {
		x := c.load(a.m.plus(i), asm.Byte, false)
		c.b.jump(asm.JNE, x, c.load(b.m.plus(i), asm.Byte, false), ne)
		c.b.jumpImm(asm.JEq, x, 0, eq)
	}
	return val{t: e.Type(), reg: c.flag(ne, eq)}
}

// lowerStrSearch finds the needle in the haystack: strstr() returns the
// index of the first occurrence (0 for an empty needle) or -1;
// strcontains() whether there is one. The haystack is scanned by a
// bounded loop; the comparison at each position is unrolled over the
// needle, against constants when the needle is a literal.
func lowerStrSearch(c *compiler, e *lang.Call) val {
	h := c.inBPF(e.Args[0])
	size := h.t.Size
	var lit []byte
	var n val
	if s, ok := e.Args[1].(*lang.StrLit); ok {
		lit = []byte(s.Value)
		for i, ch := range lit {
			if ch == 0 {
				lit = lit[:i]
				break
			}
		}
	} else {
		n = c.inBPF(e.Args[1])
	}
	idx := c.b.reg()
	found, missing, done := c.b.newLabel(), c.b.newLabel(), c.b.newLabel()
	c.b.setImm(idx, 0)
	switch {
	case lit != nil && len(lit) == 0:
		c.b.goTo(found)
	case lit == nil:
		c.b.jumpImm(asm.JEq, c.load(n.m, asm.Byte, false), 0, found)
	}
	nlen := len(lit)
	if lit == nil {
		nlen = n.t.Size
	}
	// The verifier follows a conditional jump's fall-through first and
	// keeps the jump's target for later, at most 8192 of them: the way
	// on to the next position falls through, so that a long haystack
	// (max_strlen 1024) leaves one target a position, not one a needle
	// byte.
	loop, next := c.b.newLabel(), c.b.newLabel()
	base := c.addr(h.m)
	c.b.mark(loop)
	c.b.jumpImm(asm.JGE, idx, int64(size), missing)
	at := func() vreg { return c.b.alu(asm.Add, c.b.copyReg(base), idx) }
	more := c.b.newLabel()
	c.b.jumpImm(asm.JNE, c.b.load(at(), 0, asm.Byte, false), 0, more)
	c.b.goTo(missing)
	c.b.mark(more)
	for j := 0; j < nlen; j++ {
		var want vreg
		if lit == nil {
			want = c.load(n.m.plus(j), asm.Byte, false)
			if j > 0 {
				// (An empty needle was found before the loop.)
				c.b.jumpImm(asm.JEq, want, 0, found)
			}
		}
		if j >= size {
			// The needle goes on past the haystack's capacity: no match
			// here (nor further on).
			c.b.goTo(next)
			break
		}
		if j > 0 {
			// The haystack ends here: bound idx + j for the verifier.
			c.b.jumpImm(asm.JGT, idx, int64(size-1-j), next)
		}
		got := c.b.load(at(), j, asm.Byte, false)
		same := c.b.newLabel()
		if lit != nil {
			c.b.jumpImm(asm.JEq, got, int64(lit[j]), same)
		} else {
			c.b.jump(asm.JEq, got, want, same)
		}
		c.b.goTo(next)
		c.b.mark(same)
	}
	c.b.goTo(found)
	c.b.mark(next)
	c.b.aluImmInto(idx, asm.Add, idx, 1)
	c.b.goTo(loop)
	c.b.mark(missing)
	c.b.setImm(idx, -1)
	c.b.goTo(done)
	c.b.mark(found)
	c.b.mark(done)
	if e.Name == "strcontains" {
		yes := c.b.newLabel()
		c.b.jumpImm(asm.JSGE, idx, 0, yes)
		return val{t: e.Type(), reg: c.flag(yes, c.b.newLabel())}
	}
	return val{t: e.Type(), reg: idx}
}

// lowerStrConcatInto writes a then b: a is read into dst as a string, b
// after a's last character, both with probe_read_kernel_str (strings are
// in BPF memory by then, and the helper stops at the terminator). When
// the result's capacity leaves less room after a full a than b may need
// (it never exceeds lang's maxConcat), the two go to a temporary with
// room for both, whose first bytes are the result.
func lowerStrConcatInto(c *compiler, e *lang.Call, dst mem, t *lang.Type, exact bool) {
	a, b := c.inBPF(e.Args[0]), c.inBPF(e.Args[1])
	size := min(e.Type().Size, t.Size)
	first := min(a.t.Size, size)
	// Room for b, its terminator included: a constant, so that the write
	// (at most first-1 + room bytes) stays within out.
	room := size - (first - 1)
	out := dst
	capped := room < b.t.Size
	switch {
	case capped:
		room = b.t.Size
		out = c.temp(first - 1 + room)
		c.zero(out, first-1+room)
	case exact:
		c.zero(dst, t.Size)
	}
	ret := c.b.call(asm.FnProbeReadKernelStr, c.addr(out), c.b.movImm(int64(first)), c.addr(a.m))
	// The length of a, bounded for the verifier to [0, first-1].
	n := c.b.reg()
	empty, bounded := c.b.newLabel(), c.b.newLabel()
	c.b.jumpImm(asm.JSLE, ret, 0, empty)
	c.b.mov(n, c.b.aluImm(asm.Sub, ret, 1))
	c.b.jumpImm(asm.JLE, n, int64(first-1), bounded)
	c.b.mark(empty)
	c.b.setImm(n, 0)
	c.b.mark(bounded)
	at := c.b.alu(asm.Add, c.b.copyReg(c.addr(out)), n)
	c.b.call(asm.FnProbeReadKernelStr, at, c.b.movImm(int64(room)), c.addr(b.m))
	if capped {
		c.copyMem(dst, out, size)
		c.storeImm(dst.plus(size-1), 0, asm.Byte)
		if exact && t.Size > size {
			c.zero(dst.plus(size), t.Size-size)
		}
	}
	if !exact && size < t.Size {
		c.storeImm(dst.plus(size), 0, asm.Byte)
	}
}

// memcmp(a, b, n): compare the bytes of two values as signed chars, up to
// n and the size of the smaller.
func lowerMemcmp(c *compiler, e *lang.Call) val {
	a, b := c.inBPF(e.Args[0]), c.inBPF(e.Args[1])
	n := min(a.t.Size, b.t.Size)
	cnt := c.value(e.Args[2])
	if cnt.konst {
		n = min(n, int(max(cnt.imm, 0)))
	}
	var limit vreg
	if !cnt.konst {
		limit = c.reg(cnt)
	}
	r := c.b.movImm(0)
	done := c.b.newLabel()
	for i := 0; i < n; i++ {
		if limit != 0 {
			c.b.jumpImm(asm.JLE, limit, int64(i), done)
		}
		x := c.load(a.m.plus(i), asm.Byte, true)
		y := c.load(b.m.plus(i), asm.Byte, true)
		c.b.mov(r, c.b.alu(asm.Sub, x, y))
		c.b.jumpImm(asm.JNE, r, 0, done)
	}
	c.b.mark(done)
	return val{t: e.Type(), reg: c.normalize(r, e.Type())}
}
