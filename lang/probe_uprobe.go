package lang

import (
	"debug/dwarf"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/btf"
)

// User-space function probes: uprobe:binary:function and
// uretprobe:binary:function, with wildcards in both parts, a library name
// for the binary (uprobe:libc:malloc), function+offset, an address in the
// binary (uprobe:/bin/bash:0x4a0b0), C++ names with the cpp qualifier
// (uprobe:/bin/app:cpp:"ns::fn") and, when a process is traced (-p), the
// binary left out (uprobe:function). Arguments come from the registers
// the function was called with.

// Binaries answers the checker's questions about the programs and
// libraries user-space probes attach to. The runtime/sym package
// implements it; lang reads no files itself.
type Binaries interface {
	// Resolve returns the files a uprobe or usdt target names: a path
	// (possibly with wildcards), a program found in PATH, or a library
	// name (libc, libssl.so.3) found as the dynamic loader finds it. Only
	// ELF executables and shared objects are returned. With a traced
	// process, paths are resolved in its mount namespace and library
	// names among its mappings first.
	Resolve(target string) ([]string, error)
	// Process describes the traced process (-p): its executable and the
	// files mapped executable in it. ok is false when no process is
	// traced.
	Process() (exe string, mapped []string, ok bool)
	// Functions lists the function symbols of a binary, ordered by name.
	Functions(path string) ([]UserFunc, error)
	// USDTProbes lists the USDT probe sites of a binary.
	USDTProbes(path string) ([]USDTProbe, error)
	// Symbol finds a function or data symbol of a binary by name: its
	// virtual address and size, and whether the binary is position
	// independent (loaded at an address chosen at run time).
	Symbol(path, name string) (addr, size uint64, pie bool, err error)
	// FuncParams returns the parameters of a function (by its symbol
	// name) as the DWARF debugging information of a binary, or of its
	// separate debug file, describes them, in order. hasDWARF is false
	// when there is no such information; a function it does not
	// describe has no parameters. It is only called when a script uses
	// a uprobe's args or lists uprobes verbosely.
	FuncParams(path, fn string) (params []DWARFParam, hasDWARF bool, err error)
	// LineAddress returns the virtual address of the statement at line
	// (and column, 0 for any) of a source file, from a binary's DWARF
	// line table, for uprobe:binary@file:line[:col]. hasDWARF is false
	// when the binary has no DWARF; err says why the line has no
	// address otherwise.
	LineAddress(path, file string, line, col uint64) (addr uint64, hasDWARF bool, err error)
	// StructType returns a struct or union by name ("struct point") as
	// a binary's DWARF defines it, nil when it does not (or the binary
	// has no DWARF). Casts and sizeof in uprobes ask for it.
	StructType(path, name string) (dwarf.Type, error)
}

// DWARFParam is a function parameter as DWARF describes it.
type DWARFParam struct {
	// Name is empty for an unnamed parameter.
	Name string
	Type dwarf.Type
}

// UserFunc is a function symbol of a user-space binary.
type UserFunc struct {
	// Name is the symbol as the symbol table spells it (mangled).
	Name string
	// Demangled is the C++ (or Rust) name with its parameter list, ""
	// when Name is not mangled.
	Demangled string
	// Addr and Size delimit the function in the binary's virtual
	// addresses; Offset is where Addr lies in the file.
	Addr, Size, Offset uint64
}

// USDTProbe is one site of a USDT probe (a probe may have several).
type USDTProbe struct {
	Provider, Name string
	// Offset is the file offset of the site's instruction, Addr its
	// virtual address.
	Offset, Addr uint64
	// Semaphore is the file offset of the probe's semaphore, 0 for none.
	Semaphore uint64
	// Args locate the probe's arguments at this site.
	Args []USDTArg
}

// USDTArgKind says where a USDT argument lives.
type USDTArgKind uint8

