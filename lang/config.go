package lang

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Config holds the settings bpftrace calls config variables. Defaults
// follow bpftrace 0.17, the version whose output gtrace reproduces.
type Config struct {
	MaxStrlen         int    // bytes of a string, NUL included
	MaxMapKeys        int    // entries of a map without a declaration
	MaxProbes         int    // attach points after wildcard expansion
	MaxBPFProgs       int    // programs a script may generate
	PerfRbPages       int    // ring buffer size in pages
	StackMode         string // bpftrace, perf, raw or build_id
	PrintMapsOnExit   bool
	MissingProbes     string // error, warn or ignore
	StrTruncTrailer   string // ends a truncated string when printed
	LogSize           int
	MaxCatBytes       int
	CppDemangle       bool
	CacheUserSymbols  string
	LazySymbolication bool
	OnStackLimit      int // largest value kept on the BPF stack
	// License is the license programs are loaded with (newest
	// bpftrace's license variable; one of Licenses).
	License string
	// UnstableTSeries allows tseries() (unstable_tseries; unstable.go).
	UnstableTSeries Unstable
	// UnstableTypeinfo allows typeinfo() (unstable_typeinfo), refused
	// unless enabled, as in the newest bpftrace.
	UnstableTypeinfo Unstable
	// The newest bpftrace's settings gtrace accepts and checks but that
	// change nothing in it: unstable_import_statement (imports inside
	// blocks, which gtrace does not have), unstable_dw_ustack (dw_ustack,
	// not implemented), use_blazesym and show_debug_info (symbolization
	// with blazesync, which gtrace does not use).
	UnstableImportStatement, UnstableDwUstack Unstable
	UseBlazesym, ShowDebugInfo                bool
}

// DeprecatedConfig are the config variables the newest bpftrace no longer
// has: a config block that sets one gets the warning "NAME is deprecated
// and has no effect".
var DeprecatedConfig = []string{"symbol_source", "max_type_res_iterations", "unstable_addr",
	"unstable_import", "unstable_macro", "unstable_map_decl"}

// DefaultConfig returns bpftrace's defaults.
func DefaultConfig() Config {
	return Config{
		MaxStrlen:        64,
		MaxMapKeys:       4096,
		MaxProbes:        512,
		MaxBPFProgs:      512,
		PerfRbPages:      64,
		StackMode:        "bpftrace",
		UnstableTypeinfo: UnstableError,

		UnstableImportStatement: UnstableError,
		PrintMapsOnExit:         true,
		MissingProbes:           "error",
		StrTruncTrailer:         "..", // the newest bpftrace's (0.17 has none)
		LogSize:                 1000000,
		MaxCatBytes:             10240,
		CppDemangle:             true,
		CacheUserSymbols:        "PER_PROGRAM",
		LazySymbolication:       false,
		OnStackLimit:            32,
		License:                 "GPL",
	}
}

// Licenses are the license strings the license config variable accepts,
// the GPL-compatible ones the kernel lets call GPL-only helpers, in the
// newest bpftrace's order.
var Licenses = []string{"Dual MIT/GPL", "Dual BSD/GPL", "Dual MPL/GPL", "GPL and additional rights", "GPL v2", "GPL"}

// wholeError is a config variable's error message that stands alone,
// without the variable's name in front.
type wholeError string

func (e wholeError) Error() string { return string(e) }

// configVar describes one config variable: how to set it from text.
type configVar struct {
	set func(c *Config, v string) error
}

func intVar(field func(c *Config) *int, min int) configVar {
	return configVar{set: func(c *Config, v string) error {
		n, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 0, 64)
		if err != nil || n < int64(min) {
			return fmt.Errorf("expects an integer >= %d, got %q", min, v)
		}
		*field(c) = int(n)
		return nil
	}}
}

func boolVar(field func(c *Config) *bool) configVar {
	return configVar{set: func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "1", "true", "yes", "on":
			*field(c) = true
		case "0", "false", "no", "off":
			*field(c) = false
		default:
			return fmt.Errorf("expects a boolean, got %q", v)
		}
		return nil
	}}
}

func enumVar(field func(c *Config) *string, allowed ...string) configVar {
	return configVar{set: func(c *Config, v string) error {
		v = strings.ToLower(v)
		for _, a := range allowed {
			if strings.ToLower(a) == v {
				*field(c) = a
				return nil
			}
		}
		return fmt.Errorf("expects one of %s, got %q", strings.Join(allowed, ", "), v)
	}}
}

