// Command gtrace is a bpftrace-compatible tracer: it runs bpftrace
// one-liners and scripts with the same language and output, from one
// static Go binary.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	goruntime "runtime"
	"runtime/debug"
	"syscall"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func init() {
	// Keep the main goroutine on the main thread: BEGIN and END run on
	// the calling thread, and there curtask->pid == pid, as in bpftrace.
	goruntime.LockOSThread()
	// gtrace's heap stays small; collecting less often saves a collection
	// during startup (decoding kernel BTF allocates a lot, once).
	debug.SetGCPercent(400)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n%s", err, usage)
		return 1
	}
	switch {
	case o.help:
		fmt.Fprint(stdout, usage)
		return 0
	case o.version:
		fmt.Fprintf(stdout, "gtrace %s\n", version)
		return 0
	}
	if o.list {
		return list(o, stdout, stderr)
	}
	// The kernel feature probes of the first load overlap with compiling.
	defer runtime.Prewarm()()
	name, src, err := source(o, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	sources := map[string]string{name: src}
	kernel := btf.NewKernel(kernelOptions(o))
	if lang.MayUseKernelTypes(src) {
		// Decoding BTF takes longer than everything else at startup:
		// start it now, in parallel with parsing.
		go kernel.Spec()
	}
	obj, err := compile(o, kernel, name, src, stderr)
	if err != nil {
		fmt.Fprint(stderr, lang.Render(err, sources))
		return 1
	}
	out := stdout
	if o.outputFile != "" {
		f, err := os.Create(o.outputFile)
		if err != nil {
			fmt.Fprintf(stderr, "ERROR: %v\n", err)
			return 1
		}
		defer f.Close()
		out = f
	}
	if o.debug > 0 {
		fmt.Fprint(out, obj.Dump())
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := runtime.Run(ctx, obj, runtime.Options{
		Stdout:         out,
		Stderr:         stderr,
		Quiet:          o.quiet,
		NotifyAttached: os.Getenv("__BPFTRACE_NOTIFY_PROBES_ATTACHED") != "",
		DryRun:         o.dryRun,
		Verbose:        o.verbose,
		Unbuffered:     o.buffering == "none",
	})
	if err != nil {
		var le *runtime.LoadError
		if errors.As(err, &le) && o.verbose {
			for _, l := range le.Log {
				fmt.Fprintln(stderr, l)
			}
		}
		fmt.Fprint(stderr, lang.Render(err, sources))
		return 1
	}
	return res.ExitCode
}

// list prints the probes matching the pattern (-l), with their arguments
// (-lv), as bpftrace does.
func list(o *options, stdout, stderr io.Writer) int {
	pattern := ""
	if len(o.args) > 0 {
		pattern = o.args[0]
	}
	probes, err := lang.List(btf.NewKernel(kernelOptions(o)), pattern, o.verbose)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	for _, p := range probes {
		fmt.Fprintln(w, p.Name)
		for _, a := range p.Args {
			fmt.Fprintln(w, "    "+a)
		}
	}
	return 0
}

// kernelOptions says where kernel types come from: --btf (or
// BPFTRACE_BTF), --btf-archive (or GTRACE_BTF_ARCHIVE), else the running
// kernel.
func kernelOptions(o *options) btf.Options {
	kopts := btf.Options{BTFFile: o.btf, ArchiveDir: o.btfArchive}
	if kopts.BTFFile == "" {
		kopts.BTFFile = os.Getenv("BPFTRACE_BTF")
	}
	if kopts.ArchiveDir == "" {
		kopts.ArchiveDir = os.Getenv("GTRACE_BTF_ARCHIVE")
	}
	return kopts
}

// source returns the script's name (for positions) and text.
func source(o *options, stdin io.Reader) (string, string, error) {
	switch {
	case o.haveProg:
		return "", o.program, nil
	case o.script == "-":
		b, err := io.ReadAll(stdin)
		return "", string(b), err
	case o.script != "":
		b, err := os.ReadFile(o.script)
		if err != nil {
			return "", "", fmt.Errorf("failed to open file '%s': %v", o.script, errors.Unwrap(err))
		}
		return o.script, string(b), nil
	}
	return "", "", errors.New("no program given: use -e 'program' or a script file (see --help)")
}

// compile parses, checks and compiles a script.
func compile(o *options, kernel *btf.Kernel, name, src string, stderr io.Writer) (*codegen.Object, error) {
	prog, err := lang.Parse(name, src)
	if err != nil {
		return nil, err
	}
	cfg := lang.DefaultConfig()
	envSet, err := cfg.FromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	err = lang.Check(prog, lang.CheckOptions{
		Kernel: kernel,
		Config: cfg,
		EnvSet: envSet,
		Params: o.args,
		Unsafe: o.unsafe,
	})
	if !o.noWarnings {
		for _, w := range prog.Warnings {
			fmt.Fprint(stderr, w.Render(src))
		}
	}
	if err != nil {
		return nil, err
	}
	if o.debug > 0 {
		fmt.Fprint(stderr, lang.Dump(prog))
	}
	return codegen.Compile(prog, map[string]string{name: src}, codegen.Options{CPUv4: runtime.HasCPUv4()})
}
