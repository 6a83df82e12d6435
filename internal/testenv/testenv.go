// Package testenv decides whether tests that need the real kernel may skip.
package testenv

import (
	"os"
	"testing"
)

// RequireVar is the environment variable that turns skips into failures.
// CI sets it so that a green run always exercised the kernel-facing tests.
const RequireVar = "GTRACE_REQUIRE_BPF"

// Required reports whether RequireVar=1 is set.
func Required() bool {
	return os.Getenv(RequireVar) == "1"
}

// Skip skips tb with reason, or fails it when RequireVar=1 is set.
func Skip(tb testing.TB, reason string) {
	tb.Helper()
	if Required() {
		tb.Fatalf("%s=1 but the environment is missing something: %s", RequireVar, reason)
	}
	tb.Skip(reason)
}

// SkipIfErr calls Skip with what and err when err is not nil.
func SkipIfErr(tb testing.TB, what string, err error) {
	tb.Helper()
	if err != nil {
		Skip(tb, what+": "+err.Error())
	}
}

// Root skips tb (or fails it, see Skip) unless the test runs as root.
func Root(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() != 0 {
		Skip(tb, "test needs root")
	}
}

// File skips tb (or fails it, see Skip) unless path can be opened for reading.
func File(tb testing.TB, path string) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		Skip(tb, "test needs "+path+": "+err.Error())
		return
	}
	f.Close()
}

// BPF skips tb (or fails it, see Skip) unless the test can load BPF
// programs: it must run as root.
func BPF(tb testing.TB) {
	tb.Helper()
	Root(tb)
}
