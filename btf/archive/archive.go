// Package archive finds kernel BTF in a btfhub-archive tree
// (https://github.com/aquasecurity/btfhub-archive) and unpacks it into an
// on-disk cache.
//
// An archive tree holds one compressed raw BTF file per kernel, at
// <ID>/<VERSION_ID>/<arch>/<release>.btf.tar.xz, where ID and VERSION_ID come
// from os-release, arch is x86_64 or arm64 and release is uname -r.
// Decompressing xz is slow (a few hundred milliseconds for vmlinux), so the
// raw BTF is kept in a cache directory keyed by the archive's path, size and
// modification time, and later lookups only stat two files.
package archive

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ulikunitz/xz"
)

// Suffixes of archive entries.
const (
	compressedSuffix = ".btf.tar.xz"
	rawSuffix        = ".btf"
)

// NotFoundError is returned when an archive tree has no entry for a target.
// It wraps fs.ErrNotExist.
type NotFoundError struct {
	Root   string
	Target Target
	// Tried lists every path that was looked at, in order.
	Tried []string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no BTF for kernel %s in btfhub archive %s (tried %s)",
		e.Target, e.Root, strings.Join(e.Tried, ", "))
}

// Unwrap returns fs.ErrNotExist.
func (e *NotFoundError) Unwrap() error { return fs.ErrNotExist }

// Paths returns the paths where root may hold BTF for t, in the order they
// are tried: the compressed btfhub entry first, then an uncompressed one.
func Paths(root string, t Target) []string {
	dir := filepath.Join(root, t.ID, t.VersionID, t.Arch)
	return []string{
		filepath.Join(dir, t.Release+compressedSuffix),
		filepath.Join(dir, t.Release+rawSuffix),
	}
}

// Find returns the path of the archive entry for t under root. If none
// exists it returns a *NotFoundError listing the paths it tried.
func Find(root string, t Target) (string, error) {
	if _, err := os.Stat(root); err != nil {
		return "", fmt.Errorf("btfhub archive: %w", err)
	}
	tried := Paths(root, t)
	for _, p := range tried {
		fi, err := os.Stat(p)
		if err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("btfhub archive: %w", err)
		}
	}
	return "", &NotFoundError{Root: root, Target: t, Tried: tried}
}

// Open finds the entry for t under root (see Find) and returns the path of
// its raw BTF: the entry itself if it is uncompressed, otherwise its copy in
// cacheDir (see Extract). Empty fields of t are filled in from the running
// system.
func Open(root string, t Target, cacheDir string) (string, error) {
	t, err := t.WithDefaults()
	if err != nil {
		return "", fmt.Errorf("btfhub archive: %w", err)
	}
	path, err := Find(root, t)
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(path, compressedSuffix) {
		return path, nil
	}
	return Extract(path, cacheDir)
}

// DefaultCacheDir returns $XDG_CACHE_HOME/gtrace/btf, or ~/.cache/gtrace/btf
// (see os.UserCacheDir).
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("BTF cache directory: %w", err)
	}
	return filepath.Join(dir, "gtrace", "btf"), nil
}

// Extract decompresses the .btf file in the .tar.xz archive at path into
// cacheDir and returns the path of the copy. A copy made earlier from the
// same archive (same absolute path, size and modification time) is reused
// without reading the archive.
func Extract(path, cacheDir string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("extract BTF: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("extract BTF: %w", err)
	}

	name := strings.TrimSuffix(filepath.Base(abs), ".tar.xz")
	if !strings.HasSuffix(name, rawSuffix) {
		name += rawSuffix
	}
	cached := filepath.Join(cacheDir, cacheKey(abs, fi)+"-"+name)
	if _, err := os.Stat(cached); err == nil {
		return cached, nil
	}

	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("extract BTF: %w", err)
	}
	if err := extractTo(abs, cached); err != nil {
		return "", fmt.Errorf("extract BTF from %s: %w", abs, err)
	}
	return cached, nil
}

// cacheKey identifies one version of the archive at abs.
func cacheKey(abs string, fi fs.FileInfo) string {
	h := sha256.New()
	io.WriteString(h, abs)
	io.WriteString(h, "\x00"+strconv.FormatInt(fi.Size(), 10))
	io.WriteString(h, "\x00"+strconv.FormatInt(fi.ModTime().UnixNano(), 10))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// extractTo writes the first regular *.btf file of the .tar.xz archive src to
// dst. dst appears atomically: a concurrent reader sees all of it or nothing.
func extractTo(src, dst string) (err error) {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()

	xr, err := xz.NewReader(bufio.NewReaderSize(f, 64*1024))
	if err != nil {
		return fmt.Errorf("xz: %w", err)
	}
	tr := tar.NewReader(xr)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return errors.New("archive holds no .btf file")
		} else if err != nil {
			return fmt.Errorf("tar: %w", err)
		}
		if hdr.Typeflag == tar.TypeReg && strings.HasSuffix(hdr.Name, rawSuffix) {
			return writeAtomic(dst, tr)
		}
	}
}

func writeAtomic(dst string, r io.Reader) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".tmp-*"+rawSuffix)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, r); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
