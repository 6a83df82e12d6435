package lang

import "testing"

func TestStrTruncTrailerConfig(t *testing.T) {
	if got := DefaultConfig().StrTruncTrailer; got != ".." {
		t.Errorf("default str_trunc_trailer = %q, want %q", got, "..")
	}
	env := map[string]string{"BPFTRACE_STR_TRUNC_TRAILER": "", "BPFTRACE_MAX_STRLEN": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	// With a lookup, an empty BPFTRACE_STR_TRUNC_TRAILER turns the trailer
	// off (and fixes it against the config block); an empty
	// BPFTRACE_MAX_STRLEN is still ignored.
	c := DefaultConfig()
	set, err := c.FromEnvLookup(lookup)
	if err != nil {
		t.Fatal(err)
	}
	if c.StrTruncTrailer != "" || !set["str_trunc_trailer"] {
		t.Errorf("empty env: trailer %q, set %v", c.StrTruncTrailer, set)
	}
	if c.MaxStrlen != DefaultConfig().MaxStrlen || set["max_strlen"] {
		t.Errorf("empty BPFTRACE_MAX_STRLEN changed max_strlen: %d, set %v", c.MaxStrlen, set)
	}

	// getenv cannot tell empty from unset: the default stays.
	c = DefaultConfig()
	if _, err := c.FromEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.StrTruncTrailer != ".." {
		t.Errorf("FromEnv: trailer %q, want %q", c.StrTruncTrailer, "..")
	}

	env["BPFTRACE_STR_TRUNC_TRAILER"] = "_xxx"
	c = DefaultConfig()
	if _, err := c.FromEnvLookup(lookup); err != nil {
		t.Fatal(err)
	}
	if c.StrTruncTrailer != "_xxx" {
		t.Errorf("trailer %q, want %q", c.StrTruncTrailer, "_xxx")
	}
	if err := c.Set("str_trunc_trailer", "0"); err != nil || c.StrTruncTrailer != "0" {
		t.Errorf("Set(0): %q, %v", c.StrTruncTrailer, err)
	}
}
