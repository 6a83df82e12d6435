package gtrace

import (
	"fmt"
	"os"
	"path/filepath"
)

// importFiles reads the files of import statements from the file system.
// Like bpftrace, it refuses files in world-writable directories, where
// another user could have planted them (a sticky directory such as /tmp
// still counts).
type importFiles struct{}

func (importFiles) ReadFile(name string) (string, error) {
	dir := filepath.Dir(name)
	fi, err := os.Stat(dir)
	if err != nil {
		return "", err
	}
	if fi.Mode().Perm()&0o002 != 0 {
		return "", fmt.Errorf("%s is world-writable", dir)
	}
	b, err := os.ReadFile(name)
	return string(b), err
}

func (importFiles) ReadDir(name string) ([]string, bool, error) {
	fi, err := os.Stat(name)
	if err != nil || !fi.IsDir() {
		return nil, false, err
	}
	entries, err := os.ReadDir(name)
	if err != nil {
		return nil, true, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	return names, true, nil
}
