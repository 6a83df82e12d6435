package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cilium/ebpf"
)

// progCases are the probes whose generated programs are compared. The hist
// case traces sys_enter_read with args->count, the form the project cites;
// the load generator makes reads of many sizes.
var progCases = []string{
	"tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }",
	"tracepoint:raw_syscalls:sys_enter { @ = count(); }",
	"tracepoint:syscalls:sys_enter_read { @h = hist(args->count); }",
	"tracepoint:raw_syscalls:sys_enter { @s[pid] = sum(args->id); }",
}

const bpfStatsSysctl = "/proc/sys/kernel/bpf_stats_enabled"

// progCost is what the kernel reports for the tracepoint program(s) one
// tool loaded for one case.
type progCost struct {
	progs   int           // tracepoint programs found (1 for these cases)
	insns   int           // xlated (post-verifier) instructions, 8-byte slots
	jited   uint32        // JIT-compiled size in bytes
	runs    uint64        // times the program ran
	runtime time.Duration // total time spent in the program
}

// nsPerRun returns the average run time in nanoseconds.
func (c progCost) nsPerRun() float64 {
	if c.runs == 0 {
		return 0
	}
	return float64(c.runtime.Nanoseconds()) / float64(c.runs)
}

// benchPrograms runs every case with every tool for duration under a
// syscall load, with BPF run-time statistics on, and prints each tool's
// program size and cost per run.
func benchPrograms(ctx context.Context, w io.Writer, tools []tool, duration time.Duration) error {
	restore, err := enableBPFStats()
	if err != nil {
		return err
	}
	defer restore()

	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	type loadResult struct {
		n   uint64
		err error
	}
	loadDone := make(chan loadResult, 1)
	loadStart := time.Now()
	go func() {
		n, err := syscallLoad(loadCtx)
		loadDone <- loadResult{n, err}
	}()

	costs := make([][]progCost, len(progCases)) // [case][tool]
	var runErr error
cases:
	for i, probe := range progCases {
		for _, t := range tools {
			c, err := measureProgram(ctx, t, probe, duration)
			if err != nil {
				runErr = err
				break cases
			}
			costs[i] = append(costs[i], c)
		}
	}
	stopLoad()
	load := <-loadDone
	loadTime := time.Since(loadStart)
	if err := errors.Join(runErr, load.err); err != nil {
		return err
	}

	fmt.Fprintf(w, "Generated programs: the tracepoint program of each one-liner, traced for %v under a syscall load\n", duration)
	fmt.Fprintf(w, "(%s=1; load: %.2f M syscalls/s on one thread).\n", bpfStatsSysctl, float64(load.n)/loadTime.Seconds()/1e6)
	return writeProgramTable(w, tools, costs)
}

// writeProgramTable prints costs[case][tool] and, with both tools, the
// ratios and whether gtrace's programs are no worse than bpftrace's.
func writeProgramTable(w io.Writer, tools []tool, costs [][]progCost) error {
	if len(tools) == 2 {
		fmt.Fprintf(w, "Ratios are bpftrace/gtrace: above 1× means gtrace's program is smaller or faster.\n")
	}
	fmt.Fprintln(w)
	var tab table
	tab.add("program", "tool", "xlated insns", "jited bytes", "runs", "ns/run")
	var worse []string
	for i, probe := range progCases {
		label := strings.TrimPrefix(probe, "tracepoint:")
		for j, t := range tools {
			c := costs[i][j]
			name := t.name
			if c.progs > 1 {
				name += fmt.Sprintf(" (%d progs)", c.progs)
			}
			tab.add(label, name, strconv.Itoa(c.insns), strconv.FormatUint(uint64(c.jited), 10),
				strconv.FormatUint(c.runs, 10), fmt.Sprintf("%.1f", c.nsPerRun()))
			label = ""
		}
		if len(tools) < 2 {
			continue
		}
		g, b := costs[i][0], costs[i][1]
		tab.add("", "ratio", fmt.Sprintf("%.2f×", float64(b.insns)/float64(g.insns)),
			fmt.Sprintf("%.2f×", float64(b.jited)/float64(g.jited)), "",
			fmt.Sprintf("%.2f×", b.nsPerRun()/g.nsPerRun()))
		label = strings.TrimPrefix(probe, "tracepoint:")
		if g.insns > b.insns {
			worse = append(worse, fmt.Sprintf("%s: %d xlated insns vs bpftrace's %d", label, g.insns, b.insns))
		}
		if g.nsPerRun() > b.nsPerRun() {
			worse = append(worse, fmt.Sprintf("%s: %.1f ns/run vs bpftrace's %.1f", label, g.nsPerRun(), b.nsPerRun()))
		}
	}
	if err := tab.write(w); err != nil {
		return err
	}
	if len(tools) == 2 {
		fmt.Fprintf(w, "\ntarget: per-event instruction count and ns/run no worse than bpftrace: %s\n", verdict(len(worse) == 0))
		for _, s := range worse {
			fmt.Fprintf(w, "  worse: %s\n", s)
		}
	}
	return nil
}

