package runtime

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime/output"
)

// Values user space renders when they print (lang/types_rendered.go has
// their layouts): buffers, timestamps, addresses, user names and cgroup
// paths.

// renderer turns rendered values into text. It reads the system when a
// value prints: the user database, the cgroup hierarchies.
type renderer struct {
	actions []*codegen.Action
	// boot is the wall-clock time the system booted, for timestamps that
	// count from boot.
	boot time.Time
	// users maps user ids to names, read from /etc/passwd when first
	// needed and again when an id is missing.
	users map[uint64]string
	// cgroups caches the path of a cgroup id in a hierarchy.
	cgroups map[cgroupKey]string
	// passwd and mounts name the files read, for tests.
	passwd, mounts string
}

type cgroupKey struct {
	id   uint64
	root string
}

// newRenderer prepares to render the values of a compiled script.
func newRenderer(obj *codegen.Object) *renderer {
	r := &renderer{passwd: "/etc/passwd", mounts: "/proc/mounts", cgroups: map[cgroupKey]string{}}
	if obj != nil {
		r.actions = obj.Actions
	}
	var real, boot unix.Timespec
	if unix.ClockGettime(unix.CLOCK_REALTIME, &real) == nil && unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot) == nil {
		r.boot = time.Unix(0, real.Nano()-boot.Nano())
	}
	return r
}

// bufferBytes returns a buffer's bytes.
func bufferBytes(t *lang.Type, b []byte) []byte {
	n := min(int(binary.LittleEndian.Uint32(b)), t.Len)
	return b[lang.BufferHeader : lang.BufferHeader+n]
}

// decode renders a buffer or a rendered value.
func (r *renderer) decode(t *lang.Type, b []byte) any {
	if r == nil {
		r = newRenderer(nil)
	}
	if t.Kind == lang.KindBuffer {
		return output.Buffer(bufferBytes(t, b))
	}
	switch t.Render {
	case lang.RenderTimestamp:
		return r.timestamp(binary.LittleEndian.Uint32(b), lang.TimestampBase(binary.LittleEndian.Uint32(b[4:])),
			binary.LittleEndian.Uint64(b[8:]))
	case lang.RenderInet:
		return ntop(binary.LittleEndian.Uint64(b), b[8:24])
	case lang.RenderMacAddr:
		return fmt.Sprintf("%02X:%02X:%02X:%02X:%02X:%02X", b[0], b[1], b[2], b[3], b[4], b[5])
	case lang.RenderUsername:
		return r.username(binary.LittleEndian.Uint64(b))
	case lang.RenderCgroupPath:
		return r.cgroupPath(binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:]))
	}
	return "?"
}

// text returns the action text an id refers to.
func (r *renderer) text(id uint64, kind codegen.ActionKind) (string, bool) {
	if r == nil || id >= uint64(len(r.actions)) || r.actions[id].Kind != kind {
		return "", false
	}
	return r.actions[id].Text, true
}

// timestamp formats strftime()'s value in local time.
func (r *renderer) timestamp(id uint32, base lang.TimestampBase, ns uint64) string {
	format, ok := r.text(uint64(id), codegen.ActStrftime)
	if !ok {
		return "(?)"
	}
	t := time.Unix(0, int64(ns))
	if base == lang.TimestampBoot {
		t = r.boot.Add(time.Duration(ns))
	}
	if t.Unix() == 0 {
		// bpftrace's answer for a timestamp it cannot place.
		return "(?)"
	}
	return strftime(format, t.Local(), true)
}

// username returns the name of a user id from /etc/passwd, or "" for an
// id it does not list.
func (r *renderer) username(uid uint64) string {
	if name, ok := r.users[uid]; ok {
		return name
	}
	r.users = readPasswd(r.passwd)
	return r.users[uid]
}

// readPasswd reads the user names by id from a passwd file.
func readPasswd(path string) map[uint64]string {
	users := map[uint64]string{}
	f, err := os.Open(path)
	if err != nil {
		return users
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 {
			continue
		}
		id, err := strconv.ParseUint(fields[2], 10, 64)
		if _, seen := users[id]; err == nil && !seen {
			users[id] = fields[0]
		}
	}
	return users
}

