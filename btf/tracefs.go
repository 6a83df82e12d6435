package btf

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// Where tracefs is looked for, in order. The first one is also where it is
// mounted when neither is, as bpftrace does.
const (
	tracefsPath      = "/sys/kernel/tracing"
	debugTracefsPath = "/sys/kernel/debug/tracing"
)

// Tracepoint names one tracepoint, e.g. {"sched", "sched_switch"}.
type Tracepoint struct {
	Category, Name string
}

// String returns "category:name", the form used in available_events.
func (tp Tracepoint) String() string {
	return tp.Category + ":" + tp.Name
}

// Tracefs returns the tracefs mount point. Unless Options.Tracefs is set, it
// looks in /sys/kernel/tracing and /sys/kernel/debug/tracing and, if tracefs is
// mounted in neither, mounts it at /sys/kernel/tracing. The result, or the
// error, is cached.
func (k *Kernel) Tracefs() (string, error) {
	k.tpMu.Lock()
	defer k.tpMu.Unlock()
	return k.tracefsLocked()
}

func (k *Kernel) tracefsLocked() (string, error) {
	if k.tracefs == "" && k.tracefsErr == nil {
		if k.opts.Tracefs != "" {
			k.tracefs = k.opts.Tracefs
		} else {
			k.tracefs, k.tracefsErr = findTracefs([]string{tracefsPath, debugTracefsPath}, tracefsPath, mountTracefs)
		}
	}
	return k.tracefs, k.tracefsErr
}

// findTracefs returns the first of candidates where tracefs is mounted, or
// mounts it at mountPoint with mount.
func findTracefs(candidates []string, mountPoint string, mount func(dir string) error) (string, error) {
	for _, dir := range candidates {
		if isTracefs(dir) {
			return dir, nil
		}
	}
	if err := mount(mountPoint); err != nil {
		return "", fmt.Errorf("tracefs is not mounted at %s and mounting it at %s failed: %w",
			strings.Join(candidates, " or "), mountPoint, err)
	}
	if !isTracefs(mountPoint) {
		return "", fmt.Errorf("mounted tracefs at %s but it has no available_events", mountPoint)
	}
	return mountPoint, nil
}

// isTracefs reports whether dir looks like a tracefs mount. On an unmounted
// mount point the directory exists but is empty.
func isTracefs(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "available_events"))
	return err == nil
}

func mountTracefs(dir string) error {
	if err := unix.Mount("nodev", dir, "tracefs", 0, ""); err != nil {
		return fmt.Errorf("mount -t tracefs nodev %s: %w", dir, err)
	}
	return nil
}

// Tracepoints returns the tracepoints listed in tracefs' available_events
// whose category and name match the glob patterns category and name (see
// MatchGlob), sorted by category, then name. No match is not an error.
func (k *Kernel) Tracepoints(category, name string) ([]Tracepoint, error) {
	k.tpMu.Lock()
	defer k.tpMu.Unlock()

	if k.events == nil {
		dir, err := k.tracefsLocked()
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(filepath.Join(dir, "available_events"))
		if err != nil {
			return nil, fmt.Errorf("list tracepoints: %w", err)
		}
		k.events = parseAvailableEvents(data)
	}

	var out []Tracepoint
	for _, tp := range k.events {
		if MatchGlob(category, tp.Category) && MatchGlob(name, tp.Name) {
			out = append(out, tp)
		}
	}
	return out, nil
}

// parseAvailableEvents parses lines of "category:name", sorted and without
// duplicates. Malformed lines are ignored.
func parseAvailableEvents(data []byte) []Tracepoint {
	events := make([]Tracepoint, 0, bytes.Count(data, []byte{'\n'}))
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		cat, name, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok || cat == "" || name == "" {
			continue
		}
		events = append(events, Tracepoint{cat, name})
	}
	slices.SortFunc(events, func(a, b Tracepoint) int {
		if c := strings.Compare(a.Category, b.Category); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return slices.Compact(events)
}

// TracepointFormat reads and parses the format file of the tracepoint
// category:name. The result is cached and shared: callers must not modify
// it. An unknown tracepoint gives an error wrapping ErrNotFound that names
// it.
func (k *Kernel) TracepointFormat(category, name string) (*TracepointFormat, error) {
	tp := Tracepoint{category, name}
	if !validTracepointPart(category) || !validTracepointPart(name) {
		return nil, fmt.Errorf("tracepoint %s: invalid name: %w", tp, ErrNotFound)
	}

	k.tpMu.Lock()
	defer k.tpMu.Unlock()

	if tf := k.formats[tp]; tf != nil {
		return tf, nil
	}
	dir, err := k.tracefsLocked()
	if err != nil {
		return nil, err
	}

	f, err := os.Open(filepath.Join(dir, "events", category, name, "format"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("tracepoint %s: %w", tp, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("tracepoint %s: %w", tp, err)
	}
	defer f.Close()

	tf, err := ParseTracepointFormat(f)
	if err != nil {
		return nil, fmt.Errorf("tracepoint %s: parse %s: %w", tp, f.Name(), err)
	}
	tf.Category = category

	if k.formats == nil {
		k.formats = make(map[Tracepoint]*TracepointFormat)
	}
	k.formats[tp] = tf
	return tf, nil
}

// validTracepointPart rejects names that would escape the events directory.
func validTracepointPart(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\x00")
}
