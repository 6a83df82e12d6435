package codegen

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/lang"
)

// Options tune code generation for the target kernel.
type Options struct {
	// CPUv4 allows the v4 instruction set (signed division, sign-extending
	// moves and loads; Linux 6.6 and later).
	CPUv4 bool
	// NumCPU sizes nothing today but is kept for per-CPU decisions.
	NumCPU int
	// HelperErrors reports failing helper calls at run time, as
	// bpftrace's -k (1) and -kk (2) do; see helpererr.go.
	HelperErrors int
	// TSeriesClock names a map without keys whose unsigned integer value
	// tseries() takes for the current time instead of reading the clock,
	// as bpftrace's BPFTRACE_DUMMY_TS_MAP does for its tests.
	TSeriesClock string
	// PidNS is the PID namespace gtrace runs in, in which pid and tid
	// count (call_pidns.go); the zero value is the initial namespace.
	PidNS PidNS
	// Kernel answers what comm(pid) needs to know about the running
	// kernel (call_pidns.go); nil when nothing is known, which rejects
	// comm(pid).
	Kernel KernelFuncs
}

// Compile turns a checked program into an Object.
func Compile(prog *lang.Program, sources map[string]string, opts Options) (*Object, error) {
	obj := &Object{Config: *prog.Config, Sources: sources, Warnings: prog.Warnings}
	obj.stackLen = usesStackLen(prog)
	if err := obj.buildMaps(prog); err != nil {
		return nil, err
	}
	var errs lang.ErrorList
	for _, p := range prog.Probes {
		obj.NumProbes += len(p.Points)
		for _, v := range p.Variants {
			pg, err := obj.compileVariant(v, opts)
			if err != nil {
				if e, ok := err.(*lang.Error); ok {
					errs = append(errs, e)
					continue
				}
				return nil, err
			}
			obj.Programs = append(obj.Programs, pg)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	obj.addScratchMap()
	obj.addSeqFormatsMap()
	if len(obj.Programs) > obj.Config.MaxBPFProgs {
		return nil, fmt.Errorf("the script needs %d BPF programs, more than max_bpf_progs (%d)", len(obj.Programs), obj.Config.MaxBPFProgs)
	}
	return obj, nil
}

// kernelName makes a name the kernel accepts for a map or program:
// at most 15 characters of [A-Za-z0-9_.], made unique by a prefix.
func kernelName(prefix string, i int, name string) string {
	var b strings.Builder
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	s := fmt.Sprintf("%s%d_%s", prefix, i, b.String())
	if len(s) > 15 {
		s = s[:15]
	}
	return s
}

// buildMaps decides each map's layout and creates the map specifications.
func (o *Object) buildMaps(prog *lang.Program) error {
	cfg := prog.Config
	for i, info := range sortedMaps(prog.Maps) {
		m := &Map{Info: info}
		if info.Key != nil {
			// Padded to 8 bytes (tuples are only as aligned as their
			// fields): a hist bucket index follows the key, aligned.
			m.KeySize = (info.Key.Size + 7) &^ 7
		}
		maxEntries := uint32(cfg.MaxMapKeys)
		if info.MaxEntries > 0 {
			maxEntries = uint32(info.MaxEntries)
		}
		spec := &ebpf.MapSpec{Name: kernelName("AT", i, strings.TrimPrefix(info.Name, "@")), MaxEntries: maxEntries}
		v := info.Value
		switch {
		case v.Kind == lang.KindAgg && v.Agg == lang.AggTSeries:
			m.Layout = LayoutTSeries
			spec.Type, spec.KeySize, spec.ValueSize = ebpf.PerCPUHash, uint32(m.KeySize+8), lang.TSeriesValueSize
		case v.Kind == lang.KindAgg && (v.Agg == lang.AggHist || v.Agg == lang.AggLhist):
			m.Buckets = bucketCount(info)
			if info.Key == nil {
				m.Layout = LayoutBucketArray
				spec.Type, spec.KeySize, spec.MaxEntries = ebpf.PerCPUArray, 4, uint32(m.Buckets)
			} else {
				m.Layout = LayoutBucketHash
				spec.Type, spec.KeySize = ebpf.PerCPUHash, uint32(m.KeySize+8)
			}
			spec.ValueSize = 8
		case v.Kind == lang.KindAgg:
			if info.Key == nil {
				m.Layout = LayoutPerCPUArray
				spec.Type, spec.KeySize, spec.MaxEntries = ebpf.PerCPUArray, 4, 1
			} else {
				m.Layout = LayoutPerCPUHash
				spec.Type, spec.KeySize = ebpf.PerCPUHash, uint32(m.KeySize)
			}
			spec.ValueSize = uint32(v.Size)
			if v.Agg == lang.AggSum && m.Layout == LayoutPerCPUHash {
				// An entry's existence says it was summed into; only
				// the one-entry array needs the "set" word.
				spec.ValueSize = 8
			}
		default:
			m.Layout = LayoutHash
			spec.Type = ebpf.Hash
			spec.KeySize = uint32(m.KeySize)
			if info.Key == nil {
				spec.KeySize = 8
			}
			spec.ValueSize = uint32((v.Size + 7) &^ 7)
		}
		if strings.Contains(info.Declared, "lru") {
			// Declared least-recently-used: evict instead of failing
			// when full. Aggregations stay per CPU.
			switch spec.Type {
			case ebpf.Hash:
				spec.Type = ebpf.LRUHash
			case ebpf.PerCPUHash:
				spec.Type = ebpf.LRUCPUHash
			}
		}
		m.Spec = spec
		o.Maps = append(o.Maps, m)
	}
	pages := cfg.PerfRbPages
	if pages&(pages-1) != 0 {
		// The ring buffer size must be a power of two pages.
		p := 1
		for p < pages {
			p <<= 1
		}
		pages = p
	}
	o.Internal = []*ebpf.MapSpec{
		{Name: EventsMap, Type: ebpf.RingBuf, MaxEntries: uint32(pages * 4096)},
		{Name: LostMap, Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 8, MaxEntries: 1},
		{Name: GlobalsMap, Type: ebpf.Array, KeySize: 4, ValueSize: GlobalsSize, MaxEntries: 1},
	}
	return nil
}

// Layout of the globals map, written by the runtime before anything runs.
const (
	GlobalStartNs = 0 // ktime_get_ns() when tracing started, for elapsed
	GlobalCpid    = 8 // the pid of the command -c started, for cpid
	GlobalsSize   = 16
)

// bucketCount is the number of buckets a hist or lhist map needs.
func bucketCount(info *lang.MapInfo) int {
	if info.Value.Agg == lang.AggLhist {
		return int((info.LhistMax-info.LhistMin)/info.LhistStep) + 2
	}
	// Bucket 0 holds negatives; the highest index, for 2^63 and above
	// with precision k, is ((64-k) << k) + 2^k.
	k := info.HistBits
	return (65-k)<<k + 1
}

// compileVariant lowers one variant of an action block to a program. A
// construct the checker accepted but lowering cannot handle is reported
// at the probe rather than crashing the program. Values larger than the
// on_stack_limit config (32 bytes by default, as in bpftrace) live in
// scratch space; a program that still needs more stack than BPF allows
// is compiled again with all but the smallest values there. Values of 8
// bytes or less always stay on the stack: the verifier knows a constant
// key there, and needs no null check after looking it up in an array.
func (o *Object) compileVariant(v *lang.Variant, opts Options) (pg *Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*lang.Error); ok {
				// A construct this probe's programs cannot run.
				pg, err = nil, e
				return
			}
			pg, err = nil, &lang.Error{Pos: v.Probe.Pos, End: v.Probe.EndPos,
				Msg: fmt.Sprintf("internal error compiling this probe: %v", r)}
		}
	}()
	kind, ok := programKinds[v.Points[0].Kind]
	if !ok {
		return nil, &lang.Error{Pos: v.Probe.Pos, End: v.Probe.EndPos,
			Msg: fmt.Sprintf("probe kind %s is not supported yet", v.Points[0].Kind)}
	}
	actions, users := len(o.Actions), o.scratchUsers
	var c *compiler
	var code asm.Instructions
	var pos []lang.Span
	for _, onStack := range []int{max(o.Config.OnStackLimit, minOnStack), minOnStack} {
		// A second attempt starts over.
		o.Actions, o.scratchUsers = o.Actions[:actions], users
		c = newCompiler(o, v, opts, onStack)
		if err := c.lowerProgram(); err != nil {
			return nil, err
		}
		c.checkHelpers()
		c.scratchPrologue(c.exit)
		name := kernelName("p", len(o.Programs), v.Points[0].Name)
		code, pos, err = c.assemble(name)
		var se *stackError
		if !errors.As(err, &se) {
			break
		}
	}
	if err == nil && c.scratch.max > maxScratch {
		err = fmt.Errorf("the probe needs %d bytes of scratch space, more than the %d a per-CPU map value holds",
			c.scratch.max, maxScratch)
	}
	if err != nil {
		return nil, &lang.Error{Pos: v.Probe.Pos, End: v.Probe.EndPos, Msg: err.Error()}
	}
	o.scratchSize = max(o.scratchSize, c.scratch.max)
	spec := &ebpf.ProgramSpec{
		Name:         kernelName("p", len(o.Programs), v.Points[0].Name),
		Type:         kind.progType,
		AttachType:   kind.attachType,
		Instructions: code,
		License:      o.Config.License,
	}
	if kind.attachTo {
		spec.AttachTo = v.Points[0].Func
	}
	return &Program{
		Name:   v.Points[0].Name,
		Kind:   v.Points[0].Kind,
		Points: v.Points,
		Spec:   spec,
		Pos:    pos,
		Probe:  v.Probe.Span,
		Order:  v.Probe.Index,
	}, nil
}

