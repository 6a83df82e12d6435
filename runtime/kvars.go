package runtime

import (
	"errors"
	"fmt"

	cbtf "github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/codegen"
)

var _ codegen.KernelVars = (*KernelFuncs)(nil)

// VarID returns the BTF id in vmlinux of the kernel variable name, for
// percpu_kaddr(). The verifier finds the variable's address in the
// kernel's symbol table: a kernel built without CONFIG_KALLSYMS_ALL lists
// no variables there, and the program could not load, which is said now.
func (k *KernelFuncs) VarID(name string) (cbtf.TypeID, error) {
	id, err := k.Kernel.VarID(name)
	if err != nil {
		return 0, err
	}
	if _, err := k.Kernel.KernelSymbolAddress(name); errors.Is(err, btf.ErrNotFound) {
		return 0, fmt.Errorf("the kernel's symbol table (/proc/kallsyms) does not list %s, whose address the BPF verifier needs (a kernel built without CONFIG_KALLSYMS_ALL lists no variables)", name)
	}
	return id, nil
}
