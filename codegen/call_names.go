package codegen

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/lang"
)

// strerror(), signal_name() and syscall_name(): the text of a number,
// looked up in BPF in a table the program carries (an array map holding
// one lang.NameSize-byte string per number), so that the result is a
// real string, as in the newest bpftrace. The texts are the C library's,
// as bpftrace 0.17 printed them for strerror().

func init() {
	for name, tab := range nameTables {
		intos[name] = lowerNameInto(tab)
	}
}

// nameTable is one table of names.
type nameTable struct {
	// mapName is the name of the internal map holding it.
	mapName string
	// texts returns the text of each number from 0.
	texts func() []string
	// fallback is the text of a number the table does not hold.
	fallback string
	// negate makes -n mean n (errno values are often negated).
	negate bool
}

var nameTables = map[string]*nameTable{
	"strerror":     {mapName: "names_errno", texts: errnoTexts, fallback: "Unknown error", negate: true},
	"signal_name":  {mapName: "names_signal", texts: signalTexts, fallback: "N/A"},
	"syscall_name": {mapName: "names_syscall", texts: syscallTexts, fallback: "Unknown syscall"},
}

// maxErrno is the last error number the errno table holds.
const maxErrno = 255

// errnoTexts are strerror(3)'s messages: "Success" for 0, "Unknown error
// N" for numbers without one.
func errnoTexts() []string {
	out := make([]string, maxErrno+1)
	for i := range out {
		msg := unix.Errno(i).Error()
		switch {
		case i == 0:
			msg = "Success"
		case i == int(unix.EHWPOISON):
			msg = "Memory page has hardware error"
		case strings.HasPrefix(msg, "errno "):
			msg = fmt.Sprintf("Unknown error %d", i)
		}
		out[i] = capitalize(msg)
	}
	return out
}

// signalTexts are strsignal(3)'s descriptions of signals 0 to 64.
func signalTexts() []string {
	out := make([]string, 65)
	for i := range out {
		switch {
		case i == 0 || i == 32 || i == 33:
			// 32 and 33 are the C library's own real-time signals.
			out[i] = fmt.Sprintf("Unknown signal %d", i)
		case i > 33:
			out[i] = fmt.Sprintf("Real-time signal %d", i-34)
		default:
			out[i] = capitalize(unix.Signal(i).String())
		}
	}
	return out
}

// syscallTexts are the names of this architecture's system calls.
func syscallTexts() []string {
	names := syscallNames(hostArch())
	out := make([]string, len(names))
	for i, n := range names {
		if n == "" {
			n = "Unknown syscall"
		}
		out[i] = n
	}
	return out
}

// capitalize upper-cases the first letter, as the C library spells its
// messages.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// nameMap returns the name of a table's map, adding it to the object's
// internal maps on first use; it reports false for an empty table.
func (c *compiler) nameMap(tab *nameTable) (string, int, bool) {
	for _, m := range c.obj.Internal {
		if m.Name == tab.mapName {
			return m.Name, int(m.MaxEntries), true
		}
	}
	texts := tab.texts()
	if len(texts) == 0 {
		return "", 0, false
	}
	spec := &ebpf.MapSpec{
		Name:       tab.mapName,
		Type:       ebpf.Array,
		KeySize:    4,
		ValueSize:  lang.NameSize,
		MaxEntries: uint32(len(texts)),
	}
	for i, s := range texts {
		v := make([]byte, lang.NameSize)
		copy(v[:lang.NameSize-1], s)
		spec.Contents = append(spec.Contents, ebpf.MapKV{Key: uint32(i), Value: v})
	}
	c.obj.Internal = append(c.obj.Internal, spec)
	return spec.Name, len(texts), true
}

// lowerNameInto copies a number's text from its table, or the table's
// fallback text.
func lowerNameInto(tab *nameTable) intoLowering {
	return func(c *compiler, e *lang.Call, dst mem, t *lang.Type, exact bool) {
		// The number is an int32, as bpftrace casts it.
		n := c.signExtend(c.b.copyReg(c.reg(c.value(e.Args[0]))), 32)
		if tab.negate {
			pos := c.b.newLabel()
			c.b.jumpImm(asm.JSGE, n, 0, pos)
			c.b.emit(inst{op: opNeg, dst: n, a: n})
			c.b.mark(pos)
		}
		size := min(lang.NameSize, t.Size)
		miss, done := c.b.newLabel(), c.b.newLabel()
		if name, entries, ok := c.nameMap(tab); ok {
			c.b.jumpImm(asm.JGE, n, int64(entries), miss)
			key := c.temp(4)
			c.store(key, n, asm.Word)
			p := c.b.call(asm.FnMapLookupElem, c.b.mapPtr(name), c.addr(key))
			c.b.jumpImm(asm.JEq, p, 0, miss)
			c.copyMem(dst, mem{base: p}, size)
			c.b.goTo(done)
		}
		c.b.mark(miss)
		text := make([]byte, size)
		copy(text[:size-1], tab.fallback)
		c.storeBytes(dst, text)
		c.b.mark(done)
		if size < lang.NameSize {
			c.storeImm(dst.plus(size-1), 0, asm.Byte)
		}
		if exact && t.Size > size {
			c.zero(dst.plus(size), t.Size-size)
		}
	}
}
