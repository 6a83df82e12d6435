// Package archivetest builds btfhub-style archives for tests.
package archivetest

import (
	"archive/tar"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ulikunitz/xz"
)

// Write creates path (and its directories) as a .tar.xz archive holding one
// file called name with contents data, as btfhub-archive does.
func Write(tb testing.TB, path, name string, data []byte) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	xw, err := xz.NewWriter(f)
	if err != nil {
		tb.Fatal(err)
	}
	tw := tar.NewWriter(xw)
	hdr := &tar.Header{
		Name:     name,
		Mode:     0o644,
		Size:     int64(len(data)),
		ModTime:  time.Unix(1700000000, 0),
		Typeflag: tar.TypeReg,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		tb.Fatal(err)
	}
	if _, err := tw.Write(data); err != nil {
		tb.Fatal(err)
	}
	for _, c := range []interface{ Close() error }{tw, xw, f} {
		if err := c.Close(); err != nil {
			tb.Fatal(err)
		}
	}
}
