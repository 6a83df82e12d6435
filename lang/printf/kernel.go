package printf

import (
	"fmt"
	"strings"
)

// MaxKernelArgs is the most arguments one call of the kernel's bprintf
// (bpf_seq_printf) formats: MAX_BPRINTF_VARARGS.
const MaxKernelArgs = 12

// KernelCall is one call of the kernel's bprintf that prints a piece of a
// format: a format the kernel accepts, and the verbs (indexes into
// Format.Verbs) whose arguments it takes, in order.
type KernelCall struct {
	Format string
	Verbs  []int
}

// Kernel rewrites the format for the kernel's bprintf, which formats the
// output of printf() in iterator probes (bpf_seq_printf). Its formats are
// narrower than printf()'s, and Kernel keeps printf()'s meaning where it
// rewrites them:
//
//   - The format's text must be printable ASCII or white space; '%' is
//     written "%%".
//   - %d %i %u %x %X print all 64 bits of the value (Kernel writes them
//     with the ll length), as everywhere else; the caller truncates the
//     values of the hh and h lengths.
//   - %c prints the value's low byte, %s a string, which the caller
//     passes as the address of its bytes.
//   - Flags '-', '+', ' ' and '0' and a width are kept; a precision, the
//     '#' flag, %o, %p, %r and %gr are refused.
//   - The kernel refuses a %s followed by a letter or a digit, and more
//     than MaxKernelArgs arguments: the format is then printed by several
//     calls.
//
// fn names the function in errors, which are *Error values that locate
// the conversion concerned.
func (f *Format) Kernel(fn string) ([]KernelCall, error) {
	fail := func(v *Verb, format string, a ...any) error {
		e := &Error{Fn: fn, Msg: fmt.Sprintf(format, a...), Arg: -1}
		if v != nil {
			e.Offset, e.Len = v.Offset, v.Len
		}
		return e
	}
	for _, lit := range f.lits {
		for i := 0; i < len(lit); i++ {
			if c := lit[i]; c > '~' || (c < ' ' && !isSpace(c)) {
				return nil, fail(nil, "the format of a printf() in an iter probe may only hold printable ASCII and white space (the kernel's bpf_seq_printf formats it)")
			}
		}
	}
	var calls []KernelCall
	var cur KernelCall
	var b strings.Builder
	flush := func() {
		cur.Format = b.String()
		if cur.Format != "" {
			calls = append(calls, cur)
		}
		cur, b = KernelCall{}, strings.Builder{}
	}
	for i, v := range f.verbs {
		b.WriteString(strings.ReplaceAll(f.lits[i], "%", "%%"))
		if len(cur.Verbs) == MaxKernelArgs {
			flush()
		}
		spec := "%" + v.Spec()
		switch {
		case v.Precision >= 0:
			return nil, fail(&v, "%s with a precision is not supported in iter probes (the kernel's bpf_seq_printf formats it)", spec)
		case v.has('#'):
			return nil, fail(&v, "the '#' flag of %s is not supported in iter probes (the kernel's bpf_seq_printf formats it)", spec)
		}
		b.WriteByte('%')
		b.WriteString(strings.ReplaceAll(v.Flags, "#", ""))
		if v.Width >= 0 {
			fmt.Fprintf(&b, "%d", v.Width)
		}
		switch v.Conv {
		case 'd', 'i', 'u', 'x', 'X':
			b.WriteString("ll")
			b.WriteByte(v.Conv)
		case 'c', 's':
			b.WriteByte(v.Conv)
		default:
			return nil, fail(&v, "%s is not supported in iter probes (the kernel's bpf_seq_printf formats it)", spec)
		}
		cur.Verbs = append(cur.Verbs, i)
		if next := f.lits[i+1]; v.Conv == 's' && next != "" && !isSpace(next[0]) && !isPunct(next[0]) {
			flush()
		}
	}
	b.WriteString(strings.ReplaceAll(f.lits[len(f.verbs)], "%", "%%"))
	flush()
	return calls, nil
}

func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func isPunct(c byte) bool {
	return c > ' ' && c <= '~' && !isDigit(c) && !('a' <= c && c <= 'z') && !('A' <= c && c <= 'Z')
}