// USDT argument locations.
const (
	// USDTConst is a constant: Value.
	USDTConst USDTArgKind = iota
	// USDTReg is the value of register Reg.
	USDTReg
	// USDTMem is the memory at Reg + Value (+ Index * Scale).
	USDTMem
)

// USDTArg locates one argument of a USDT probe site, as decoded from its
// specification (-4@%eax, 8@-8(%rbp), -4@$5, 8@(%rdx,%rax,8)).
type USDTArg struct {
	// Size is the argument's size in bytes (1, 2, 4 or 8); Signed says
	// whether it is sign-extended to 64 bits.
	Size   int
	Signed bool
	Kind   USDTArgKind
	// Value is the constant, or the displacement of a memory operand.
	Value int64
	// Reg is the register (or the base register of a memory operand),
	// named as pt_regs and reg() name it: "ax", "di", "r8", "ip" on
	// x86_64; "r0".."r30", "sp", "pc" on arm64.
	Reg string
	// Index and Scale are a memory operand's index register and its
	// multiplier; Index is "" when there is none.
	Index string
	Scale int
	// Spec is the specification as the note wrote it.
	Spec string
}

func init() {
	registerProbeKind(&ProbeKind{Name: "uprobe", Aliases: []string{"u"}, NumArgs: maxUserArgs, UserSpace: true,
		Expand: expandUprobe("uprobe", false), ArgsType: uprobeArgs, ListUser: listUprobes("uprobe")})
	registerProbeKind(&ProbeKind{Name: "uretprobe", Aliases: []string{"ur"}, Retval: true, UserSpace: true,
		Expand: expandUprobe("uretprobe", true), ListUser: listUprobes("uretprobe")})
}

// maxUserArgs is how many argN a uprobe offers: the first ones come from
// registers, the rest from the stack.
const maxUserArgs = 16

func (c *checker) binaries() Binaries {
	if c.opts.Binaries == nil {
		return noBinaries{}
	}
	return c.opts.Binaries
}

// noBinaries stands in when the caller gave no Binaries.
type noBinaries struct{}

var errNoBinaries = errors.New("no information about user-space binaries available")

func (noBinaries) Resolve(string) ([]string, error)       { return nil, errNoBinaries }
func (noBinaries) Process() (string, []string, bool)      { return "", nil, false }
func (noBinaries) Functions(string) ([]UserFunc, error)   { return nil, errNoBinaries }
func (noBinaries) USDTProbes(string) ([]USDTProbe, error) { return nil, errNoBinaries }
func (noBinaries) Symbol(string, string) (uint64, uint64, bool, error) {
	return 0, 0, false, errNoBinaries
}
func (noBinaries) FuncParams(string, string) ([]DWARFParam, bool, error) {
	return nil, false, errNoBinaries
}
func (noBinaries) LineAddress(string, string, uint64, uint64) (uint64, bool, error) {
	return 0, false, errNoBinaries
}
func (noBinaries) StructType(string, string) (dwarf.Type, error) { return nil, nil }

// uprobeSpec is a parsed uprobe attach point.
type uprobeSpec struct {
	kind   string
	target string
	cpp    bool
	// fn is the function name or pattern; empty for an address.
	fn string
	// offset is fn+offset's offset; address is set for an address.
	offset     uint64
	hasOffset  bool
	address    uint64
	hasAddress bool
	// written is the function part as written, for the probe's name.
	written string
}

