package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/runtime"
	"github.com/gtrace/gtrace/runtime/output"
)

// options are the parsed command line, spelled as bpftrace spells it.
type options struct {
	program     string // -e
	haveProg    bool
	script      string // script file, "-" for stdin
	params      []string
	namedParams map[string]string // after "--": --name=value, or --name ("true")
	listing     bool              // -l
	search      string            // -l's pattern
	interactive bool              // -i
	quiet       bool
	verbose     bool
	debug       int // -d, -dd
	helperCheck int // -k, -kk
	dryRun      bool
	unsafe      bool
	noWarnings  bool
	outputFile  string
	format      output.Format
	buffering   runtime.Buffering
	target      runtime.Target // -p, -c
	mode        runtime.Mode   // --test, --bench
	version     bool
	help        bool
	btf         string
	btfArchive  string
	includeDirs []string // -I
	includes    []string // --include
}

// usageError is a command-line mistake: gtrace prints its message (if
// any) and, when usage is set, the usage text, and exits with 1.
type usageError struct {
	msg string // the message, "" for none
	// getopt marks getopt's messages, which start with the program's name.
	getopt bool
	usage  bool
}

func (e *usageError) Error() string { return e.msg }

// badUsage is a usage error worded as bpftrace words it.
func badUsage(format string, args ...any) *usageError {
	return &usageError{msg: "ERROR: " + fmt.Sprintf(format, args...)}
}

// flagSpec describes one option: its short and long names, whether it
// takes a value, and how it sets the options.
type flagSpec struct {
	short byte
	long  string
	value bool
	set   func(o *options, v string) error
}

func setFlag(f func(o *options)) func(o *options, _ string) error {
	return func(o *options, _ string) error { f(o); return nil }
}

// flagSpecs are gtrace's options: bpftrace's, plus -i (the REPL) and
// --btf FILE / --btf-archive DIR (where kernel types come from).
var flagSpecs = []flagSpec{
	{'e', "", true, func(o *options, v string) error { o.program, o.haveProg = v, true; return nil }},
	{'l', "list", false, setFlag(func(o *options) { o.listing = true })},
	{'i', "", false, setFlag(func(o *options) { o.interactive = true })},
	{'p', "pid", true, func(o *options, v string) error {
		// bpftrace 0.17's parse_pid: pids run from 1 to 4 << 20.
		const pidMax = 4 * 1024 * 1024
		pid, err := strconv.ParseInt(v, 10, 64)
		switch {
		case errors.Is(err, strconv.ErrRange):
			return badUsage("pid '%s' outside of integer range", v)
		case err != nil:
			return badUsage("pid '%s' is not a valid decimal number", v)
		case pid < 1 || pid > pidMax:
			return badUsage("pid '%s' out of valid pid range [1,%d]", v, pidMax)
		}
		o.target.PID = int(pid)
		return nil
	}},
	{'c', "cmd", true, func(o *options, v string) error { o.target.Command = v; return nil }},
	{'o', "output", true, func(o *options, v string) error { o.outputFile = v; return nil }},
	{'f', "", true, func(o *options, v string) error {
		f, err := output.ParseFormat(v)
		if err != nil {
			return badUsage("Invalid output format \"%s\"\nValid formats: 'text', 'json'", v)
		}
		o.format = f
		return nil
	}},
	{'B', "", true, func(o *options, v string) error {
		switch v {
		case "line":
			o.buffering = runtime.BufferLine
		case "full":
			o.buffering = runtime.BufferFull
		case "none":
			o.buffering = runtime.BufferNone
		default:
			return badUsage("USAGE: -B must be either 'line', 'full', or 'none'.")
		}
		return nil
	}},
	{'q', "quiet", false, setFlag(func(o *options) { o.quiet = true })},
	{'v', "verbose", false, setFlag(func(o *options) { o.verbose = true })},
	{'d', "", false, func(o *options, _ string) error {
		if o.debug++; o.debug > 2 {
			return &usageError{usage: true}
		}
		return nil
	}},
	{'k', "", false, func(o *options, _ string) error {
		if o.helperCheck++; o.helperCheck > 2 {
			return &usageError{usage: true}
		}
		return nil
	}},
	{'V', "version", false, setFlag(func(o *options) { o.version = true })},
	{'h', "help", false, setFlag(func(o *options) { o.help = true })},
	{0, "dry-run", false, setFlag(func(o *options) { o.dryRun = true })},
	{0, "unsafe", false, setFlag(func(o *options) { o.unsafe = true })},
	{0, "no-warnings", false, setFlag(func(o *options) { o.noWarnings = true })},
	{0, "test", false, func(o *options, _ string) error { return o.setMode(runtime.ModeTest, "--test") }},
	{0, "bench", false, func(o *options, _ string) error { return o.setMode(runtime.ModeBench, "--bench") }},
	{0, "mode", true, func(o *options, v string) error {
		// The newest bpftrace's --mode; its other modes (codegen,
		// compiler-bench, format) are not gtrace's.
		switch v {
		case "test":
			o.mode = runtime.ModeTest
		case "bench":
			o.mode = runtime.ModeBench
		default:
			return badUsage("USAGE: --mode can only be 'bench' or 'test'.")
		}
		return nil
	}},
	{'I', "", true, func(o *options, v string) error { o.includeDirs = append(o.includeDirs, v); return nil }},
	{0, "include", true, func(o *options, v string) error { o.includes = append(o.includes, v); return nil }},
	{0, "btf", true, func(o *options, v string) error { o.btf = v; return nil }},
	{0, "btf-archive", true, func(o *options, v string) error { o.btfArchive = v; return nil }},
}

