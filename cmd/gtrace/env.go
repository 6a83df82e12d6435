package main

import (
	"fmt"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/lang"
)

// environment is what BPFTRACE_* environment variables set.
type environment struct {
	// config holds the config variables, with the ones the environment
	// sets listed in fixed: a script's config block cannot change those.
	config lang.Config
	fixed  map[string]bool
	// tseriesClock is BPFTRACE_DUMMY_TS_MAP: a map tseries() reads the
	// time from, for tests.
	tseriesClock string
}

// readEnv reads the environment variables bpftrace documents: one per
// config variable (BPFTRACE_MAX_STRLEN, and 0.17's spellings such as
// BPFTRACE_STRLEN), and BPFTRACE_NO_CPP_DEMANGLE. BPFTRACE_BTF is read by
// kernelOptions. With lookup, an empty BPFTRACE_STR_TRUNC_TRAILER turns
// the trailer off.
func readEnv(getenv func(string) string, lookup func(string) (string, bool)) (*environment, error) {
	env := &environment{config: lang.DefaultConfig()}
	var fixed map[string]bool
	var err error
	if lookup != nil {
		fixed, err = env.config.FromEnvLookup(lookup)
	} else {
		fixed, err = env.config.FromEnv(getenv)
	}
	if err != nil {
		return nil, err
	}
	env.fixed = fixed
	env.tseriesClock = getenv("BPFTRACE_DUMMY_TS_MAP")
	switch getenv("BPFTRACE_NO_CPP_DEMANGLE") {
	case "", "0":
	case "1":
		env.config.CppDemangle = false
		env.fixed["cpp_demangle"] = true
	default:
		return nil, fmt.Errorf("Env var 'BPFTRACE_NO_CPP_DEMANGLE' did not contain a valid value (0 or 1).")
	}
	return env, nil
}

// kernelOptions says where kernel types come from: --btf (or
// BPFTRACE_BTF), --btf-archive (or GTRACE_BTF_ARCHIVE), else the running
// kernel.
func kernelOptions(o *options, getenv func(string) string) btf.Options {
	kopts := btf.Options{BTFFile: o.btf, ArchiveDir: o.btfArchive}
	if kopts.BTFFile == "" {
		kopts.BTFFile = getenv("BPFTRACE_BTF")
	}
	if kopts.ArchiveDir == "" {
		kopts.ArchiveDir = getenv("GTRACE_BTF_ARCHIVE")
	}
	return kopts
}
