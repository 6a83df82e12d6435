// Package btf answers the compiler's questions about the kernel it compiles
// for: which tracepoints exist and how their records are laid out (tracefs
// format files), and what kernel types, functions and enum constants look
// like (BTF from /sys/kernel/btf, from an external file, or from a
// btfhub-archive tree; see the archive sub-package).
//
// Everything goes through a *Kernel, created once per compilation with
// NewKernel. It reads nothing until asked and caches what it reads, so a
// script that only uses tracepoints never parses BTF. The package holds no
// global state and knows nothing about the tracing language.
//
// Types are cilium/ebpf btf.Type values. The base BTF (vmlinux, or an
// external file) is decoded by the package itself, one type graph at a
// time, because decoding all of it through cilium/ebpf would dominate a
// script's startup; module BTF goes through cilium/ebpf. Callers importing both packages
// usually rename one, e.g.
//
//	import (
//		cbtf "github.com/cilium/ebpf/btf"
//		"github.com/gtrace/gtrace/btf"
//	)
package btf
