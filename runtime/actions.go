package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/printf"
	"github.com/gtrace/gtrace/runtime/output"
)

// Actions carried out in user space: time(), cat(), system(), join(),
// errorf(), warnf() and unwatch() (attach_perf.go).

// handleRuntime carries out an action of call_runtime.go's.
func (r *runner) handleRuntime(a *codegen.Action, rec []byte) error {
	switch a.Kind {
	case codegen.ActTime:
		r.out.Message(output.Time, strftime(a.Text, time.Now(), false))
	case codegen.ActCat:
		r.cat(r.format(a, rec))
	case codegen.ActSystem:
		return r.system(r.format(a, rec))
	case codegen.ActUnwatch:
		r.unwatch(getUint64(rec[a.Args[0].Offset:]))
	case codegen.ActJoin:
		r.out.Message(output.Join, joinStrings(rec[codegen.EventHeader:], a.Text))
	case codegen.ActErrorf, codegen.ActWarnf:
		if a.Kind == codegen.ActWarnf && r.opts.NoWarnings {
			return nil
		}
		r.out.Diagnostic(&output.Diagnostic{
			Warning: a.Kind == codegen.ActWarnf,
			Msg:     r.format(a, rec),
			Pos:     a.Pos.Pos,
			End:     a.Pos.EndPos,

			ExpandedFrom: a.Pos.ExpandedFrom(),
			Sources:      r.obj.Sources,
		})
	default:
		return fmt.Errorf("event for action %s, which sends none", a.Kind)
	}
	return nil
}

// format formats a printf-like action's arguments.
func (r *runner) format(a *codegen.Action, rec []byte) string {
	args := make([]printf.Arg, len(a.Args))
	for i, arg := range a.Args {
		args[i] = r.dec.printfArg(arg.Type, rec[arg.Offset:])
	}
	return string(a.Format.Append(nil, args))
}

// cat prints a file's contents, up to max_cat_bytes; a file that cannot
// be read is reported on the standard error, as bpftrace does.
func (r *runner) cat(path string) {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(r.opts.Stderr, "ERROR: failed to open file '%s': %s\n", path, errnoText(err))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(r.obj.Config.MaxCatBytes)))
	if err != nil {
		fmt.Fprintf(r.opts.Stderr, "ERROR: failed to read file '%s': %s\n", path, errnoText(err))
	}
	r.out.Message(output.Cat, string(data))
}

// system runs a shell command and prints what it writes to its standard
// output; its standard error is the run's. Output printed so far comes
// first.
func (r *runner) system(command string) error {
	if err := r.out.Flush(); err != nil {
		return err
	}
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Stderr = r.opts.Stderr
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(r.opts.Stderr, "ERROR: system(\"%s\"): %v\n", command, err)
		return nil
	}
	// The command's exit status is its own business, as in bpftrace.
	_ = cmd.Wait()
	r.out.Message(output.System, out.String())
	return nil
}

// joinStrings joins join()'s strings (lang.JoinArgSize bytes each, NUL
// terminated) up to the first empty one.
func joinStrings(data []byte, sep string) string {
	var parts []string
	for i := 0; i < lang.JoinArgs && (i+1)*lang.JoinArgSize <= len(data); i++ {
		s := cString(data[i*lang.JoinArgSize : (i+1)*lang.JoinArgSize])
		if s == "" {
			break
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, sep)
}

// errnoText returns an error's text as the C library writes it: for an
// *os.PathError only the cause, capitalized ("No such file or directory").
func errnoText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	msg := err.Error()
	if msg != "" && msg[0] >= 'a' && msg[0] <= 'z' {
		msg = string(msg[0]-'a'+'A') + msg[1:]
	}
	return msg
}