// parseUprobe parses the parts of a uprobe attach point after the kind.
func parseUprobe(c *checker, ap *AttachPoint, kind string, ret bool, parts []string) (*uprobeSpec, error) {
	if exe, _, ok := c.binaries().Process(); ok && (len(parts) == 1 || len(parts) == 2 && parts[0] == "cpp") {
		// With -p the binary may be left out: the process's executable.
		if exe == "" {
			return nil, errorAt(ap.Span, "%s: cannot find the traced process's executable (has it exited?)", kind)
		}
		parts = append([]string{exe}, parts...)
	}
	if len(parts) != 2 && len(parts) != 3 {
		return nil, wrongArgCount(ap, kind, 2)
	}
	s := &uprobeSpec{kind: kind, target: parts[0], written: parts[len(parts)-1]}
	if len(parts) == 3 {
		if parts[1] != "cpp" {
			return nil, errorAt(ap.Span, "unsupported language type: %s", parts[1])
		}
		s.cpp = true
	}
	fn := s.written
	if s.target == "" || fn == "" {
		return nil, wrongArgCount(ap, kind, 2)
	}
	switch plus := strings.Count(fn, "+"); {
	case plus > 1:
		return nil, errorAt(ap.Span, "Cannot take more than one offset")
	case plus == 1:
		if ret {
			return nil, errorAt(ap.Span, "Offset not allowed")
		}
		base, off, _ := strings.Cut(fn, "+")
		v, err := parseIntLiteral(off)
		if err != nil || base == "" {
			return nil, errorAt(ap.Span, "Invalid offset: %s", off)
		}
		s.fn, s.offset, s.hasOffset = base, v, true
	case fn[0] >= '0' && fn[0] <= '9':
		v, err := parseIntLiteral(fn)
		if err != nil {
			return nil, errorAt(ap.Span, "invalid address %q", fn)
		}
		if hasWildcard(s.target) {
			return nil, errorAt(ap.Span, "Cannot use wildcards with absolute address")
		}
		s.address, s.hasAddress = v, true
	default:
		s.fn = fn
	}
	return s, nil
}

func expandUprobe(kind string, ret bool) func(*checker, *AttachPoint, []string) ([]*ProbePoint, error) {
	return func(c *checker, ap *AttachPoint, parts []string) ([]*ProbePoint, error) {
		if target, file, ok := splitSourceLocation(c.binaries(), parts); ok {
			loc, err := parseSourceLocation(ap, ret, target, file, parts[1:])
			if err != nil {
				return nil, err
			}
			return c.expandSourceLine(ap, kind, loc)
		}
		s, err := parseUprobe(c, ap, kind, ret, parts)
		if err != nil {
			return nil, err
		}
		paths, err := resolveTarget(c.binaries(), kind, s.target)
		if err != nil {
			return nil, errorAt(ap.Span, "%v", err)
		}
		var out []*ProbePoint
		for _, path := range paths {
			funcs, err := c.binaries().Functions(path)
			if err != nil {
				return nil, errorAt(ap.Span, "%s: %v", kind, err)
			}
			pts, err := s.points(path, funcs)
			if err != nil {
				return nil, errorAt(ap.Span, "%v", err)
			}
			out = append(out, pts...)
		}
		if len(out) == 0 {
			return nil, errorAt(ap.Span, "No functions in %s match %s", s.target, s.written)
		}
		return out, nil
	}
}

