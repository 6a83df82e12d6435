package btf

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/cilium/ebpf/btf"
)

// KernelFunction is a kernel function kprobes can attach to.
type KernelFunction struct {
	Name string
	// Module defines the function; "" for vmlinux.
	Module string
}

// kernelSymbols caches what the running kernel says about its functions
// and symbols: the traceable functions and /proc/kallsyms.
type kernelSymbols struct {
	mu       sync.Mutex
	funcs    []KernelFunction
	funcsErr error
	kallsyms *Kallsyms
	symsErr  error
}

// KprobeFunctions lists the kernel functions whose module and name match
// the glob patterns module and name, sorted by name then module, without
// duplicates. An empty module pattern matches every module and vmlinux;
// "vmlinux" matches the kernel's own functions. The functions are those
// tracefs lists in available_filter_functions or, where that file cannot
// be read, the code symbols of /proc/kallsyms, or, failing both, the
// functions in BTF. No match is not an error.
func (k *Kernel) KprobeFunctions(module, name string) ([]KernelFunction, error) {
	all, err := k.kprobeFunctions()
	if err != nil {
		return nil, err
	}
	var out []KernelFunction
	for _, f := range all {
		if !MatchGlob(name, f.Name) {
			continue
		}
		if module != "" {
			m := f.Module
			if m == "" {
				m = "vmlinux"
			}
			if !MatchGlob(module, m) {
				continue
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func (k *Kernel) kprobeFunctions() ([]KernelFunction, error) {
	ks := &k.syms
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if ks.funcs != nil || ks.funcsErr != nil {
		return ks.funcs, ks.funcsErr
	}
	funcs, err := k.filterFunctions()
	if err != nil {
		var kerr error
		funcs, kerr = k.kallsymsFunctions()
		if kerr != nil {
			funcs, err = k.btfFunctions()
			if err != nil {
				err = fmt.Errorf("listing kernel functions: %w (and %v)", kerr, err)
			}
		} else {
			err = nil
		}
	}
	if err == nil {
		sort.Slice(funcs, func(i, j int) bool {
			if funcs[i].Name != funcs[j].Name {
				return funcs[i].Name < funcs[j].Name
			}
			return funcs[i].Module < funcs[j].Module
		})
		funcs = compactFunctions(funcs)
		if funcs == nil {
			funcs = []KernelFunction{}
		}
	}
	ks.funcs, ks.funcsErr = funcs, err
	return funcs, err
}

func compactFunctions(fs []KernelFunction) []KernelFunction {
	out := fs[:0]
	for i, f := range fs {
		if i > 0 && f == fs[i-1] {
			continue
		}
		out = append(out, f)
	}
	return out
}

// filterFunctions reads tracefs' available_filter_functions: one function
// a line, "name" or "name [module]".
func (k *Kernel) filterFunctions() ([]KernelFunction, error) {
	dir, err := k.Tracefs()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, "available_filter_functions"))
	if err != nil {
		return nil, err
	}
	var out []KernelFunction
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, mod, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if name == "" || strings.HasPrefix(name, "__ftrace_invalid_address__") {
			continue
		}
		mod = strings.Trim(strings.TrimSpace(mod), "[]")
		out = append(out, KernelFunction{Name: name, Module: mod})
	}
	return out, sc.Err()
}

// kallsymsFunctions lists the code symbols of /proc/kallsyms that name
// functions: not the ftrace and CFI prefixes (__pfx_, __cfi_), not
// compiler-made parts (.cold, .isra...), not the pseudo-modules of BPF
// and ftrace trampolines.
func (k *Kernel) kallsymsFunctions() ([]KernelFunction, error) {
	syms, err := k.kallsymsLocked()
	if err != nil {
		return nil, err
	}
	var out []KernelFunction
	for _, s := range syms.Symbols() {
		if !s.IsText() || strings.HasPrefix(s.Name, "__pfx_") || strings.HasPrefix(s.Name, "__cfi_") ||
			strings.Contains(s.Name, ".") || strings.HasPrefix(s.Module, "__builtin__") || s.Module == "bpf" {
			continue
		}
		out = append(out, KernelFunction{Name: s.Name, Module: s.Module})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s lists no functions", KallsymsPath)
	}
	return out, nil
}

// btfFunctions lists the functions of vmlinux and module BTF.
func (k *Kernel) btfFunctions() ([]KernelFunction, error) {
	var out []KernelFunction
	err := k.eachSpec(func(module string, spec typeSource) (bool, error) {
		if raw, ok := spec.(*rawSpec); ok {
			for _, name := range raw.funcNames() {
				out = append(out, KernelFunction{Name: name, Module: module})
			}
			return false, nil
		}
		for typ, err := range spec.All() {
			if err != nil {
				return false, err
			}
			if fn, ok := typ.(*btf.Func); ok {
				out = append(out, KernelFunction{Name: fn.Name, Module: module})
			}
		}
		return false, nil
	})
	return out, err
}

// Kallsyms returns the running kernel's symbol table, read once.
func (k *Kernel) Kallsyms() (*Kallsyms, error) {
	k.syms.mu.Lock()
	defer k.syms.mu.Unlock()
	return k.kallsymsLocked()
}

func (k *Kernel) kallsymsLocked() (*Kallsyms, error) {
	ks := &k.syms
	if ks.kallsyms == nil && ks.symsErr == nil {
		ks.kallsyms, ks.symsErr = LoadKallsyms()
		if ks.symsErr == nil && ks.kallsyms.Hidden() {
			ks.kallsyms, ks.symsErr = nil, fmt.Errorf("%s hides kernel addresses from this user (kptr_restrict)", KallsymsPath)
		}
	}
	return ks.kallsyms, ks.symsErr
}

// KernelSymbolAddress returns the address of the kernel symbol called
// name, from /proc/kallsyms. The error for an unknown symbol wraps
// ErrNotFound.
func (k *Kernel) KernelSymbolAddress(name string) (uint64, error) {
	syms, err := k.Kallsyms()
	if err != nil {
		return 0, err
	}
	addr, ok := syms.Address(name)
	if !ok {
		return 0, fmt.Errorf("kernel symbol %s: %w", name, ErrNotFound)
	}
	return addr, nil
}
