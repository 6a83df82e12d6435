package output

// Buffer is a buf() value: raw bytes, held in a string so that buffers
// compare with ==. It prints hex-escaped, as printf's %r does: printable
// ASCII as is, every other byte as \xNN (text and JSON output alike).
type Buffer string

// String returns the buffer hex-escaped.
func (b Buffer) String() string {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 32 && c <= 126 {
			out = append(out, c)
			continue
		}
		out = append(out, '\\', 'x', hex[c>>4], hex[c&15])
	}
	return string(out)
}
