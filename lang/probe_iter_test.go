package lang

import (
	"strings"
	"testing"

	"github.com/gtrace/gtrace/btf"
)

// iterKernel is the running kernel's BTF; tests skip where it has no
// task iterator.
func iterKernel(t *testing.T) *btf.Kernel {
	t.Helper()
	k := btf.NewKernel(btf.Options{})
	if _, err := k.LookupType("struct bpf_iter__task"); err != nil {
		t.Skipf("needs the kernel's BTF with iterators: %v", err)
	}
	return k
}

// Iterator points: the short name, the iterator, and the pin part (a
// path in /sys/fs/bpf, or absolute); the ctx builtin's type.
func TestIterPoints(t *testing.T) {
	opts := CheckOptions{Kernel: iterKernel(t), Config: DefaultConfig()}
	for _, c := range []struct{ src, name, fn, pin string }{
		{`iter:task { }`, "iter:task", "task", ""},
		{`it:task_file { }`, "iter:task_file", "task_file", ""},
		{`iter:task_vma:vmas { }`, "iter:task_vma", "task_vma", "/sys/fs/bpf/vmas"},
		{`iter:task:/sys/fs/bpf/dir/x { }`, "iter:task", "task", "/sys/fs/bpf/dir/x"},
		{`iter:task: { }`, "iter:task", "task", ""},
		{`BEGIN { } iter:task { } END { } self:signal:SIGUSR1 { } test:a { } bench:b { }`, "", "", ""},
	} {
		prog, err := Parse("", c.src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.src, err)
		}
		if err := Check(prog, opts); err != nil {
			t.Errorf("Check(%q): %v", c.src, err)
			continue
		}
		if c.name == "" {
			continue
		}
		pt := prog.Probes[0].Points[0]
		if pt.Kind != "iter" || pt.Name != c.name || pt.Func != c.fn || pt.Pin != c.pin {
			t.Errorf("%q: point %s %s %s pin %q, want iter %s %s pin %q", c.src, pt.Kind, pt.Name, pt.Func, pt.Pin, c.name, c.fn, c.pin)
		}
	}
	src := `iter:task_file { $c = ctx; $t = ctx.task; $f = ctx->fd; $p = ctx.file; $s = ctx.task.comm; }`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, opts); err != nil {
		t.Fatal(Render(err, map[string]string{"": src}))
	}
	want := map[string]string{"$c": "struct bpf_iter__task_file *", "$t": "struct task_struct *", "$f": "uint32",
		"$p": "struct file *", "$s": "string[16]"}
	Inspect(prog, func(n Node) {
		if v, ok := n.(*Var); ok && v.Decl != nil {
			if got := v.Decl.Type.String(); got != want[v.Name] {
				t.Errorf("%s: %s, want %s", v.Name, got, want[v.Name])
			}
		}
	})
}

