package runtime

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// KernelVersion returns the running kernel's major and minor version.
func KernelVersion() (major, minor int) {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return 0, 0
	}
	rel := unix.ByteSliceToString(u.Release[:])
	parts := strings.SplitN(rel, ".", 3)
	if len(parts) < 2 {
		return 0, 0
	}
	major, _ = strconv.Atoi(parts[0])
	minor, _ = strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	return major, minor
}

// HasCPUv4 reports whether the kernel accepts the v4 instruction set
// (signed division, sign-extending moves and loads), added in Linux 6.6.
func HasCPUv4() bool {
	major, minor := KernelVersion()
	return major > 6 || (major == 6 && minor >= 6)
}
