package lang

import (
	"strings"
	"testing"
)

// TestBuildIDStacks checks ustack(build_id) and the build_id stack_mode,
// with the newest bpftrace's diagnostics: kstack refuses the mode, and a
// bare kstack under stack_mode = build_id falls back to raw with a
// warning.
func TestBuildIDStacks(t *testing.T) {
	src := `config = { stack_mode = build_id } BEGIN { @a = ustack; @b = ustack(build_id, 30); @c = ustack(perf); @d = kstack; @e = ustack(7); @f = kstack(raw, 3); }`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"@a": "ustack_build_id_127", "@b": "ustack_build_id_30", "@c": "ustack_perf_127",
		"@d": "kstack_raw_127", "@e": "ustack_build_id_7", "@f": "kstack_raw_3"}
	for name, w := range want {
		if got := prog.Maps[name].Value.String(); got != w {
			t.Errorf("%s: %s, want %s", name, got, w)
		}
	}
	var warnings []string
	for _, w := range prog.Warnings {
		warnings = append(warnings, w.Error())
	}
	if got, w := strings.Join(warnings, "\n"), "stdin:1:108-114: 'build_id' stack mode can only be used for ustack. Falling back to 'raw' mode."; got != w {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, w)
	}

	for _, c := range []struct{ src, want string }{
		{`BEGIN { @[kstack(build_id)] = count(); }`, `stdin:1:11-27: 'build_id' stack mode can only be used for ustack`},
		{`BEGIN { @[kstack(build_id, 5)] = count(); }`, `stdin:1:11-30: 'build_id' stack mode can only be used for ustack`},
		{`config = { stack_mode = build_id } BEGIN { @[kstack(5)] = count(); }`, `stdin:1:46-55: 'build_id' stack mode can only be used for ustack`},
		{`BEGIN { @[ustack(buildid)] = count(); }`, `stdin:1:18-25: ustack(): unknown stack mode 'buildid' (expected bpftrace, perf, raw or build_id)`},
		{`config = { stack_mode = buildid } BEGIN { }`, `stdin:1:12-32: stack_mode expects one of bpftrace, perf, raw, build_id, got "buildid"`},
	} {
		expectCheckError(t, c.src, c.want, CheckOptions{Config: DefaultConfig()})
	}
}

// TestStackLen checks len() of stacks: an int64 of kstack, ustack, stack
// variables and map values, and still an error for a map without keys.
func TestStackLen(t *testing.T) {
	src := `BEGIN { @a = len(kstack); @b = len(ustack(build_id, 3)); $s = kstack(raw, 4); @c = len($s); @m[1] = ustack; @d = len(@m[1]); }`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, CheckOptions{Config: DefaultConfig()}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"@a", "@b", "@c", "@d"} {
		if got := prog.Maps[name].Value.String(); got != "int64" {
			t.Errorf("%s: %s, want int64", name, got)
		}
	}
	expectCheckError(t, `BEGIN { @s = kstack; @n = len(@s); }`,
		`stdin:1:27-34: call to len() expects a map with explicit keys (non-scalar map)`, CheckOptions{Config: DefaultConfig()})
}
