package sym

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// mapping is one line of /proc/PID/maps.
type mapping struct {
	start, end, offset uint64
	perms              string
	inode              uint64
	// path is the mapped file as the process sees it, or a pseudo name
	// ("[vdso]", "[heap]"); "" for anonymous memory.
	path string
}

// file reports whether the mapping is backed by a regular file.
func (m *mapping) file() bool {
	return m.inode != 0 && m.path != "" && m.path[0] == '/'
}

// exec reports whether the mapping is executable.
func (m *mapping) exec() bool { return strings.Contains(m.perms, "x") }

// readMaps reads a process's memory mappings.
func readMaps(pid int) ([]mapping, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil, err
	}
	return parseMaps(data)
}

// parseMaps parses the text of /proc/PID/maps:
//
//	55d0c3a00000-55d0c3a2c000 r-xp 00028000 08:01 1234  /usr/bin/bash
func parseMaps(data []byte) ([]mapping, error) {
	var out []mapping
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) < 5 {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			return nil, fmt.Errorf("bad maps line %q", line)
		}
		var m mapping
		var err1, err2, err3, err4 error
		m.start, err1 = strconv.ParseUint(lo, 16, 64)
		m.end, err2 = strconv.ParseUint(hi, 16, 64)
		m.offset, err3 = strconv.ParseUint(fields[2], 16, 64)
		m.inode, err4 = strconv.ParseUint(fields[4], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			return nil, fmt.Errorf("bad maps line %q", line)
		}
		m.perms = fields[1]
		if len(fields) > 5 {
			// The path is the rest of the line; it may hold spaces and
			// end in " (deleted)".
			idx := strings.Index(line, fields[5])
			m.path = strings.TrimSuffix(line[idx:], " (deleted)")
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

// mappedFiles lists the files a process maps executable, each once, in
// address order.
func mappedFiles(pid int) ([]string, error) {
	maps, err := readMaps(pid)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, m := range maps {
		if m.file() && m.exec() && !seen[m.path] {
			seen[m.path] = true
			out = append(out, m.path)
		}
	}
	return out, nil
}