// configVars are the config variables by their lower-case name.
var configVars = map[string]configVar{
	"max_strlen":         intVar(func(c *Config) *int { return &c.MaxStrlen }, 1),
	"max_map_keys":       intVar(func(c *Config) *int { return &c.MaxMapKeys }, 1),
	"max_probes":         intVar(func(c *Config) *int { return &c.MaxProbes }, 1),
	"max_bpf_progs":      intVar(func(c *Config) *int { return &c.MaxBPFProgs }, 1),
	"perf_rb_pages":      intVar(func(c *Config) *int { return &c.PerfRbPages }, 1),
	"log_size":           intVar(func(c *Config) *int { return &c.LogSize }, 1),
	"max_cat_bytes":      intVar(func(c *Config) *int { return &c.MaxCatBytes }, 1),
	"on_stack_limit":     intVar(func(c *Config) *int { return &c.OnStackLimit }, 0),
	"stack_mode":         enumVar(func(c *Config) *string { return &c.StackMode }, "bpftrace", "perf", "raw", "build_id"),
	"missing_probes":     enumVar(func(c *Config) *string { return &c.MissingProbes }, "error", "warn", "ignore"),
	"cache_user_symbols": enumVar(func(c *Config) *string { return &c.CacheUserSymbols }, "PER_PROGRAM", "PER_PID", "NONE"),
	"print_maps_on_exit": boolVar(func(c *Config) *bool { return &c.PrintMapsOnExit }),
	"cpp_demangle":       boolVar(func(c *Config) *bool { return &c.CppDemangle }),
	"use_blazesym":       boolVar(func(c *Config) *bool { return &c.UseBlazesym }),
	"show_debug_info":    boolVar(func(c *Config) *bool { return &c.ShowDebugInfo }),
	"lazy_symbolication": boolVar(func(c *Config) *bool { return &c.LazySymbolication }),
	"str_trunc_trailer": {set: func(c *Config, v string) error {
		c.StrTruncTrailer = v
		return nil
	}},
	"license": {set: func(c *Config, v string) error {
		if !slices.Contains(Licenses, v) {
			return wholeError(fmt.Sprintf("Invalid value for license. Found: %s. Valid values: %s", v, strings.Join(Licenses, ", ")))
		}
		c.License = v
		return nil
	}},
}

// configAliases maps older spellings (bpftrace 0.17's environment
// variables) to current names.
var configAliases = map[string]string{
	"strlen":        "max_strlen",
	"map_keys_max":  "max_map_keys",
	"cat_bytes_max": "max_cat_bytes",
}

// ConfigName normalises a config variable name: BPFTRACE_MAX_STRLEN,
// MAX_STRLEN and max_strlen all name max_strlen.
func ConfigName(name string) string {
	n := strings.TrimPrefix(strings.ToLower(name), "bpftrace_")
	if a, ok := configAliases[n]; ok {
		return a
	}
	return n
}

// Set assigns a config variable by name from its text form.
func (c *Config) Set(name, value string) error {
	v, ok := configVars[ConfigName(name)]
	if !ok {
		return fmt.Errorf("unrecognized config variable: %s", name)
	}
	if err := v.set(c, value); err != nil {
		var whole wholeError
		if errors.As(err, &whole) {
			return err
		}
		return fmt.Errorf("%s %w", ConfigName(name), err)
	}
	return nil
}

// FromEnv applies BPFTRACE_* environment variables and reports which
// variables were set, so that a script's config block does not override
// them (the environment wins, as in bpftrace). An empty variable counts as
// unset.
func (c *Config) FromEnv(getenv func(string) string) (map[string]bool, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	return c.FromEnvLookup(func(k string) (string, bool) {
		v := getenv(k)
		return v, v != ""
	})
}

// emptyEnv are the variables an empty environment variable sets:
// BPFTRACE_STR_TRUNC_TRAILER= turns the trailer off, as in bpftrace.
var emptyEnv = map[string]bool{"str_trunc_trailer": true}

// FromEnvLookup is FromEnv with a lookup (os.LookupEnv) that tells an
// empty variable from an unset one. An empty variable is ignored, except
// for the ones an empty value means something to (emptyEnv).
func (c *Config) FromEnvLookup(lookup func(string) (string, bool)) (map[string]bool, error) {
	set := map[string]bool{}
	apply := func(env, name string) error {
		v, ok := lookup(env)
		if !ok || v == "" && !emptyEnv[name] {
			return nil
		}
		if err := c.Set(name, v); err != nil {
			return fmt.Errorf("%s: %w", env, err)
		}
		set[name] = true
		return nil
	}
	for alias, name := range configAliases {
		if err := apply("BPFTRACE_"+strings.ToUpper(alias), name); err != nil {
			return nil, err
		}
	}
	for name := range configVars {
		if err := apply("BPFTRACE_"+strings.ToUpper(name), name); err != nil {
			return nil, err
		}
	}
	return set, nil
}
