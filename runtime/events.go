package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang/printf"
	"github.com/gtrace/gtrace/runtime/output"
)

func getUint64(b []byte) uint64    { return binary.LittleEndian.Uint64(b) }
func putUint64(b []byte, v uint64) { binary.LittleEndian.PutUint64(b, v) }

// handle carries out one event from the ring buffer.
func (r *runner) handle(rec []byte) error {
	if r.ending {
		// Sent after the run ended (exit() on another CPU, events
		// racing Ctrl-C): ignored, as bpftrace ignores events once it
		// is finalizing.
		return nil
	}
	if len(rec) < codegen.EventHeader {
		return fmt.Errorf("short event of %d bytes", len(rec))
	}
	id := getUint64(rec)
	if id >= uint64(len(r.obj.Actions)) {
		return fmt.Errorf("event for unknown action %d", id)
	}
	a := r.obj.Actions[id]
	if len(rec) < a.Size {
		return fmt.Errorf("%s event of %d bytes, want %d", a.Kind, len(rec), a.Size)
	}
	switch a.Kind {
	case codegen.ActPrintf:
		args := make([]printf.Arg, len(a.Args))
		for i, arg := range a.Args {
			args[i] = r.dec.printfArg(arg.Type, rec[arg.Offset:])
		}
		r.out.Message(output.Printf, string(a.Format.Append(nil, args)))
	case codegen.ActPrintValue:
		arg := a.Args[0]
		r.out.Value(r.dec.decode(arg.Type, rec[arg.Offset:]))
	case codegen.ActPrintMap:
		m, err := r.readMap(r.obj.Map(a.Map), a.Top, a.Div)
		if err != nil {
			return err
		}
		r.out.Map(m)
	case codegen.ActExit:
		if len(a.Args) == 1 {
			r.result.ExitCode = int(int64(getUint64(rec[a.Args[0].Offset:])))
		}
		r.exited = true
	case codegen.ActClear:
		return r.clearMap(r.obj.Map(a.Map), false)
	case codegen.ActZero:
		return r.clearMap(r.obj.Map(a.Map), true)
	case codegen.ActHelperError:
		r.out.HelperError(&output.HelperError{
			Helper:  a.Helper,
			Retcode: int64(getUint64(rec[a.Args[0].Offset:])),
			Pos:     a.Pos.Pos,
			End:     a.Pos.EndPos,
			Source:  r.obj.Sources[a.Pos.Pos.Filename],

			ExpandedFrom: a.Pos.ExpandedFrom(),
		})
	case codegen.ActRuntimeError:
		r.out.HelperError(&output.HelperError{
			Msg:          a.Text,
			Pos:          a.Pos.Pos,
			End:          a.Pos.EndPos,
			Source:       r.obj.Sources[a.Pos.Pos.Filename],
			ExpandedFrom: a.Pos.ExpandedFrom(),
		})
	default:
		return r.handleRuntime(a, rec)
	}
	return nil
}

// readMap reads a map from the kernel into what prints: see outputMap.
func (r *runner) readMap(m *codegen.Map, top, div int64) (*output.Map, error) {
	entries, err := r.maps.read(m, r.coll.Maps[m.Spec.Name], r.zeroed[m.Info.Name])
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", m.Info.Name, err)
	}
	return r.dec.outputMap(m, entries, top, div), nil
}

// clearMap deletes every entry of a map (clear) or sets every value to
// zero (zero). Arrays cannot lose entries, so clearing one zeroes it.
func (r *runner) clearMap(m *codegen.Map, zero bool) error {
	bm := r.coll.Maps[m.Spec.Name]
	r.zeroed[m.Info.Name] = zero
	var keys [][]byte
	key := make([]byte, m.Spec.KeySize)
	it := bm.Iterate()
	var discard []byte
	if m.PerCPU() {
		vals := r.maps.perCPUBuffers(int(m.Spec.ValueSize))
		for it.Next(&key, &vals) {
			keys = append(keys, append([]byte(nil), key...))
		}
	} else {
		discard = make([]byte, m.Spec.ValueSize)
		for it.Next(&key, &discard) {
			keys = append(keys, append([]byte(nil), key...))
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("clearing %s: %w", m.Info.Name, err)
	}
	isArray := m.Spec.Type == ebpf.Array || m.Spec.Type == ebpf.PerCPUArray
	for _, k := range keys {
		if !zero && !isArray {
			if err := bm.Delete(k); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
				return fmt.Errorf("clearing %s: %w", m.Info.Name, err)
			}
			continue
		}
		var err error
		if m.PerCPU() {
			err = bm.Update(k, r.maps.perCPUBuffers(int(m.Spec.ValueSize)), ebpf.UpdateExist)
		} else {
			err = bm.Update(k, make([]byte, m.Spec.ValueSize), ebpf.UpdateExist)
		}
		if err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return fmt.Errorf("zeroing %s: %w", m.Info.Name, err)
		}
	}
	return nil
}
