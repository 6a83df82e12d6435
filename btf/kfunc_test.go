package btf

import (
	"errors"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// TestLiveFuncID checks that FuncID finds a kfunc's id in vmlinux, the
// one cilium/ebpf's decoding gives it.
func TestLiveFuncID(t *testing.T) {
	k := liveKernel(t)
	id, err := k.FuncID("bpf_task_from_pid")
	if err != nil {
		t.Skipf("no bpf_task_from_pid kfunc: %v", err)
	}
	spec, err := k.Spec()
	if err != nil {
		t.Fatal(err)
	}
	var fn *btf.Func
	if err := spec.TypeByName("bpf_task_from_pid", &fn); err != nil {
		t.Fatal(err)
	}
	if want, _ := spec.TypeID(fn); id != want {
		t.Errorf("FuncID = %d, want %d", id, want)
	}
	if _, err := k.FuncID("no_such_function_here"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown function: %v, want ErrNotFound", err)
	}
	// A struct of the same name as no function is not a function.
	if _, err := k.FuncID("task_struct"); !errors.Is(err, ErrNotFound) {
		t.Errorf("task_struct: %v, want ErrNotFound", err)
	}
	if _, err := NewKernel(Options{BTFFile: "/nonexistent"}).FuncID("bpf_task_from_pid"); err == nil {
		t.Error("external BTF: no error")
	}
}
