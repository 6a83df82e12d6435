package codegen

import (
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

// FuzzCompile runs the whole compile pipeline (parse, check, lower,
// allocate registers, assemble) on arbitrary scripts: whatever the checker
// accepts must compile without an internal error.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`BEGIN { printf("hi %d %s\n", 42, comm); @x = 5; @c = count(); @h = hist(100); @s[pid, "a"] = sum(3); exit(); }`,
		`BEGIN { $i = 0; while ($i < 10) { @l = lhist($i, 0, 10, 2); $i++; } @m = min(-3); @a = avg(10); @t = (1, "x"); }`,
		`BEGIN { $s = "abc"; if ($s == "abc" && $1 > 0) { print(($s, $#)); } else { @[$s] = 1; } }`,
		`interval:ms:100 { @n++; if (@n % 3 == 0) { print(@n, 1, 2); clear(@n); } $x = (int8)@n >> 1; }`,
		`BEGIN { $a = 5; $a += 3; $a <<= 2; $b = $a / -3 + $a % 7; @r[$a, $b] = stats($a ^ $b); delete(@r[1, 2]); }`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		prog, err := lang.Parse("", src)
		if err != nil {
			return
		}
		if lang.Check(prog, lang.CheckOptions{Config: lang.DefaultConfig()}) != nil {
			return
		}
		for _, v4 := range []bool{false, true} {
			_, err := Compile(prog, nil, Options{CPUv4: v4})
			if err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatalf("compiling %q: %v", src, err)
			}
		}
	})
}
