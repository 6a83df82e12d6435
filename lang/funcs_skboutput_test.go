package lang

import (
	"testing"

	"github.com/gtrace/gtrace/btf"
)

// TestSkbOutput checks skboutput(): its argument count and probe kinds
// as the newest bpftrace words them (tests/pre_type_check.cpp), its
// argument types, and its uint32 result in fentry and fexit probes.
func TestSkbOutput(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`BEGIN { $ret = skboutput(); }`, `stdin:1:16-27: skboutput() requires 4 arguments (0 provided)`},
		{`BEGIN { $ret = skboutput("one.pcap"); }`, `stdin:1:16-37: skboutput() requires 4 arguments (1 provided)`},
		{`BEGIN { $ret = skboutput("one.pcap", 0, 1500, 0); }`, `stdin:1:16-49: skboutput can not be used with "BEGIN" probes`},
	} {
		expectCheckError(t, c.src, c.want, CheckOptions{Config: DefaultConfig()})
	}
	k := btf.NewKernel(btf.Options{})
	if _, err := k.Function("__dev_queue_xmit"); err != nil {
		t.Skipf("needs the kernel's BTF: %v", err)
	}
	opts := CheckOptions{Kernel: k, Config: DefaultConfig()}
	for _, c := range []struct{ src, want string }{
		{`kprobe:__dev_queue_xmit { $ret = skboutput("one.pcap", arg0, 1500, 0); }`, `stdin:1:34-70: skboutput can not be used with "kprobe" probes`},
		{`fentry:__dev_queue_xmit { skboutput(comm, args.skb, 1, 0); }`, `stdin:1:27-58: skboutput() expects a string literal (string provided)`},
		{`fentry:__dev_queue_xmit { skboutput("a", 1, 1, 0); }`, `stdin:1:27-50: skboutput() only supports pointer arguments (integer provided)`},
		{`fentry:__dev_queue_xmit { skboutput("a", args.skb, "x", 0); }`, `stdin:1:27-59: skboutput() only supports integer arguments (string provided)`},
		{`fentry:__dev_queue_xmit { $o = 1; skboutput("a", args.skb, 1, $o); }`, `stdin:1:35-66: skboutput() expects a integer literal (integer provided)`},
		{`fentry:__dev_queue_xmit { skboutput("a", args.skb, 1, -1); }`, `stdin:1:55-57: skboutput(): the offset must not be negative (-1 given)`},
	} {
		expectCheckError(t, c.src, c.want, opts)
	}
	src := `fentry:__dev_queue_xmit { $r = skboutput("a.pcap", args.skb, args.skb->len, 14); @r = $r; }
fexit:__dev_queue_xmit { @x = skboutput("b.pcap", args.skb, 1500, 2 * 7); }`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, opts); err != nil {
		t.Fatal(Render(err, map[string]string{"": src}))
	}
	found := false
	Inspect(prog, func(n Node) {
		if v, ok := n.(*Var); ok && v.Name == "$r" && v.Decl != nil {
			found = true
			if got := v.Decl.Type.String(); got != "uint32" {
				t.Errorf("$r: %s, want uint32", got)
			}
		}
	})
	if !found {
		t.Error("no $r")
	}
}
