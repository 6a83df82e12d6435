package sym

import (
	"strconv"
	"sync"

	"github.com/gtrace/gtrace/btf"
)

// KernelResolver names kernel addresses from /proc/kallsyms, which it
// reads the first time it is asked. It is safe for concurrent use.
type KernelResolver struct {
	once sync.Once
	syms *btf.Kallsyms
	err  error
}

// NewKernelResolver returns a resolver that reads /proc/kallsyms when
// first used.
func NewKernelResolver() *KernelResolver { return &KernelResolver{} }

// NewKernelResolverFrom returns a resolver over a symbol table already
// read.
func NewKernelResolverFrom(syms *btf.Kallsyms) *KernelResolver {
	r := &KernelResolver{syms: syms}
	r.once.Do(func() {})
	return r
}

func (r *KernelResolver) load() (*btf.Kallsyms, error) {
	r.once.Do(func() { r.syms, r.err = btf.LoadKallsyms() })
	return r.syms, r.err
}

// Lookup returns the kernel symbol an address falls in and the offset
// into it; ok is false when no symbol covers the address or the symbols
// cannot be read.
func (r *KernelResolver) Lookup(addr uint64) (name string, off uint64, module string, ok bool) {
	syms, err := r.load()
	if err != nil {
		return "", 0, "", false
	}
	return syms.Lookup(addr)
}

// Err returns the error reading the kernel's symbols, if any.
func (r *KernelResolver) Err() error {
	_, err := r.load()
	return err
}

// Format writes a kernel address as bpftrace does: the symbol's name,
// followed by "+offset" when withOffset is set, or the address in
// hexadecimal when no symbol covers it.
func (r *KernelResolver) Format(addr uint64, withOffset bool) string {
	if name, off, _, ok := r.Lookup(addr); ok {
		if withOffset {
			return name + "+" + strconv.FormatUint(off, 10)
		}
		return name
	}
	return HexAddress(addr)
}

// HexAddress writes an address the way C++'s stream output writes a
// pointer, as bpftrace prints addresses it cannot name: 0x1f, and 0 for
// null.
func HexAddress(addr uint64) string {
	if addr == 0 {
		return "0"
	}
	return "0x" + strconv.FormatUint(addr, 16)
}
