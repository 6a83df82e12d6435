package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// startupCases are the one-liners timed for startup. The second attaches a
// real tracepoint: both tools run BEGIN before attaching other probes, so
// exit() in BEGIN could skip the attach; an interval probe listed after
// the tracepoint ends the run only once both are attached.
var startupCases = []string{
	"BEGIN { exit(); }",
	"tracepoint:syscalls:sys_enter_getpid { } interval:ms:1 { exit(); }",
	btfCase,
}

// btfCase reads kernel types, so it pays for loading BTF; the others must
// not.
const btfCase = `BEGIN { printf("%d\n", curtask->pid); exit(); }`

// Project targets: startup at least 10× faster than bpftrace (5× for a
// script that reads kernel types), and peak memory under a third of
// bpftrace's.
const (
	targetSpeedup    = 10.0
	targetBTFSpeedup = 5.0
	targetRSSFactor  = 3.0
)

// startupStats summarises n runs of one case with one tool.
type startupStats struct {
	// attached is the median time from fork until the tool reports its
	// probes attached: the startup a user waits for.
	attached    time.Duration
	median, min time.Duration // wall time from fork to exit
	maxRSS      int64         // KiB, the largest peak RSS over the runs
}

// benchStartup times each startup case n times with each tool and prints
// the table and whether the targets are met.
func benchStartup(ctx context.Context, w io.Writer, tools []tool, n int) error {
	results := make([][]startupStats, len(startupCases)) // [case][tool]
	for i, c := range startupCases {
		for _, t := range tools {
			s, err := measureStartup(ctx, t, c, n)
			if err != nil {
				return err
			}
			results[i] = append(results[i], s)
		}
	}

	fmt.Fprintf(w, "Startup: %d runs each after one warm-up run. \"attached\" is the time from fork until the tool\n"+
		"reports its probes attached (__BPFTRACE_NOTIFY_PROBES_ATTACHED): the startup a user waits for.\n"+
		"\"exit\" is the wall time from fork to exit, which for a tracepoint includes the kernel's detach\n"+
		"(RCU grace periods when the tracepoint is released). Peak RSS from rusage.\n", n)
	if len(tools) == 2 {
		fmt.Fprintf(w, "Ratios are bpftrace/gtrace: above 1× means gtrace is faster or smaller.\n")
	}
	fmt.Fprintln(w)
	var tab table
	tab.add("program", "tool", "attached", "exit median", "exit min", "max RSS")
	for i, c := range startupCases {
		label := c
		for j, t := range tools {
			s := results[i][j]
			tab.add(label, t.name, ms(s.attached), ms(s.median), ms(s.min), mib(s.maxRSS))
			label = ""
		}
		if len(tools) == 2 {
			g, b := results[i][0], results[i][1]
			tab.add("", "ratio", times(ratio(b.attached, g.attached)), times(ratio(b.median, g.median)),
				times(ratio(b.min, g.min)), times(float64(b.maxRSS)/float64(g.maxRSS)))
		}
	}
	if err := tab.write(w); err != nil {
		return err
	}
	// BTF must stay off the path of scripts that do not use kernel types:
	// show what reading them costs gtrace.
	fmt.Fprintf(w, "\ngtrace: kernel types cost %s at startup (%s vs %s for BEGIN { exit(); })\n",
		ms(results[2][0].attached-results[0][0].attached), ms(results[2][0].attached), ms(results[0][0].attached))
	if len(tools) < 2 {
		return nil
	}

	// The targets hold when they hold for every case; show the worst.
	speed, btfSpeed, wall, mem := math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1)
	for i, r := range results {
		if startupCases[i] == btfCase {
			btfSpeed = ratio(r[1].attached, r[0].attached)
		} else {
			speed = min(speed, ratio(r[1].attached, r[0].attached))
		}
		wall = min(wall, ratio(r[1].median, r[0].median))
		mem = min(mem, float64(r[1].maxRSS)/float64(r[0].maxRSS))
	}
	fmt.Fprintf(w, "\ntarget: startup ≥%.0f× faster than bpftrace (to attached): %s (worst %s)\n",
		targetSpeedup, verdict(speed >= targetSpeedup), times(speed))
	fmt.Fprintf(w, "target: a script with kernel types starts ≥%.0f× faster: %s (%s)\n",
		targetBTFSpeedup, verdict(btfSpeed >= targetBTFSpeedup), times(btfSpeed))
	fmt.Fprintf(w, "        (fork to exit, kernel detach included: worst %s)\n", times(wall))
	fmt.Fprintf(w, "target: peak RSS < 1/%.0f of bpftrace's:            %s (worst bpftrace/gtrace %s)\n",
		targetRSSFactor, verdict(mem > targetRSSFactor), times(mem))
	return nil
}

// measureStartup runs prog with t once to warm caches, then n times,
// timing each run from fork to exit and taking its peak RSS from the
// child's rusage.
func measureStartup(ctx context.Context, t tool, prog string, n int) (startupStats, error) {
	var walls, attached []time.Duration
	var s startupStats
	for i := -1; i < n; i++ {
		var stderr strings.Builder
		cmd := t.command(ctx, prog, nil)
		cmd.Env = append(os.Environ(), notifyLine+"=1")
		w := &notifyWatcher{}
		cmd.Stdout, cmd.Stderr = w, io.MultiWriter(w, &stderr)
		start := time.Now()
		w.start = start
		if err := cmd.Run(); err != nil {
			return s, runError(t, prog, err, stderr.String())
		}
		elapsed := time.Since(start)
		if i < 0 {
			continue // warm-up
		}
		walls = append(walls, elapsed)
		if w.at == 0 {
			// A tool that does not notify after exit() in BEGIN:
			// the whole run is the startup.
			w.at = elapsed
		}
		attached = append(attached, w.at)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			s.maxRSS = max(s.maxRSS, ru.Maxrss) // KiB on Linux
		}
	}
	s.median, s.min = median(walls)
	s.attached, _ = median(attached)
	return s, nil
}

// median returns the median and the minimum of durations.
func median(d []time.Duration) (med, least time.Duration) {
	slices.Sort(d)
	med = d[len(d)/2]
	if len(d)%2 == 0 {
		med = (d[len(d)/2-1] + d[len(d)/2]) / 2
	}
	return med, d[0]
}

// notifyLine is printed by bpftrace (on stderr in 0.17, stdout in newer
// versions) and gtrace once every probe is attached, when the environment
// variable of the same name is set.
const notifyLine = "__BPFTRACE_NOTIFY_PROBES_ATTACHED"

// notifyWatcher records when notifyLine first appears in what a tool
// writes. It is shared by stdout and stderr, which exec copies from
// separate goroutines.
type notifyWatcher struct {
	mu    sync.Mutex
	start time.Time
	at    time.Duration
	buf   []byte
}

func (w *notifyWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.at == 0 {
		w.buf = append(w.buf, p...)
		if strings.Contains(string(w.buf), notifyLine) {
			w.at = time.Since(w.start)
			w.buf = nil
		}
	}
	return len(p), nil
}

// ms formats d in milliseconds.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// mib formats a size in KiB as MiB.
func mib(kib int64) string {
	return fmt.Sprintf("%.1f MiB", float64(kib)/1024)
}

// times formats a ratio.
func times(r float64) string {
	return fmt.Sprintf("%.1f×", r)
}

// ratio returns a/b as a float.
func ratio(a, b time.Duration) float64 {
	return float64(a) / float64(b)
}

// verdict spells a target check.
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}
