package lang

import (
	"errors"
	"path"
	"sort"
	"strings"

	cbtf "github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/lang/printf"
)

// Iterator probes (the newest bpftrace's iter:NAME[:PIN], short name it):
// a BPF iterator program that the kernel runs once for each object it
// walks (each task for iter:task, each open file of each task for
// iter:task_file, each memory mapping for iter:task_vma...) and a final
// time with the object NULL. Its context, the ctx builtin, points to the
// kernel's struct bpf_iter__NAME; its printf() writes to the iterator's
// seq_file, which gtrace reads until the end before the run ends. With a
// pin part the link is pinned in the BPF file system instead (PIN is a
// path there, or absolute) for others to read.
//
// An iterator runs alone: no probe but BEGIN, END, self, test and bench
// may come with it, as bpftrace's documentation says (bpftrace itself
// only refuses two iterators in one probe).

func init() {
	registerProbeKind(&ProbeKind{Name: "iter", Aliases: []string{"it"}, Expand: expandIter, List: listIters})
	// Iterator programs are of type BPF_PROG_TYPE_TRACING: path(),
	// socket_cookie() and skboutput() may be used in them.
	tracingKinds["iter"] = true
}

// iterStructPrefix starts the names of the iterators' context structs.
const iterStructPrefix = "struct bpf_iter__"

// iterSafeTrusted ends the names of structs the kernel's verifier uses
// for itself (struct bpf_iter__task__safe_trusted), which name no
// iterator; bpftrace skips them too.
const iterSafeTrusted = "__safe_trusted"

// bpfFSDir is where a relative pin path is, as in bpftrace.
const bpfFSDir = "/sys/fs/bpf"

// expandIter parses iter:NAME and iter:NAME:PIN, with bpftrace's
// messages.
func expandIter(c *checker, ap *AttachPoint, parts []string) ([]*ProbePoint, error) {
	if len(parts) != 1 && len(parts) != 2 {
		return nil, errorAt(ap.Span, "iter probe type takes 2 arguments (1 optional)")
	}
	for _, p := range parts {
		if hasWildcard(p) {
			return nil, errorAt(ap.Span, "iter probe type does not support wildcards")
		}
	}
	name := parts[0]
	if name == "" {
		return nil, errorAt(ap.Span, "iter should specify a iterator's name")
	}
	if _, err := c.kernel().LookupType(iterStructPrefix + name); strings.HasSuffix(name, iterSafeTrusted) ||
		errors.Is(err, btf.ErrNotFound) || errors.Is(err, cbtf.ErrNotFound) {
		return nil, errorAt(ap.Span, "iter %s not available for your kernel version.", name)
	}
	// Func names the iterator, which the program attaches to.
	pt := &ProbePoint{Name: "iter:" + name, Func: name}
	if len(parts) == 2 && parts[1] != "" {
		pt.Pin = parts[1]
		if !path.IsAbs(pt.Pin) {
			pt.Pin = bpfFSDir + "/" + pt.Pin
		}
	}
	return []*ProbePoint{pt}, nil
}

