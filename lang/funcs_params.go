package lang

import (
	"strconv"
	"strings"
)

// getopt reads named parameters, given on the command line after "--" as
// --name=value or --name (a flag). The default value's type is the
// result's: getopt("n") and getopt("n", true) are bools, getopt("n", 10)
// an integer, getopt("n", "x") a string; an optional third argument
// describes the parameter.

func init() {
	functions["getopt"] = funcSpec{1, 3, checkGetopt}
}

func checkGetopt(c *checker, call *Call) *Type {
	name, ok := call.Args[0].(*StrLit)
	if !ok {
		c.expr(call.Args[0])
		c.errorf(call.Args[0], "getopt() expects a string literal as the parameter name")
		return nil
	}
	c.expr(name)
	desc := ""
	if len(call.Args) == 3 {
		d, ok := call.Args[2].(*StrLit)
		if !ok {
			c.expr(call.Args[2])
			c.errorf(call.Args[2], "getopt() expects a string literal as the description")
			return nil
		}
		c.expr(d)
		desc = d.Value
	}
	if !c.sameGetopt(call, name.Value, desc) {
		return nil
	}
	value, given := c.opts.Named[name.Value]
	if len(call.Args) == 1 {
		return c.getoptBool(call, name.Value, value, given, false)
	}
	switch def := call.Args[1].(type) {
	case *BoolLit:
		c.expr(def)
		return c.getoptBool(call, name.Value, value, given, def.Value)
	case *StrLit:
		c.expr(def)
		s := def.Value
		if given {
			s = value
		}
		call.Expansion = &StrLit{Span: call.Span, Value: s}
		return c.expr(call.Expansion)
	}
	def, ok := c.constInt(call.Args[1])
	if !ok {
		c.expr(call.Args[1])
		c.errorf(call.Args[1], "getopt() expects a literal default value (bool, integer or string)")
		return nil
	}
	c.expr(call.Args[1])
	if given {
		digits := strings.ReplaceAll(value, "_", "")
		n, err := strconv.ParseInt(digits, 0, 64)
		if u, uerr := strconv.ParseUint(digits, 0, 64); err != nil && uerr == nil {
			// Above 2^63-1: unsigned, as in the newest bpftrace
			// (--aa=0xffffffffffffffff).
			lit := &IntLit{Span: call.Span, Value: u, Text: strconv.FormatUint(u, 10)}
			call.Expansion = lit
			c.expr(lit)
			return TypeUint64
		}
		if err != nil {
			c.errorf(call, "--%s=%s: expected an integer", name.Value, value)
			return nil
		}
		def = n
	}
	lit := &IntLit{Span: call.Span, Value: uint64(def), Text: strconv.FormatInt(def, 10)}
	call.Expansion = lit
	c.expr(lit)
	return TypeInt64
}

func (c *checker) getoptBool(call *Call, name, value string, given, def bool) *Type {
	if given {
		switch strings.ToLower(value) {
		case "", "true", "1":
			def = true
		case "false", "0":
			def = false
		default:
			c.errorf(call, "--%s=%s: expected a boolean (true, false, 1 or 0)", name, value)
			return nil
		}
	}
	call.Expansion = &BoolLit{Span: call.Span, Value: def}
	return c.expr(call.Expansion)
}

// getoptUse is a named parameter's first getopt(): its default value
// (its kind, bool, int or string, and its text) and its description.
type getoptUse struct {
	kind, def, desc string
}

// getoptDefault returns the kind and the text of getopt()'s default
// value, and false when it is not a literal (reported elsewhere).
func (c *checker) getoptDefault(call *Call) (kind, text string, ok bool) {
	if len(call.Args) == 1 {
		return "bool", "false", true
	}
	switch def := call.Args[1].(type) {
	case *BoolLit:
		return "bool", strconv.FormatBool(def.Value), true
	case *StrLit:
		return "string", strconv.Quote(def.Value), true
	}
	if n, ok := c.constInt(call.Args[1]); ok {
		return "int", strconv.FormatInt(n, 10), true
	}
	return "", "", false
}

// sameGetopt checks that every getopt() of a named parameter gives it the
// same default value and, where given, the same description, as the
// newest bpftrace requires.
func (c *checker) sameGetopt(call *Call, name, desc string) bool {
	kind, def, ok := c.getoptDefault(call)
	if !ok {
		return true
	}
	if c.getopts == nil {
		c.getopts = map[string]*getoptUse{}
	}
	first, seen := c.getopts[name]
	if !seen {
		c.getopts[name] = &getoptUse{kind: kind, def: def, desc: desc}
		return true
	}
	switch {
	case first.kind != kind || first.def != def:
		c.errorf(call, "Command line option '%s' needs to have the same default value in all places it is used. Previous default value: %s", name, first.def)
		return false
	case desc != "" && first.desc != "" && first.desc != desc:
		c.errorf(call, "Command line option '%s' must have the same description in all places it's used. Hint: You can wrap it in a macro", name)
		return false
	case desc != "":
		first.desc = desc
	}
	return true
}
