// Command gtrace is a bpftrace-compatible tracer: it runs bpftrace
// one-liners and scripts with the same language and output, from one
// static Go binary, and offers an interactive prompt.
//
// The command is a thin layer over the gtrace package: it parses
// bpftrace's flags, reads the script and hands it to gtrace.Compile and
// Script.Run.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	goruntime "runtime"
	"runtime/debug"
	"syscall"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/runtime"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// notifyAttached is the environment variable that asks for a line of the
// same name on stdout once every probe is attached, as bpftrace prints it
// for test harnesses.
const notifyAttached = "__BPFTRACE_NOTIFY_PROBES_ATTACHED"

func init() {
	// Keep the main goroutine on the main thread: BEGIN and END run on
	// the calling thread, and there curtask->pid == pid, as in bpftrace.
	goruntime.LockOSThread()
	// gtrace's heap stays small; collecting less often saves a collection
	// during startup (decoding kernel BTF allocates a lot, once).
	debug.SetGCPercent(400)
}

func main() {
	cmd := &command{name: os.Args[0], stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, lookupEnv: os.LookupEnv}
	os.Exit(cmd.run(os.Args[1:]))
}

// command is one invocation of gtrace: the name it was run as, its
// standard streams and environment.
type command struct {
	name           string
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// lookupEnv tells an empty variable from an unset one (nil: getenv's
	// empty string means unset).
	lookupEnv func(string) (string, bool)
}

// run is the whole command; it returns the exit code.
func (c *command) run(args []string) int {
	if len(args) == 0 && !isTerminal(c.stdin) {
		fmt.Fprint(c.stderr, usage)
		return 1
	}
	o, err := parseArgs(args)
	var ue *usageError
	switch {
	case errors.As(err, &ue):
		switch {
		case ue.getopt:
			fmt.Fprintf(c.stderr, "%s: %s\n", c.name, ue.msg)
		case ue.msg != "":
			fmt.Fprintln(c.stderr, ue.msg)
		}
		if ue.usage {
			fmt.Fprint(c.stderr, usage)
		}
		return 1
	case o.help:
		fmt.Fprint(c.stdout, usage)
		return 0
	case o.version:
		fmt.Fprintf(c.stdout, "gtrace %s\n", version)
		return 0
	}
	env, err := readEnv(c.getenv, c.lookupEnv)
	if err != nil {
		fmt.Fprintf(c.stderr, "ERROR: %v\n", err)
		return 1
	}
	kernel := btf.NewKernel(kernelOptions(o, c.getenv))
	if o.listing {
		return c.listing(o, env, kernel)
	}
	noProgram := !o.haveProg && o.script == ""
	interactive := o.interactive || (noProgram && isTerminal(c.stdin))
	if noProgram && !interactive {
		fmt.Fprintln(c.stderr, "ERROR: USAGE: filename or -e 'program' required.")
		return 1
	}
	out := c.stdout
	if o.outputFile != "" {
		f, err := os.Create(o.outputFile)
		if err != nil {
			fmt.Fprintf(c.stderr, "ERROR: Failed to open output file: \"%s\": %s\n", o.outputFile, errnoText(err))
			return 1
		}
		defer f.Close()
		out = f
	}
	if interactive {
		return c.repl(o, env, kernel, out)
	}
	if o.debug == 0 {
		// The kernel feature probes of the first load overlap with
		// compiling (-d loads nothing).
		defer runtime.Prewarm()()
	}
	ctx, stop := interruptible(os.Interrupt, syscall.SIGTERM)
	defer stop()
	name, src, err := c.source(o)
	if err != nil {
		fmt.Fprintf(c.stderr, "ERROR: %v\n", err)
		return 1
	}
	script, err := gtrace.Compile(src, o.compileOptions(name, env, kernel))
	if err != nil {
		fmt.Fprint(c.stderr, gtrace.Render(err))
		return 1
	}
	fmt.Fprint(c.stderr, script.Warnings())
	if o.debug > 0 {
		fmt.Fprint(out, script.Dump())
		return 0
	}
	res, err := script.Run(ctx, c.runOptions(o, out))
	notifySystemd(c.getenv("NOTIFY_SOCKET"), systemdStopping)
	if err != nil {
		c.runError(err, o.verbose)
		return 1
	}
	return res.ExitCode
}

