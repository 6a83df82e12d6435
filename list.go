package gtrace

import (
	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/lang"
)

// List lists the probes matching a pattern as gtrace -l does: a pattern
// that starts with a probe kind ("tracepoint:sched:*") lists that kind,
// any other pattern is matched against every probe's full name, and ""
// lists everything. With verbose set each probe comes with its arguments
// (gtrace -lv). A nil kernel means the running kernel.
func List(pattern string, verbose bool, kernel *btf.Kernel) ([]lang.Listed, error) {
	if kernel == nil {
		kernel = btf.NewKernel(btf.Options{})
	}
	return lang.List(kernel, pattern, verbose)
}
