package codegen

import (
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/internal/testenv"
	"github.com/gtrace/gtrace/lang"
)

// iterVerifierScripts are iterator probes and ctx uses that must pass the
// kernel's verifier: context fields (NULL-checked) in predicates, printf
// (bpf_seq_printf, in loop bodies too), events while a ring buffer record
// is reserved, path(), and ctx in kprobe and perf event probes.
var iterVerifierScripts = []string{
	`iter:task { printf("%s:%d\n", ctx.task.comm, ctx.task.pid); }`,
	`iter:task /ctx->task->pid == 2/ { print(ctx.task.pid); @[ctx.task.comm] = count(); printf("%s %d %d\n", "x", ctx.meta.seq_num, 1 << 40); exit(); }`,
	`iter:task_file { printf("%s:%d %d:%s\n", ctx.task.comm, ctx.task.pid, ctx.fd, path(ctx.file.f_path)); @fds[ctx.task.pid] = count(); }`,
	`iter:task_vma { printf("%s %d %lx-%lx\n", comm, pid, ctx.vma.vm_start, ctx.vma.vm_end); }`,
	`iter:task { $t = ctx.task; @m[1] = 1; for ($kv : @m) { printf("%d %s\n", $kv.0, $t.comm); } for ($i : 0..2) { printf("%d\n", $i); } }`,
	`iter:task { printf("%d %d %d %d %d %d %d %d %d %d %d %d %d %hhd %sx%c\n", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 300, str(ctx.task.comm), 65); }`,
	`iter:bpf_map { printf("%d\n", ctx.map.id); }`,
	`kprobe:vfs_read { printf("%lx %lx\n", ctx.di, ctx->sp); }`,
	`profile:hz:99 { @[ctx.regs.ip] = count(); @p = ctx.sample_period; }`,
}

func TestIterVerifierAccepts(t *testing.T) {
	if _, err := btf.NewKernel(btf.Options{}).LookupType("struct bpf_iter__task"); err != nil {
		testenv.Skip(t, "needs the kernel's BTF with iterators")
	}
	verify(t, iterVerifierScripts, lang.CheckOptions{})
}

// An iterator probe is a tracing program attached to its iterator; the
// formats of its printf calls are in a read-only map, each once.
func TestIterProgram(t *testing.T) {
	kernel := btf.NewKernel(btf.Options{})
	src := `iter:task_file { printf("%d\n", ctx.fd); printf("%d\n", ctx.fd + 1); printf("%s\n", "x"); }`
	prog, err := lang.Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := lang.Check(prog, lang.CheckOptions{Kernel: kernel, Config: lang.DefaultConfig()}); err != nil {
		testenv.SkipIfErr(t, "iterators", err)
	}
	obj, err := Compile(prog, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	spec := obj.Programs[0].Spec
	if spec.Type != ebpf.Tracing || spec.AttachType != ebpf.AttachTraceIter || spec.AttachTo != "task_file" {
		t.Errorf("program %v %v %q, want Tracing, AttachTraceIter, task_file", spec.Type, spec.AttachType, spec.AttachTo)
	}
	var formats *ebpf.MapSpec
	for _, m := range obj.Internal {
		if m.Name == SeqFormatsMap {
			formats = m
		}
	}
	if formats == nil {
		t.Fatal("no formats map")
	}
	if want := "%lld\n\x00%s\n\x00"; formats.Flags&unix.BPF_F_RDONLY_PROG == 0 || string(formats.Contents[0].Value.([]byte)) != want {
		t.Errorf("formats map flags %#x, contents %q; want read-only and %q", formats.Flags, formats.Contents[0].Value, want)
	}
}
