package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The traced process: a running one given with -p, or the command -c
// starts. The command is started before the programs load (cpid is
// known to them) but waits, before it execs, until every probe is
// attached: it runs under /bin/sh, which blocks reading a pipe and then
// execs the command in the same process, so the pid the probes filter
// on is the command's. The run ends when the traced process exits.

// childWait is the shell script that waits for the go-ahead on fd 3,
// then becomes the command ("$0" "$@"). Without a go-ahead (the pipe
// closes) it exits.
const childWait = `read -r gtrace_go <&3 || exit 127; exec 3<&-; exec "$0" "$@"`

// target is the process of a run, nil when it traces the whole system.
type target struct {
	pid int
	// The command -c started: release tells it to exec; exited is
	// closed once it has been waited for.
	cmd     *exec.Cmd
	release *os.File
	exited  chan struct{}
	resumed bool
	once    sync.Once
}

// startTarget starts the -c command, held before it execs, or checks
// that the -p process exists. It returns nil for a system-wide run.
func startTarget(t Target) (*target, error) {
	switch {
	case t.Command != "":
		return startChild(t.Command)
	case t.PID > 0:
		if err := unix.Kill(t.PID, 0); errors.Is(err, unix.ESRCH) {
			return nil, fmt.Errorf("failed to attach to pid %d: no such process", t.PID)
		}
		return &target{pid: t.PID}, nil
	}
	return nil, nil
}

// startChild starts a command, split on spaces as bpftrace splits it,
// stopped before it execs.
func startChild(command string) (*target, error) {
	args := strings.Fields(command)
	if len(args) == 0 {
		return nil, errors.New("Failed to fork child: empty command")
	}
	bin, err := findCommand(args[0])
	if err != nil {
		return nil, fmt.Errorf("Failed to fork child: path '%s' does not exist or is not executable", args[0])
	}
	rd, wr, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("Failed to fork child: %w", err)
	}
	cmd := exec.Command("/bin/sh", append([]string{"-c", childWait, bin}, args[1:]...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{rd}
	// As bpftrace: the command is terminated if gtrace dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		rd.Close()
		wr.Close()
		return nil, fmt.Errorf("Failed to fork child: %w", err)
	}
	rd.Close()
	t := &target{pid: cmd.Process.Pid, cmd: cmd, release: wr, exited: make(chan struct{})}
	go func() {
		// As bpftrace, the command's exit status is not gtrace's.
		cmd.Wait()
		close(t.exited)
	}()
	return t, nil
}

// findCommand resolves a command's program: a path must be an
// executable file; a bare name is looked up in PATH.
func findCommand(name string) (string, error) {
	if strings.Contains(name, "/") {
		fi, err := os.Stat(name)
		if err != nil {
			return "", err
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", os.ErrPermission
		}
		return filepath.Abs(name)
	}
	return exec.LookPath(name)
}

// PID returns the traced process's id, 0 for a system-wide run.
func (t *target) PID() int {
	if t == nil {
		return 0
	}
	return t.pid
}

// childPID returns the pid of the command -c started (cpid), 0 when
// there is none.
func (t *target) childPID() int {
	if t == nil || t.cmd == nil {
		return 0
	}
	return t.pid
}

// resume lets the command exec, once the probes are attached.
func (t *target) resume() error {
	if t == nil || t.cmd == nil || t.resumed {
		return nil
	}
	t.resumed = true
	_, err := t.release.Write([]byte("go\n"))
	t.release.Close()
	if err != nil {
		return fmt.Errorf("starting the command: %w", err)
	}
	return nil
}

// watch returns a context that is also cancelled when the traced
// process exits, and the function that releases it.
func (t *target) watch(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if t == nil {
		return ctx, cancel
	}
	var exited <-chan struct{} = t.exited
	if t.cmd == nil {
		exited = pidExited(ctx, t.pid)
	}
	go func() {
		select {
		case <-exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// pidExited returns a channel closed when a process (not our child)
// exits, watched through a pidfd until ctx ends.
func pidExited(ctx context.Context, pid int) <-chan struct{} {
	ch := make(chan struct{})
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			close(ch)
		}
		return ch
	}
	go func() {
		defer unix.Close(fd)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for ctx.Err() == nil {
			// Wake up now and then to notice the end of the run.
			n, err := unix.Poll(fds, 200)
			if err != nil && !errors.Is(err, unix.EINTR) {
				return
			}
			if n > 0 {
				close(ch)
				return
			}
		}
	}()
	return ch
}

// close ends the command if it still runs: it was never started (an
// error before every probe was attached) or the script exited first.
// It waits for the command to be reaped.
func (t *target) close() {
	if t == nil || t.cmd == nil {
		return
	}
	t.once.Do(func() {
		if !t.resumed {
			t.release.Close()
			t.cmd.Process.Signal(syscall.SIGKILL)
			<-t.exited
			return
		}
		select {
		case <-t.exited:
			return
		default:
		}
		t.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-t.exited:
		case <-time.After(time.Second):
			t.cmd.Process.Signal(syscall.SIGKILL)
			<-t.exited
		}
	})
}
