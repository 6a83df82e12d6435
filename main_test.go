package gtrace_test

import (
	"flag"
	"os"
	"testing"

	"github.com/gtrace/gtrace/internal/e2e"
	"github.com/gtrace/gtrace/internal/testenv"
)

// TestMain leaves the examples out when they cannot load BPF programs
// (without root), unless GTRACE_REQUIRE_BPF=1 asks for them to fail
// instead, as other tests skip; go vet still checks them.
func TestMain(m *testing.M) {
	flag.Parse()
	if os.Geteuid() != 0 && !testenv.Required() && flag.Lookup("test.run").Value.String() == "" {
		flag.Set("test.run", "^Test")
	}
	// The examples load programs: hold the lock other packages' tests
	// take while they count the system's BPF programs.
	unlock := e2e.Lock()
	code := m.Run()
	unlock()
	os.Exit(code)
}
