package codegen

import (
	"os"
	"testing"

	"github.com/gtrace/gtrace/internal/e2e"
)

// TestMain holds the lock the end-to-end tests of other packages take while
// they count the system's BPF programs: the verifier tests here load
// programs too.
func TestMain(m *testing.M) {
	unlock := e2e.Lock()
	code := m.Run()
	unlock()
	os.Exit(code)
}
