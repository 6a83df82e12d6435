package main

import (
	"net"
	"strings"
)

// The states gtrace reports to systemd, in bpftrace's words.
const (
	systemdReady    = "READY=1\nSTATUS=Processing events..."
	systemdStopping = "STOPPING=1\nSTATUS=Shutting down..."
)

// notifySystemd tells systemd that the service is ready (systemdReady,
// once the probes are attached) or stopping (systemdStopping) when gtrace runs as a Type=notify
// unit, as bpftrace does: systemd-run --service-type=notify gtrace ...
// returns once the probes are attached. NOTIFY_SOCKET names the socket
// (an absolute path, or @name for an abstract one); without it, nothing
// is sent. Errors are ignored, as sd_notify's callers ignore them.
func notifySystemd(socket, state string) {
	if socket == "" || !strings.HasPrefix(socket, "/") && !strings.HasPrefix(socket, "@") {
		return
	}
	if socket[0] == '@' {
		socket = "\x00" + socket[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: socket, Net: "unixgram"})
	if err != nil {
		return
	}
	defer conn.Close()
	conn.Write([]byte(state))
}
