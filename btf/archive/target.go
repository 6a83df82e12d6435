package archive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Target identifies the kernel an archive entry is for.
type Target struct {
	// ID and VersionID are os-release's ID and VERSION_ID, e.g. "ubuntu"
	// and "22.04".
	ID, VersionID string
	// Arch is the btfhub architecture name: "x86_64" or "arm64".
	Arch string
	// Release is the kernel release as printed by uname -r.
	Release string
}

// String returns the target as ID/VERSION_ID/arch/release.
func (t Target) String() string {
	return t.ID + "/" + t.VersionID + "/" + t.Arch + "/" + t.Release
}

// HostTarget describes the running system.
func HostTarget() (Target, error) {
	return Target{}.WithDefaults()
}

// WithDefaults returns t with its empty fields filled in from the running
// system: ID and VersionID from os-release, Arch and Release from uname. It
// reads os-release only if ID or VersionID is empty.
func (t Target) WithDefaults() (Target, error) {
	if t.Arch == "" || t.Release == "" {
		var uts unix.Utsname
		if err := unix.Uname(&uts); err != nil {
			return t, fmt.Errorf("uname: %w", err)
		}
		if t.Arch == "" {
			t.Arch = NormalizeArch(unix.ByteSliceToString(uts.Machine[:]))
		}
		if t.Release == "" {
			t.Release = unix.ByteSliceToString(uts.Release[:])
		}
	}
	if t.ID == "" || t.VersionID == "" {
		osr, err := readOSRelease()
		if err != nil {
			return t, err
		}
		if t.ID == "" {
			t.ID = osr["ID"]
		}
		if t.VersionID == "" {
			t.VersionID = osr["VERSION_ID"]
		}
		if t.ID == "" || t.VersionID == "" {
			return t, errors.New("os-release has no ID or VERSION_ID")
		}
	}
	return t, nil
}

// NormalizeArch maps a uname machine name to btfhub's directory name:
// "aarch64" becomes "arm64"; others are returned unchanged.
func NormalizeArch(machine string) string {
	switch machine {
	case "aarch64", "arm64":
		return "arm64"
	case "x86_64", "amd64":
		return "x86_64"
	}
	return machine
}

func readOSRelease() (map[string]string, error) {
	// Read in this order, as os-release(5) specifies.
	paths := []string{"/etc/os-release", "/usr/lib/os-release"}
	for _, path := range paths {
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("read os-release: %w", err)
		}
		defer f.Close()
		osr, err := ParseOSRelease(f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		return osr, nil
	}
	return nil, fmt.Errorf("no os-release in %s", strings.Join(paths, " or "))
}

// ParseOSRelease parses an os-release(5) file into its variables. Values may
// be quoted with single or double quotes; comments and blank lines are
// ignored.
func ParseOSRelease(r io.Reader) (map[string]string, error) {
	vars := make(map[string]string)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, value, ok := strings.Cut(string(line), "=")
		if !ok {
			continue
		}
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			if value[0] == '"' {
				if v, err := strconv.Unquote(value); err == nil {
					value = v
				} else {
					value = value[1 : len(value)-1]
				}
			} else {
				value = value[1 : len(value)-1]
			}
		}
		vars[key] = value
	}
	return vars, sc.Err()
}