// resolveTarget finds the files a target names, or says that there are
// none, as bpftrace does.
func resolveTarget(b Binaries, kind, target string) ([]string, error) {
	paths, err := b.Resolve(target)
	if err != nil && !errors.Is(err, errNoBinaries) {
		return nil, fmt.Errorf("%s target %s: %w", kind, target, err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s target file '%s' does not exist or is not executable", kind, target)
	}
	return paths, nil
}

// points returns the probe points a spec names in one binary.
func (s *uprobeSpec) points(path string, funcs []UserFunc) ([]*ProbePoint, error) {
	point := func(f UserFunc, suffix string, off uint64) *ProbePoint {
		return &ProbePoint{Name: formatPointName(s.kind, path, suffix), Target: path, Func: f.Name,
			FileOffset: f.Offset + off, Addr: f.Addr + off}
	}
	switch {
	case s.hasAddress:
		for _, f := range funcs {
			if f.Addr <= s.address && s.address < f.Addr+f.Size {
				// bpftrace names the point by the address in decimal.
				return []*ProbePoint{point(f, strconv.FormatUint(s.address, 10), s.address-f.Addr)}, nil
			}
		}
		return nil, fmt.Errorf("Could not resolve address: %s:0x%x", path, s.address)
	case hasWildcard(s.fn) || (s.cpp && !s.hasOffset):
		// A C++ name without a parameter list names every overload.
		var out []*ProbePoint
		seen := map[string]bool{}
		for _, f := range funcs {
			if seen[f.Name] || !s.match(f) {
				continue
			}
			seen[f.Name] = true
			out = append(out, point(f, f.Name, 0))
		}
		return out, nil
	}
	for _, f := range funcs {
		if !s.match(f) {
			continue
		}
		if s.hasOffset && s.offset >= f.Size {
			return nil, fmt.Errorf("Offset outside the function bounds ('%s' size is %d)", s.fn, f.Size)
		}
		name := f.Name
		if s.hasOffset {
			name = s.written
		}
		return []*ProbePoint{point(f, name, s.offset)}, nil
	}
	return nil, fmt.Errorf("Could not resolve symbol: %s:%s", path, s.fn)
}

// match reports whether a function is one the spec names: by its symbol,
// or with the cpp qualifier by its demangled name, without the parameter
// list unless the pattern has one.
func (s *uprobeSpec) match(f UserFunc) bool {
	if hasWildcard(s.fn) && strings.Contains(f.Name, ".part.") {
		// As bpftrace: wildcards leave out GCC's partial functions.
		return false
	}
	if btf.MatchGlob(s.fn, f.Name) {
		return true
	}
	if !s.cpp || f.Demangled == "" {
		return false
	}
	name := f.Demangled
	if !strings.Contains(s.fn, "(") {
		name = withoutParams(name)
	}
	return btf.MatchGlob(s.fn, name)
}

// withoutParams drops the parameter list (and any qualifiers after it)
// from a demangled C++ name: "ns::f(int) const" is "ns::f".
func withoutParams(name string) string {
	depth := 0
	for i := len(name) - 1; i >= 0; i-- {
		switch name[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				return name[:i]
			}
		}
	}
	return name
}

// listUprobes lists a binary's functions: the pattern is binary:function
// (or function alone with a traced process).
func listUprobes(kind string) func(b Binaries, pattern string, verbose bool) ([]Listed, error) {
	return func(b Binaries, pattern string, verbose bool) ([]Listed, error) {
		target, fn, ok := strings.Cut(pattern, ":")
		cpp := false
		if rest, found := strings.CutPrefix(fn, "cpp:"); found {
			fn, cpp = rest, true
		}
		if !ok {
			// uprobe:pattern lists the traced process's executable.
			exe, _, traced := b.Process()
			if !traced {
				return nil, fmt.Errorf("%s listing needs a binary: %s:/path/to/binary:pattern", kind, kind)
			}
			target, fn = exe, pattern
		}
		if fn == "" {
			fn = "*"
		}
		fn = strings.Trim(fn, `"`)
		paths, err := resolveTarget(b, kind, target)
		if err != nil {
			return nil, err
		}
		s := &uprobeSpec{kind: kind, fn: fn, cpp: cpp}
		var out []Listed
		for _, path := range paths {
			funcs, err := b.Functions(path)
			if err != nil {
				return nil, err
			}
			seen := map[string]bool{}
			warned := false
			for _, f := range funcs {
				if seen[f.Name] || !s.match(f) {
					continue
				}
				seen[f.Name] = true
				name := kind + ":" + path + ":" + f.Name
				switch {
				case cpp && f.Demangled != "":
					name = kind + ":" + path + ":cpp:\"" + f.Demangled + "\""
				case cpp:
					name = kind + ":" + path + ":cpp:" + f.Name
				}
				l := Listed{Name: name}
				if verbose && kind == "uprobe" {
					// Parameters from DWARF, as the newest bpftrace
					// lists them (not for uretprobes).
					var warn string
					l.Args, warn = listParams(b, path, f.Name)
					if warn != "" && !warned {
						l.Warning, warned = warn, true
					}
				}
				out = append(out, l)
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		return out, nil
	}
}
