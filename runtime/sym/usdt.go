package sym

import (
	"debug/elf"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/gtrace/gtrace/lang"
)

// USDT probes as sys/sdt.h records them: one NT_STAPSDT (type 3) note
// per probe site in .note.stapsdt, holding the site's address, the
// address of .stapsdt.base when the program was linked (to adjust for
// prelinking), the semaphore's address (0 for none), then the provider,
// the name and the argument specifications as NUL-terminated strings.

// usdtNote is one probe site, addresses as the note gives them.
type usdtNote struct {
	provider, name, args string
	pc, base, semaphore  uint64
}

const ntSTAPSDT = 3

// readUSDTNotes reads the .note.stapsdt notes and adjusts their
// addresses for a prelinked binary.
func readUSDTNotes(f *elf.File) ([]usdtNote, error) {
	sec := f.Section(".note.stapsdt")
	if sec == nil {
		return nil, nil
	}
	data, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("reading .note.stapsdt: %w", err)
	}
	var base uint64
	if bs := f.Section(".stapsdt.base"); bs != nil {
		base = bs.Addr
	}
	word := 8
	if f.Class == elf.ELFCLASS32 {
		word = 4
	}
	var out []usdtNote
	for _, n := range parseNotes(data, f.ByteOrder) {
		if n.name != "stapsdt" || n.typ != ntSTAPSDT || len(n.desc) < 3*word {
			continue
		}
		addr := func(i int) uint64 {
			if word == 4 {
				return uint64(f.ByteOrder.Uint32(n.desc[i*4:]))
			}
			return f.ByteOrder.Uint64(n.desc[i*8:])
		}
		u := usdtNote{pc: addr(0), base: addr(1), semaphore: addr(2)}
		strs := strings.SplitN(string(n.desc[3*word:]), "\x00", 4)
		if len(strs) < 3 {
			continue
		}
		u.provider, u.name, u.args = strs[0], strs[1], strs[2]
		if base != 0 && u.base != 0 && base != u.base {
			// Prelinked: the sections moved by the same amount.
			u.pc += base - u.base
			if u.semaphore != 0 {
				u.semaphore += base - u.base
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// USDTProbes returns the binary's USDT probe sites with their file
// offsets and decoded arguments.
func (b *Binary) USDTProbes(arch string) ([]lang.USDTProbe, error) {
	var out []lang.USDTProbe
	for _, n := range b.notes {
		off, ok := b.FileOffset(n.pc)
		if !ok {
			return nil, fmt.Errorf("USDT probe %s:%s: address 0x%x is not in a loaded segment", n.provider, n.name, n.pc)
		}
		p := lang.USDTProbe{Provider: n.provider, Name: n.name, Offset: off, Addr: n.pc}
		if n.semaphore != 0 {
			if p.Semaphore, ok = b.FileOffset(n.semaphore); !ok {
				return nil, fmt.Errorf("USDT probe %s:%s: semaphore 0x%x is not in a loaded segment", n.provider, n.name, n.semaphore)
			}
		}
		for _, spec := range strings.Fields(n.args) {
			a, err := parseUSDTArg(arch, spec, b.symbolAt(n.pc))
			if err != nil {
				return nil, fmt.Errorf("USDT probe %s:%s: %w", n.provider, n.name, err)
			}
			p.Args = append(p.Args, a)
		}
		out = append(out, p)
	}
	return out, nil
}

// symbolAt returns a function that finds how far a symbol is from a
// probe site, for arguments that name a symbol relative to the
// instruction pointer.
func (b *Binary) symbolAt(pc uint64) func(name string) (int64, bool) {
	return func(name string) (int64, bool) {
		s, ok := b.Symbol(name)
		return int64(s.Addr - pc), ok
	}
}

// parseUSDTArg decodes one argument specification: SIZE@LOCATION, where
// a negative size means a signed value.
//
// x86_64 locations: %reg, $constant, disp(%base), disp(%base,%index,scale)
// and symbol+disp(%rip). arm64: xN or wN, [xN], [xN, disp], and
// constants (#5 or 5).
//
// ripDisp resolves a symbol to its distance from the probe site: at the
// probe the instruction pointer is the site's address, so symbol(%rip)
// is memory at ip plus that distance.
func parseUSDTArg(arch, spec string, ripDisp func(string) (int64, bool)) (lang.USDTArg, error) {
	a := lang.USDTArg{Spec: spec, Size: 8}
	sz, loc, ok := strings.Cut(spec, "@")
	if ok {
		n, err := strconv.Atoi(sz)
		if err != nil {
			return a, fmt.Errorf("bad argument size in %q", spec)
		}
		if n < 0 {
			a.Signed, n = true, -n
		}
		if n != 1 && n != 2 && n != 4 && n != 8 {
			return a, fmt.Errorf("bad argument size in %q", spec)
		}
		a.Size = n
	} else {
		loc = spec
	}
	var err error
	switch arch {
	case "amd64":
		err = parseX86Loc(&a, loc, ripDisp)
	case "arm64":
		err = parseARM64Loc(&a, loc)
	default:
		err = fmt.Errorf("USDT arguments on %s are not supported", arch)
	}
	if err != nil {
		return a, fmt.Errorf("argument %q: %w", spec, err)
	}
	return a, nil
}

// x86Regs maps every x86_64 register spelling (64, 32, 16 and 8 bits)
// to its pt_regs name, built on first use (only USDT probes need it).
var x86Regs = sync.OnceValue(func() map[string]string {
	m := map[string]string{"rip": "ip", "eip": "ip"}
	for _, r := range []string{"ax", "bx", "cx", "dx"} {
		m["r"+r], m["e"+r], m[r], m[r[:1]+"l"] = r, r, r, r
	}
	for _, r := range []string{"si", "di", "bp", "sp"} {
		m["r"+r], m["e"+r], m[r], m[r+"l"] = r, r, r, r
	}
	for i := 8; i <= 15; i++ {
		r := "r" + strconv.Itoa(i)
		m[r], m[r+"d"], m[r+"w"], m[r+"b"] = r, r, r, r
	}
	return m
})

func x86Reg(s string) (string, error) {
	name, ok := strings.CutPrefix(s, "%")
	if !ok {
		return "", fmt.Errorf("expected a register, found %q", s)
	}
	r, ok := x86Regs()[name]
	if !ok {
		return "", fmt.Errorf("unsupported register %%%s", name)
	}
	return r, nil
}

func parseX86Loc(a *lang.USDTArg, loc string, ripDisp func(string) (int64, bool)) error {
	switch {
	case strings.HasPrefix(loc, "$"):
		v, err := strconv.ParseInt(loc[1:], 0, 64)
		if err != nil {
			return fmt.Errorf("bad constant")
		}
		a.Kind, a.Value = lang.USDTConst, v
		return nil
	case strings.HasPrefix(loc, "%"):
		r, err := x86Reg(loc)
		a.Kind, a.Reg = lang.USDTReg, r
		return err
	}
	open := strings.IndexByte(loc, '(')
	if open < 0 || !strings.HasSuffix(loc, ")") {
		return fmt.Errorf("unsupported location")
	}
	a.Kind = lang.USDTMem
	regs := strings.Split(loc[open+1:len(loc)-1], ",")
	var base string
	if b := strings.TrimSpace(regs[0]); b != "" {
		// No base register: disp(,%index,scale).
		r, err := x86Reg(b)
		if err != nil {
			return err
		}
		base = r
	}
	a.Reg = base
	var err error
	if len(regs) > 1 {
		if a.Index, err = x86Reg(strings.TrimSpace(regs[1])); err != nil {
			return err
		}
		a.Scale = 1
		if len(regs) > 2 {
			if a.Scale, err = strconv.Atoi(strings.TrimSpace(regs[2])); err != nil || (a.Scale != 1 && a.Scale != 2 && a.Scale != 4 && a.Scale != 8) {
				return fmt.Errorf("bad scale")
			}
		}
	}
	disp := loc[:open]
	if disp == "" {
		return nil
	}
	if v, err := strconv.ParseInt(disp, 0, 64); err == nil {
		a.Value = v
		return nil
	}
	// symbol, symbol+N or symbol-N: relative to the instruction pointer
	// (sym(%rip)) or absolute (sym(,%index,scale) in a fixed-address
	// executable). Both are found from the instruction pointer, which
	// moves with the binary.
	if base != "ip" && base != "" {
		return fmt.Errorf("symbolic displacement %q is only supported with %%rip or no base register", disp)
	}
	a.Reg = "ip"
	symName, addend := disp, int64(0)
	if i := strings.IndexAny(disp, "+-"); i > 0 {
		v, err := strconv.ParseInt(disp[i:], 0, 64)
		if err != nil {
			return fmt.Errorf("bad displacement %q", disp)
		}
		symName, addend = disp[:i], v
	}
	d, ok := ripDisp(symName)
	if !ok {
		return fmt.Errorf("symbol %s not found", symName)
	}
	a.Value = d + addend
	return nil
}

func arm64Reg(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "sp", "wsp":
		return "sp", nil
	case "pc":
		return "pc", nil
	}
	if len(s) > 1 && (s[0] == 'x' || s[0] == 'w') {
		if n, err := strconv.Atoi(s[1:]); err == nil && n >= 0 && n <= 30 {
			return "r" + strconv.Itoa(n), nil
		}
	}
	return "", fmt.Errorf("unsupported register %s", s)
}

func parseARM64Loc(a *lang.USDTArg, loc string) error {
	if strings.HasPrefix(loc, "[") && strings.HasSuffix(loc, "]") {
		a.Kind = lang.USDTMem
		base, disp, hasDisp := strings.Cut(loc[1:len(loc)-1], ",")
		r, err := arm64Reg(base)
		if err != nil {
			return err
		}
		a.Reg = r
		if hasDisp {
			v, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(disp), "#"), 0, 64)
			if err != nil {
				return fmt.Errorf("bad displacement")
			}
			a.Value = v
		}
		return nil
	}
	if v, err := strconv.ParseInt(strings.TrimPrefix(loc, "#"), 0, 64); err == nil {
		a.Kind, a.Value = lang.USDTConst, v
		return nil
	}
	r, err := arm64Reg(loc)
	a.Kind, a.Reg = lang.USDTReg, r
	return err
}
