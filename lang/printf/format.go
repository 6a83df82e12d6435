package printf

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Arg is a run-time argument value: one of int64 (signed integer), uint64
// (unsigned), int, string, bool, []byte (a buf() value), or a value
// implementing fmt.Stringer (already-rendered tuples, symbols, etc. for %s).
// A Stringer that also has a method Integer() any returning one of the
// integers above (an enum value) prints as that integer with %d, %x...
type Arg = any

// Append formats args, one per verb, and appends the result to dst. A missing
// argument prints as "!{missing argument}", and a conversion Check rejects
// prints an "!{...}" message as well, the way newer bpftrace embeds
// formatting errors; extra arguments are ignored.
func (f *Format) Append(dst []byte, args []Arg) []byte {
	for i, v := range f.verbs {
		dst = append(dst, f.lits[i]...)
		if i < len(args) {
			dst = v.Append(dst, args[i])
		} else {
			dst = append(dst, "!{missing argument}"...)
		}
	}
	return append(dst, f.lits[len(f.verbs)]...)
}

// Append formats one value with the verb and appends it to dst, as C's
// snprintf does given the value as a 64-bit argument, with these rules:
//
//   - %d %i %u %o %x %X: the hh and h length modifiers truncate the value to
//     8 and 16 bits; any other length, or none, keeps all 64 bits.
//   - %c prints the low byte of the value. A zero byte ends the conversion's
//     output there, dropping any padding after it, as in bpftrace (which
//     copies C strings).
//   - %p prints "(nil)" for 0 and otherwise 0x and lowercase hex digits; the
//     length modifier is ignored.
//   - %s prints text (cut at its first NUL): strings as they are, integers in
//     decimal, bools as true or false, buffers as %r does, and Stringers by
//     their String method.
//   - %r, %rx and %rh print a buffer as bpftrace's hex formatting does, then
//     take width, precision and '-' as %s does; so does %gr with the names of
//     the GFP flags set in the value.
//   - Text conversions and %c pad with spaces even with the '0' flag and
//     ignore '+', ' ' and '#', as glibc does.
func (v Verb) Append(dst []byte, a Arg) []byte {
	switch v.Conv {
	case 's':
		return v.text(dst, Text(a))
	case 'r':
		if b, ok := a.([]byte); ok {
			return v.text(dst, string(appendHex(nil, b, v.Ext)))
		}
		return v.text(dst, Text(a))
	}
	n, ok := bits(a)
	if !ok {
		return append(dst, "!{invalid integer conversion: "+Text(a)+"}"...)
	}
	switch v.Conv {
	case 'c':
		start := len(dst)
		dst = v.pad(dst, "", "", string([]byte{byte(n)}), false)
		if k := bytes.IndexByte(dst[start:], 0); k >= 0 {
			dst = dst[:start+k]
		}
		return dst
	case 'g':
		if v.Ext == 'r' {
			return v.text(dst, gfpText(n))
		}
	case 'p':
		if n == 0 {
			return v.pad(dst, "", "", "(nil)", false)
		}
		return v.number(dst, v.plus(), "0x", n, 16)
	case 'd', 'i':
		s := v.truncate(n, true)
		if int64(s) < 0 {
			return v.number(dst, "-", "", -s, 10)
		}
		return v.number(dst, v.plus(), "", s, 10)
	}
	n = v.truncate(n, false)
	switch v.Conv {
	case 'o':
		return v.number(dst, "", "", n, 8)
	case 'x', 'X':
		prefix := ""
		if v.has('#') && n != 0 {
			prefix = "0" + string(v.Conv)
		}
		return v.number(dst, "", prefix, n, 16)
	case 'u':
		return v.number(dst, "", "", n, 10)
	}
	return append(dst, "!{unsupported format specifier: %"+v.Spec()+"}"...)
}

// bits returns the 64 bits of an integer-like argument.
func bits(a Arg) (uint64, bool) {
	switch x := a.(type) {
	case int64:
		return uint64(x), true
	case uint64:
		return x, true
	case int:
		return uint64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case interface{ Integer() any }:
		return bits(x.Integer())
	}
	return 0, false
}

// truncate applies the hh and h length modifiers to n, sign-extending the
// result when signed.
func (v Verb) truncate(n uint64, signed bool) uint64 {
	var shift uint
	switch v.Length {
	case "hh":
		shift = 56
	case "h":
		shift = 48
	default:
		return n
	}
	if signed {
		return uint64(int64(n<<shift) >> shift)
	}
	return n << shift >> shift
}

// plus is the sign of a non-negative signed number: "+" or " " as the
// flags ask, else none.
func (v Verb) plus() string {
	switch {
	case v.has('+'):
		return "+"
	case v.has(' '):
		return " "
	}
	return ""
}

// number formats an unsigned magnitude with C's rules for precision (minimum
// digits; none at all for .0 and zero), '#' with %o, and '0' padding.
func (v Verb) number(dst []byte, sign, prefix string, n uint64, base int) []byte {
	digits := ""
	if n != 0 || v.Precision != 0 {
		digits = strconv.FormatUint(n, base)
	}
	if v.Conv == 'X' {
		digits = strings.ToUpper(digits)
	}
	if len(digits) < v.Precision {
		digits = strings.Repeat("0", v.Precision-len(digits)) + digits
	}
	if v.Conv == 'o' && v.has('#') && !strings.HasPrefix(digits, "0") {
		digits = "0" + digits
	}
	return v.pad(dst, sign, prefix, digits, v.Precision < 0 && v.has('0'))
}

// text appends s as %s does: cut at its first NUL, then to the precision,
// then padded with spaces.
func (v Verb) text(dst []byte, s string) []byte {
	s, _, _ = strings.Cut(s, "\x00")
	if v.Precision >= 0 && len(s) > v.Precision {
		s = s[:v.Precision]
	}
	return v.pad(dst, "", "", s, false)
}

// pad appends sign, prefix and body padded to the verb's width: on the
// right with '-', else with zeros after the prefix when zeros is set, else
// with spaces on the left.
func (v Verb) pad(dst []byte, sign, prefix, body string, zeros bool) []byte {
	fill := v.Width - len(sign) - len(prefix) - len(body)
	switch {
	case fill <= 0:
		return append(append(append(dst, sign...), prefix...), body...)
	case v.has('-'):
		dst = append(append(append(dst, sign...), prefix...), body...)
		return appendRepeat(dst, ' ', fill)
	case zeros:
		dst = append(append(dst, sign...), prefix...)
		return append(appendRepeat(dst, '0', fill), body...)
	}
	dst = appendRepeat(dst, ' ', fill)
	return append(append(append(dst, sign...), prefix...), body...)
}

func appendRepeat(dst []byte, c byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, c)
	}
	return dst
}

// Text returns the text %s prints for a value.
func Text(a Arg) string {
	switch x := a.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case []byte:
		return string(appendHex(nil, x, 0))
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(a)
}

// appendHex renders a buffer as bpftrace does: for %r (mode 0) printable
// ASCII as is and other bytes as \xNN; for %rx every byte as \xNN; for %rh
// every byte as two hex digits, separated by spaces.
func appendHex(dst, b []byte, mode byte) []byte {
	const hex = "0123456789abcdef"
	for i, c := range b {
		switch {
		case mode == 0 && c >= 32 && c <= 126:
			dst = append(dst, c)
		case mode == 'h':
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = append(dst, hex[c>>4], hex[c&15])
		default:
			dst = append(dst, '\\', 'x', hex[c>>4], hex[c&15])
		}
	}
	return dst
}