// ntop formats an IPv4 or IPv6 address as inet_ntop(3) does; another
// address family prints as nothing.
func ntop(af uint64, addr []byte) string {
	switch af {
	case unix.AF_INET:
		return fmt.Sprintf("%d.%d.%d.%d", addr[0], addr[1], addr[2], addr[3])
	case unix.AF_INET6:
		return ntop6(addr)
	}
	return ""
}

// ntop6 formats an IPv6 address: lowercase hexadecimal groups, the first
// longest run of two or more zero groups written "::", and an IPv4
// address embedded in the last 32 bits after six zero groups (or five
// and ffff) in dotted form.
func ntop6(addr []byte) string {
	var words [8]int
	for i := range words {
		words[i] = int(addr[2*i])<<8 | int(addr[2*i+1])
	}
	start, length := -1, 0
	for i := 0; i < 8; {
		if words[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && words[j] == 0 {
			j++
		}
		if j-i >= 2 && j-i > length {
			start, length = i, j-i
		}
		i = j
	}
	var b strings.Builder
	for i := 0; i < 8; i++ {
		if i == start {
			b.WriteByte(':')
			if i+length == 8 {
				b.WriteByte(':')
			}
			i += length - 1
			continue
		}
		if i > 0 {
			b.WriteByte(':')
		}
		if i == 6 && start == 0 && (length == 6 || length == 5 && words[5] == 0xffff) {
			fmt.Fprintf(&b, "%d.%d.%d.%d", addr[12], addr[13], addr[14], addr[15])
			break
		}
		b.WriteString(strconv.FormatInt(int64(words[i]), 16))
	}
	return b.String()
}

// cgroupPath returns "name:path,..." for each cgroup hierarchy mounted
// under /sys/fs/cgroup whose name matches the filter and that holds the
// cgroup: cgroup v2 ("unified") first, then the v1 hierarchies by name.
func (r *renderer) cgroupPath(filterID, id uint64) string {
	filter, ok := r.text(filterID, codegen.ActCgroupPath)
	if !ok {
		filter = "*"
	}
	var v2, v1 [][2]string
	for _, m := range cgroupMounts(r.mounts) {
		name := "unified"
		if m.version == 1 {
			name = filepath.Base(m.dir)
		}
		if !wildcardMatch(filter, name) {
			continue
		}
		p := [2]string{name, r.cgroupIn(id, m.dir)}
		if m.version == 1 {
			v1 = append(v1, p)
		} else {
			v2 = append(v2, p)
		}
	}
	sort.Slice(v1, func(i, j int) bool {
		if v1[i][0] != v1[j][0] {
			return v1[i][0] < v1[j][0]
		}
		return v1[i][1] < v1[j][1]
	})
	var parts []string
	for _, p := range append(v2, v1...) {
		if p[1] != "" {
			parts = append(parts, p[0]+":"+p[1])
		}
	}
	return strings.Join(parts, ",")
}

type cgroupMount struct {
	dir     string
	version int
}

// cgroupMounts lists the cgroup file systems mounted, from a mounts file.
func cgroupMounts(path string) []cgroupMount {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []cgroupMount
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		var v int
		switch f[2] {
		case "cgroup":
			v = 1
		case "cgroup2":
			v = 2
		default:
			continue
		}
		if st, err := os.Stat(f[1]); err == nil && st.IsDir() {
			out = append(out, cgroupMount{dir: f[1], version: v})
		}
	}
	return out
}

// cgroupIn returns the path of the cgroup directory whose inode is id
// below root ("/" for root itself), or "".
func (r *renderer) cgroupIn(id uint64, root string) string {
	key := cgroupKey{id, root}
	if p, ok := r.cgroups[key]; ok && inode(filepath.Join(root, p)) == id {
		return p
	}
	found := ""
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if inode(path) == id {
			found = strings.TrimPrefix(path, root)
			if found == "" {
				found = "/"
			}
			return fs.SkipAll
		}
		return nil
	})
	if found != "" {
		r.cgroups[key] = found
	}
	return found
}

// inode returns a file's inode number, 0 when it cannot be read.
func inode(path string) uint64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ino
	}
	return 0
}

// wildcardMatch matches a name against a pattern in which '*' stands for
// any text.
func wildcardMatch(pattern, name string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(name, p)
		if i < 0 {
			return false
		}
		name = name[i+len(p):]
	}
	return strings.HasSuffix(name, parts[len(parts)-1])
}
