package codegen

import (
	"strings"
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/internal/testenv"
	"github.com/gtrace/gtrace/lang"
)

// bigStringScripts use strings of max_strlen 1024 (the newest bpftrace's
// default), which only fit in scratch space: read, stored in maps as
// values and keys, printed, compared, searched, concatenated, and shared
// with loop bodies.
var bigStringScripts = []string{
	`BEGIN { @s = str(0); @ss = @s; print("success!"); exit(); }`,
	`tracepoint:syscalls:sys_enter_openat { $f = str(args.filename); @k[$f] = count(); @t[$f, comm] = 1; @v[pid] = $f;
	  printf("%s %s %d\n", $f, comm, strlen($f)); if ($f == "/etc/hostname" || $f != @v[pid]) { print($f); }
	  printf("%s %d %d\n", str_concat($f, "-x"), strcontains($f, "host"), strstr($f, comm)); print(($f, 5, comm)); }`,
	`tracepoint:syscalls:sys_enter_openat { @files[str(args.filename)] = count(); $last = str(args.filename); $hits = 0;
	  for ($kv : @files) { if ($kv.0 == $last) { $hits++; } $last = $kv.0;
	    for ($i : 0..2) { @seen[$kv.0, $i] = strlen($last); $c = str_concat($last, "!"); } }
	  printf("%d %s\n", $hits, $last); }`,
	`tracepoint:sched:sched_process_exec { $a = str(args->filename); $b = str(args->filename); if ($a == $b) { @same[$a] = 1; } @x = (1, $a) == (1, $b); }`,
}

// TestVerifierScratch loads the scripts of every verifier test with large
// strings, and with every value larger than 8 bytes in scratch space
// (on_stack_limit 0), then the scripts that need scratch space.
func TestVerifierScratch(t *testing.T) {
	scripts := append(append(append([]string{}, verifierScripts...), callVerifierScripts...), runtimeVerifierScripts...)
	big := lang.DefaultConfig()
	big.MaxStrlen = 1024
	none := lang.DefaultConfig()
	none.OnStackLimit = 0
	for _, cfg := range []lang.Config{big, none} {
		verify(t, scripts, lang.CheckOptions{Params: []string{"3"}, Unsafe: true, Config: cfg})
	}
	verify(t, bigStringScripts, lang.CheckOptions{Config: big})
}

// compileWith checks and compiles a script with a configuration.
func compileWith(t *testing.T, src string, cfg lang.Config) *Object {
	t.Helper()
	prog := checkScript(t, src, cfg)
	obj, err := Compile(prog, nil, Options{})
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return obj
}

// TestScratchSpace checks where values go: small ones on the stack, large
// ones in the scratch map, and everything but scalars there when the
// stack would overflow otherwise.
func TestScratchSpace(t *testing.T) {
	big := lang.DefaultConfig()
	big.MaxStrlen = 1024
	for _, c := range []struct {
		src     string
		cfg     lang.Config
		scratch bool
	}{
		{`BEGIN { @x = 1; $t = (1, 2); print($t); }`, lang.DefaultConfig(), false},
		{`BEGIN { @s = str(0); @ss = @s; }`, big, true},
		// Nine 64-byte strings do not fit on the stack together.
		{`BEGIN { $a = str(0); $b = str(0); $c = str(0); $d = str(0); $e = str(0); $f = str(0); $g = str(0);
		  $h = str(0); $i = str(0); printf("%s %s %s %s %s %s %s %s %s\n", $a, $b, $c, $d, $e, $f, $g, $h, $i); }`,
			func() lang.Config { c := lang.DefaultConfig(); c.OnStackLimit = 64; return c }(), true},
	} {
		obj := compileWith(t, c.src, c.cfg)
		var scratch bool
		for _, m := range obj.Internal {
			if m.Name == ScratchMap {
				scratch = true
				if int(m.ValueSize) < 8 || m.MaxEntries != 1 {
					t.Errorf("%s: scratch map %d bytes, %d entries", c.src, m.ValueSize, m.MaxEntries)
				}
			}
		}
		if scratch != c.scratch {
			t.Errorf("%s: scratch map %v, want %v\n%s", c.src, scratch, c.scratch, obj.Dump())
		}
	}
}

// TestScratchTooLarge checks that a probe needing more scratch space than
// a per-CPU map value holds is refused with a message.
func TestScratchTooLarge(t *testing.T) {
	cfg := lang.DefaultConfig()
	cfg.MaxStrlen = 20000
	src := `BEGIN { $a = str(0); $b = str(0); printf("%s %s\n", $a, $b); }`
	prog := checkScript(t, src, cfg)
	_, err := Compile(prog, nil, Options{})
	if err == nil || !strings.Contains(err.Error(), "bytes of scratch space") {
		t.Fatalf("%s: got %v, want a scratch space error", src, err)
	}
}

// TestEventArgumentOrder checks that an argument of print() or printf()
// that sends an event of its own is evaluated before the call's record is
// reserved: records reach user space in the order they are reserved.
func TestEventArgumentOrder(t *testing.T) {
	for _, c := range []struct {
		src   string
		sizes []int64
	}{
		// printf("a ") has no arguments (8 bytes), print(7) one (16).
		{`BEGIN { print({ printf("a "); 7 }); }`, []int64{8, 16}},
		{`BEGIN { printf("%d %d\n", 1, { printf("b "); 8 }); }`, []int64{8, 24}},
		{`BEGIN { print((1, 2)); printf("x"); }`, []int64{24, 8}},
	} {
		prog := checkScript(t, c.src, lang.DefaultConfig())
		v := prog.Probes[0].Variants[0]
		cmp := newCompiler(&Object{Config: *prog.Config}, v, Options{}, prog.Config.OnStackLimit)
		if err := cmp.lowerProgram(); err != nil {
			t.Fatal(err)
		}
		imm := map[vreg]int64{}
		var sizes []int64
		for _, in := range cmp.b.code {
			switch {
			case in.op == opMovImm:
				imm[in.dst] = in.imm
			case in.op == opCall && in.helper == asm.FnRingbufReserve:
				sizes = append(sizes, imm[in.args[1]])
			}
		}
		if len(sizes) < len(c.sizes) || !equalInts(sizes[:len(c.sizes)], c.sizes) {
			t.Errorf("%s: records reserved with sizes %v, want %v first", c.src, sizes, c.sizes)
		}
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkScript parses and checks a script against the running kernel's
// types with the given configuration.
func checkScript(t *testing.T, src string, cfg lang.Config) *lang.Program {
	t.Helper()
	testenv.BPF(t)
	prog, err := lang.Parse("", src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	opts := lang.CheckOptions{Kernel: btf.NewKernel(btf.Options{}), Config: cfg}
	if err := lang.Check(prog, opts); err != nil {
		t.Fatalf("%s: %v", src, lang.Render(err, map[string]string{"": src}))
	}
	return prog
}
