package btf

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/internal/testenv"
)

// liveTracefs returns a Kernel whose tracefs works, mounting it if needed
// as a compilation would.
func liveTracefs(t testing.TB) *Kernel {
	t.Helper()
	testenv.Root(t)
	k := NewKernel(Options{})
	_, err := k.Tracefs()
	testenv.SkipIfErr(t, "tracefs", err)
	return k
}

func TestLiveTracepoints(t *testing.T) {
	k := liveTracefs(t)

	tps, err := k.Tracepoints("sched", "sched_switch")
	if err != nil || len(tps) != 1 || tps[0] != (Tracepoint{"sched", "sched_switch"}) {
		t.Fatalf("Tracepoints(sched, sched_switch) = %v, %v", tps, err)
	}
	if tps[0].String() != "sched:sched_switch" {
		t.Errorf("String() = %q", tps[0].String())
	}

	all, err := k.Tracepoints("*", "*")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 100 {
		t.Errorf("only %d tracepoints", len(all))
	}
	if !slices.IsSortedFunc(all, compareTracepoints) {
		t.Error("Tracepoints(*, *) is not sorted")
	}
	if len(slices.Compact(slices.Clone(all))) != len(all) {
		t.Error("Tracepoints(*, *) has duplicates")
	}

	opens, err := k.Tracepoints("sys*", "sys_enter_open*")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(opens, Tracepoint{"syscalls", "sys_enter_openat"}) {
		t.Errorf("sys*:sys_enter_open* = %v, want syscalls:sys_enter_openat", opens)
	}
	for _, tp := range opens {
		if !strings.HasPrefix(tp.Category, "sys") || !strings.HasPrefix(tp.Name, "sys_enter_open") {
			t.Errorf("sys*:sys_enter_open* matched %s", tp)
		}
	}

	q, err := k.Tracepoints("sche?", "sched_switc?")
	if err != nil || len(q) != 1 {
		t.Errorf("sche?:sched_switc? = %v, %v", q, err)
	}
	none, err := k.Tracepoints("no_such_category", "*")
	if err != nil || len(none) != 0 {
		t.Errorf("Tracepoints(no_such_category, *) = %v, %v", none, err)
	}
}

