package runtime

import (
	"encoding/binary"
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang/printf"
)

func getUint64(b []byte) uint64    { return binary.LittleEndian.Uint64(b) }
func putUint64(b []byte, v uint64) { binary.LittleEndian.PutUint64(b, v) }

// handle carries out one event from the ring buffer.
func (r *runner) handle(rec []byte) error {
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
			args[i] = r.dec.value(arg.Type, rec[arg.Offset:])
		}
		r.out.Write(a.Format.Append(nil, args))
	case codegen.ActPrintValue:
		arg := a.Args[0]
		fmt.Fprintln(r.out, r.dec.text(arg.Type, rec[arg.Offset:]))
	case codegen.ActPrintMap:
		return r.printMap(r.obj.Map(a.Map), a.Top, a.Div)
	case codegen.ActExit:
		if len(a.Args) == 1 {
			r.result.ExitCode = int(int64(getUint64(rec[a.Args[0].Offset:])))
		}
		r.exited = true
	case codegen.ActClear:
		return r.clearMap(r.obj.Map(a.Map), false)
	case codegen.ActZero:
		return r.clearMap(r.obj.Map(a.Map), true)
	}
	return nil
}

// printMap writes a map the way bpftrace prints it.
func (r *runner) printMap(m *codegen.Map, top, div int64) error {
	entries, err := r.maps.read(m, r.coll.Maps[m.Spec.Name], r.zeroed[m.Info.Name])
	if err != nil {
		return fmt.Errorf("reading %s: %w", m.Info.Name, err)
	}
	_, err = r.out.WriteString(r.dec.formatMap(m, entries, top, div))
	return err
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
			if err := bm.Delete(k); err != nil && err != ebpf.ErrKeyNotExist {
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
		if err != nil && err != ebpf.ErrKeyNotExist {
			return fmt.Errorf("zeroing %s: %w", m.Info.Name, err)
		}
	}
	return nil
}
