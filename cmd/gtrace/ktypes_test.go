package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	cbtf "github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/btf/archive"
	"github.com/gtrace/gtrace/internal/archivetest"
	"github.com/gtrace/gtrace/internal/e2e"
	"github.com/gtrace/gtrace/internal/testenv"
)

// kernelTypesScript reads real kernel structures of the task running
// BEGIN (gtrace itself): a member chain to the parent, a bitfield, an
// array member, members inside an anonymous union, and sizeof/offsetof.
const kernelTypesScript = `BEGIN {
  printf("%d %s|%d|%d|%d|%d|%d|%d\n",
    curtask->pid == pid, curtask->comm, curtask->real_parent->tgid,
    curtask->sched_reset_on_fork, curtask->cpus_mask.bits[0],
    curtask->rcu_users.refs.counter > 0,
    sizeof(struct task_struct), offsetof(struct task_struct, se.vruntime));
  exit();
}`

// expectedKernelTypes computes from the kernel's BTF what the script must
// print when gtrace runs with sched_reset_on_fork set and pinned to CPU 0.
func expectedKernelTypes(t *testing.T) string {
	spec, err := cbtf.LoadKernelSpec()
	testenv.SkipIfErr(t, "kernel BTF", err)
	var task *cbtf.Struct
	if err := spec.TypeByName("task_struct", &task); err != nil {
		t.Fatal(err)
	}
	se, err := btf.FindMember(task, "se")
	if err != nil {
		t.Fatal(err)
	}
	vr, err := btf.FindMember(se.Type, "vruntime")
	if err != nil {
		t.Fatal(err)
	}
	off := se.ByteOffset() + vr.ByteOffset()
	return fmt.Sprintf("1 gtrace|%d|1|1|1|%d|%d\n", os.Getpid(), task.Size, off)
}

func TestKernelTypes(t *testing.T) {
	gtrace := e2e.Gtrace(t)
	testenv.File(t, "/sys/kernel/btf/vmlinux")
	for _, tool := range []string{"chrt", "taskset", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Skip(t, "needs "+tool)
		}
	}
	want := "Attaching 1 probe...\n" + expectedKernelTypes(t) + "\n\n"

	// A copy of the BTF, and a btfhub-style archive tree made from it.
	dir := t.TempDir()
	raw, err := os.ReadFile("/sys/kernel/btf/vmlinux")
	if err != nil {
		t.Fatal(err)
	}
	btfCopy := filepath.Join(dir, "vmlinux.btf")
	if err := os.WriteFile(btfCopy, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	target, err := archive.HostTarget()
	if err != nil {
		t.Fatal(err)
	}
	tree := filepath.Join(dir, "btfhub-archive")
	archivetest.Write(t, archive.Paths(tree, target)[0], target.Release+".btf", raw)
	cache := filepath.Join(dir, "cache")

	cases := []struct {
		name string
		args []string
		// hide runs gtrace where /sys/kernel/btf/vmlinux reads as empty,
		// so only the external source can answer.
		hide bool
	}{
		{"vmlinux", nil, false},
		{"btf file", []string{"--btf", btfCopy}, true},
		{"btfhub archive", []string{"--btf-archive", tree}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append(append([]string{}, c.args...), "-e", kernelTypesScript)
			cmd := append([]string{"chrt", "--reset-on-fork", "--other", "0", "taskset", "0x1", gtrace}, args...)
			if c.hide {
				// unshare and sh exec in place, so gtrace's parent stays the test.
				quoted := make([]string, len(cmd))
				for i, a := range cmd {
					quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
				}
				cmd = []string{"unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
					"mount --bind /dev/null /sys/kernel/btf/vmlinux && exec " + strings.Join(quoted, " ")}
			}
			res, err := e2e.Exec(e2e.Run{Tracer: cmd[0], Args: cmd[1:], Env: []string{"XDG_CACHE_HOME=" + cache}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Stdout != want {
				t.Errorf("stdout %q, want %q\nstderr: %s", res.Stdout, want, res.Stderr)
			}
		})
	}
}

// A raw tracepoint's arguments are typed from BTF: sched_process_exec's
// bprm is a struct linux_binprm * whose filename is read as a string.
func TestRawTracepointArgs(t *testing.T) {
	gtrace := e2e.Gtrace(t)
	testenv.File(t, "/sys/kernel/btf/vmlinux")
	target := filepath.Join(t.TempDir(), "gtrace-rt-target")
	data, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, data, 0o755); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf(`rawtracepoint:sched_process_exec /str(args.bprm->filename) == %q/ {
  printf("%%s %%s %%d\n", str(args.bprm->filename), args.p->comm, args.p->pid == pid);
  exit();
}`, target)
	res, err := e2e.Exec(e2e.Run{Tracer: gtrace, Args: []string{"-e", script}, Trigger: target})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("Attaching 1 probe...\n%s gtrace-rt-targe 1\n\n\n", target)
	if res.Stdout != want {
		t.Errorf("stdout %q, want %q\nstderr: %s", res.Stdout, want, res.Stderr)
	}
}

// -l lists probes and -lv their arguments with C types, as bpftrace -lv
// does.
func TestListing(t *testing.T) {
	gtrace := e2e.Gtrace(t)
	testenv.File(t, "/sys/kernel/btf/vmlinux")
	cases := []struct {
		args []string
		want []string // lines that must appear, in order
	}{
		{[]string{"-lv", "tracepoint:sched:sched_switch"},
			[]string{"tracepoint:sched:sched_switch", "    char prev_comm[16]", "    pid_t prev_pid", "    pid_t next_pid"}},
		{[]string{"-lv", "rawtracepoint:sched_switch"},
			[]string{"rawtracepoint:sched_switch", "    bool preempt", "    struct task_struct * prev", "    struct task_struct * next"}},
		{[]string{"-lv", "fentry:vfs_read"},
			[]string{"fentry:vfs_read", "    struct file * file", "    char * buf", "    size_t count"}},
		{[]string{"-lv", "fexit:vfs_read"}, []string{"fexit:vfs_read", "    ssize_t retval"}},
		{[]string{"-l", "tracepoint:syscalls:sys_enter_open*"},
			[]string{"tracepoint:syscalls:sys_enter_open_by_handle_at", "tracepoint:syscalls:sys_enter_openat"}},
	}
	for _, c := range cases {
		res, err := e2e.Exec(e2e.Run{Tracer: gtrace, Args: c.args})
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(res.Stdout, "\n")
		i := 0
		for _, l := range lines {
			if i < len(c.want) && l == c.want[i] {
				i++
			}
		}
		if i < len(c.want) || res.ExitCode != 0 {
			t.Errorf("gtrace %s: missing %q in:\n%s%s", strings.Join(c.args, " "), c.want[i:], res.Stdout, res.Stderr)
		}
	}
}
