package btf

import (
	"testing"

	"github.com/gtrace/gtrace/btf/archive"
)

// BenchmarkTracepointFormat is what a tracepoint-only script pays: a new
// Kernel and one format file, no BTF.
func BenchmarkTracepointFormat(b *testing.B) {
	liveTracefs(b)
	for b.Loop() {
		k := NewKernel(Options{})
		if _, err := k.TracepointFormat("syscalls", "sys_enter_openat"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTracepointsGlob lists tracepoints matching sys*:sys_enter_*.
func BenchmarkTracepointsGlob(b *testing.B) {
	liveTracefs(b)
	for b.Loop() {
		k := NewKernel(Options{})
		if _, err := k.Tracepoints("sys*", "sys_enter_*"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVmlinuxFirstLookup is the first kernel type a script uses: load
// vmlinux BTF and find struct task_struct.
func BenchmarkVmlinuxFirstLookup(b *testing.B) {
	liveKernel(b)
	for b.Loop() {
		k := NewKernel(Options{})
		if _, err := k.LookupType("struct task_struct"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVmlinuxMember finds a member in an already loaded kernel.
func BenchmarkVmlinuxMember(b *testing.B) {
	k := liveKernel(b)
	task, err := k.LookupType("struct task_struct")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := FindMember(task, "comm"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnumConstantFirst is the first enum constant a script uses:
// load vmlinux BTF and index its enumerators.
func BenchmarkEnumConstantFirst(b *testing.B) {
	liveKernel(b)
	for b.Loop() {
		k := NewKernel(Options{})
		if _, err := k.EnumConstant("BPF_MAP_TYPE_HASH"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkArchiveCachedLookup finds an already extracted btfhub entry.
func BenchmarkArchiveCachedLookup(b *testing.B) {
	root, target := liveArchiveRoot(b)
	cache := b.TempDir()
	if _, err := archive.Open(root, target, cache); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := archive.Open(root, target, cache); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkArchiveCachedKernel is a whole compile's use of a cached btfhub
// entry: find it, load it and look up one type.
func BenchmarkArchiveCachedKernel(b *testing.B) {
	root, _ := liveArchiveRoot(b)
	cache := b.TempDir()
	if _, err := NewKernel(Options{ArchiveDir: root, CacheDir: cache}).Spec(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		k := NewKernel(Options{ArchiveDir: root, CacheDir: cache})
		if _, err := k.LookupType("struct task_struct"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkArchiveExtract is the first use of a btfhub entry: xz
// decompression of vmlinux-sized BTF.
func BenchmarkArchiveExtract(b *testing.B) {
	root, target := liveArchiveRoot(b)
	path := archive.Paths(root, target)[0]
	for b.Loop() {
		if _, err := archive.Extract(path, b.TempDir()); err != nil {
			b.Fatal(err)
		}
	}
}
