package main

import (
	"bufio"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/internal/e2e"
)

// End-to-end tests of the functions user space finishes whose output is
// not the same on every run (the time, the cgroups of this machine) or
// goes to the standard error; the conformance cases in spec/ cover the
// rest.

// time() prints the current time; strftime() formats a timestamp from
// boot (nsecs) or from the epoch (nsecs(tai)) in local time, with %f.
func TestTimeAndStrftime(t *testing.T) {
	script := `BEGIN { time(); time("%Y-%m-%d %H:%M:%S\n");
  printf("%s\n", strftime("%Y-%m-%d %H:%M:%S.%f", nsecs));
  printf("%s\n", strftime("%s", nsecs(tai)));
  $u = nsecs(tai); printf("%s\n", strftime("%s", $u));
  @t = strftime("%H:%M", nsecs); exit(); }`
	before := time.Now()
	res := gtraceRun(t, e2e.Run{Args: []string{"-e", script}})
	after := time.Now()
	lines := strings.Split(res.Stdout, "\n")
	if len(lines) < 8 || res.ExitCode != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %s", res.ExitCode, res.Stdout, res.Stderr)
	}
	within := func(what string, got time.Time, slack time.Duration) {
		if got.Before(before.Add(-slack)) || got.After(after.Add(slack)) {
			t.Errorf("%s: %v is not between %v and %v", what, got, before, after)
		}
	}
	if !regexp.MustCompile(`^\d\d:\d\d:\d\d$`).MatchString(lines[1]) {
		t.Errorf("time(): %q", lines[1])
	}
	if at, err := time.ParseInLocation("2006-01-02 15:04:05", lines[2], time.Local); err != nil {
		t.Errorf("time(fmt): %v", err)
	} else {
		within("time(fmt)", at, time.Second)
	}
	if at, err := time.ParseInLocation("2006-01-02 15:04:05.000000", lines[3], time.Local); err != nil {
		t.Errorf("strftime(nsecs): %v", err)
	} else {
		// nsecs is CLOCK_MONOTONIC, which stops while the system is
		// suspended: allow for a VM's drift between the clocks.
		within("strftime(nsecs)", at, 5*time.Second)
	}
	var tai unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_TAI, &tai); err == nil {
		offset := time.Duration(tai.Nano() - time.Now().UnixNano())
		if secs, err := strconv.ParseInt(lines[4], 10, 64); err != nil {
			t.Errorf("strftime(nsecs(tai)): %v", err)
		} else {
			within("strftime(nsecs(tai))", time.Unix(secs, 0).Add(-offset), 2*time.Second)
		}
		// The clock goes with the value through a variable.
		if secs, err := strconv.ParseInt(lines[5], 10, 64); err != nil {
			t.Errorf("strftime($u = nsecs(tai)): %v", err)
		} else {
			within("strftime($u = nsecs(tai))", time.Unix(secs, 0).Add(-offset), 2*time.Second)
		}
	}
	if !regexp.MustCompile(`(?m)^@t: \d\d:\d\d$`).MatchString(res.Stdout) {
		t.Errorf("strftime() in a map: %q", res.Stdout)
	}
}

