package lang

import "fmt"

// Values whose text user space makes when they print: buffers (buf()),
// and the values of strftime(), ntop(), macaddr(), username and
// cgroup_path(), which BPF code computes as raw data. Their layouts are
// fixed here, for code generation to write and the runtime to read.

// Rendering says how a KindText value prints.
type Rendering uint8

// Renderings, named as bpftrace names their types.
const (
	// RenderTimestamp is strftime()'s value: a format id (uint32, an
	// index in codegen's action table), the clock (uint32, a
	// TimestampBase) and the timestamp in nanoseconds (uint64).
	RenderTimestamp Rendering = iota + 1
	// RenderInet is ntop()'s value: the address family (uint64, AF_INET
	// or AF_INET6) and 16 bytes of address.
	RenderInet
	// RenderMacAddr is macaddr()'s value: six bytes, padded to eight.
	RenderMacAddr
	// RenderUsername is username's value: the user id (uint64).
	RenderUsername
	// RenderCgroupPath is cgroup_path()'s value: a filter id (uint64, an
	// index in codegen's action table) and the cgroup id (uint64).
	RenderCgroupPath
)

var renderingNames = [...]string{"?", "timestamp", "inet", "macaddr_t", "username", "cgroup_path_t"}

func (r Rendering) String() string {
	if int(r) < len(renderingNames) {
		return renderingNames[r]
	}
	return fmt.Sprintf("Rendering(%d)", r)
}

// renderedSizes are the sizes of the rendered values.
var renderedSizes = [...]int{RenderTimestamp: 16, RenderInet: 24, RenderMacAddr: 8, RenderUsername: 8, RenderCgroupPath: 16}

// RenderedType returns the type of a value that prints as r says.
func RenderedType(r Rendering) *Type {
	return &Type{Kind: KindText, Render: r, Size: renderedSizes[r]}
}

// TimestampBase is the clock a strftime() timestamp counts from.
type TimestampBase uint32

// Timestamp bases.
const (
	// TimestampBoot counts from boot (nsecs, nsecs(boot)): user space adds
	// the wall-clock time of boot.
	TimestampBoot TimestampBase = iota
	// TimestampTAI counts from the epoch (nsecs(tai)).
	TimestampTAI
)

// BufferHeader is the size of a buffer's header: its length as a uint32,
// padded to eight bytes so that the data is aligned.
const BufferHeader = 8

// BufferType returns the type of a buffer of up to n bytes.
func BufferType(n int) *Type {
	return &Type{Kind: KindBuffer, Len: n, Size: BufferHeader + n}
}
