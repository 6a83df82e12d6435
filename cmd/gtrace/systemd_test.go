package main

import (
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/gtrace/gtrace/internal/e2e"
)

// Under systemd (Type=notify), gtrace reports READY=1 once its probes are
// attached and STOPPING=1 when tracing ends, to the socket NOTIFY_SOCKET
// names, as bpftrace does; output is unchanged.
func TestSystemdNotify(t *testing.T) {
	for _, abstract := range []bool{false, true} {
		name := filepath.Join(t.TempDir(), "notify.sock")
		addr := name
		if abstract {
			addr = "@gtrace-test-" + filepath.Base(filepath.Dir(name))
			name = "\x00" + addr[1:]
		}
		conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		res := gtraceRun(t, e2e.Run{
			Args: []string{"-e", `BEGIN { printf("hi\n"); exit(); }`},
			Env:  []string{"NOTIFY_SOCKET=" + addr},
		})
		if want := "Attaching 1 probe...\nhi\n\n\n"; res.Stdout != want || res.ExitCode != 0 {
			t.Errorf("NOTIFY_SOCKET=%s: exit %d, stdout %q, want %q (stderr %s)", addr, res.ExitCode, res.Stdout, want, res.Stderr)
		}
		var got []string
		buf := make([]byte, 256)
		for range 2 {
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, err := conn.Read(buf)
			if err != nil {
				t.Fatalf("NOTIFY_SOCKET=%s: reading: %v (got %q)", addr, err, got)
			}
			got = append(got, string(buf[:n]))
		}
		if got[0] != systemdReady || got[1] != systemdStopping {
			t.Errorf("NOTIFY_SOCKET=%s: %q, want %q then %q", addr, got, systemdReady, systemdStopping)
		}
	}
}
