package btf

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// CgroupID returns the id of the cgroup (v2) whose directory is path, as
// cgroupid() takes it: the cgroup file system's handle for the directory,
// which is what bpf_get_current_cgroup_id() returns for tasks in it. The
// error is the system call's errno, such as unix.ENOENT; a file system
// with larger handles (not a cgroup) reports unix.EOVERFLOW, as
// name_to_handle_at(2) does.
func (k *Kernel) CgroupID(path string) (uint64, error) {
	h, _, err := unix.NameToHandleAt(unix.AT_FDCWD, path, 0)
	if err != nil {
		return 0, err
	}
	b := h.Bytes()
	if len(b) != 8 {
		return 0, unix.EOVERFLOW
	}
	return binary.NativeEndian.Uint64(b), nil
}
