// Command gtrace-bench compares gtrace with bpftrace side by side: startup
// wall time and peak memory, and the size and per-run cost of the BPF
// programs each tool generates for the same one-liners.
//
// It must run as root (it loads BPF programs through the tools and turns on
// kernel.bpf_stats_enabled for the program phase). When bpftrace is not
// installed its columns are left out.
//
//	go run ./cmd/gtrace-bench -gtrace bin/gtrace [-bpftrace PATH] [-n 10] [-duration 3s] [-only startup|programs]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// tool is one tracer under test.
type tool struct {
	name string // "gtrace" or "bpftrace"
	path string
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gtrace-bench:", err)
		os.Exit(1)
	}
}

func run() error {
	gtracePath := flag.String("gtrace", "bin/gtrace", "path of the gtrace binary")
	bpftracePath := flag.String("bpftrace", defaultBpftrace(), "path of the bpftrace binary (empty: leave bpftrace out)")
	runs := flag.Int("n", 10, "runs per startup case")
	duration := flag.Duration("duration", 3*time.Second, "how long each tool traces under load in the program phase")
	only := flag.String("only", "", "run one phase only: startup or programs")
	flag.Parse()

	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(flag.Args(), " "))
	}
	if *runs < 1 {
		return fmt.Errorf("-n must be at least 1, got %d", *runs)
	}
	if *duration < 10*time.Millisecond {
		return fmt.Errorf("-duration must be at least 10ms, got %v", *duration)
	}
	if *only != "" && *only != "startup" && *only != "programs" {
		return fmt.Errorf("-only must be startup or programs, got %q", *only)
	}

	gt, err := findTool("gtrace", *gtracePath)
	if err != nil {
		return err
	}
	tools := []tool{gt}
	if *bpftracePath != "" {
		bt, err := findTool("bpftrace", *bpftracePath)
		if err != nil {
			return err
		}
		tools = append(tools, bt)
	}
	for _, t := range tools {
		fmt.Printf("%-8s  %s  (%s)\n", t.name, t.path, t.version())
	}
	if len(tools) == 1 {
		fmt.Println("bpftrace  not found: its columns are left out")
	}
	fmt.Printf("machine   %d CPUs, load average %s (other work on the machine adds noise)\n", runtime.NumCPU(), loadAverage())

	// Ctrl-C stops the tools cleanly and lets deferred restores run.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *only == "" || *only == "startup" {
		fmt.Println()
		if err := benchStartup(ctx, os.Stdout, tools, *runs); err != nil {
			return fmt.Errorf("startup: %w", err)
		}
	}
	if *only == "" || *only == "programs" {
		fmt.Println()
		if err := benchPrograms(ctx, os.Stdout, tools, *duration); err != nil {
			return fmt.Errorf("programs: %w", err)
		}
	}
	return nil
}

// defaultBpftrace returns bpftrace's path from $PATH, or "" when it is not
// installed.
func defaultBpftrace() string {
	p, err := exec.LookPath("bpftrace")
	if err != nil {
		return ""
	}
	return p
}

// loadAverage returns the 1, 5 and 15 minute load averages, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// findTool checks that path names an executable and returns it as a tool.
func findTool(name, path string) (tool, error) {
	p, err := exec.LookPath(path)
	if err != nil {
		return tool{}, fmt.Errorf("%s: %w", name, err)
	}
	return tool{name: name, path: p}, nil
}

// version returns the first line the tool prints for --version, for the
// header only.
func (t tool) version() string {
	out, err := exec.Command(t.path, "--version").Output()
	if err != nil {
		return "version unknown"
	}
	v, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return v
}

// command returns a command that runs the one-liner prog with the tool,
// with stdout discarded and stderr kept for error messages. When ctx is
// cancelled the tool gets SIGINT, as a user would send, so it detaches
// cleanly.
func (t tool) command(ctx context.Context, prog string, stderr *strings.Builder) *exec.Cmd {
	cmd := exec.CommandContext(ctx, t.path, "-e", prog)
	if stderr != nil {
		cmd.Stderr = stderr
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// runError describes a failed tool run with what it printed on stderr.
func runError(t tool, prog string, err error, stderr string) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && stderr != "" {
		err = fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr))
	}
	return fmt.Errorf("%s -e '%s': %w", t.name, prog, err)
}
