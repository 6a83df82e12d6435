package main

import (
	"context"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// syscallLoad generates syscalls in a tight loop on one locked OS thread
// until ctx is done: getppid() and read() from /dev/zero with sizes
// cycling through the powers of two from 1 B to 4 KiB, so that both
// raw_syscalls:sys_enter and syscalls:sys_enter_read fire often and a
// hist of read sizes spreads over several buckets. It returns how many
// syscalls it made.
func syscallLoad(ctx context.Context) (uint64, error) {
	f, err := os.Open("/dev/zero")
	if err != nil {
		return 0, fmt.Errorf("load: %w", err)
	}
	defer f.Close()
	fd := int(f.Fd())

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	var buf [4096]byte
	var n uint64
	for i := 0; ; i++ {
		if i%1024 == 0 && ctx.Err() != nil {
			return n, nil
		}
		unix.Getppid()
		if _, err := unix.Read(fd, buf[:1<<(i%13)]); err != nil {
			return n, fmt.Errorf("load: read /dev/zero: %w", err)
		}
		n += 2
	}
}