// The errors of iterator probes and of ctx, in the newest bpftrace's
// words where it has them: malformed attach points, iterators mixed
// with other probes, ctx where a probe has none, and printf() formats
// the kernel's bpf_seq_printf cannot print.
func TestIterErrors(t *testing.T) {
	opts := CheckOptions{Kernel: iterKernel(t), Config: DefaultConfig()}
	mixed := "Iterator probe can't be mixed with any other probe, not even another iterator."
	for _, c := range []struct{ src, want string }{
		{`iter { }`, `stdin:1:1-5: iter probe type takes 2 arguments (1 optional)`},
		{`iter:task:a:b { }`, `stdin:1:1-14: iter probe type takes 2 arguments (1 optional)`},
		{`iter: { }`, `stdin:1:1-6: iter should specify a iterator's name`},
		{`iter:task* { }`, `stdin:1:1-11: iter probe type does not support wildcards`},
		{`iter:task:* { }`, `stdin:1:1-12: iter probe type does not support wildcards`},
		{`iter:nope { }`, `stdin:1:1-10: iter nope not available for your kernel version.`},
		{`iter:task__safe_trusted { }`, `stdin:1:1-24: iter task__safe_trusted not available for your kernel version.`},
		{`iter:task, iter:task_file { }`, `stdin:1:12-26: iter probe only supports one attach point.`},
		{`iter:task { } iter:task_file { }`, `stdin:1:15-29: ` + mixed},
		{`iter:task { } tracepoint:sched:sched_switch { }`, `stdin:1:15-44: ` + mixed},
		{`interval:s:1 { } BEGIN { } it:task { }`, `stdin:1:28-35: ` + mixed},
		{`iter:task, interval:s:1 { }`, `stdin:1:12-24: ` + mixed},
		{`BEGIN { $x = ctx; }`, `stdin:1:14-17: The ctx builtin can not be used with 'BEGIN' probes`},
		{`END { $x = ctx; }`, `stdin:1:12-15: The ctx builtin can not be used with 'END' probes`},
		{`tracepoint:sched:sched_switch { $x = ctx; }`, `stdin:1:38-41: Use args instead of ctx in tracepoint`},
		{`rawtracepoint:sched_switch { $x = ctx; }`, `stdin:1:35-38: The ctx builtin can not be used with 'rawtracepoint' probes`},
		{`iter:task { @m[1] = 1; for ($kv : @m) { $t = ctx.task; } }`, `stdin:1:46-49: 'ctx' builtin is not allowed in a for-loop`},
		{`iter:task { for ($i : 0..2) { $t = ctx; } }`, `stdin:1:36-39: 'ctx' builtin is not allowed in a for-loop`},
		{`iter:task { $x = ctx.nope; }`, `stdin:1:18-26: Struct/union of type 'struct bpf_iter__task' does not contain a field named 'nope'`},
		{`iter:task { $x = args.foo; }`, `stdin:1:18-22: The args builtin can only be used with tracepoint, rawtracepoint, fentry, fexit and uprobe probes (iter used here)`},
		{`iter:task { $x = arg0; }`, `stdin:1:18-22: The arg0 builtin can only be used with 'kprobes', 'uprobes' and 'usdt' probes (iter used here)`},
		{`iter:task { $x = retval; }`, `stdin:1:18-24: The retval builtin can only be used with 'kretprobe' and 'uretprobe' and 'fexit' probes (iter used here)`},
		{`iter:task { printf("%s\n", ctx.task.pid); }`, `stdin:1:28-40: printf: %s in an iter probe takes a string (integer supplied): the kernel's bpf_seq_printf formats it`},
		{`iter:task { printf("%s\n", ksym(1)); }`, `stdin:1:28-35: printf: %s in an iter probe takes a string (ksym supplied): the kernel's bpf_seq_printf formats it`},
		{`iter:task { printf("%d\n", (1, 2)); }`, `stdin:1:13-35: printf: %d specifier expects a value of type integer (tuple supplied)`},
		{`iter:task { printf("%o\n", 1); }`, `stdin:1:13-30: printf: %o is not supported in iter probes (the kernel's bpf_seq_printf formats it)`},
		{`iter:task { printf("%p\n", 1); }`, `stdin:1:13-30: printf: %p is not supported in iter probes (the kernel's bpf_seq_printf formats it)`},
		{`iter:task { printf("%.3s\n", "abcd"); }`, `stdin:1:13-37: printf: %s with a precision is not supported in iter probes (the kernel's bpf_seq_printf formats it)`},
		{`iter:task { printf("%#x\n", 1); }`, `stdin:1:13-31: printf: the '#' flag of %x is not supported in iter probes (the kernel's bpf_seq_printf formats it)`},
		{`iter:task { printf("%rx\n", buf("a", 1)); }`, `stdin:1:13-41: printf: %rx is not supported in iter probes (the kernel's bpf_seq_printf formats it)`},
		{"iter:task { printf(\"h\u00e9\\n\"); }", `stdin:1:13-28: printf: the format of a printf() in an iter probe may only hold printable ASCII and white space (the kernel's bpf_seq_printf formats it)`},
	} {
		expectCheckError(t, c.src, c.want, opts)
	}
}

// ctx in the other probes that have it, as in the newest bpftrace:
// struct pt_regs in kprobe, uprobe and usdt probes, struct
// bpf_perf_event_data in perf event probes.
func TestCtxOtherProbes(t *testing.T) {
	opts := CheckOptions{Kernel: iterKernel(t), Config: DefaultConfig(), Binaries: argsBinaries{}}
	for _, c := range []struct{ src, want string }{
		{`kprobe:vfs_read { $c = ctx; }`, "struct pt_regs *"},
		{`uretprobe:/bin/prog:main { $c = ctx; }`, "struct pt_regs *"},
		{`profile:hz:99 { $c = ctx; }`, "struct bpf_perf_event_data *"},
		{`software:faults:1 { $c = ctx->sample_period; }`, "uint64"},
	} {
		prog, err := Parse("", c.src)
		if err != nil {
			t.Fatal(err)
		}
		if err := Check(prog, opts); err != nil {
			t.Errorf("%s: %v", c.src, Render(err, map[string]string{"": c.src}))
			continue
		}
		Inspect(prog, func(n Node) {
			if v, ok := n.(*Var); ok && v.Decl != nil {
				if got := v.Decl.Type.String(); got != c.want {
					t.Errorf("%s: %s is %s, want %s", c.src, v.Name, got, c.want)
				}
			}
		})
	}
}

// gtrace -l 'iter:*' lists the iterators; -lv their context's fields but
// the meta one, as the newest bpftrace does.
func TestListIters(t *testing.T) {
	k := iterKernel(t)
	all, err := List(k, "iter:*", false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range all {
		names = append(names, l.Name)
		if strings.HasSuffix(l.Name, "__safe_trusted") {
			t.Errorf("listed %s", l.Name)
		}
	}
	for _, want := range []string{"iter:task", "iter:task_file", "iter:task_vma"} {
		if !strings.Contains(strings.Join(names, " ")+" ", want+" ") {
			t.Errorf("iter:* lists %v, without %s", names, want)
		}
	}
	got, err := List(k, "it:task_file", true)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, l := range got {
		b.WriteString(l.String())
	}
	if want := "iter:task_file\n    struct task_struct * task\n    u32 fd\n    struct file * file\n"; b.String() != want {
		t.Errorf("-lv it:task_file:\n%s\nwant:\n%s", b.String(), want)
	}
}
