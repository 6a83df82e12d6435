// Package gtrace compiles and runs bpftrace scripts from Go.
//
// Compile parses a script, checks it against the running kernel's types
// and compiles it to eBPF; Script.Run loads it, attaches its probes and
// writes what it prints (bpftrace's text or JSON lines) until the script
// calls exit() or the context is cancelled, then returns the maps as Go
// values:
//
//	script, err := gtrace.Compile(`BEGIN { @answer = 42; exit(); }`, gtrace.Options{})
//	if err != nil {
//		log.Fatal(gtrace.Render(err))
//	}
//	res, err := script.Run(ctx, gtrace.RunOptions{Output: io.Discard})
//	...
//	v, _ := res.Map("@answer").Lookup() // int64(42)
//
// Loading and attaching BPF programs needs root (or CAP_BPF and
// CAP_PERFMON). The gtrace command is built on this package.
package gtrace

import (
	"errors"
	"sort"
	"strings"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime"
	"github.com/gtrace/gtrace/runtime/sym"
)

// Options configure Compile.
type Options struct {
	// Name is the script's file name, used in error positions. A script
	// without a file (gtrace -e) has the empty name, reported as "stdin"
	// as bpftrace does.
	Name string
	// Params are the positional parameters $1, $2, ...
	Params []string
	// NamedParams are the named parameters given after "--" (gtrace s.bt
	// -- --n=5 --verbose), by name: a flag given alone is "true". The
	// script reads them with getopt(); it is an error to give one it does
	// not read.
	NamedParams map[string]string
	// Config holds config variables (max_strlen, ...); nil means
	// bpftrace's defaults. A config block in the script changes the
	// variables not listed in Fixed.
	Config *lang.Config
	// Fixed names config variables set from the environment, which take
	// precedence over the script's config block as in bpftrace.
	Fixed map[string]bool
	// Unsafe allows functions with side effects outside tracing, such as
	// system() and signal() (gtrace --unsafe).
	Unsafe bool
	// Kernel provides kernel types and tracepoints; nil means the running
	// kernel's. Reusing one Kernel across compilations keeps its caches.
	Kernel *btf.Kernel
	// NoWarnings drops the checker's warnings (gtrace --no-warnings).
	NoWarnings bool
	// PID is the process traced with -p: uprobe and USDT targets are
	// resolved in it (its mount namespace, mappings and executable). 0
	// means the whole system.
	PID int
	// HelperErrors makes the script report helper calls that fail while
	// it runs: 1 checks the helpers bpftrace's -k checks (map updates and
	// deletes, ...), 2 also every read of kernel or user memory (-kk).
	HelperErrors int
	// TSeriesClock, for tests, names a map without keys holding an
	// unsigned integer that tseries() takes for the current time in
	// nanoseconds (bpftrace's BPFTRACE_DUMMY_TS_MAP); "" reads the clock.
	TSeriesClock string
	// IncludeDirs are searched first for the headers a script includes,
	// which gtrace reads for their #define constants (gtrace -I); then
	// lang.DefaultIncludeDirs.
	IncludeDirs []string
	// Includes are headers included before the script's own (gtrace
	// --include).
	Includes []string
}

// Script is a compiled script, ready to run.
type Script struct {
	prog *lang.Program
	obj  *codegen.Object
}

