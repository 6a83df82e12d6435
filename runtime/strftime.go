package runtime

import (
	"strconv"
	"strings"
	"time"
)

// strftime formats t as the C library's strftime(3) does in the C locale,
// for time() and strftime(): POSIX's conversions and glibc's (%k, %l, %P,
// %s...), glibc's flags (_ - 0 ^ #) and field widths, and the E and O
// modifiers (which change nothing in the C locale). With micro set, %f is the microseconds within the second, six
// digits, as bpftrace's strftime() adds. A conversion strftime(3) does
// not know is copied as written.
func strftime(format string, t time.Time, micro bool) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		start := i
		var flag byte
		for i+1 < len(format) && strings.IndexByte("_-0^#", format[i+1]) >= 0 {
			i++
			if format[i] == '^' || format[i] == '#' {
				if flag == 0 {
					flag = format[i]
				}
				continue
			}
			flag = format[i]
		}
		width := -1
		for i+1 < len(format) && format[i+1] >= '0' && format[i+1] <= '9' {
			i++
			width = max(width, 0)*10 + int(format[i]-'0')
		}
		if i+1 < len(format) && (format[i+1] == 'E' || format[i+1] == 'O') {
			i++
		}
		if i+1 >= len(format) {
			b.WriteString(format[start:])
			break
		}
		i++
		conv := format[i]
		if conv == 'f' && micro {
			b.WriteString(pad(strconv.Itoa(t.Nanosecond()/1000), '0', 6, flag, width))
			continue
		}
		s, ok := convert(conv, t, flag, width)
		if !ok {
			b.WriteString(format[start : i+1])
			continue
		}
		b.WriteString(s)
	}
	return b.String()
}

var (
	weekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	months   = []string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
)

// convert formats one conversion.
func convert(conv byte, t time.Time, flag byte, width int) (string, bool) {
	num := func(n, digits int) string { return pad(strconv.Itoa(n), '0', digits, flag, width) }
	spaced := func(n, digits int) string { return pad(strconv.Itoa(n), ' ', digits, flag, width) }
	text := func(s string, swap bool) string {
		switch {
		case flag == '^', flag == '#' && swap:
			s = strings.ToUpper(s)
		case flag == '#':
			s = strings.ToLower(s)
		}
		return pad(s, ' ', 0, flag, width)
	}
	sub := func(f string) string { return pad(strftime(f, t, false), ' ', 0, flag, width) }
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	year, week := t.ISOWeek()
	wday, yday := int(t.Weekday()), t.YearDay()-1
	switch conv {
	case 'a':
		return text(weekdays[wday][:3], true), true
	case 'A':
		return text(weekdays[wday], true), true
	case 'b', 'h':
		return text(months[t.Month()-1][:3], true), true
	case 'B':
		return text(months[t.Month()-1], true), true
	case 'c':
		return sub("%a %b %e %H:%M:%S %Y"), true
	case 'C':
		return num(floorDiv(t.Year(), 100), 2), true
	case 'd':
		return num(t.Day(), 2), true
	case 'D', 'x':
		return sub("%m/%d/%y"), true
	case 'e':
		return spaced(t.Day(), 2), true
	case 'F':
		return sub("%Y-%m-%d"), true
	case 'G':
		return num(year, 1), true
	case 'g':
		return num(((year%100)+100)%100, 2), true
	case 'H':
		return num(t.Hour(), 2), true
	case 'I':
		return num(hour12, 2), true
	case 'j':
		return num(yday+1, 3), true
	case 'k':
		return spaced(t.Hour(), 2), true
	case 'l':
		return spaced(hour12, 2), true
	case 'm':
		return num(int(t.Month()), 2), true
	case 'M':
		return num(t.Minute(), 2), true
	case 'n':
		return "\n", true
	case 'p':
		if t.Hour() < 12 {
			return text("AM", false), true
		}
		return text("PM", false), true
	case 'P':
		if t.Hour() < 12 {
			return text("am", false), true
		}
		return text("pm", false), true
	case 'r':
		return sub("%I:%M:%S %p"), true
	case 'R':
		return sub("%H:%M"), true
	case 's':
		return num(int(t.Unix()), 1), true
	case 'S':
		return num(t.Second(), 2), true
	case 't':
		return "\t", true
	case 'T', 'X':
		return sub("%H:%M:%S"), true
	case 'u':
		return num((wday+6)%7+1, 1), true
	case 'U':
		return num((yday+7-wday)/7, 2), true
	case 'V':
		return num(week, 2), true
	case 'w':
		return num(wday, 1), true
	case 'W':
		return num((yday+7-(wday+6)%7)/7, 2), true
	case 'y':
		return num(((t.Year()%100)+100)%100, 2), true
	case 'Y':
		return num(t.Year(), 1), true
	case 'z':
		_, off := t.Zone()
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		return sign + pad(strconv.Itoa(off/3600*100+off%3600/60), '0', 4, flag, max(width-1, -1)), true
	case 'Z':
		name, _ := t.Zone()
		return text(name, false), true
	case '%':
		return pad("%", ' ', 0, flag, width), true
	}
	return "", false
}

// pad pads a field to its width: the conversion's own (digits, with the
// fill character def) unless a width is given; the '_' flag pads with
// spaces, '0' with zeros, and '-' not at all (with spaces to a width
// given, as glibc does).
func pad(s string, def byte, digits int, flag byte, width int) string {
	fill, n := def, digits
	if width >= 0 {
		n = width
	}
	switch flag {
	case '-':
		if width < 0 {
			return s
		}
		fill = ' '
	case '_':
		fill = ' '
	case '0':
		fill = '0'
	}
	if len(s) >= n {
		return s
	}
	if fill == '0' && strings.HasPrefix(s, "-") {
		return "-" + strings.Repeat("0", n-len(s)) + s[1:]
	}
	return strings.Repeat(string(fill), n-len(s)) + s
}

// floorDiv divides rounding down.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
