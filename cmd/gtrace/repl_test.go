package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/gtrace/gtrace/internal/e2e"
)

// Keys as a terminal sends them.
const (
	keyEnter = "\r"
	keyTab   = "\t"
	keyUp    = "\x1b[A"
	keyCtrlC = "\x03"
	keyCtrlU = "\x15"
)

// session is gtrace's REPL running on a pseudo-terminal.
type session struct {
	t   *testing.T
	cmd *exec.Cmd
	tty *os.File

	mu   sync.Mutex
	out  bytes.Buffer // everything the terminal showed, escape sequences removed
	seen int          // how much of out expect has consumed
	done chan struct{}
}

// escapes matches terminal control sequences readline writes.
var escapes = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// startREPL starts gtrace with no arguments on a terminal, with home as
// its home directory.
func startREPL(t *testing.T, gtrace, home string) *session {
	t.Helper()
	cmd := exec.Command(gtrace)
	cmd.Env = append(os.Environ(), "HOME="+home, "TERM=xterm", e2e.NotifyLine+"=1")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 250})
	if err != nil {
		t.Fatal(err)
	}
	s := &session{t: t, cmd: cmd, tty: tty, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		tty.Close()
	})
	return s
}

// send types keys.
func (s *session) send(keys string) {
	s.t.Helper()
	if _, err := s.tty.WriteString(keys); err != nil {
		s.t.Fatal(err)
	}
}

// expect waits until the terminal shows want after what earlier expects
// consumed, and consumes up to its end.
func (s *session) expect(want string) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s.mu.Lock()
		text := escapes.ReplaceAllString(s.out.String(), "")
		rest := text[min(s.seen, len(text)):]
		i := strings.Index(rest, want)
		if i >= 0 {
			s.seen += i + len(want)
		}
		s.mu.Unlock()
		if i >= 0 {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the terminal did not show %q; after the last match it shows:\n%s", want, rest)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// trigger starts a shell three times under the name gtrace-repl-trg
// (its command name comes from the name of the link it runs as); each
// calls getppid() once as it starts.
func trigger(t *testing.T) {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "gtrace-repl-trg")
	if err := os.Symlink(sh, link); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if out, err := exec.Command(link, "-c", "echo $PPID").CombinedOutput(); err != nil {
			t.Fatalf("trigger: %v\n%s", err, out)
		}
	}
}

// The REPL on a real pseudo-terminal: a multi-line program streams its
// output until Ctrl-C prints its maps; an error shows a caret and the
// prompt stays; history, tab completion and dot-commands work; struct
// definitions stay for later entries; and a second session sees the first
// one's history. The README's REPL transcript comes from this test.
func TestREPL(t *testing.T) {
	gtrace := e2e.Gtrace(t)
	unlock := e2e.Lock()
	defer unlock()
	home := t.TempDir()
	s := startREPL(t, gtrace, home)
	s.expect("gtrace> ")

	// A program over three lines; it runs until Ctrl-C.
	s.send("tracepoint:syscalls:sys_enter_getppid /comm == \"gtrace-repl-trg\"/ {" + keyEnter)
	s.expect("     -> ")
	s.send(`  @calls[comm] = count(); printf("getppid\n");` + keyEnter)
	s.expect("     -> ")
	s.send("}" + keyEnter)
	s.expect("Attaching 1 probe...")
	s.expect(e2e.NotifyLine)
	trigger(t)
	s.expect("getppid\r\n")
	s.send(keyCtrlC)
	s.expect("@calls[gtrace-repl-trg]: 3")
	s.expect("gtrace> ")

	// An error points at the entered text; the prompt stays.
	s.send(`BEGIN { @x = 1 +; }` + keyEnter)
	s.expect("stdin:1:17: ERROR: syntax error, unexpected ;")
	s.expect("BEGIN { @x = 1 +; }\r\n                ^")
	s.expect("gtrace> ")

	// Recovery, then the same program again from history.
	s.send(`BEGIN { printf("sum %d\n", 1 + 2); exit(); }` + keyEnter)
	s.expect("sum 3")
	s.expect("gtrace> ")
	s.send(keyUp)
	s.expect(`BEGIN { printf("sum %d\n", 1 + 2); exit(); }`)
	s.send(keyEnter)
	s.expect("sum 3")
	s.expect("gtrace> ")

	// Tab completes a tracepoint category and name, and a builtin.
	s.send("tracepoint:syscal" + keyTab)
	s.expect("tracepoint:syscalls:")
	s.send("sys_enter_getpp" + keyTab)
	s.expect("tracepoint:syscalls:sys_enter_getppid")
	s.send(keyCtrlU)
	s.send(`BEGIN { printf("%d\n", nse` + keyTab)
	s.expect(`BEGIN { printf("%d\n", nsecs`)
	s.send(` > 0); exit(); }` + keyEnter)
	s.expect("1\r\n")
	s.expect("gtrace> ")

	// A struct definition stays defined for later entries; .set changes
	// a config variable; .last runs the last program again.
	s.send("struct pair { int a; long b; }" + keyEnter)
	s.expect("gtrace> ")
	s.send(`BEGIN { printf("size %d\n", sizeof(struct pair)); exit(); }` + keyEnter)
	s.expect("size 16")
	s.expect("gtrace> ")
	s.send(".set max_strlen 4" + keyEnter)
	s.expect("gtrace> ")
	s.send(`BEGIN { @s = str(curtask->comm); exit(); }` + keyEnter)
	s.expect("@s: gtr\r\n")
	s.expect("gtrace> ")
	s.send(".last" + keyEnter)
	s.expect("@s: gtr\r\n")
	s.expect("gtrace> ")
	s.send(".list tracepoint:syscalls:sys_enter_getppid" + keyEnter)
	s.expect("tracepoint:syscalls:sys_enter_getppid\r\n")
	s.expect("gtrace> ")
	s.send(".list struct path -v" + keyEnter)
	s.expect("vmlinux: struct path {\r\n\tstruct vfsmount *mnt;\r\n")
	s.expect("gtrace> ")

	s.send(".quit" + keyEnter)
	<-s.done
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("gtrace exited with %v", err)
	}

	// A second session finds the first one's history in the same home.
	s = startREPL(t, gtrace, home)
	s.expect("gtrace> ")
	s.send(keyUp)
	s.expect(".quit")
	s.send(keyUp + keyUp + keyUp + keyUp)
	s.expect(`BEGIN { @s = str(curtask->comm); exit(); }`)
	s.send(keyCtrlU + ".quit" + keyEnter)
	<-s.done
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("second session exited with %v", err)
	}
}