// parseArgs parses the command line the way GNU getopt_long does for
// bpftrace: options may come before, between and after operands; "--"
// ends them; long options may be abbreviated to a unique prefix and take
// their value as --name=VALUE or --name VALUE; short ones may be grouped
// (-qv) and take theirs as -eVALUE or -e VALUE. The first operand is the
// script (unless -e is given) or, with -l, the search pattern; the others
// are positional parameters, except that operands after "--" starting
// with "--" are named parameters.
func parseArgs(args []string) (*options, error) {
	o := &options{}
	var operands []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			operands = append(operands, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			spec, err := lookupLong(name)
			if err != nil {
				return nil, err
			}
			switch {
			case spec.value && !hasVal:
				if i+1 >= len(args) {
					return nil, getoptError("option '--%s' requires an argument", spec.long)
				}
				i++
				val = args[i]
			case !spec.value && hasVal:
				return nil, getoptError("option '--%s' doesn't allow an argument", spec.long)
			}
			if err := spec.set(o, val); err != nil {
				return nil, err
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				spec := lookupShort(a[j])
				if spec == nil {
					return nil, getoptError("invalid option -- '%c'", a[j])
				}
				val := ""
				if spec.value {
					val = a[j+1:]
					if val == "" {
						if i+1 >= len(args) {
							return nil, getoptError("option requires an argument -- '%c'", a[j])
						}
						i++
						val = args[i]
					}
					j = len(a)
				}
				if err := spec.set(o, val); err != nil {
					return nil, err
				}
			}
		default:
			operands = append(operands, a)
		}
	}
	if err := o.validate(operands); err != nil {
		return nil, err
	}
	return o, nil
}

// validate checks combinations of options and assigns the operands.
func (o *options) validate(operands []string) error {
	switch {
	case o.help, o.version:
		return nil
	case o.verbose && o.debug > 0:
		return badUsage("USAGE: Use either -v or -d.")
	case o.target.PID != 0 && o.target.Command != "":
		e := badUsage("USAGE: Cannot use both -c and -p.")
		e.usage = true
		return e
	}
	if o.listing {
		switch len(operands) {
		case 0:
		case 1:
			o.search = operands[0]
		default:
			return &usageError{usage: true}
		}
		return nil
	}
	if !o.haveProg && len(operands) > 0 {
		o.script, operands = operands[0], operands[1:]
	}
	for _, p := range operands {
		param, ok := strings.CutPrefix(p, "--")
		if !ok {
			o.params = append(o.params, p)
			continue
		}
		name, value, hasValue := strings.Cut(param, "=")
		if !hasValue {
			value = "true"
		}
		if o.namedParams == nil {
			o.namedParams = map[string]string{}
		}
		o.namedParams[name] = value
	}
	return nil
}

