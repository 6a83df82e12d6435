package runtime

import (
	"context"
	"errors"
	"io"
	"regexp"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/internal/testenv"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime/output"
)

// A program the verifier rejects comes back as a LoadError whose log maps
// each instruction to the script text it came from, and whose error
// points at the instruction the verifier stopped at.
func TestLoadErrorLog(t *testing.T) {
	testenv.BPF(t)
	src := "BEGIN { @x = 1; }"
	span := func(col, end int) lang.Span {
		return lang.Span{Pos: lang.Position{Line: 1, Column: col}, EndPos: lang.Position{Line: 1, Column: end}}
	}
	obj := &codegen.Object{
		Programs: []*codegen.Program{{
			Name: "BEGIN",
			Kind: "BEGIN",
			Spec: &ebpf.ProgramSpec{Name: "p0_BEGIN", Type: ebpf.RawTracepoint, License: "GPL",
				// R2 is never set: the verifier refuses to read it.
				Instructions: asm.Instructions{asm.Mov.Reg(asm.R0, asm.R2), asm.Return()}},
			Pos:   []lang.Span{span(9, 15), span(1, 18)},
			Probe: span(1, 18),
		}},
		NumProbes: 1,
		Config:    lang.DefaultConfig(),
		Sources:   map[string]string{"": src},
	}
	_, err := Run(context.Background(), obj, Options{Output: output.NewText(io.Discard), Stderr: io.Discard})
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("want a LoadError, got %v", err)
	}
	if want := "stdin:1:9-15: the kernel's BPF verifier rejected BEGIN: R2 !read_ok"; le.Error() != want {
		t.Errorf("error %q, want %q", le.Error(), want)
	}
	mapped := regexp.MustCompile(`^0: \(bf\) r0 = r2 +; stdin:1:9$`)
	found := false
	for _, l := range le.Log {
		found = found || mapped.MatchString(l)
	}
	if !found {
		t.Errorf("no log line maps instruction 0 to stdin:1:9:\n%q", le.Log)
	}
}
