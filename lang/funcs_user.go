package lang

import (
	"fmt"
)

// User space: usym(addr) names an address of the current process when it
// prints; uaddr("name") is the address of a symbol of the probed binary,
// resolved while compiling; cpid is the command -c started.

func init() {
	functions["usym"] = funcSpec{1, 1, checkUsym}
	functions["uaddr"] = funcSpec{1, 1, checkUaddr}
	// cpid is the pid of the command gtrace -c started (0 without one).
	builtinTypes["cpid"] = IntType(32, false)
}

// checkUsym types usym(addr): the address and the process it belongs
// to, printed as the function the address falls in.
func checkUsym(c *checker, call *Call) *Type {
	// The argument is checked as ksym()'s.
	if checkKsym(c, call) == nil {
		return nil
	}
	return SymbolType(AddrUser)
}

// uaddrKinds are the probe kinds uaddr() works in: those with a binary.
var uaddrKinds = map[string]bool{"uprobe": true, "uretprobe": true, "usdt": true}

// checkUaddr resolves uaddr("name") in the binary of the probe's points:
// a pointer to an unsigned integer of the symbol's size (8 bytes when the
// size is not 1, 2, 4 or 8). In a position-independent binary the address
// moves with the binary: it is computed from the instruction pointer at
// the probe, which is at a known distance from the symbol.
func checkUaddr(c *checker, call *Call) *Type {
	name, ok := c.literalArg(call, 0)
	if !ok {
		return nil
	}
	if !c.pointsAll(call, "uaddr", uaddrKinds) {
		return nil
	}
	pts := c.variant.Points
	first := pts[0]
	for _, pt := range pts[1:] {
		if pt.Target != first.Target {
			c.errorf(call, "uaddr() needs the probe's points to be in one binary (%s and %s)", first.Target, pt.Target)
			return nil
		}
	}
	addr, size, pie, err := c.binaries().Symbol(first.Target, name)
	if err != nil {
		c.errorf(call, "Could not resolve symbol: %s:%s", first.Target, name)
		return nil
	}
	bits := 64
	switch size {
	case 1, 2, 4, 8:
		bits = int(size) * 8
	}
	to := &TypeSpec{Span: call.Span, Name: fmt.Sprintf("uint%d", bits), Suffix: []int{-1}}
	var x Expr = &IntLit{Span: call.Span, Value: addr}
	if pie {
		if first.Kind == "uretprobe" {
			c.errorf(call, "uaddr() of a symbol of a position-independent binary is not supported in uretprobes")
			return nil
		}
		for _, pt := range pts[1:] {
			if pt.Addr != first.Addr {
				c.errorf(call, "uaddr() in a position-independent binary needs a probe with one attach point")
				return nil
			}
		}
		// At the probe the instruction pointer is the point's address
		// plus the distance the binary was loaded at.
		pc := &Call{Span: call.Span, Name: "reg", Args: []Expr{&StrLit{Span: call.Span, Value: "pc"}}}
		x = &Binary{Span: call.Span, Op: "+", L: pc, R: &IntLit{Span: call.Span, Value: addr - first.Addr}}
	}
	cast := &Cast{Span: call.Span, To: to, X: x}
	call.Expansion = cast
	return c.expr(cast)
}