// measureProgram runs probe with t until an interval probe makes it exit
// after duration. While the tool runs it watches the tool's open file
// descriptors for BPF programs of type TracePoint and keeps its own
// reference to each, so that after the tool has exited (and detached) the
// final instruction count and run statistics can still be read. Owning
// the descriptor identifies the tool's programs even when other tracers
// run on the machine at the same time.
func measureProgram(ctx context.Context, t tool, probe string, duration time.Duration) (progCost, error) {
	prog := fmt.Sprintf("%s interval:ms:%d { exit(); }", probe, duration.Milliseconds())
	ctx, cancel := context.WithTimeout(ctx, duration+30*time.Second)
	defer cancel()

	var stderr strings.Builder
	cmd := t.command(ctx, prog, &stderr)
	if err := cmd.Start(); err != nil {
		return progCost{}, runError(t, prog, err, "")
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	progs := map[ebpf.ProgramID]*ebpf.Program{} // nil: seen, not a tracepoint
	defer func() {
		for _, p := range progs {
			if p != nil {
				p.Close()
			}
		}
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var scanErr error // the last scan's; most are transient
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				return progCost{}, runError(t, prog, err, stderr.String())
			}
			running = false
		case <-tick.C:
			scanErr = collectTracepoints(cmd.Process.Pid, progs)
		}
	}

	var c progCost
	for id, p := range progs {
		if p == nil {
			continue
		}
		info, err := p.Info()
		if err != nil {
			return c, fmt.Errorf("%s: program %d info: %w", t.name, id, err)
		}
		stats, err := p.Stats()
		if err != nil {
			return c, fmt.Errorf("%s: program %d stats: %w", t.name, id, err)
		}
		size, err := info.TranslatedSize()
		if err != nil {
			return c, fmt.Errorf("%s: program %d xlated size: %w", t.name, id, err)
		}
		jited, _ := info.JitedSize() // 0 when the JIT is off
		c.progs++
		c.insns += size / 8
		c.jited += jited
		c.runs += stats.RunCount
		c.runtime += stats.Runtime
	}
	if c.progs == 0 {
		err := errors.New("no tracepoint program found among its file descriptors")
		if scanErr != nil {
			err = fmt.Errorf("%w (last scan: %w)", err, scanErr)
		}
		return c, fmt.Errorf("%s -e '%s': %w", t.name, prog, err)
	}
	return c, nil
}

// collectTracepoints adds to progs every BPF program that process pid
// holds a file descriptor for, opening a reference of its own to those of
// type TracePoint and recording the others as nil.
func collectTracepoints(pid int, progs map[ebpf.ProgramID]*ebpf.Program) error {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list fds: %w", err)
	}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil || target != "anon_inode:bpf-prog" {
			continue
		}
		id, err := fdinfoProgID(fmt.Sprintf("/proc/%d/fdinfo/%s", pid, e.Name()))
		if err != nil {
			return err
		}
		if _, seen := progs[id]; seen {
			continue
		}
		p, err := ebpf.NewProgramFromID(id)
		if err != nil {
			return fmt.Errorf("open program %d: %w", id, err)
		}
		info, err := p.Info()
		if err != nil {
			p.Close()
			return fmt.Errorf("program %d info: %w", id, err)
		}
		if info.Type != ebpf.TracePoint {
			p.Close()
			p = nil
		}
		progs[id] = p
	}
	return nil
}

// fdinfoProgID reads the prog_id line of a BPF program's fdinfo file.
func fdinfoProgID(path string) (ebpf.ProgramID, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "prog_id:"); ok {
			id, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
			if err != nil {
				return 0, fmt.Errorf("%s: prog_id: %w", path, err)
			}
			return ebpf.ProgramID(id), nil
		}
	}
	if err := s.Err(); err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	return 0, fmt.Errorf("%s: no prog_id", path)
}

// enableBPFStats turns on kernel.bpf_stats_enabled and returns a function
// that puts back the value it had.
func enableBPFStats() (restore func(), err error) {
	old, err := os.ReadFile(bpfStatsSysctl)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", bpfStatsSysctl, err)
	}
	if err := os.WriteFile(bpfStatsSysctl, []byte("1\n"), 0); err != nil {
		return nil, fmt.Errorf("enable BPF stats: %w", err)
	}
	return func() {
		if err := os.WriteFile(bpfStatsSysctl, old, 0); err != nil {
			fmt.Fprintf(os.Stderr, "gtrace-bench: restore %s to %s: %v\n", bpfStatsSysctl, strings.TrimSpace(string(old)), err)
		}
	}, nil
}
