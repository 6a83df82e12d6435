package gtrace

import (
	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime/sym"
)

// List lists the probes matching a pattern as gtrace -l does: a pattern
// that starts with a probe kind ("tracepoint:sched:*") lists that kind,
// any other pattern is matched against every probe's full name, and ""
// lists everything. With verbose set each probe comes with its arguments
// (gtrace -lv). A pattern that starts with "struct ", "union " or "enum "
// lists kernel types ("struct path*"), with verbose their C definitions
// (gtrace -lv 'struct path'). A nil kernel means the running kernel.
func List(pattern string, verbose bool, kernel *btf.Kernel) ([]lang.Listed, error) {
	return ListProcess(pattern, verbose, kernel, 0)
}

// ListProcess is List for a traced process (gtrace -p PID -l): uprobe
// and USDT patterns are resolved in the process, and a pattern without a
// binary lists the functions and USDT probes of every file it maps. A
// pid of 0 means the whole system, as List.
func ListProcess(pattern string, verbose bool, kernel *btf.Kernel, pid int) ([]lang.Listed, error) {
	if kernel == nil {
		kernel = btf.NewKernel(btf.Options{})
	}
	return lang.ListProbes(kernel, sym.NewBinaries(pid), pattern, verbose)
}

// ListProgram lists the probes a script attaches to, as gtrace -l -e
// 'PROGRAM' and gtrace -l FILE do (and the newest bpftrace): its attach
// points expanded as Compile expands them, each probe in the form List
// prints it, with its arguments when verbose. Nothing is loaded and the
// probe bodies are not type-checked. The options are Compile's; a script
// error is an *Error, which Render formats.
func ListProgram(src string, opts Options, verbose bool) ([]lang.Listed, error) {
	sources := map[string]string{opts.Name: src}
	kernel := opts.Kernel
	if kernel == nil {
		kernel = btf.NewKernel(btf.Options{})
	}
	prog, err := parse(src, opts.Name, sources)
	if err != nil {
		return nil, err
	}
	listed, err := lang.ListProgram(prog, opts.checkOptions(kernel), verbose)
	if err != nil {
		return nil, &Error{Err: err, Sources: sources}
	}
	return listed, nil
}