// Error is a script error: the diagnostics (each pointing at the script)
// and the sources they point into.
type Error struct {
	// Err is the diagnostics: a lang.ErrorList, a *lang.Error or a
	// *runtime.LoadError.
	Err     error
	Sources map[string]string
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the diagnostics.
func (e *Error) Unwrap() error { return e.Err }

// Render formats an error as bpftrace prints it: for a script error, each
// diagnostic's location and message, the source line and a marker under
// the offending text; for any other error "ERROR: " and its message. The
// result ends with a newline.
func Render(err error) string {
	var se *Error
	if errors.As(err, &se) {
		return lang.Render(se.Err, se.Sources)
	}
	var ne *namedParamsError
	if errors.As(err, &ne) {
		return ne.render()
	}
	return "ERROR: " + err.Error() + "\n"
}

// parse parses a script and the files it imports, adding their text to
// sources by name.
func parse(src, name string, sources map[string]string) (*lang.Program, error) {
	prog, err := lang.Parse(name, src)
	if err != nil {
		return nil, &Error{Err: err, Sources: sources}
	}
	imported, err := lang.ResolveImports(prog, name, importFiles{})
	for name, text := range imported {
		sources[name] = text
	}
	if err != nil {
		return nil, &Error{Err: err, Sources: sources}
	}
	return prog, nil
}

// checkOptions are the checker's options for a script compiled with opts
// against kernel.
func (opts *Options) checkOptions(kernel *btf.Kernel) lang.CheckOptions {
	cfg := lang.DefaultConfig()
	if opts.Config != nil {
		cfg = *opts.Config
	}
	return lang.CheckOptions{
		Kernel:      kernel,
		Binaries:    sym.NewBinaries(opts.PID),
		Config:      cfg,
		EnvSet:      opts.Fixed,
		Params:      opts.Params,
		Named:       opts.NamedParams,
		Unsafe:      opts.Unsafe,
		IncludeDirs: opts.IncludeDirs,
		Includes:    opts.Includes,
	}
}

// Compile parses, checks and compiles a script.
func Compile(src string, opts Options) (*Script, error) {
	sources := map[string]string{opts.Name: src}
	kernel := opts.Kernel
	if kernel == nil {
		kernel = btf.NewKernel(btf.Options{})
	}
	if lang.MayUseKernelTypes(src) {
		// Decoding BTF takes longer than everything else at startup:
		// start it now, in parallel with parsing.
		go kernel.Preload()
	}
	prog, err := parse(src, opts.Name, sources)
	if err != nil {
		return nil, err
	}
	err = lang.Check(prog, opts.checkOptions(kernel))
	if opts.NoWarnings {
		prog.Warnings = nil
		err = withoutWarnings(err)
	}
	if err != nil {
		return nil, &Error{Err: err, Sources: sources}
	}
	if err := checkNamedParams(prog, opts.NamedParams); err != nil {
		return nil, err
	}
	obj, err := codegen.Compile(prog, sources, codegen.Options{CPUv4: runtime.HasCPUv4(), HelperErrors: opts.HelperErrors, TSeriesClock: opts.TSeriesClock,
		PidNS: runtime.CurrentPidNS(), Kernel: &runtime.KernelFuncs{Kernel: kernel}})
	if err != nil {
		return nil, &Error{Err: err, Sources: sources}
	}
	return &Script{prog: prog, obj: obj}, nil
}

// withoutWarnings removes the warnings from the checker's diagnostics.
func withoutWarnings(err error) error {
	var list lang.ErrorList
	if !errors.As(err, &list) {
		return err
	}
	var errs lang.ErrorList
	for _, e := range list {
		if !e.Warning {
			errs = append(errs, e)
		}
	}
	return errs.Err()
}

// checkNamedParams rejects named parameters the script does not read
// with getopt(), as the newest bpftrace does, naming those it reads in a
// hint; --help lists those with their descriptions.
func checkNamedParams(prog *lang.Program, named map[string]string) error {
	if len(named) == 0 {
		return nil
	}
	e := &namedParamsError{}
	read := map[string]bool{}
	lang.Inspect(prog, func(n lang.Node) {
		if call, ok := n.(*lang.Call); ok && call.Name == "getopt" && len(call.Args) > 0 {
			if name, ok := call.Args[0].(*lang.StrLit); ok && !read[name.Value] {
				read[name.Value] = true
				desc := ""
				if len(call.Args) > 2 {
					if d, ok := call.Args[2].(*lang.StrLit); ok {
						desc = d.Value
					}
				}
				e.expected = append(e.expected, [2]string{name.Value, desc})
			}
		}
	})
	for name := range named {
		switch {
		case read[name]:
		case name == "help":
			e.help = true
		default:
			e.unexpected = append(e.unexpected, "--"+name)
		}
	}
	if len(e.unexpected) == 0 && !e.help {
		return nil
	}
	sort.Strings(e.unexpected)
	return e
}

// namedParamsError is a named parameter the script does not read, or
// --help: bpftrace's error and a hint naming the parameters it reads.
type namedParamsError struct {
	unexpected []string    // --name, sorted
	expected   [][2]string // name and description, in the script's order
	help       bool        // --help was given
}

func (e *namedParamsError) Error() string {
	if len(e.unexpected) == 0 {
		return e.hint()
	}
	return "unexpected program command line options: " + strings.Join(e.unexpected, ", ")
}

// hint is bpftrace's hint: the parameters on one line, or with --help one
// a line with their descriptions.
func (e *namedParamsError) hint() string {
	if len(e.expected) == 0 {
		return "no custom program options defined."
	}
	var parts []string
	for _, p := range e.expected {
		s := "--" + p[0]
		if e.help && p[1] != "" {
			s += ": " + p[1]
		}
		parts = append(parts, s)
	}
	if e.help {
		return "expected program options:\n" + strings.Join(parts, "\n")
	}
	// bpftrace separates them with ": " too.
	return "expected program options: " + strings.Join(parts, ": ")
}

func (e *namedParamsError) render() string {
	s := ""
	if len(e.unexpected) > 0 {
		s = "ERROR: " + e.Error() + "\n"
	}
	return s + "HINT: " + e.hint() + "\n"
}

// Warnings returns the checker's warnings, rendered as bpftrace prints
// them, or "" when there are none.
func (s *Script) Warnings() string {
	var b strings.Builder
	for _, w := range s.prog.Warnings {
		b.WriteString(w.Render(s.obj.Sources[w.Pos.Filename]))
	}
	return b.String()
}

// Dump describes the compiled script for debugging (gtrace -d): the
// syntax tree with the checker's types, then the maps, the actions and
// each program's instructions with the script position of each.
func (s *Script) Dump() string {
	return "AST\n---\n" + lang.Dump(s.prog) + "\nProgram\n-------\n" + s.obj.Dump()
}
