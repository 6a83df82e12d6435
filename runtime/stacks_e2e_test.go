package runtime_test

import (
	"debug/elf"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gtrace/gtrace/internal/e2e"
	"github.com/gtrace/gtrace/internal/testenv"
)

// buildIDProgram calls cfunc through bfunc in a loop.
const buildIDProgram = `#include <unistd.h>
volatile unsigned long sink;
__attribute__((noinline)) void cfunc(int i) { sink += i; }
__attribute__((noinline)) void bfunc(int i) { cfunc(i); sink++; }
int main(void) { for (int i = 0;; i++) { bfunc(i); usleep(10000); } }
`

// readelfBuildID returns the build id readelf -n reports for a file.
func readelfBuildID(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("readelf"); err != nil {
		testenv.Skip(t, "needs readelf")
	}
	out, err := exec.Command("readelf", "-n", path).CombinedOutput()
	if err != nil {
		t.Fatalf("readelf -n %s: %v\n%s", path, err, out)
	}
	m := regexp.MustCompile(`Build ID: ([0-9a-f]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("readelf -n %s: no build id\n%s", path, out)
	}
	return string(m[1])
}

// fileOffset returns the offset in the file of a function's first byte.
func fileOffset(t *testing.T, path, fn string) uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Name != fn {
			continue
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_LOAD && s.Value >= p.Vaddr && s.Value < p.Vaddr+p.Filesz {
				return s.Value - p.Vaddr + p.Off
			}
		}
	}
	t.Fatalf("%s: no %s", path, fn)
	return 0
}

// TestUstackBuildID traces a program built with a build id: each frame
// of ustack(build_id) is the build id readelf reports and the offset in
// the file (the probed function's own for the innermost frame), as the
// newest bpftrace prints them; len() counts the frames.
func TestUstackBuildID(t *testing.T) {
	bin := buildC(t, "buildid", buildIDProgram, "-Wl,--build-id=sha1")
	id := readelfBuildID(t, bin)
	off := fileOffset(t, bin, "cfunc")
	start(t, bin)
	time.Sleep(100 * time.Millisecond)
	script := fmt.Sprintf(`uprobe:%s:cfunc {
  print(ustack(build_id));
  @b[ustack(build_id, 2)] = count();
  @n = len(ustack);
  $x = ustack(1);
  @one = len($x);
  @frames = ustack;
  exit();
}`, bin)
	res := run(t, e2e.Run{Args: []string{"-e", script}})
	if res.ExitCode != 0 {
		t.Fatalf("exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	first := fmt.Sprintf("%s 0x%02x\n", id, off)
	// print(): the stack's text (a newline, then a line per frame,
	// without indentation) and a newline.
	printed := regexp.MustCompile(`(?s)^Attaching 1 probe\.\.\.\n\n` + regexp.QuoteMeta(first) +
		`((` + id + ` 0x[0-9a-f]{2,}|[0-9a-f]{40} 0x[0-9a-f]{2,}|[0-9a-f]+)\n)+\n`)
	if !printed.MatchString(res.Stdout) {
		t.Errorf("print(ustack(build_id)) does not start with %q:\n%s", first, res.Stdout)
	}
	key := regexp.MustCompile(`@b\[\n` + regexp.QuoteMeta(first) + id + ` 0x[0-9a-f]{2,}\n\]: 1\n`)
	if !key.MatchString(res.Stdout) {
		t.Errorf("no two-frame build id stack key starting with %q:\n%s", first, res.Stdout)
	}
	m := regexp.MustCompile(`(?s)@frames: \n(.*?)\n\n`).FindStringSubmatch(res.Stdout)
	if m == nil {
		t.Fatalf("no @frames:\n%s", res.Stdout)
	}
	frames := strings.Count(m[1], "\n") + 1
	if !strings.Contains(res.Stdout, fmt.Sprintf("@n: %d\n", frames)) || !strings.Contains(res.Stdout, "@one: 1\n") {
		t.Errorf("want @n: %d (the frames of @frames) and @one: 1:\n%s", frames, res.Stdout)
	}
}

// TestKstackLen counts the frames of a kernel stack: the same as the
// stack prints.
func TestKstackLen(t *testing.T) {
	res := run(t, e2e.Run{Args: []string{"-e", `tracepoint:syscalls:sys_enter_getppid { @n = len(kstack); @s = kstack; @r = len(kstack(raw, 2)); exit(); }`},
		Trigger: "for i in 1 2 3 4 5; do sh -c 'echo $PPID' >/dev/null; sleep 0.1; done"})
	if res.ExitCode != 0 {
		t.Fatalf("exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	m := regexp.MustCompile(`(?s)@n: (\d+)\n.*@s: \n(.*?)\n\n`).FindStringSubmatch(res.Stdout)
	if m == nil {
		t.Fatalf("no @n and @s:\n%s", res.Stdout)
	}
	if frames := strings.Count(m[2], "\n") + 1; m[1] != fmt.Sprint(frames) || frames < 2 {
		t.Errorf("@n: %s, but @s has %d frames:\n%s", m[1], frames, res.Stdout)
	}
	if !strings.Contains(res.Stdout, "@r: 2\n") {
		t.Errorf("want @r: 2:\n%s", res.Stdout)
	}
}
