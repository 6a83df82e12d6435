package runtime

import (
	"testing"
	"time"
)

// strftimeCases were recorded from the C library's strftime(3) (glibc, C
// locale, in GMT).
var strftimeCases = []struct {
	unix   int64
	format string
	want   string
}{
	{306062, "%Y-%m-%d %H:%M:%S", "1970-01-04 13:01:02"},
	{306062, "%a %A %b %B %h", "Sun Sunday Jan January Jan"},
	{306062, "%c", "Sun Jan  4 13:01:02 1970"},
	{306062, "%C %y %G %g %V %U %W %u %w %j", "19 70 1970 70 01 01 00 7 0 004"},
	{306062, "%D %x %X %T %R %r %F", "01/04/70 01/04/70 13:01:02 13:01:02 13:01 01:01:02 PM 1970-01-04"},
	{306062, "%e|%k|%l|%p|%P", " 4|13| 1|PM|pm"},
	{306062, "%s %Z %z %%", "306062 GMT +0000 %"},
	{306062, "%_H|%-m|%010Y|%^a|%#b|%#p|%#Z", "13|1|0000001970|SUN|JAN|pm|gmt"},
	{306062, "%Ey|%Od|%q|%5%|%-5d|%_3j|%-j", "70|04|%q|    %|    4|  4|4"},
	{306062, "%", "%"},
	{306062, "abc%", "abc%"},
	{306062, "%E", "%E"},
	{306062, "%n%t", "\n\t"},
	{1795472792, "%Y-%m-%d %H:%M:%S", "2026-11-23 22:26:32"},
	{1795472792, "%a %A %b %B %h", "Mon Monday Nov November Nov"},
	{1795472792, "%c", "Mon Nov 23 22:26:32 2026"},
	{1795472792, "%C %y %G %g %V %U %W %u %w %j", "20 26 2026 26 48 47 47 1 1 327"},
	{1795472792, "%D %x %X %T %R %r %F", "11/23/26 11/23/26 22:26:32 22:26:32 22:26 10:26:32 PM 2026-11-23"},
	{1795472792, "%e|%k|%l|%p|%P", "23|22|10|PM|pm"},
	{1795472792, "%s %Z %z %%", "1795472792 GMT +0000 %"},
	{1795472792, "%_H|%-m|%010Y|%^a|%#b|%#p|%#Z", "22|11|0000002026|MON|NOV|pm|gmt"},
	{1795472792, "%Ey|%Od|%q|%5%|%-5d|%_3j|%-j", "26|23|%q|    %|   23|327|327"},
	{1795472792, "%", "%"},
	{1795472792, "abc%", "abc%"},
	{1795472792, "%E", "%E"},
	{1795472792, "%n%t", "\n\t"},
	{951814800, "%Y-%m-%d %H:%M:%S", "2000-02-29 09:00:00"},
	{951814800, "%a %A %b %B %h", "Tue Tuesday Feb February Feb"},
	{951814800, "%c", "Tue Feb 29 09:00:00 2000"},
	{951814800, "%C %y %G %g %V %U %W %u %w %j", "20 00 2000 00 09 09 09 2 2 060"},
	{951814800, "%D %x %X %T %R %r %F", "02/29/00 02/29/00 09:00:00 09:00:00 09:00 09:00:00 AM 2000-02-29"},
	{951814800, "%e|%k|%l|%p|%P", "29| 9| 9|AM|am"},
	{951814800, "%s %Z %z %%", "951814800 GMT +0000 %"},
	{951814800, "%_H|%-m|%010Y|%^a|%#b|%#p|%#Z", " 9|2|0000002000|TUE|FEB|am|gmt"},
	{951814800, "%Ey|%Od|%q|%5%|%-5d|%_3j|%-j", "00|29|%q|    %|   29| 60|60"},
	{951814800, "%", "%"},
	{951814800, "abc%", "abc%"},
	{951814800, "%E", "%E"},
	{951814800, "%n%t", "\n\t"},
}

func TestStrftime(t *testing.T) {
	gmt := time.FixedZone("GMT", 0)
	for _, c := range strftimeCases {
		if got := strftime(c.format, time.Unix(c.unix, 0).In(gmt), false); got != c.want {
			t.Errorf("strftime(%q, %d) = %q, want %q", c.format, c.unix, got, c.want)
		}
	}
}

// TestStrftimeMicroseconds checks bpftrace's %f, which time() does not
// have.
func TestStrftimeMicroseconds(t *testing.T) {
	at := time.Unix(5, 1234567).UTC()
	for _, c := range []struct {
		format string
		micro  bool
		want   string
	}{
		{"%S.%f", true, "05.001234"},
		{"%S.%f", false, "05.%f"},
		{"%%f|%3f|%-f", true, "%f|1234|1234"},
	} {
		if got := strftime(c.format, at, c.micro); got != c.want {
			t.Errorf("strftime(%q, micro=%v) = %q, want %q", c.format, c.micro, got, c.want)
		}
	}
}
