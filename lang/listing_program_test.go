package lang

import (
	"strings"
	"testing"

	"github.com/gtrace/gtrace/btf"
)

// listKernel has two tracepoints, syscalls:sys_enter_close and
// syscalls:sys_exit_close.
type listKernel struct{ noKernel }

func (listKernel) Tracepoints(category, name string) ([]btf.Tracepoint, error) {
	var out []btf.Tracepoint
	for _, tp := range []btf.Tracepoint{{Category: "syscalls", Name: "sys_enter_close"}, {Category: "syscalls", Name: "sys_exit_close"}} {
		if btf.MatchGlob(category, tp.Category) && btf.MatchGlob(name, tp.Name) {
			out = append(out, tp)
		}
	}
	return out, nil
}

func (k listKernel) TracepointFormat(category, name string) (*btf.TracepointFormat, error) {
	if tps, _ := k.Tracepoints(category, name); len(tps) != 1 || strings.ContainsAny(category+name, "*?") {
		return nil, btf.ErrNotFound
	}
	return btf.ParseTracepointFormat(strings.NewReader("name: " + name + "\nID: 1\nformat:\n" +
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n" +
		"\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n" +
		"\tfield:unsigned int fd;\toffset:16;\tsize:8;\tsigned:0;\n\nprint fmt: \"\"\n"))
}

func TestListProgram(t *testing.T) {
	cases := []struct {
		src     string
		verbose bool
		want    string // the listing, one line a probe, or the error
	}{
		{src: `BEGIN { } t:syscalls:sys_*_close { exit(); } END { } self:signal:SIGUSR1 { }`,
			want: "tracepoint:syscalls:sys_enter_close\ntracepoint:syscalls:sys_exit_close\n"},
		// Attach points in order, each expanded; a probe named twice is
		// listed twice, as in bpftrace.
		{src: "tracepoint:syscalls:sys_exit_close, tracepoint:syscalls:sys_*_close { }",
			want: "tracepoint:syscalls:sys_exit_close\ntracepoint:syscalls:sys_enter_close\ntracepoint:syscalls:sys_exit_close\n"},
		{src: "tracepoint:syscalls:sys_enter_close { }", verbose: true,
			want: "tracepoint:syscalls:sys_enter_close\n    int __syscall_nr\n    unsigned int fd\n"},
		// Timed and perf-event probes as a pattern listing names them.
		{src: "interval:s:1 { } i:100000 { } profile:hz:99 { } software:cpu-clock:1000 { } s:faults { } hardware:cycles { }",
			want: "interval:s:\ninterval:us:\nprofile:hz:\nsoftware:cpu-clock:\nsoftware:faults:\nhardware:cycles:\n"},
		{src: "test:first { } bench:second { } watchpoint:0x10000000:8:w { }", want: "test:first:\nbench:second:\n"},
		// Positional parameters in attach points.
		{src: "tracepoint:syscalls:$1 { }", want: "tracepoint:syscalls:sys_exit_close\n"},
		// Missing probes: an error, unless the config says otherwise.
		{src: "tracepoint:syscalls:sys_enter_open { }", want: "stdin:1:1-35: ERROR: tracepoint not found: syscalls:sys_enter_open"},
		{src: `config = { missing_probes = "warn" } tracepoint:syscalls:sys_enter_open, tracepoint:syscalls:sys_enter_close { }`,
			want: "tracepoint:syscalls:sys_enter_close\n"},
		{src: "nope:x { }", want: "stdin:1:1-7: ERROR: Invalid probe type: nope"},
	}
	for _, c := range cases {
		prog, err := Parse("", c.src)
		if err != nil {
			t.Fatal(err)
		}
		opts := CheckOptions{Config: DefaultConfig(), Kernel: listKernel{}, Params: []string{"sys_exit_close"}}
		listed, err := ListProgram(prog, opts, c.verbose)
		var got strings.Builder
		for _, l := range listed {
			got.WriteString(l.String())
		}
		if err != nil {
			got.WriteString(strings.TrimSpace(strings.SplitN(Render(err, map[string]string{"": c.src}), "\n", 2)[0]))
		}
		if got.String() != c.want {
			t.Errorf("ListProgram(%q) =\n%s\nwant\n%s", c.src, got.String(), c.want)
		}
	}
}

// Type patterns list kernel types, through the kernel's TypeLister.
func TestListTypesNeedsTypes(t *testing.T) {
	if _, err := List(listKernel{}, "struct path", false); err == nil || !strings.Contains(err.Error(), "no kernel types") {
		t.Errorf(`List(struct path) without kernel types: %v, want an error`, err)
	}
}

func TestListedString(t *testing.T) {
	for _, c := range []struct {
		l    Listed
		want string
	}{
		{Listed{Name: "tracepoint:syscalls:sys_enter_close"}, "tracepoint:syscalls:sys_enter_close\n"},
		{Listed{Name: "fentry:f", Args: []string{"int a", "char * b"}}, "fentry:f\n    int a\n    char * b\n"},
		{Listed{Name: "struct path"}, "struct path\n"},
		{Listed{Name: "struct s", Definition: "struct s {\n\tint x;\n};", BTF: "vmlinux"}, "vmlinux: struct s {\n\tint x;\n};\n\n"},
	} {
		if got := c.l.String(); got != c.want {
			t.Errorf("%+v.String() = %q, want %q", c.l, got, c.want)
		}
	}
}
