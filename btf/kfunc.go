package btf

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf/btf"
)

// FuncID returns the BTF id of the function called name in the running
// kernel's vmlinux BTF, as a BPF program calling it as a kfunc needs.
// External BTF (a file or an archive) has no ids the running kernel
// knows: it is an error. The error for an unknown function wraps
// ErrNotFound.
func (k *Kernel) FuncID(name string) (btf.TypeID, error) {
	return vmlinuxID[*btf.Func](k, "function", name)
}

// VarID returns the BTF id of the global variable called name in the
// running kernel's vmlinux BTF (vmlinux BTF describes its per-CPU
// variables), as the ldimm64 instruction that loads the variable's
// address (BPF_PSEUDO_BTF_ID) needs. As with FuncID, external BTF has no
// ids the running kernel knows. The error for an unknown variable wraps
// ErrNotFound.
func (k *Kernel) VarID(name string) (btf.TypeID, error) {
	return vmlinuxID[*btf.Var](k, "variable", name)
}

// vmlinuxID returns the id of the type of kind T called name in the
// running kernel's vmlinux BTF; what names the kind in errors.
func vmlinuxID[T btf.Type](k *Kernel, what, name string) (btf.TypeID, error) {
	if k.External() {
		return 0, fmt.Errorf("%s %s: the kernel's own BTF is needed, not external BTF", what, name)
	}
	k.btfMu.Lock()
	defer k.btfMu.Unlock()
	src, err := k.sourceLocked()
	if err != nil {
		return 0, err
	}
	switch s := src.(type) {
	case *rawSpec:
		for _, id := range s.idsByName(name) {
			t, err := s.TypeByID(id)
			if err != nil {
				return 0, err
			}
			if _, ok := t.(T); ok {
				return id, nil
			}
		}
	case *btf.Spec:
		t, err := findNamed[T](s, name)
		if err != nil {
			return 0, err
		}
		var none T
		if btf.Type(t) != btf.Type(none) {
			return s.TypeID(t)
		}
	default:
		return 0, errors.New("unexpected BTF source")
	}
	return 0, fmt.Errorf("%s %s: %w", what, name, ErrNotFound)
}
