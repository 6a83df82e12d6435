package codegen

import (
	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/lang"
)

// Iterator probes (iter:NAME) are tracing programs of the iterator
// attach type, attached to bpf_iter_NAME. The kernel runs one for each
// object it walks, and once more at the end with the object NULL. As in
// bpftrace, a field read from the context (ctx.task, ctx.fd...) that is
// NULL or 0 ends the probe there, and printf() writes to the iterator's
// seq_file with bpf_seq_printf, whose formats are kept in a read-only
// map.

func init() {
	programKinds["iter"] = programKind{progType: ebpf.Tracing, attachType: ebpf.AttachTraceIter, attachTo: true, iterator: true}
}

// SeqFormatsMap names the read-only array map that holds the formats of
// bpf_seq_printf: the kernel takes formats from read-only maps only. The
// .rodata prefix makes cilium/ebpf freeze it once filled.
const SeqFormatsMap = ".rodata.seqfmt"

// inIterator reports whether the program being compiled is an iterator's.
func (c *compiler) inIterator() bool { return programKinds[c.v.Points[0].Kind].iterator }

// iterField ends the probe when a field just read from an iterator's
// context is NULL or 0, as bpftrace does: that skips the final call of
// the program, which has no object, and lets the verifier know that
// pointers read from the context are not NULL.
func (c *compiler) iterField(r vreg) {
	c.b.jumpImm(asm.JEq, r, 0, c.exit)
}

// readsIterCtx reports whether evaluating e in an iterator probe reads
// its context, which may end the probe: that must not happen while a
// ring buffer record is reserved.
func (c *compiler) readsIterCtx(e lang.Expr) bool {
	if !c.inIterator() {
		return false
	}
	found := false
	lang.Inspect(e, func(n lang.Node) {
		if id, ok := n.(*lang.Ident); ok && id.Name == "ctx" {
			found = true
		}
	})
	return found
}

// seqPrintf lowers printf() in an iterator probe: the arguments go to a
// buffer of 64-bit values (a string as its address; probe as the address
// of the point's name, kept with the formats), then one
// bpf_seq_printf call for each piece of the format the kernel takes
// (printf.Format.Kernel).
func (c *compiler) seqPrintf(e *lang.Call) {
	calls, err := e.Format.Kernel(e.Name)
	if err != nil {
		panic(&lang.Error{Pos: e.Pos, End: e.EndPos, Msg: err.Error(), ExpandedFrom: e.ExpandedFrom()})
	}
	verbs := e.Format.Verbs()
	args := e.Args[1:]
	var data mem
	if len(args) > 0 {
		data = c.temp(8 * len(args))
	}
	for i, a := range args {
		if a.Type().Kind == lang.KindProbe {
			// An iterator probe has one point: its name is known.
			name := c.b.mapValue(SeqFormatsMap, c.obj.seqFormat(c.v.Points[0].Name))
			c.store(data.plus(8*i), name, asm.DWord)
			continue
		}
		if a.Type().Kind == lang.KindString {
			c.store(data.plus(8*i), c.addr(c.inBPF(a).m), asm.DWord)
			continue
		}
		v := c.value(a)
		r := c.reg(v)
		switch v := verbs[i]; v.Length {
		case "hh", "h":
			// The kernel formats all 64 bits: truncate as printf() does.
			bits := 16
			if v.Length == "hh" {
				bits = 8
			}
			r = c.normalize(c.b.copyReg(r), lang.IntType(bits, v.Conv == 'd' || v.Conv == 'i'))
		}
		c.store(data.plus(8*i), r, asm.DWord)
	}
	for _, k := range calls {
		// The seq_file is the first field of the iterator's metadata,
		// the first field of the context.
		meta := c.b.load(c.ctx, 0, asm.DWord, false)
		seq := c.b.load(meta, 0, asm.DWord, false)
		buf, n := c.b.movImm(0), c.b.movImm(0)
		if len(k.Verbs) > 0 {
			buf = c.addr(data.plus(8 * k.Verbs[0]))
			n = c.b.movImm(int64(8 * len(k.Verbs)))
		}
		f := c.b.mapValue(SeqFormatsMap, c.obj.seqFormat(k.Format))
		c.b.call(asm.FnSeqPrintf, seq, f, c.b.movImm(int64(len(k.Format)+1)), buf, n)
	}
}

// seqFormat returns the offset of a NUL-terminated format (or string) in
// the formats map, adding it the first time.
func (o *Object) seqFormat(format string) int {
	if off, ok := o.seqFormatOff[format]; ok {
		return off
	}
	if o.seqFormatOff == nil {
		o.seqFormatOff = map[string]int{}
	}
	off := len(o.seqFormats)
	o.seqFormats = append(append(o.seqFormats, format...), 0)
	o.seqFormatOff[format] = off
	return off
}

// addSeqFormatsMap adds the read-only map of formats, when a probe uses
// one.
func (o *Object) addSeqFormatsMap() {
	if len(o.seqFormats) == 0 {
		return
	}
	o.Internal = append(o.Internal, &ebpf.MapSpec{
		Name:       SeqFormatsMap,
		Type:       ebpf.Array,
		KeySize:    4,
		ValueSize:  uint32(len(o.seqFormats)),
		MaxEntries: 1,
		Flags:      unix.BPF_F_RDONLY_PROG,
		Contents:   []ebpf.MapKV{{Key: uint32(0), Value: o.seqFormats}},
	})
}
