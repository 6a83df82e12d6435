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
	if k.External() {
		return 0, fmt.Errorf("function %s: the kernel's own BTF is needed, not external BTF", name)
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
			if _, ok := t.(*btf.Func); ok {
				return id, nil
			}
		}
	case *btf.Spec:
		fn, err := findFunc(s, name)
		if err != nil {
			return 0, err
		}
		if fn != nil {
			return s.TypeID(fn)
		}
	default:
		return 0, errors.New("unexpected BTF source")
	}
	return 0, fmt.Errorf("function %s: %w", name, ErrNotFound)
}
