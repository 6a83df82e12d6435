package main

import (
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/e2e"
)

// clear() and zero() of a map whose entries the probes delete at the same
// time skip the entries already gone (bpftrace's "parallel map access"
// runtime test): an entry deleted between reading the keys and deleting
// them used to end the run with "clearing @data: delete: key does not
// exist".
func TestParallelMapClear(t *testing.T) {
	script := `
i:us:1 {
  @data[rand % 5] = count();
  if ((rand % 5) == 0) { delete(@data, rand % 10); }
}
i:ms:1 { clear(@data); zero(@data); }
i:ms:700 { printf("SUCCESS\n"); exit(); }
`
	res := gtraceRun(t, e2e.Run{Args: []string{"-q", "--no-warnings", "-e", script}})
	if res.ExitCode != 0 || !strings.HasPrefix(res.Stdout, "SUCCESS\n") || res.Stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want SUCCESS", res.ExitCode, res.Stdout, res.Stderr)
	}
}