// compileOptions are the options of gtrace.Compile that the flags and
// the environment set.
func (o *options) compileOptions(name string, env *environment, kernel *btf.Kernel) gtrace.Options {
	cfg := env.config
	return gtrace.Options{
		Name:         name,
		Params:       o.params,
		NamedParams:  o.namedParams,
		Config:       &cfg,
		Fixed:        env.fixed,
		Unsafe:       o.unsafe,
		Kernel:       kernel,
		NoWarnings:   o.noWarnings,
		HelperErrors: o.helperCheck,
		PID:          o.target.PID,
		TSeriesClock: env.tseriesClock,
		IncludeDirs:  o.includeDirs,
		Includes:     o.includes,
	}
}

// runOptions are the options of Script.Run that the flags and the
// environment set: output goes to out.
func (c *command) runOptions(o *options, out io.Writer) gtrace.RunOptions {
	ropts := gtrace.RunOptions{
		Output:     out,
		Format:     o.format,
		Quiet:      o.quiet,
		NoWarnings: o.noWarnings,
		Buffering:  o.buffering,
		DryRun:     o.dryRun,
		Verbose:    o.verbose,
		Stderr:     c.stderr,
		Target:     o.target,
		Mode:       o.mode,
	}
	notify := c.getenv(notifyAttached) != ""
	if socket := c.getenv("NOTIFY_SOCKET"); notify || socket != "" {
		ropts.Attached = func() {
			notifySystemd(socket, systemdReady)
			if notify {
				fmt.Fprintln(c.stdout, notifyAttached)
			}
		}
	}
	return ropts
}

// interruptible returns a context cancelled when one of sigs arrives, like
// signal.NotifyContext, but installs the handlers on another goroutine:
// the Go runtime starts a thread for it, which would otherwise delay
// attaching the probes by a few hundred microseconds. A signal that
// arrives before the handlers are in place ends the process as usual,
// which closes whatever it attached.
func interruptible(sigs ...os.Signal) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, sigs...)
		defer signal.Stop(ch)
		// Every signal until the run ends is caught; the first cancels.
		for {
			select {
			case <-ch:
				cancel()
			case <-quit:
				return
			}
		}
	}()
	return ctx, func() {
		cancel()
		close(quit)
		<-done
	}
}

// runError reports a failed run: with -v, a verifier rejection comes
// with the verifier's log, each instruction mapped to the script.
func (c *command) runError(err error, verbose bool) {
	var le *runtime.LoadError
	if verbose && errors.As(err, &le) {
		for _, l := range le.Log {
			fmt.Fprintln(c.stderr, l)
		}
	}
	fmt.Fprint(c.stderr, gtrace.Render(err))
}

// list prints the probes matching a pattern (-l), with their arguments
// (-lv), as bpftrace does; for "struct NAME" (or union, enum) the kernel
// types matching it, with their definitions (-lv).
func (c *command) list(pattern string, verbose bool, kernel *btf.Kernel, pid int) int {
	probes, err := gtrace.ListProcess(pattern, verbose, kernel, pid)
	if err != nil {
		fmt.Fprintf(c.stderr, "ERROR: %v\n", err)
		return 1
	}
	c.printListed(probes)
	return 0
}

// source returns the script's name (for positions) and text: -e's
// program, a file, or stdin for "-".
func (c *command) source(o *options) (string, string, error) {
	switch {
	case o.haveProg:
		return "", o.program, nil
	case o.script == "-":
		b, err := io.ReadAll(c.stdin)
		if err != nil {
			return "", "", fmt.Errorf("reading the script from stdin: %w", err)
		}
		return "", string(b), nil
	}
	b, err := os.ReadFile(o.script)
	if err != nil {
		return "", "", fmt.Errorf("failed to open file '%s': %s", o.script, errnoText(err))
	}
	return o.script, string(b), nil
}

// errnoText describes a failed system call as the C library does: "No
// such file or directory".
func errnoText(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	msg := errno.Error()
	r, n := utf8.DecodeRuneInString(msg)
	return string(unicode.ToUpper(r)) + msg[n:]
}

// isTerminal reports whether r is a terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