func compareTracepoints(a, b Tracepoint) int {
	if c := strings.Compare(a.Category, b.Category); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

func TestLiveTracepointFormat(t *testing.T) {
	k := liveTracefs(t)
	dir, _ := k.Tracefs()

	tests := []struct {
		tp     Tracepoint
		fields map[string]string // name → Type
	}{
		{Tracepoint{"syscalls", "sys_enter_openat"}, map[string]string{
			"__syscall_nr": "int", "dfd": "int", "filename": "const char *", "flags": "int", "mode": "umode_t"}},
		{Tracepoint{"sched", "sched_switch"}, map[string]string{
			"prev_comm": "char[16]", "prev_pid": "pid_t", "next_comm": "char[16]", "prev_state": "long"}},
		{Tracepoint{"sched", "sched_process_exec"}, map[string]string{
			"filename": "__data_loc char[]", "pid": "pid_t", "old_pid": "pid_t"}},
		{Tracepoint{"irq", "irq_handler_entry"}, map[string]string{
			"irq": "int", "name": "__data_loc char[]"}},
		{Tracepoint{"block", "block_rq_issue"}, map[string]string{
			"dev": "dev_t", "sector": "sector_t", "rwbs": "char[10]", "comm": "char[16]", "cmd": "__data_loc char[]"}},
		{Tracepoint{"raw_syscalls", "sys_enter"}, map[string]string{
			"id": "long", "args": "unsigned long[6]"}},
	}
	for _, tt := range tests {
		tf, err := k.TracepointFormat(tt.tp.Category, tt.tp.Name)
		if err != nil {
			t.Errorf("%s: %v", tt.tp, err)
			continue
		}
		if tf.Category != tt.tp.Category || tf.Name != tt.tp.Name {
			t.Errorf("%s: parsed as %s:%s", tt.tp, tf.Category, tf.Name)
		}
		id, err := os.ReadFile(filepath.Join(dir, "events", tt.tp.Category, tt.tp.Name, "id"))
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := strconv.ParseUint(strings.TrimSpace(string(id)), 10, 32); uint32(want) != tf.ID {
			t.Errorf("%s: ID %d, events/.../id says %d", tt.tp, tf.ID, want)
		}
		if !slices.Equal(tf.Fields[:4], commonFields) {
			t.Errorf("%s: common fields %+v", tt.tp, tf.Fields[:4])
		}
		for name, typ := range tt.fields {
			f, ok := tf.Field(name)
			if !ok || f.Type != typ || f.Common {
				t.Errorf("%s: field %s = %+v, want type %q", tt.tp, name, f, typ)
			}
		}
		if again, _ := k.TracepointFormat(tt.tp.Category, tt.tp.Name); again != tf {
			t.Errorf("%s: format not cached", tt.tp)
		}
	}
}

// TestLiveAllFormats parses every format file of this kernel.
func TestLiveAllFormats(t *testing.T) {
	k := liveTracefs(t)
	dir, _ := k.Tracefs()
	paths, err := filepath.Glob(filepath.Join(dir, "events", "*", "*", "format"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no format files: %v", err)
	}
	types := make(map[string]bool)
	for _, p := range paths {
		rel, _ := filepath.Rel(filepath.Join(dir, "events"), filepath.Dir(p))
		cat, name, _ := strings.Cut(rel, "/")
		tf, err := k.TracepointFormat(cat, name)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		for _, f := range tf.Fields {
			types[f.Type] = true
			if strings.Contains(f.Type, "  ") || strings.HasPrefix(f.Type, " ") || strings.HasSuffix(f.Type, " ") {
				t.Errorf("%s: field %s: badly spaced type %q", rel, f.Name, f.Type)
			}
		}
	}
	t.Logf("%d format files, %d distinct field types", len(paths), len(types))
}

func TestLiveTracepointFormatUnknown(t *testing.T) {
	k := liveTracefs(t)
	_, err := k.TracepointFormat("sched", "no_such_event")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "sched:no_such_event") {
		t.Errorf("unknown tracepoint: %v", err)
	}
	for _, bad := range [][2]string{{"..", "sched"}, {"sched", "../sched/sched_switch"}, {"", "x"}, {"x", ""}} {
		if _, err := k.TracepointFormat(bad[0], bad[1]); !errors.Is(err, ErrNotFound) {
			t.Errorf("TracepointFormat(%q, %q) = %v", bad[0], bad[1], err)
		}
	}
}

// TestTracepointsDoNotLoadBTF is the laziness contract: a script that only
// reads tracepoint formats never parses BTF.
func TestTracepointsDoNotLoadBTF(t *testing.T) {
	k := liveTracefs(t)
	if _, err := k.TracepointFormat("sched", "sched_switch"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Tracepoints("sched", "*"); err != nil {
		t.Fatal(err)
	}
	if k.base != nil || k.baseErr != nil || k.modules != nil || k.enums != nil {
		t.Error("reading tracepoints touched BTF")
	}
}

func TestTracefsOption(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "available_events"), []byte("b:y\na:z\nb:x\nmalformed\n:x\na:z\n"))
	writeFile(t, filepath.Join(dir, "events", "b", "x", "format"), []byte("name: x\nID: 7\nformat:\n\tfield:int v;\toffset:8;\tsize:4;\tsigned:1;\n"))
	writeFile(t, filepath.Join(dir, "events", "b", "bad", "format"), []byte("garbage\n"))

	k := NewKernel(Options{Tracefs: dir})
	tps, err := k.Tracepoints("*", "*")
	want := []Tracepoint{{"a", "z"}, {"b", "x"}, {"b", "y"}}
	if err != nil || !slices.Equal(tps, want) {
		t.Errorf("Tracepoints = %v, %v; want %v", tps, err, want)
	}
	tf, err := k.TracepointFormat("b", "x")
	if err != nil || tf.ID != 7 || tf.Category != "b" || len(tf.Fields) != 1 {
		t.Errorf("TracepointFormat(b, x) = %+v, %v", tf, err)
	}
	_, err = k.TracepointFormat("b", "bad")
	if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "b:bad") {
		t.Errorf("TracepointFormat(b, bad) = %v", err)
	}
}

func TestFindTracefs(t *testing.T) {
	mounted := t.TempDir()
	writeFile(t, filepath.Join(mounted, "available_events"), nil)
	empty := t.TempDir()

	noMount := func(string) error { t.Error("mount called"); return nil }
	if dir, err := findTracefs([]string{empty, mounted}, empty, noMount); dir != mounted || err != nil {
		t.Errorf("findTracefs = %q, %v; want %q", dir, err, mounted)
	}

	failMount := func(string) error { return syscall.EPERM }
	_, err := findTracefs([]string{empty, empty + "2"}, empty, failMount)
	if !errors.Is(err, syscall.EPERM) {
		t.Errorf("failed mount: %v", err)
	}
	for _, s := range []string{empty, empty + "2", "mounting it"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}

	// A mount that succeeds but yields no tracefs.
	if _, err := findTracefs([]string{empty}, empty, func(string) error { return nil }); err == nil {
		t.Error("findTracefs accepted an empty mount")
	}
}

// TestMountTracefs mounts a second instance of tracefs on a temporary
// directory, leaving /sys/kernel/tracing alone.
func TestMountTracefs(t *testing.T) {
	testenv.Root(t)
	dir := t.TempDir()
	got, err := findTracefs([]string{dir}, dir, mountTracefs)
	testenv.SkipIfErr(t, "mount tracefs", err)
	t.Cleanup(func() {
		if err := unix.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	if got != dir {
		t.Errorf("findTracefs = %q, want %q", got, dir)
	}
	k := NewKernel(Options{Tracefs: dir})
	if _, err := k.TracepointFormat("sched", "sched_switch"); err != nil {
		t.Error(err)
	}
}
