// Package e2e runs tracers (gtrace, or bpftrace for comparison) on real
// scripts end to end: it builds the gtrace binary once, starts the tracer,
// waits until its probes are attached, triggers activity and collects
// what the tracer printed.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gtrace/gtrace/internal/testenv"
)

// NotifyLine is the line a tracer prints once all probes are attached when
// the environment variable of the same name is set.
const NotifyLine = "__BPFTRACE_NOTIFY_PROBES_ATTACHED"

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// moduleRoot finds the repository root from this source file.
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Gtrace builds the gtrace binary once per test process and returns its
// path. It skips (or fails, see testenv) when the test cannot load BPF.
func Gtrace(tb testing.TB) string {
	tb.Helper()
	testenv.BPF(tb)
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gtrace-e2e")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "gtrace")
		cmd := exec.Command("go", "build", "-o", buildPath, "./cmd/gtrace")
		cmd.Dir = moduleRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building gtrace: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return buildPath
}

// Bpftrace returns the path of an installed bpftrace, or "".
func Bpftrace() string {
	p, err := exec.LookPath("bpftrace")
	if err != nil {
		return ""
	}
	return p
}

// Run describes one tracer run.
type Run struct {
	// Tracer is the binary; Args its arguments (the script and params).
	Tracer string
	Args   []string
	// Trigger, when set, runs through sh -c once the probes are attached,
	// with the tracer's process id in $TRACER_PID.
	Trigger string
	// Stop, when set, sends Signal (SIGINT by default) to the tracer after
	// the trigger ends, for scripts that do not exit by themselves.
	Stop   bool
	Signal syscall.Signal
	// Timeout bounds the whole run (default 30s).
	Timeout time.Duration
	Env     []string
	Stdin   string
}

// Result is what a run produced.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

// Exec runs the tracer and returns its output with the attach
// notification removed.
func Exec(r Run) (Result, error) {
	defer Lock()()
	if r.Timeout == 0 {
		r.Timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.Tracer, r.Args...)
	cmd.Env = append(append(os.Environ(), NotifyLine+"=1"), r.Env...)
	cmd.Stdin = strings.NewReader(r.Stdin)
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return Result{}, err
	}
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return Result{}, err
	}
	if err := cmd.Start(); err != nil {
		return Result{}, err
	}
	// The notification arrives on stdout (newer bpftrace, gtrace) or on
	// stderr (bpftrace 0.17); watch both and keep it out of the output.
	var stdout, stderr bytes.Buffer
	attached := make(chan struct{})
	var once sync.Once
	notify := func() { once.Do(func() { close(attached) }) }
	copied := make(chan error, 2)
	for _, s := range []struct {
		r io.Reader
		w *bytes.Buffer
	}{{outPipe, &stdout}, {errPipe, &stderr}} {
		go func() {
			rd := bufio.NewReader(s.r)
			for {
				line, err := rd.ReadString('\n')
				if strings.TrimRight(line, "\n") == NotifyLine {
					notify()
				} else {
					s.w.WriteString(line)
				}
				if err != nil {
					notify()
					if err == io.EOF {
						err = nil
					}
					copied <- err
					return
				}
			}
		}()
	}
	select {
	case <-attached:
	case <-ctx.Done():
	}
	if r.Trigger != "" && ctx.Err() == nil {
		trig := exec.CommandContext(ctx, "sh", "-c", r.Trigger)
		trig.Env = append(os.Environ(), fmt.Sprintf("TRACER_PID=%d", cmd.Process.Pid))
		if out, err := trig.CombinedOutput(); err != nil {
			cmd.Process.Signal(syscall.SIGINT)
			cmd.Wait()
			return Result{}, fmt.Errorf("trigger %q: %v\n%s", r.Trigger, err, out)
		}
	}
	if r.Stop {
		// Give in-flight events a moment, as a user pressing Ctrl-C would.
		time.Sleep(100 * time.Millisecond)
		sig := r.Signal
		if sig == 0 {
			sig = syscall.SIGINT
		}
		cmd.Process.Signal(sig)
	}
	cerr := <-copied
	if err := <-copied; cerr == nil {
		cerr = err
	}
	werr := cmd.Wait()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	if ctx.Err() != nil {
		return res, fmt.Errorf("tracer timed out after %v\nstdout:\n%s\nstderr:\n%s", r.Timeout, res.Stdout, res.Stderr)
	}
	var ee *exec.ExitError
	switch {
	case errors.As(werr, &ee):
		res.ExitCode = ee.ExitCode()
	case werr != nil:
		return res, werr
	}
	return res, cerr
}