// assemble allocates registers, emits machine code and runs the peephole
// optimizer, for the probe and then for each map loop's callback. A
// program with callbacks carries BTF function information, which the
// kernel needs to verify bpf_for_each_map_elem's callback.
func (c *compiler) assemble(name string) (asm.Instructions, []lang.Span, error) {
	code, pos, frame, err := assembleFunc(&c.b, c.opts.CPUv4)
	if err != nil || len(c.funcs) == 0 {
		if err == nil && frame > 512 {
			err = &stackError{need: frame}
		}
		return code, pos, err
	}
	code[0] = btf.WithFuncMetadata(code[0].WithSymbol(name), &btf.Func{
		Name:    name,
		Type:    &btf.FuncProto{Return: btfInt, Params: []btf.FuncParam{{Name: "ctx", Type: btfVoidPtr}}},
		Linkage: btf.GlobalFunc,
	})
	for _, f := range c.funcs {
		fcode, fpos, fframe, err := assembleFunc(&f.b, c.opts.CPUv4)
		if err != nil {
			return nil, nil, err
		}
		frame += fframe
		params := make([]btf.FuncParam, 4)
		for i, n := range []string{"map", "key", "value", "ctx"} {
			params[i] = btf.FuncParam{Name: n, Type: btfVoidPtr}
		}
		fcode[0] = btf.WithFuncMetadata(fcode[0].WithSymbol(f.name), &btf.Func{
			Name:    f.name,
			Type:    &btf.FuncProto{Return: btfU64, Params: params},
			Linkage: btf.StaticFunc,
		})
		code, pos = append(code, fcode...), append(pos, fpos...)
	}
	if frame > 512 {
		return nil, nil, &stackError{need: frame, loops: true}
	}
	return code, pos, nil
}

// BTF types of the functions a program with callbacks declares.
var (
	btfVoidPtr = &btf.Pointer{Target: &btf.Void{}}
	btfInt     = &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	btfU64     = &btf.Int{Name: "unsigned long long", Size: 8}
)

// assembleFunc turns one function's IR into machine code and reports the
// stack it uses.
func assembleFunc(b *builder, v4 bool) (asm.Instructions, []lang.Span, int, error) {
	b.deadCode()
	phys, err := b.regalloc()
	if err != nil {
		return nil, nil, 0, err
	}
	code, pos, err := finalize(peephole(b.emitMachine(phys, v4)))
	return code, pos, b.frame.max, err
}