// setMode sets the mode of --test or --bench; the two exclude each other,
// as in bpftrace.
func (o *options) setMode(m runtime.Mode, flag string) error {
	if o.mode != runtime.ModeTrace {
		return badUsage("USAGE: %s conflicts with existing --mode", flag)
	}
	o.mode = m
	return nil
}

// getoptError is a usage error worded as GNU getopt words it.
func getoptError(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), getopt: true, usage: true}
}

func lookupShort(c byte) *flagSpec {
	for i := range flagSpecs {
		if flagSpecs[i].short == c {
			return &flagSpecs[i]
		}
	}
	return nil
}

// lookupLong finds a long option by its name or a prefix of exactly one
// option's name.
func lookupLong(name string) (*flagSpec, error) {
	var matches []*flagSpec
	for i := range flagSpecs {
		s := &flagSpecs[i]
		if s.long == "" {
			continue
		}
		if s.long == name {
			return s, nil
		}
		if name != "" && strings.HasPrefix(s.long, name) {
			matches = append(matches, s)
		}
	}
	switch len(matches) {
	case 0:
		return nil, getoptError("unrecognized option '--%s'", name)
	case 1:
		return matches[0], nil
	}
	var names []string
	for _, m := range matches {
		names = append(names, "'--"+m.long+"'")
	}
	return nil, getoptError("option '--%s' is ambiguous; possibilities: %s", name, strings.Join(names, " "))
}

// usage is the --help text: one screen.
const usage = `USAGE:
    gtrace [options] filename [params] [-- named params]
    gtrace [options] - <stdin input>
    gtrace [options] -e 'program'
    gtrace [-i]              interactive prompt

OPTIONS:
    -e 'program'   execute this program
    -l, --list [search]
                   list probes (-lv: with their arguments)
    -i             interactive prompt, also when stdin is not a terminal
    -p PID         enable USDT probes on PID
    -c 'CMD'       run CMD and enable USDT probes on resulting process
    -o file        redirect gtrace output to file
    -f FORMAT      output format ('text', 'json')
    -B MODE        output buffering mode ('line', 'full', 'none')
    -q             keep messages quiet
    -k             warn when a BPF helper call fails (except reads)
    -kk            warn when any BPF helper call fails
    --unsafe       allow unsafe builtin functions (system, signal)
    --no-warnings  disable all warning messages
    --mode MODE    run all test: or bench: probes ('test', 'bench')
    --test         run all test: probes (same as --mode test)
    --bench        run all bench: probes (same as --mode bench)
    -I DIR         add the directory to the include search path
    --include FILE add an #include file before the script's
    --btf FILE     kernel types from FILE (also BPFTRACE_BTF)
    --btf-archive DIR
                   kernel types from a btfhub-archive tree
    -h, --help     show this help message
    -V, --version  gtrace version

TROUBLESHOOTING OPTIONS:
    -v             verbose messages: verifier statistics, attach points
    -d, -dd        debug info dry run: syntax tree, types, instructions
    --dry-run      compile and load into the kernel, but do not attach

ENVIRONMENT:
    BPFTRACE_MAX_STRLEN, BPFTRACE_MAX_MAP_KEYS, BPFTRACE_MAX_PROBES, ...
                   config variables, as in a config = { } block
    BPFTRACE_BTF   [default: none] BTF file

EXAMPLES:
gtrace -l 'tracepoint:syscalls:*open*'
    list probes containing "open"
gtrace -e 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }'
    count openat() calls by process name
gtrace -e 'profile:hz:99 { @[tid] = count(); }'
    sample thread IDs on every CPU at 99 Hertz
`
