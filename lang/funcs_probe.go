package lang

// has_cpid and probetype, functions of the newest bpftrace that describe
// the run and the probe; both may be written without parentheses.

func init() {
	functions["has_cpid"] = funcSpec{0, 0, checkHasCpid}
	functions["probetype"] = funcSpec{0, 0, checkProbetype}
	bareCalls["has_cpid"] = true
	bareCalls["probetype"] = true
}

// checkHasCpid types has_cpid: whether a -c command runs, that is cpid != 0.
func checkHasCpid(c *checker, call *Call) *Type {
	call.Expansion = &Binary{Span: call.Span, Op: "!=",
		L: &Ident{Span: call.Span, Name: "cpid"}, R: &IntLit{Span: call.Span, Value: 0, Text: "0"}}
	return c.expr(call.Expansion)
}

// checkProbetype types probetype: the name of the probe's kind, a string
// constant ("special" for BEGIN and END, as in bpftrace).
func checkProbetype(c *checker, call *Call) *Type {
	call.Expansion = &StrLit{Span: call.Span, Value: probeTypeName(c.pointKind())}
	return c.expr(call.Expansion)
}
