// Package usertarget builds the programs user-space probe tests trace: a
// C program with functions and USDT probes (sys/sdt.h, from Debian's
// systemtap-sdt-dev, which it installs when missing), a C++ program with
// overloaded members in a namespace, and a Go program. Each is built once
// per test process. Where a tool cannot be had, tests skip, or fail when
// GTRACE_REQUIRE_BPF=1 (see internal/testenv).
package usertarget

import (
	"crypto/sha256"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gtrace/gtrace/internal/testenv"
)

//go:embed testdata
var sources embed.FS

// USDT probes of the C program, provider gtrace_test:
//
//	loop(i, add(i, 40), "hello")  arguments in registers
//	neg(-5, (short)-3)            constants
//	global(counter)               memory relative to the instruction pointer
//	gated(i)                      behind a semaphore
//	indexed(table[i], table[i])   memory at base + index * 8
//	twice(1), twice(mul3(2,3,i))  two sites; the first on iteration 0
const Provider = "gtrace_test"

type build struct {
	once sync.Once
	path string
	err  error
	skip string
}

var (
	dirOnce sync.Once
	dir     string
	dirErr  error

	cProg, cppProg, goProg build
)

// workDir is where the programs are built: a directory named after a
// hash of the sources, shared by test processes (each program is built
// under a temporary name and renamed into place) and reused by later
// runs.
func workDir(tb testing.TB) string {
	dirOnce.Do(func() {
		h := sha256.New()
		fs.WalkDir(sources, "testdata", func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				data, _ := sources.ReadFile(path)
				fmt.Fprintf(h, "%s %d\n", path, len(data))
				h.Write(data)
			}
			return nil
		})
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("gtrace-usertarget-%x", h.Sum(nil)[:8]))
		if dirErr = os.MkdirAll(dir, 0o755); dirErr != nil {
			return
		}
		dirErr = extract(dir)
	})
	if dirErr != nil {
		tb.Fatal(dirErr)
	}
	return dir
}

// built reports whether a program was already built into path.
func built(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// tempName is a unique name to build a program under before renaming it.
func tempName(path string) string {
	return fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
}

// extract writes the embedded sources into dir.
func extract(dir string) error {
	files, err := sources.ReadDir("testdata")
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.IsDir() {
			continue
		}
		data, err := sources.ReadFile("testdata/" + f.Name())
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, f.Name()), data); err != nil {
			return err
		}
	}
	goDir := filepath.Join(dir, "goprog")
	if err := os.MkdirAll(goDir, 0o755); err != nil {
		return err
	}
	main, err := sources.ReadFile("testdata/goprog/main.go")
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(goDir, "main.go"), main); err != nil {
		return err
	}
	return writeFile(filepath.Join(goDir, "go.mod"), []byte("module goprog\n\ngo 1.21\n"))
}

// writeFile writes a file atomically: other test processes may be
// reading it.
func writeFile(path string, data []byte) error {
	tmp := tempName(path)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (b *build) get(tb testing.TB, f func(dir string) (string, string, error)) string {
	tb.Helper()
	d := workDir(tb)
	b.once.Do(func() { b.path, b.skip, b.err = f(d) })
	if b.skip != "" {
		testenv.Skip(tb, b.skip)
	}
	if b.err != nil {
		tb.Fatal(b.err)
	}
	return b.path
}

// C returns the path of the C program (see testdata/target.c).
func C(tb testing.TB) string {
	return cProg.get(tb, func(dir string) (string, string, error) {
		if _, err := exec.LookPath("gcc"); err != nil {
			if skip := aptInstall("gcc"); skip != "" {
				return "", skip, nil
			}
		}
		if _, err := os.Stat("/usr/include/sys/sdt.h"); err != nil {
			if skip := aptInstall("systemtap-sdt-dev"); skip != "" {
				return "", skip, nil
			}
		}
		out := filepath.Join(dir, "target")
		return out, "", compile(dir, out, "gcc", "-O2", "-g", "target.c", "gated.c")
	})
}

// CPP returns the path of the C++ program (see testdata/server.cc).
func CPP(tb testing.TB) string {
	return cppProg.get(tb, func(dir string) (string, string, error) {
		if _, err := exec.LookPath("g++"); err != nil {
			if skip := aptInstall("g++"); skip != "" {
				return "", skip, nil
			}
		}
		out := filepath.Join(dir, "server")
		return out, "", compile(dir, out, "g++", "-O2", "server.cc")
	})
}

// Go returns the path of the Go program (see testdata/goprog).
func Go(tb testing.TB) string {
	return goProg.get(tb, func(dir string) (string, string, error) {
		out := filepath.Join(dir, "goprog.bin")
		if built(out) {
			return out, "", nil
		}
		cmd := exec.Command("go", "build", "-o", tempName(out), ".")
		cmd.Dir = filepath.Join(dir, "goprog")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOWORK=off")
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("go build: %v\n%s", err, b)
		}
		return out, "", os.Rename(tempName(out), out)
	})
}

// compile builds out with a compiler, unless an earlier run did.
func compile(dir, out, compiler string, args ...string) error {
	if built(out) {
		return nil
	}
	cmd := exec.Command(compiler, append(args, "-o", tempName(out))...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", compiler, err, b)
	}
	return os.Rename(tempName(out), out)
}

// aptInstall installs a Debian package; it returns why it could not, or
// "" when the package is installed.
func aptInstall(pkg string) string {
	if os.Geteuid() != 0 {
		return pkg + " is missing and installing it needs root"
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return pkg + " is missing and there is no apt-get to install it"
	}
	out, err := exec.Command("apt-get", "install", "-y", "--no-install-recommends", pkg).CombinedOutput()
	if err != nil {
		// The package lists may be missing on a fresh system.
		if upd, uerr := exec.Command("apt-get", "update").CombinedOutput(); uerr != nil {
			return fmt.Sprintf("installing %s failed: %v\n%s\n%s", pkg, err, out, upd)
		}
		if out, err = exec.Command("apt-get", "install", "-y", "--no-install-recommends", pkg).CombinedOutput(); err != nil {
			return fmt.Sprintf("installing %s failed: %v\n%s", pkg, err, out)
		}
	}
	return ""
}
