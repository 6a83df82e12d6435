package btf

import (
	"errors"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// TestLiveVarID checks that VarID finds a per-CPU variable's id in
// vmlinux, the one cilium/ebpf's decoding gives it.
func TestLiveVarID(t *testing.T) {
	k := liveKernel(t)
	id, err := k.VarID("process_counts")
	if err != nil {
		t.Skipf("no process_counts variable: %v", err)
	}
	spec, err := k.Spec()
	if err != nil {
		t.Fatal(err)
	}
	var v *btf.Var
	if err := spec.TypeByName("process_counts", &v); err != nil {
		t.Fatal(err)
	}
	if want, _ := spec.TypeID(v); id != want {
		t.Errorf("VarID = %d, want %d", id, want)
	}
	if _, err := k.VarID("no_such_variable_here"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown variable: %v, want ErrNotFound", err)
	}
	// A function is not a variable.
	if _, err := k.VarID("vfs_read"); !errors.Is(err, ErrNotFound) {
		t.Errorf("vfs_read: %v, want ErrNotFound", err)
	}
	if _, err := NewKernel(Options{BTFFile: "/nonexistent"}).VarID("process_counts"); err == nil {
		t.Error("external BTF: no error")
	}
}
