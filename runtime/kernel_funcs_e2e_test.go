package runtime_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/e2e"
)

// TestUnwatch removes a watchpoint from its own probe: the variable keeps
// changing (every 2 ms), but once user space has handled the unwatch()
// event the probe stops firing, so the count stays put.
func TestUnwatch(t *testing.T) {
	bin := buildC(t, "watched", watchedProgram, "-no-pie")
	addr := symbolAddress(t, bin, "counter")
	for _, pflag := range []bool{false, true} {
		t.Run(fmt.Sprintf("p=%v", pflag), func(t *testing.T) {
			cmd := start(t, bin)
			pid := cmd.Process.Pid
			script := fmt.Sprintf(`watchpoint:0x%x:8:w /pid == %d/ { @w = count(); if (@n++ == 2) { unwatch(0x%[1]x); } }
interval:ms:500 { @mid = @n; }
interval:ms:1200 { @end = @n; exit(); }`, addr, pid)
			var args []string
			if pflag {
				args = []string{"-p", strconv.Itoa(pid)}
			}
			res := run(t, e2e.Run{Args: append(args, "-e", script)})
			if res.ExitCode != 0 {
				t.Fatalf("exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
			}
			n := func(m string) int {
				g := regexp.MustCompile(`(?m)^` + m + `: (\d+)$`).FindStringSubmatch(res.Stdout)
				if g == nil {
					t.Fatalf("no %s:\n%s", m, res.Stdout)
				}
				v, _ := strconv.Atoi(g[1])
				return v
			}
			mid, end := n("@mid"), n("@end")
			if mid < 3 || mid > 50 || end != mid {
				t.Errorf("watchpoint fired %d times by 500ms, %d by 1200ms: want at least 3, then no more\n%s", mid, end, res.Stdout)
			}
		})
	}
}

// pokedProgram hands a buffer to poke() until something else than poke
// changed it, then prints it.
const pokedProgram = `#include <stdio.h>
#include <string.h>
#include <unistd.h>
__attribute__((noinline)) void poke(char *buf) { __asm__ volatile("" : : "r"(buf) : "memory"); }
int main(void) {
	char buf[32];
	for (int i = 0; i < 5000; i++) {
		strcpy(buf, "hello world");
		poke(buf);
		if (strcmp(buf, "hello world") != 0) {
			printf("buf: %s\n", buf);
			return 0;
		}
		usleep(1000);
	}
	printf("unchanged\n");
	return 1;
}
`

// TestWriteUser changes a buffer of the traced program with
// write_user() from a uprobe: the program sees it changed and prints it.
func TestWriteUser(t *testing.T) {
	bin := buildC(t, "poked", pokedProgram)
	script := fmt.Sprintf(`uprobe:%s:poke { if (@done++ == 0) { $n = 5; printf("wrote %%d %%d\n", write_user(arg0, "HELLO", 5), write_user(arg0 + 6, "WORLD!", $n)); } }`, bin)
	res := run(t, e2e.Run{Args: []string{"--unsafe", "-c", bin, "-e", script}})
	if refused := "program of this type cannot use helper bpf_probe_write_user"; strings.Contains(res.Stderr, refused) {
		// Kernels locked down against writing to user memory (the
		// test machine's) refuse the helper in every program type: the
		// error names it, at the call.
		t.Logf("this kernel refuses bpf_probe_write_user:\n%s", res.Stderr)
		if res.ExitCode == 0 || !strings.HasPrefix(res.Stderr, "stdin:1:") || res.Stdout != "" {
			t.Errorf("exit %d, want a positioned error and no output\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
		}
	} else if res.ExitCode != 0 {
		t.Fatalf("exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	} else {
		for _, want := range []string{"wrote 1 1\n", "buf: HELLO WORLD\n"} {
			if !strings.Contains(res.Stdout, want) {
				t.Errorf("no %q in the output:\n%s%s", want, res.Stdout, res.Stderr)
			}
		}
	}
	res = run(t, e2e.Run{Args: []string{"-c", bin, "-e", script}})
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "write_user() is unsafe. To use you need the --unsafe flag") {
		t.Errorf("without --unsafe: exit %d\n%s%s", res.ExitCode, res.Stdout, res.Stderr)
	}
}
