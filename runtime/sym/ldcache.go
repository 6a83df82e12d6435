package sym

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"runtime"
)

// The dynamic loader's cache, /etc/ld.so.cache, as ldconfig writes it:
// either the "glibc-ld.so.cache1.1" format alone, or the old
// "ld.so-1.7.0" format followed by the new one. Each entry maps a
// soname ("libc.so.6") to a path, with flags for the ABI it is built
// for.

const (
	ldCacheOldMagic = "ld.so-1.7.0"
	ldCacheNewMagic = "glibc-ld.so.cache1.1"
	// flagELFLibc6 marks entries for glibc's ELF libraries.
	flagELFLibc6 = 0x0003
	flagTypeMask = 0x00ff
	flagArchMask = 0xff00
)

// ldCacheArch is each architecture's flag in cache entries.
var ldCacheArch = map[string]uint32{
	"amd64": 0x0300,
	"arm64": 0x0a00,
}

// ldCacheEntry is one soname and the path it resolves to.
type ldCacheEntry struct {
	soname, path string
}

var errBadLDCache = errors.New("malformed ld.so.cache")

// readLDCache reads the entries for the running architecture.
func readLDCache(path string) ([]ldCacheEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseLDCache(data, ldCacheArch[runtime.GOARCH])
}

func parseLDCache(data []byte, arch uint32) ([]ldCacheEntry, error) {
	le := binary.LittleEndian
	if bytes.HasPrefix(data, []byte(ldCacheOldMagic)) {
		if len(data) < 16 {
			return nil, errBadLDCache
		}
		n := le.Uint32(data[12:])
		end := 16 + uint64(n)*12
		if end > uint64(len(data)) {
			return nil, errBadLDCache
		}
		newStart := (end + 7) &^ 7
		if newStart < uint64(len(data)) && bytes.HasPrefix(data[newStart:], []byte(ldCacheNewMagic)) {
			data = data[newStart:]
		} else {
			return parseOldLDCache(data, n, arch)
		}
	}
	if !bytes.HasPrefix(data, []byte(ldCacheNewMagic)) || len(data) < 48 {
		return nil, errBadLDCache
	}
	n := le.Uint32(data[20:])
	var out []ldCacheEntry
	for i := uint64(0); i < uint64(n); i++ {
		e := 48 + i*24
		if e+24 > uint64(len(data)) {
			return nil, errBadLDCache
		}
		flags := le.Uint32(data[e:])
		if !ldCacheFlagsMatch(flags, arch) {
			continue
		}
		key, val := cString(data, le.Uint32(data[e+4:])), cString(data, le.Uint32(data[e+8:]))
		out = append(out, ldCacheEntry{soname: key, path: val})
	}
	return out, nil
}

// parseOldLDCache reads a cache in the old format only: 12-byte entries
// whose strings are relative to the string table after them.
func parseOldLDCache(data []byte, n, arch uint32) ([]ldCacheEntry, error) {
	le := binary.LittleEndian
	strs := data[16+uint64(n)*12:]
	var out []ldCacheEntry
	for i := uint64(0); i < uint64(n); i++ {
		e := 16 + i*12
		flags := le.Uint32(data[e:])
		if !ldCacheFlagsMatch(flags, arch) {
			continue
		}
		out = append(out, ldCacheEntry{soname: cString(strs, le.Uint32(data[e+4:])), path: cString(strs, le.Uint32(data[e+8:]))})
	}
	return out, nil
}

func ldCacheFlagsMatch(flags, arch uint32) bool {
	return flags&flagTypeMask == flagELFLibc6 && (arch == 0 || flags&flagArchMask == arch)
}

// cString reads the NUL-terminated string at off.
func cString(data []byte, off uint32) string {
	if uint64(off) >= uint64(len(data)) {
		return ""
	}
	s := data[off:]
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return string(s)
}
