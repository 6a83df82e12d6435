package runtime

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime/output"
)

// TestNtop6 compares IPv6 formatting with the C library's inet_ntop(3),
// whose answers these are.
func TestNtop6(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{"00000000000000000000ffff01020304", "::ffff:1.2.3.4"},
		{"00000000000000000000000001020304", "::1.2.3.4"},
		{"00000000000000000000000000000001", "::1"},
		{"00000000000000000000000000000000", "::"},
		{"00010000000000000000000000000000", "1::"},
		{"00010000000000020000000000000003", "1:0:0:2::3"},
		{"00010000000000020002000000000003", "1::2:2:0:0:3"},
		{"00000000000100000000000000000000", "0:0:1::"},
		{"fe800000000000000000000000000001", "fe80::1"},
		{"00000000000000000000ffff00000001", "::ffff:0.0.0.1"},
		{"00000000000000000000000000010000", "::0.1.0.0"},
		{"00010002000300040005000600070008", "1:2:3:4:5:6:7:8"},
		{"00000000000000000000000101020304", "::1:102:304"},
		{"00000000000000000000000000000002", "::2"},
	} {
		b, err := hex.DecodeString(c.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := ntop(10, b); got != c.want {
			t.Errorf("ntop(AF_INET6, %s) = %q, want %q", c.addr, got, c.want)
		}
	}
	if got := ntop(2, []byte{10, 0, 0, 255}); got != "10.0.0.255" {
		t.Errorf("ntop(AF_INET) = %q", got)
	}
	if got := ntop(7, make([]byte, 16)); got != "" {
		t.Errorf("ntop(7) = %q, want nothing", got)
	}
}

// TestRenderedValues decodes each kind of rendered value from the bytes
// codegen lays out.
func TestRenderedValues(t *testing.T) {
	dir := t.TempDir()
	passwd := filepath.Join(dir, "passwd")
	if err := os.WriteFile(passwd, []byte("root:x:0:0::/root:/bin/sh\nbad line\nalice:x:1000:1000::/home/alice:/bin/sh\nalias:x:1000:1000::/:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newRenderer(&codegen.Object{Actions: []*codegen.Action{
		{Kind: codegen.ActPrintf},
		{Kind: codegen.ActStrftime, Text: "%Y-%m-%d %H:%M:%S.%f"},
		{Kind: codegen.ActCgroupPath, Text: "none*"},
	}})
	r.passwd = passwd
	le := func(vals ...uint64) []byte {
		var b []byte
		for _, v := range vals {
			for i := 0; i < 8; i++ {
				b = append(b, byte(v>>(8*i)))
			}
		}
		return b
	}
	ts := le(1|uint64(lang.TimestampTAI)<<32, 86400*1e9+1500)
	inet := append(le(2), 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	buf := append(le(3), 'a', 0, '\n', 'z')
	for _, c := range []struct {
		t    *lang.Type
		b    []byte
		want any
	}{
		{lang.RenderedType(lang.RenderUsername), le(1000), "alice"},
		{lang.RenderedType(lang.RenderUsername), le(0), "root"},
		{lang.RenderedType(lang.RenderUsername), le(4242), ""},
		{lang.RenderedType(lang.RenderInet), inet, "127.0.0.1"},
		{lang.RenderedType(lang.RenderMacAddr), []byte{0, 0x1b, 0xa, 0xff, 0x10, 0x2, 0, 0}, "00:1B:0A:FF:10:02"},
		{lang.RenderedType(lang.RenderCgroupPath), le(2, 1), ""},
		{lang.RenderedType(lang.RenderTimestamp), le(0, 5), "(?)"},
		{lang.BufferType(4), buf, output.Buffer("a\x00\n")},
	} {
		if got := r.decode(c.t, c.b); got != c.want {
			t.Errorf("%s: got %#v, want %#v", c.t, got, c.want)
		}
	}
	// A TAI timestamp counts from the epoch, in the machine's time zone.
	want := time.Unix(86400, 1500).Local().Format("2006-01-02 15:04:05") + ".000001"
	if got := r.decode(lang.RenderedType(lang.RenderTimestamp), ts); got != want {
		t.Errorf("timestamp: got %q, want %q", got, want)
	}
	if got := output.Buffer("a\x00\n\x7f~").String(); got != `a\x00\x0a\x7f~` {
		t.Errorf("Buffer.String() = %q", got)
	}
}

func TestWildcardMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"*", "unified", true},
		{"unified", "unified", true},
		{"uni", "unified", false},
		{"uni*", "unified", true},
		{"*fied", "unified", true},
		{"c*u*t", "cpuacct", true},
		{"c*x*t", "cpuacct", false},
		{"cpu*cpu", "cpu", false},
	} {
		if got := wildcardMatch(c.pattern, c.name); got != c.want {
			t.Errorf("wildcardMatch(%q, %q) = %v", c.pattern, c.name, got)
		}
	}
}

func TestJoinStrings(t *testing.T) {
	data := make([]byte, lang.JoinArgs*lang.JoinArgSize)
	for i, s := range []string{"/bin/echo", "a b", "c"} {
		copy(data[i*lang.JoinArgSize:], s)
	}
	copy(data[4*lang.JoinArgSize:], "after the end")
	if got := joinStrings(data, ","); got != "/bin/echo,a b,c" {
		t.Errorf("joinStrings = %q", got)
	}
}