// listIters lists the iterators the kernel has (those with a context
// struct and a bpf_iter_NAME function in its BTF), with their context's
// fields but the first (struct bpf_iter_meta *meta) when verbose, as the
// newest bpftrace does.
func listIters(k Kernel, pattern string, verbose bool) ([]Listed, error) {
	if pattern == "" {
		pattern = "*"
	}
	tl, ok := k.(TypeLister)
	if !ok {
		return nil, errors.New("listing iterators: no kernel types available")
	}
	structs, err := tl.TypeNames(iterStructPrefix + "*")
	if err != nil {
		return nil, err
	}
	var out []Listed
	for _, s := range structs {
		name := strings.TrimPrefix(s, iterStructPrefix)
		if name == s || strings.HasSuffix(name, iterSafeTrusted) || !btf.MatchGlob(pattern, name) {
			continue
		}
		fn, err := k.Function("bpf_iter_" + name)
		if err != nil {
			continue // no iterator to attach to
		}
		l := Listed{Name: "iter:" + name}
		if verbose {
			for i, p := range fn.Params {
				if i > 0 {
					l.Args = append(l.Args, declaration(p.Type, p.Name))
				}
			}
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// iterAlone reports an iterator probe that comes with other probes: two
// iterators in one probe with the newest bpftrace's message, any other
// mix (BEGIN, END, self, test and bench aside) with its documentation's
// words. Each error is at the later of two attach points.
func (c *checker) iterAlone() ErrorList {
	var errs ErrorList
	var first *ProbePoint // the first point that is not run from user space
	iters := false
	for _, p := range c.prog.Probes {
		var inProbe *ProbePoint // the probe's first iterator
		for _, pt := range p.Points {
			switch pt.Kind {
			case "BEGIN", "END", "self", "test", "bench":
				continue
			}
			isIter := pt.Kind == "iter"
			switch {
			case isIter && inProbe != nil:
				errs = append(errs, errorAt(pt.Span, "iter probe only supports one attach point."))
			case first != nil && (iters || isIter):
				errs = append(errs, errorAt(pt.Span, "Iterator probe can't be mixed with any other probe, not even another iterator."))
			}
			if isIter && inProbe == nil {
				inProbe = pt
			}
			if first == nil {
				first = pt
			}
			iters = iters || isIter
		}
	}
	return errs
}

// ctxStructs are the context structs of the probe kinds other than
// iterators that have the ctx builtin, as in the newest bpftrace: the
// registers of kprobe-type programs, and the perf event data of perf
// event programs.
var ctxStructs = map[string]string{
	"kprobe": "struct pt_regs", "kretprobe": "struct pt_regs",
	"uprobe": "struct pt_regs", "uretprobe": "struct pt_regs", "usdt": "struct pt_regs",
	"profile": "struct bpf_perf_event_data", "interval": "struct bpf_perf_event_data",
	"software": "struct bpf_perf_event_data", "hardware": "struct bpf_perf_event_data",
	"watchpoint": "struct bpf_perf_event_data",
}

// ctxBuiltin types the ctx builtin: a pointer to the program's context,
// read directly. For an iterator, the kernel's struct bpf_iter__NAME;
// code generation ends the probe when a field read from it is NULL (or
// 0), as bpftrace does, which skips the final call with no object.
func (c *checker) ctxBuiltin(e *Ident) *Type {
	kind := c.pointKind()
	name := ctxStructs[kind.Name]
	switch {
	case kind.Name == "iter":
		name = iterStructPrefix + c.variant.Points[0].Func
	case kind.Name == "tracepoint":
		c.errorf(e, "Use args instead of ctx in tracepoint")
		return nil
	case name == "":
		c.errorf(e, "The ctx builtin can not be used with '%s' probes", kind.Name)
		return nil
	}
	if c.fors > 0 {
		// Map and range loops run in callbacks, which do not get the
		// context.
		c.errorf(e, "'ctx' builtin is not allowed in a for-loop")
		return nil
	}
	bt, err := c.kernel().LookupType(name)
	if err != nil {
		c.errorf(e, "The ctx builtin needs the kernel's %s: %v", name, err)
		return nil
	}
	members, err := btf.Members(bt)
	if err != nil {
		c.errorf(e, "The ctx builtin needs the kernel's %s: %v", name, err)
		return nil
	}
	// The fields are laid out as args' are: read from the context, they
	// point into (or are values of) kernel memory.
	size, _ := btf.Sizeof(bt)
	st := &Type{Kind: KindStruct, Name: name, Size: size}
	for _, m := range members {
		if m.BitfieldSize != 0 {
			continue
		}
		st.Fields = append(st.Fields, Field{Name: m.Name, Type: c.fromBTF(m.Type, AddrKernel), Offset: int(m.ByteOffset())})
	}
	return PointerTo(st, AddrCtx)
}

// seqPrintf checks a printf() of an iterator probe, which writes to the
// iterator's seq_file with bpf_seq_printf: the kernel formats it, so the
// format must be one it accepts (printf.Format.Kernel) and %s takes
// strings only (and probe, the point's name). It reports false after an
// error.
func (c *checker) seqPrintf(call *Call, f *printf.Format, types []*Type) bool {
	if _, err := f.Kernel(call.Name); err != nil {
		c.errorf(call, "%v", err)
		return false
	}
	for i, v := range f.Verbs() {
		t, arg := types[i], call.Args[i+1]
		switch {
		case v.Conv == 's' && t.Kind != KindString && t.Kind != KindProbe:
			c.errorf(arg, "%s: %%s in an iter probe takes a string (%s supplied): the kernel's bpf_seq_printf formats it", call.Name, kindName(t))
			return false
		case v.Conv != 's' && !t.IsInt() && t.Kind != KindBool && t.Kind != KindPointer:
			c.errorf(arg, "%s: %%%s in an iter probe takes an integer (%s supplied): the kernel's bpf_seq_printf formats it", call.Name, v.Spec(), kindName(t))
			return false
		}
	}
	return true
}
