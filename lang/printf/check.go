package printf

import "fmt"

// ArgKind classifies an argument's static type for validation.
type ArgKind int

// The argument kinds. Callers map symbol-like types that print as text
// (ksym, usym, probe, username, kstack, ustack, inet, timestamp, strerror,
// cgroup_path, mac_address) to String, as bpftrace does.
const (
	Other   ArgKind = iota // anything not listed below
	None                   // no value: the result of a void call
	Int                    // an integer of any size and signedness
	Bool                   // true or false
	Pointer                // an address; checked and printed as an integer
	String                 // a string
	Buffer                 // a buf() value, for %r, %rx and %rh
	Tuple                  // a tuple
	Record                 // a struct or union
	Array                  // an array
	Count                  // the value of a count() map; likewise below
	Sum
	Min
	Max
	Avg
	Stats
	Hist
	Lhist
)

// kindNames are bpftrace 0.17's type names. A pointer is promoted to an
// integer before bpftrace reports it, so it is named "integer".
var kindNames = [...]string{"other", "none", "integer", "bool", "integer", "string", "buffer",
	"tuple", "record", "array", "count", "sum", "min", "max", "avg", "stats", "hist", "lhist"}

// String returns the name bpftrace uses for the kind in messages.
func (k ArgKind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("ArgKind(%d)", int(k))
	}
	return kindNames[k]
}

// class is what a conversion expects: an integer, a buffer, or (string)
// any value at all.
type class int

const (
	classInt class = iota
	classString
	classBuffer
)

var classNames = [...]string{"integer", "string", "buffer"}

// accepts reports whether a value of kind k may be printed by the class.
// strict gives bpftrace 0.17's rule for %s, a string only.
func (c class) accepts(k ArgKind, strict bool) bool {
	switch c {
	case classInt:
		return k == Int || k == Bool || k == Pointer
	case classBuffer:
		return k == Buffer
	}
	return k == String || !strict && k != None
}

// conversions maps each printable conversion (Verb.Spec without the
// length) to its class. e, f, g, a, n and the like are missing: bpftrace
// recognises them and rejects them.
var conversions = map[string]class{
	"d": classInt, "i": classInt, "u": classInt, "o": classInt, "x": classInt, "X": classInt,
	"c": classInt, "p": classInt, "gr": classInt,
	"s": classString,
	"r": classBuffer, "rx": classBuffer, "rh": classBuffer,
}

// debugfSpecs are the only conversions debugf() (bpf_trace_printk) takes.
var debugfSpecs = map[string]bool{
	"d": true, "u": true, "x": true, "ld": true, "lu": true, "lx": true,
	"lld": true, "llu": true, "llx": true, "p": true, "s": true,
}

// debugfMaxArgs is bpf_trace_printk's limit on arguments.
const debugfMaxArgs = 3

// Error is a problem with a format string or with the arguments of a call
// that uses it.
type Error struct {
	Fn  string // the function, e.g. "printf"; empty in errors from Parse
	Msg string
	// Offset and Len locate the conversion concerned in the format string;
	// Len is 0 when the error concerns the whole call.
	Offset, Len int
	Arg         int // index of the argument concerned among the values, or -1
}

// Error returns the message, prefixed with the function name if any.
func (e *Error) Error() string {
	if e.Fn == "" {
		return e.Msg
	}
	return e.Fn + ": " + e.Msg
}

// Check validates the kinds of the arguments after the format string against
// the conversions, with bpftrace 0.17's messages, e.g.
//
//	printf: Not enough arguments for format string (0 supplied, 1 expected)
//	printf: Too many arguments for format string (2 supplied, 1 expected)
//	printf: %s specifier expects a value of type string (integer supplied)
//	printf: Unknown format string token: %f
//
// fn is the function name that starts each message ("printf", "errorf",
// "system", "cat", ...). The kinds a conversion accepts are the newest
// bpftrace's, which are wider than 0.17's: %s prints a value of any kind
// (0.17 took strings only) and the integer conversions take bools too. For
// "debugf", checked as 0.17 does for bpf_trace_printk, %s takes strings only,
// the conversions are limited to d u x ld lu lx lld llu llx p s, and there
// may be at most three.
func (f *Format) Check(fn string, args []ArgKind) error {
	want := len(f.verbs)
	fail := func(v *Verb, arg int, format string, a ...any) error {
		e := &Error{Fn: fn, Msg: fmt.Sprintf(format, a...), Arg: arg}
		if v != nil {
			e.Offset, e.Len = v.Offset, v.Len
		}
		return e
	}
	switch {
	case len(args) < want:
		return fail(nil, -1, "Not enough arguments for format string (%d supplied, %d expected)", len(args), want)
	case len(args) > want:
		return fail(nil, -1, "Too many arguments for format string (%d supplied, %d expected)", len(args), want)
	}
	debugf := fn == "debugf"
	if debugf && want > debugfMaxArgs {
		return fail(nil, -1, "Cannot use more than %d conversion specifiers", debugfMaxArgs)
	}
	for i := range f.verbs {
		v := &f.verbs[i]
		spec := v.Spec()
		c, ok := conversions[spec[len(v.Length):]]
		if debugf {
			ok = ok && debugfSpecs[spec]
		}
		if !ok {
			return fail(v, i, "Unknown format string token: %%%s", spec)
		}
		if !c.accepts(args[i], debugf) {
			return fail(v, i, "%%%s specifier expects a value of type %s (%s supplied)", spec, classNames[c], args[i])
		}
	}
	return nil
}
