package e2e

import (
	"errors"
	"os"
	"sync"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// Tracer runs from different test packages (go test runs packages in
// parallel) would see each other's BPF programs and compete for the CPUs
// that profile tests need, so every run takes a machine-wide lock.

var (
	lockMu    sync.Mutex
	lockDepth int
	lockFile  *os.File
)

const lockPath = "/tmp/gtrace-e2e.lock"

// Lock takes the machine-wide tracer lock and returns its release. It may
// be taken again by the same process while held.
func Lock() (unlock func()) {
	lockMu.Lock()
	defer lockMu.Unlock()
	if lockDepth == 0 {
		f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o666)
		if err == nil {
			if unix.Flock(int(f.Fd()), unix.LOCK_EX) != nil {
				f.Close()
				f = nil
			}
		}
		lockFile = f
	}
	lockDepth++
	return func() {
		lockMu.Lock()
		defer lockMu.Unlock()
		lockDepth--
		if lockDepth == 0 && lockFile != nil {
			unix.Flock(int(lockFile.Fd()), unix.LOCK_UN)
			lockFile.Close()
			lockFile = nil
		}
	}
}

// LoadedPrograms returns the IDs of every BPF program loaded in the
// kernel. Hold Lock to compare two listings.
func LoadedPrograms() (map[ebpf.ProgramID]bool, error) {
	ids := map[ebpf.ProgramID]bool{}
	var id ebpf.ProgramID
	for {
		next, err := ebpf.ProgramGetNextID(id)
		if errors.Is(err, os.ErrNotExist) {
			return ids, nil
		}
		if err != nil {
			return nil, err
		}
		ids[next] = true
		id = next
	}
}
