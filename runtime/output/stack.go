package output

import "strings"

// StackStyle says how a stack's frames are laid out, per bpftrace's stack
// modes.
type StackStyle uint8

// Stack styles.
const (
	// StackIndented indents each frame: eight spaces in values, four in
	// map keys (bpftrace mode).
	StackIndented StackStyle = iota
	// StackTabbed starts each frame with a tab (perf mode).
	StackTabbed
	// StackPlain writes frames as they are (raw mode).
	StackPlain
)

// Indentation of stack frames in bpftrace mode.
const (
	valueStackIndent = 8
	keyStackIndent   = 4
)

// Stack is a kernel or user stack as it prints (kstack, ustack): a
// newline, then a line per frame. A stack that could not be recorded has
// no frames and prints as nothing.
type Stack struct {
	Style StackStyle
	// Frames holds each frame's text, newline terminated and without
	// indentation: "vfs_read+16\n" (bpftrace mode),
	// "ffffffff816bab70 vfs_read+16\n" (perf), "ffffffff816bab70\n" (raw).
	Frames string
}

// Lines returns the text of each frame.
func (s Stack) Lines() []string {
	if s.Frames == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s.Frames, "\n"), "\n")
}

// appendText writes the stack with frames indented by indent spaces in
// the indented style.
func (s Stack) appendText(b []byte, indent int) []byte {
	if s.Frames == "" {
		return b
	}
	b = append(b, '\n')
	for _, line := range s.Lines() {
		switch s.Style {
		case StackIndented:
			for i := 0; i < indent; i++ {
				b = append(b, ' ')
			}
		case StackTabbed:
			b = append(b, '\t')
		}
		b = append(b, line...)
		b = append(b, '\n')
	}
	return b
}

// appendKeyText writes one of a map key's values: as AppendText does,
// but stacks are indented less, as bpftrace prints them in keys.
func appendKeyText(b []byte, v any) []byte {
	if s, ok := v.(Stack); ok {
		return s.appendText(b, keyStackIndent)
	}
	return AppendText(b, v)
}