// errorf() and warnf() print on the standard error, pointing at the call;
// --no-warnings silences warnf(). assert() reports like errorf() and
// exits with code 1.
func TestErrorfWarnf(t *testing.T) {
	script := `BEGIN { errorf("Something bad with args: %d, %s", 10, "arg2"); warnf("kinda bad %d", 3); printf("done\n"); exit(); }`
	res := gtraceRun(t, e2e.Run{Args: []string{"-e", script}})
	want := "stdin:1:9-62: ERROR: Something bad with args: 10, arg2\nstdin:1:64-88: WARNING: kinda bad 3\n"
	if res.Stderr != want || res.Stdout != "Attaching 1 probe...\ndone\n\n\n" || res.ExitCode != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q, want %q", res.ExitCode, res.Stdout, res.Stderr, want)
	}
	res = gtraceRun(t, e2e.Run{Args: []string{"--no-warnings", "-e", script}})
	if want := "stdin:1:9-62: ERROR: Something bad with args: 10, arg2\n"; res.Stderr != want {
		t.Errorf("--no-warnings: stderr %q, want %q", res.Stderr, want)
	}
	res = gtraceRun(t, e2e.Run{Args: []string{"-e", `BEGIN { assert(1 > 2, "My error message"); printf("not reached\n"); }`}})
	if want := "stdin:1:9-42: ERROR: assert failed: My error message\n"; res.Stderr != want || res.ExitCode != 1 ||
		strings.Contains(res.Stdout, "not reached") {
		t.Errorf("assert: exit %d, stdout %q, stderr %q, want %q", res.ExitCode, res.Stdout, res.Stderr, want)
	}
	res = gtraceRun(t, e2e.Run{Args: []string{"-f", "json", "-e", `BEGIN { errorf("e %d", 1); warnf("w"); exit(); }`}})
	want = `{"type": "attached_probes", "data": {"probes": 1}}
{"type": "errorf", "msg": "e 1", "filename": "stdin", "line": 1, "col": 9}
{"type": "warnf", "msg": "w", "filename": "stdin", "line": 1, "col": 28}
`
	if res.Stdout != want {
		t.Errorf("-f json: stdout %q, want %q", res.Stdout, want)
	}
}

// system() runs a command with --unsafe (its standard error is gtrace's);
// cat() reports a file it cannot open on the standard error.
func TestSystemAndCat(t *testing.T) {
	script := `BEGIN { printf("before\n"); system("echo out %d; echo err >&2; exit 3", 42); cat("/nonexistent/%s", "x"); printf("after\n"); exit(); }`
	res := gtraceRun(t, e2e.Run{Args: []string{"-e", script}})
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, "system() is an unsafe function being used in safe mode") {
		t.Errorf("without --unsafe: exit %d, stderr %q", res.ExitCode, res.Stderr)
	}
	res = gtraceRun(t, e2e.Run{Args: []string{"--unsafe", "-e", script}})
	if want := "Attaching 1 probe...\nbefore\nout 42\nafter\n\n\n"; res.Stdout != want || res.ExitCode != 0 {
		t.Errorf("exit %d, stdout %q, want %q", res.ExitCode, res.Stdout, want)
	}
	if want := "err\nERROR: failed to open file '/nonexistent/x': No such file or directory\n"; res.Stderr != want {
		t.Errorf("stderr %q, want %q", res.Stderr, want)
	}
}

// username is the name of the user running the probe; cgroup_path() of
// cgroupid() finds the cgroup v2 directory again.
func TestUsernameAndCgroups(t *testing.T) {
	u, err := user.Current()
	if err != nil {
		t.Skip(err)
	}
	root := cgroup2Mount(t)
	dir, err := os.MkdirTemp(root, "gtrace-test-")
	if err != nil {
		t.Skipf("cannot create a cgroup: %v", err)
	}
	defer os.Remove(dir)
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		t.Fatal(err)
	}
	script := `BEGIN { printf("%s %d\n", username, cgroupid($1) == $2); print(cgroup_path(cgroupid($1), "unified")); exit(); }`
	res := gtraceRun(t, e2e.Run{Args: []string{"-e", script, dir, strconv.FormatUint(st.Ino, 10)}})
	want := "Attaching 1 probe...\n" + u.Username + " 1\nunified:/" + filepath.Base(dir) + "\n\n\n"
	if res.Stdout != want {
		t.Errorf("stdout %q, want %q (stderr %s)", res.Stdout, want, res.Stderr)
	}
}

// cgroup2Mount returns where the cgroup v2 hierarchy is mounted.
func cgroup2Mount(t *testing.T) string {
	f, err := os.Open("/proc/mounts")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 2 && fields[2] == "cgroup2" {
			return fields[1]
		}
	}
	t.Skip("no cgroup v2 hierarchy mounted")
	return ""
}
