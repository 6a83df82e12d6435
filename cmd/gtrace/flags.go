package main

import (
	"fmt"
	"strings"
)

// options are the parsed command-line flags, spelled as bpftrace spells
// them.
type options struct {
	program    string // -e
	haveProg   bool
	script     string // script file, "-" for stdin
	args       []string
	quiet      bool
	verbose    bool
	debug      int
	dryRun     bool
	unsafe     bool
	list       bool
	outputFile string
	format     string
	buffering  string
	version    bool
	help       bool
	noWarnings bool
	btf        string
	btfArchive string
}

// flagSpec describes one option. Short options that take a value may be
// written -e PROG or -ePROG; long ones --name VALUE or --name=VALUE.
type flagSpec struct {
	short, long string
	value       bool
	set         func(o *options, v string) error
}

var flagSpecs = []flagSpec{
	{"e", "", true, func(o *options, v string) error { o.program, o.haveProg = v, true; return nil }},
	{"q", "quiet", false, func(o *options, _ string) error { o.quiet = true; return nil }},
	{"v", "verbose", false, func(o *options, _ string) error { o.verbose = true; return nil }},
	{"d", "debug", false, func(o *options, _ string) error { o.debug++; return nil }},
	{"l", "list", false, func(o *options, _ string) error { o.list = true; return nil }},
	{"o", "output", true, func(o *options, v string) error { o.outputFile = v; return nil }},
	{"f", "format", true, func(o *options, v string) error {
		if v != "text" && v != "json" {
			return fmt.Errorf("Invalid output format \"%s\"\nValid formats: json, text", v)
		}
		o.format = v
		return nil
	}},
	{"B", "", true, func(o *options, v string) error {
		if v != "line" && v != "full" && v != "none" {
			return fmt.Errorf("Invalid buffering mode: %s", v)
		}
		o.buffering = v
		return nil
	}},
	{"V", "version", false, func(o *options, _ string) error { o.version = true; return nil }},
	{"h", "help", false, func(o *options, _ string) error { o.help = true; return nil }},
	{"", "dry-run", false, func(o *options, _ string) error { o.dryRun = true; return nil }},
	{"", "unsafe", false, func(o *options, _ string) error { o.unsafe = true; return nil }},
	{"", "no-warnings", false, func(o *options, _ string) error { o.noWarnings = true; return nil }},
	{"", "btf", true, func(o *options, v string) error { o.btf = v; return nil }},
	{"", "btf-archive", true, func(o *options, v string) error { o.btfArchive = v; return nil }},
}

// parseArgs parses arguments the way GNU getopt does for bpftrace:
// options may appear anywhere before "--"; the first non-option names the
// script (unless -e is given) and the rest are positional parameters.
func parseArgs(args []string) (*options, error) {
	o := &options{format: "text", buffering: "line"}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			spec := lookupLong(name)
			if spec == nil {
				return nil, fmt.Errorf("unrecognized option '--%s'", name)
			}
			if spec.value && !hasVal {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("option '--%s' requires an argument", name)
				}
				i++
				val = args[i]
			} else if !spec.value && hasVal {
				return nil, fmt.Errorf("option '--%s' doesn't allow an argument", name)
			}
			if err := spec.set(o, val); err != nil {
				return nil, err
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				spec := lookupShort(a[j : j+1])
				if spec == nil {
					return nil, fmt.Errorf("invalid option -- '%c'", a[j])
				}
				if !spec.value {
					if err := spec.set(o, ""); err != nil {
						return nil, err
					}
					continue
				}
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						return nil, fmt.Errorf("option requires an argument -- '%c'", a[j])
					}
					i++
					val = args[i]
				}
				if err := spec.set(o, val); err != nil {
					return nil, err
				}
				break
			}
		default:
			rest = append(rest, a)
		}
	}
	if !o.haveProg && len(rest) > 0 && !o.list {
		// With -l the operand is a search pattern, not a script.
		o.script, rest = rest[0], rest[1:]
	}
	o.args = rest
	return o, nil
}

func lookupShort(s string) *flagSpec {
	for i := range flagSpecs {
		if flagSpecs[i].short == s {
			return &flagSpecs[i]
		}
	}
	return nil
}

func lookupLong(s string) *flagSpec {
	for i := range flagSpecs {
		if flagSpecs[i].long != "" && flagSpecs[i].long == s {
			return &flagSpecs[i]
		}
	}
	return nil
}

const usage = `USAGE:
    gtrace [options] filename
    gtrace [options] - <stdin input>
    gtrace [options] -e 'program'

OPTIONS:
    -B MODE        output buffering mode ('full', 'none', 'line')
    -f FORMAT      output format ('text', 'json')
    -o file        redirect bpftrace output to file
    -d             debug info dry run (AST, types, instructions)
    --dry-run      compile and load the programs, but do not attach
    -e 'program'   execute this program
    -h, --help     show this help message
    -l [search]    list probes
    -q             keep messages quiet
    --unsafe       allow unsafe/destructive functionality
    -v             verbose messages
    --no-warnings  disable warnings
    --btf FILE     read kernel types from FILE instead of /sys/kernel/btf/vmlinux
    --btf-archive DIR
                   find kernel types in a btfhub-archive tree
    -V, --version  bpftrace version

ENVIRONMENT:
    BPFTRACE_STRLEN           [default: 64] bytes on BPF stack per str()
    BPFTRACE_MAP_KEYS_MAX     [default: 4096] max keys in a map
    BPFTRACE_MAX_PROBES       [default: 512] max number of probes
    BPFTRACE_BTF              [default: none] BTF file

EXAMPLES:
gtrace -e 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }'
    count openat() calls by process name
gtrace -e 'tracepoint:syscalls:sys_enter_read { @bytes = hist(args->count); }'
    histogram of read() request sizes
gtrace -e 'profile:hz:99 { @[tid] = count(); }'
    sample thread IDs on every CPU at 99 Hertz
`
