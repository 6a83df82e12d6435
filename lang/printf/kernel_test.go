package printf

import (
	"reflect"
	"testing"
)

// Kernel rewrites formats for bpf_seq_printf: 64-bit integer
// conversions, "%%" for a literal '%', flags and widths kept, and a new
// call after a %s followed by a letter or digit, or after 12 arguments.
func TestKernelFormat(t *testing.T) {
	twelve := "%d%d%d%d%d%d%d%d%d%d%d%d"
	twelveLL := "%lld%lld%lld%lld%lld%lld%lld%lld%lld%lld%lld%lld"
	for _, c := range []struct {
		format string
		want   []KernelCall
	}{
		{"hello\n", []KernelCall{{Format: "hello\n"}}},
		{"", nil},
		{"%s:%d\n", []KernelCall{{Format: "%s:%lld\n", Verbs: []int{0, 1}}}},
		{"%u %lx %llX %hhd %hi %zu", []KernelCall{{Format: "%llu %llx %llX %lld %lli %llu", Verbs: []int{0, 1, 2, 3, 4, 5}}}},
		{"[%-5d|%05d|%+d|% d|%5s|%-3c]", []KernelCall{{Format: "[%-5lld|%05lld|%+lld|% lld|%5s|%-3c]", Verbs: []int{0, 1, 2, 3, 4, 5}}}},
		{"100%% %d%", []KernelCall{{Format: "100%% %lld%%", Verbs: []int{0}}}},
		{"%sabc%s %s1", []KernelCall{{Format: "%s", Verbs: []int{0}}, {Format: "abc%s %s", Verbs: []int{1, 2}}, {Format: "1"}}},
		{"%s-%s_%s\t%s", []KernelCall{{Format: "%s-%s_%s\t%s", Verbs: []int{0, 1, 2, 3}}}},
		{twelve + "%d\n", []KernelCall{{Format: twelveLL, Verbs: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}}, {Format: "%lld\n", Verbs: []int{12}}}},
		{"%*d", []KernelCall{{Format: "%lld", Verbs: []int{0}}}},
	} {
		f, err := Parse(c.format)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.Kernel("printf")
		if err != nil {
			t.Errorf("%q: %v", c.format, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", c.format, got, c.want)
		}
	}
	for _, c := range []struct{ format, want string }{
		{"%o", "printf: %o is not supported in iter probes (the kernel's bpf_seq_printf formats it)"},
		{"%p", "printf: %p is not supported in iter probes (the kernel's bpf_seq_printf formats it)"},
		{"%r", "printf: %r is not supported in iter probes (the kernel's bpf_seq_printf formats it)"},
		{"%gr", "printf: %gr is not supported in iter probes (the kernel's bpf_seq_printf formats it)"},
		{"%5.2d", "printf: %d with a precision is not supported in iter probes (the kernel's bpf_seq_printf formats it)"},
		{"%#lx", "printf: the '#' flag of %lx is not supported in iter probes (the kernel's bpf_seq_printf formats it)"},
		{"\x01", "printf: the format of a printf() in an iter probe may only hold printable ASCII and white space (the kernel's bpf_seq_printf formats it)"},
		{"\xc3\xa9", "printf: the format of a printf() in an iter probe may only hold printable ASCII and white space (the kernel's bpf_seq_printf formats it)"},
	} {
		f, err := Parse(c.format)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Kernel("printf"); err == nil || err.Error() != c.want {
			t.Errorf("%q: error %v, want %q", c.format, err, c.want)
		}
	}
}
