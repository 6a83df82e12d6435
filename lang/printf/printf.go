// Package printf parses bpftrace printf() format strings and formats values
// with them.
//
// The type checker parses a format once (Parse), validates the static kinds
// of the call's arguments against it (Check) and keeps the *Format; the
// runtime formats each event's argument values with it (Append).
//
// # Syntax
//
// A conversion is recognised the way the newest bpftrace recognises it:
//
//	%[-][+][ ][#][0][width][.precision][length]conversion
//
// The flags may each appear once, in that order. width and precision are
// decimal numbers or '*' (accepted and ignored, as bpftrace does: no argument
// is consumed). length is any run of the letters h, l, L, j, z and t. A '%'
// that does not start such a conversion is literal text, so "%", "50%" and
// "%q" print as written.
//
// # Conversions
//
//	%d %i             signed decimal          integer, bool or pointer
//	%u %o %x %X       unsigned                integer, bool or pointer
//	%c                one byte (value & 0xff) integer, bool or pointer
//	%p                pointer: 0x1f, (nil)    integer, bool or pointer
//	%s                text                    any value
//	%r %rx %rh        hex-formatted buffer    buffer (from buf())
//	%gr               GFP flag names          integer, bool or pointer
//	%%                a single '%' (flags and width, if any, are ignored)
//
// e, E, f, F, g, G, a, A and n are recognised as conversions (they take an
// argument) but rejected by Check, as bpftrace rejects them.
//
// # Output
//
// Output follows bpftrace 0.17, which formats each conversion with the C
// library's snprintf, except for two 0.17 bugs the project fixes: %d, %i,
// %u, %o, %x and %X without a length modifier print the full 64-bit value
// (0.17, and still the newest bpftrace, print the low 32 bits), and %%
// prints one '%' everywhere (0.17 printed "%%" after the last conversion;
// newer bpftrace prints '%'). The hh and h length
// modifiers truncate the value to 8 and 16 bits and sign-convert it as C
// does; every other length modifier means 64 bits. Where the newest bpftrace
// accepts a conversion 0.17 printed wrongly or did not know (%i, the + space
// and # flags, %r with a width, %gr), C printf semantics apply; see Verb.Append
// for the details.
package printf

import (
	"fmt"
	"math"
	"strings"
)

// Format is a parsed format string: literal text around conversions.
type Format struct {
	src   string
	lits  []string // len(verbs)+1 pieces of literal text, %% already folded
	verbs []Verb
}

// Verb is one conversion specification.
type Verb struct {
	Offset, Len      int    // position in the format string (bytes), for error carets
	Flags            string // any of "-+ #0", in that order
	Width, Precision int    // -1 when absent (or given as '*')
	Length           string // "", "hh", "h", "l", "ll", "j", "z", "t", ... (any run of hlLjzt)
	Conv             byte   // 'd', 'i', 'u', 'o', 'x', 'X', 'c', 'p', 's', 'r', 'g', ...
	// Ext is the second letter of a two-letter conversion: 'x' or 'h' in
	// %rx and %rh, 'r' in %gr; 0 otherwise.
	Ext byte
}

// flagOrder is the order in which bpftrace's pattern takes the flags.
const flagOrder = "-+ #0"

// Parse parses a format string whose escape sequences are already decoded.
// Its only error is a width or precision too large for C's int, which
// bpftrace cannot print either; the message has no function-name prefix.
func Parse(format string) (*Format, error) {
	f := &Format{src: format}
	var lit strings.Builder
	last := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		v, ok := scan(format, i)
		if !ok {
			continue // a lone '%' is literal text
		}
		if v.Width > math.MaxInt32 || v.Precision > math.MaxInt32 {
			return nil, &Error{Msg: fmt.Sprintf("width or precision too large in %s", format[i:i+v.Len]),
				Offset: v.Offset, Len: v.Len, Arg: -1}
		}
		lit.WriteString(format[last:i])
		last = i + v.Len
		i = last - 1
		if v.Conv == '%' {
			lit.WriteByte('%')
			continue
		}
		f.lits = append(f.lits, lit.String())
		lit.Reset()
		f.verbs = append(f.verbs, v)
	}
	lit.WriteString(format[last:])
	f.lits = append(f.lits, lit.String())
	return f, nil
}

// scan matches a conversion specification at s[i] == '%'.
func scan(s string, i int) (Verb, bool) {
	v := Verb{Offset: i}
	j := i + 1
	for k := 0; k < len(flagOrder); k++ {
		if j < len(s) && s[j] == flagOrder[k] {
			v.Flags += s[j : j+1]
			j++
		}
	}
	v.Width, j = scanNumber(s, j)
	v.Precision = -1
	if j+1 < len(s) && s[j] == '.' && (s[j+1] == '*' || isDigit(s[j+1])) {
		v.Precision, j = scanNumber(s, j+1)
	}
	k := j
	for j < len(s) && strings.IndexByte("hlLjzt", s[j]) >= 0 {
		j++
	}
	v.Length = s[k:j]
	if j == len(s) {
		return v, false
	}
	switch c := s[j]; {
	case strings.IndexByte("diouxXeEfFGaAcspn%", c) >= 0:
		v.Conv = c
	case strings.HasPrefix(s[j:], "gr"):
		v.Conv, v.Ext = 'g', 'r'
	case c == 'g':
		v.Conv = c
	case strings.HasPrefix(s[j:], "rh"), strings.HasPrefix(s[j:], "rx"):
		v.Conv, v.Ext = 'r', s[j+1]
	case c == 'r':
		v.Conv = c
	default:
		return v, false
	}
	j++
	if v.Ext != 0 {
		j++
	}
	v.Len = j - i
	return v, true
}

// scanNumber reads a width or precision at s[j]: digits, or '*' meaning
// none. It saturates rather than overflow.
func scanNumber(s string, j int) (int, int) {
	if j < len(s) && s[j] == '*' {
		return -1, j + 1
	}
	n := -1
	for ; j < len(s) && isDigit(s[j]); j++ {
		n = max(n, 0)
		if n <= math.MaxInt32 {
			n = n*10 + int(s[j]-'0')
		}
	}
	return n, j
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// String returns the format string as given to Parse.
func (f *Format) String() string { return f.src }

// Verbs returns the conversions in order, one per argument.
func (f *Format) Verbs() []Verb { return f.verbs }

// Spec returns the conversion as bpftrace names it in messages: the length
// modifier and the conversion letters, e.g. "lld", "s", "rx".
func (v Verb) Spec() string {
	s := v.Length + string(v.Conv)
	if v.Ext != 0 {
		s += string(v.Ext)
	}
	return s
}

// has reports whether the verb carries flag c.
func (v Verb) has(c byte) bool { return strings.IndexByte(v.Flags, c) >= 0 }
