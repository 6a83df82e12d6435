package lang

import (
	"strings"
	"testing"
)

// TestSpelledBuiltinErrors checks the diagnostics of the newest bpftrace's
// __builtin_X spellings, the call forms and usermode/config: positioned,
// worded as the plain builtin's, and the stdlib-internal names refused.
func TestSpelledBuiltinErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`BEGIN { print(__builtin_arch); }`, `stdin:1:15-29: __builtin_arch is internal to the newest bpftrace's standard library and not supported by gtrace`},
		{`BEGIN { if (__builtin_safe_mode) { } }`, `stdin:1:13-32: __builtin_safe_mode is internal to the newest bpftrace's standard library and not supported by gtrace`},
		{`BEGIN { print(__builtin_elf_ino); }`, `stdin:1:15-32: __builtin_elf_ino is internal to the newest bpftrace's standard library and not supported by gtrace`},
		{`BEGIN { print(__builtin_dw_ustack(raw, 3)); }`, `stdin:1:15-42: __builtin_dw_ustack is internal to the newest bpftrace's standard library and not supported by gtrace`},
		{`BEGIN { print(__builtin_signal_num("SIGTERM")); }`, `stdin:1:15-46: __builtin_signal_num is internal to the newest bpftrace's standard library and not supported by gtrace`},
		{`BEGIN { print(__builtin_nope); }`, `stdin:1:15-29: Unknown identifier: '__builtin_nope'`},
		{`BEGIN { print(__builtin_comm()); }`, `stdin:1:15-31: Unknown function: __builtin_comm`},
		{`BEGIN { print(__builtin_func); }`, `stdin:1:15-29: The func builtin can not be used with 'BEGIN' probes`},
		{`BEGIN { print(func()); }`, `stdin:1:15-21: The func builtin can not be used with 'BEGIN' probes`},
		{`BEGIN { print(func(1)); }`, `stdin:1:15-22: func() requires no arguments (1 provided)`},
		{`BEGIN { print(probe(1)); }`, `stdin:1:15-23: probe() requires no arguments (1 provided)`},
		{`BEGIN { print(retval()); }`, `stdin:1:15-23: The retval builtin can only be used with 'kretprobe' and 'uretprobe' and 'fexit' probes (BEGIN used here)`},
		{`interval:s:1 { print(__builtin_retval); }`, `stdin:1:22-38: The retval builtin can only be used with 'kretprobe' and 'uretprobe' and 'fexit' probes (interval used here)`},
		{`BEGIN { print(usermode(1)); }`, `stdin:1:15-26: usermode() requires no arguments (1 provided)`},
		{`BEGIN { print(config(1)); }`, `stdin:1:15-24: config() requires no arguments (1 provided)`},
		{`BEGIN { print(__builtin_uaddr("x")); }`, `stdin:1:15-35: uaddr can not be used with "BEGIN" probes`},
		{`BEGIN { print(probe < probe()); }`, `stdin:1:15-30: Type mismatch for '<': comparing probe with probe`},
		{`BEGIN { config = 1; }`, `stdin:1:9-15: Invalid assignment target: only maps and scratch variables can be assigned`},
	} {
		expectCheckError(t, c.src, c.want, CheckOptions{Config: DefaultConfig()})
	}
}

// TestSpelledBuiltinTypes checks what the spellings mean: the plain
// builtins' types, usermode a uint8 folded where there is no pt_regs,
// and config() a record of the configuration's literals.
func TestSpelledBuiltinTypes(t *testing.T) {
	src := `config = { max_strlen = 80; stack_mode = perf }
BEGIN {
  static_assert(is_str(__builtin_comm) && strcap(__builtin_comm) == 16, "comm");
  static_assert(is_unsigned_integer(__builtin_cpu) && is_unsigned_integer(__builtin_elapsed), "ints");
  static_assert(is_unsigned_integer(__builtin_ncpus) && sizeof(__builtin_ncpus) == 8, "ncpus");
  static_assert(is_str(__builtin_probetype) && is_str(probetype()), "probetype");
  static_assert(is_unsigned_integer(usermode) && sizeof(usermode()) == 1 && sizeof(__builtin_usermode) == 1, "usermode");
  static_assert(__builtin_usermode == 1, "special probes are user mode");
  $ok = config().max_strlen == 80 && __builtin_config.max_strlen == config.max_strlen && config().print_maps_on_exit;
  static_assert(is_str(config().stack_mode) && is_integer(config().max_strlen), "config fields");
  $c = (__builtin_cpu)*2;
}
test:t {
  static_assert(usermode == 0, "no pt_regs, not special");
}
interval:s:1 {
  static_assert(!is_literal(usermode) && sizeof(usermode) == 1, "read from pt_regs");
}
`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
		t.Fatal(Render(err, map[string]string{"": src}))
	}
	// The config record has the newest bpftrace's field names, and the
	// values of the config block.
	var rec *Record
	walk(prog.Probes[0], func(n Node) {
		if c, ok := n.(*Call); ok && c.Name == "config" && rec == nil {
			rec, _ = c.Expansion.(*Record)
		}
	})
	if rec == nil {
		t.Fatal("config() has no record expansion")
	}
	for i, n := range rec.Names {
		if lit, ok := rec.Values[i].(*IntLit); n == "max_strlen" && (!ok || lit.Value != 80) {
			t.Errorf("config().max_strlen is %#v, want 80", rec.Values[i])
		}
		if lit, ok := rec.Values[i].(*StrLit); n == "stack_mode" && (!ok || lit.Value != "perf") {
			t.Errorf("config().stack_mode is %#v, want perf", rec.Values[i])
		}
	}
	got := strings.Join(rec.Names, " ")
	for _, want := range []string{"max_strlen", "stack_mode", "cpp_demangle", "str_trunc_trailer", "missing_probes", "license"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") {
			t.Errorf("config() fields %q lack %s", got, want)
		}
	}
}
