package runtime

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
)

// LoadError is a program the kernel refused, with the verifier's log and
// the script position of the instruction it stopped at.
type LoadError struct {
	Program *codegen.Program
	// Err is the script-positioned error.
	Err *lang.Error
	// Log is the verifier's log, each instruction annotated with its
	// script position.
	Log []string
}

func (e *LoadError) Error() string { return e.Err.Error() }

// Unwrap exposes the positioned error to errors.As.
func (e *LoadError) Unwrap() error { return e.Err }

var insnLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\d+): \(`) })

// loadError explains a failed load in terms of the script.
func (r *runner) loadError(err error) error {
	var ve *ebpf.VerifierError
	prog := r.failedProgram(err)
	if prog == nil {
		return fmt.Errorf("loading BPF programs: %w", err)
	}
	span := prog.Probe
	if !errors.As(err, &ve) {
		if errno := (unix.Errno)(0); errors.As(err, &errno) && (prog.Kind == "fentry" || prog.Kind == "fexit") {
			return &lang.Error{Pos: span.Pos, End: span.EndPos, Msg: fmt.Sprintf(
				"%s: the kernel refused to load the %s program (%v): %s probes are not available on this kernel",
				prog.Name, prog.Kind, errno, prog.Kind)}
		}
		if errors.Is(err, ebpf.ErrNotSupported) {
			return &lang.Error{Pos: span.Pos, End: span.EndPos, Msg: fmt.Sprintf("%s: not supported by this kernel: %v", prog.Name, err)}
		}
		return &lang.Error{Pos: span.Pos, End: span.EndPos, Msg: fmt.Sprintf("loading %s: %v", prog.Name, err)}
	}
	index := rawIndex(prog.Spec.Instructions)
	reason := ""
	last := -1
	var log []string
	for _, line := range ve.Log {
		if m := insnLine().FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			if i, ok := index[n]; ok {
				last = i
				if i < len(prog.Pos) && prog.Pos[i].Pos.Line > 0 {
					p := prog.Pos[i].Pos
					line = fmt.Sprintf("%-60s ; %s:%d:%d", line, fileName(p.Filename), p.Line, p.Column)
				}
			}
		} else if strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "processed ") &&
			!strings.HasPrefix(line, "verification time") && !strings.HasPrefix(line, "stack depth") {
			reason = strings.TrimSpace(line)
		}
		log = append(log, line)
	}
	if last >= 0 && last < len(prog.Pos) && prog.Pos[last].Pos.Line > 0 {
		span = prog.Pos[last]
	}
	if reason == "" {
		reason = ve.Error()
	}
	return &LoadError{Program: prog, Log: log, Err: &lang.Error{Pos: span.Pos, End: span.EndPos,
		Msg: fmt.Sprintf("the kernel's BPF verifier rejected %s: %s", prog.Name, reason)}}
}

func fileName(f string) string {
	if f == "" {
		return "stdin"
	}
	return f
}

// rawIndex maps raw instruction offsets (a 64-bit load takes two) to
// instruction indexes.
func rawIndex(insns asm.Instructions) map[int]int {
	m := make(map[int]int, len(insns))
	raw := 0
	for i, ins := range insns {
		m[raw] = i
		raw += int(ins.Size() / asm.InstructionSize)
	}
	return m
}

// failedProgram finds which program a load error is about.
func (r *runner) failedProgram(err error) *codegen.Program {
	msg := err.Error()
	for _, p := range r.obj.Programs {
		if strings.Contains(msg, "program "+p.Spec.Name+":") {
			return p
		}
	}
	return nil
}

// verifierStats prints each program's ID, size and verifier statistics,
// as bpftrace -v does.
func (r *runner) verifierStats() {
	for _, p := range r.obj.Programs {
		prog := r.coll.Programs[p.Spec.Name]
		id := 0
		if info, err := prog.Info(); err == nil {
			if pid, ok := info.ID(); ok {
				id = int(pid)
			}
		}
		fmt.Fprintf(r.opts.Stderr, "\nProgram ID: %d (%s, %d instructions)\n\nThe verifier log: \n%s\n",
			id, p.Name, len(p.Spec.Instructions), strings.TrimRight(prog.VerifierLog, "\x00\n"))
	}
}
