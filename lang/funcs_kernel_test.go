package lang

import (
	"testing"

	cbtf "github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/btf"
)

// varsKernel knows one kernel variable, for percpu_kaddr().
type varsKernel struct{ argsKernel }

func (varsKernel) VarID(name string) (cbtf.TypeID, error) {
	if name == "process_counts" {
		return 42, nil
	}
	return 0, btf.ErrNotFound
}

// TestKernelFuncErrors checks the diagnostics of percpu_kaddr, unwatch,
// write_user, override, socket_cookie and path: argument counts and
// types, --unsafe, and the probe kinds they may be used in, worded as in
// the newest bpftrace where it has a message.
func TestKernelFuncErrors(t *testing.T) {
	for _, c := range []struct {
		src, want string
		unsafe    bool
	}{
		// percpu_kaddr
		{src: `BEGIN { percpu_kaddr(); }`, want: `stdin:1:9-23: percpu_kaddr() requires at least one argument (0 provided)`},
		{src: `BEGIN { percpu_kaddr("process_counts", 1, 2); }`, want: `stdin:1:9-45: percpu_kaddr() takes up to 2 arguments (3 provided)`},
		{src: `BEGIN { percpu_kaddr(1); }`, want: `stdin:1:9-24: percpu_kaddr() expects a string literal (integer provided)`},
		{src: `BEGIN { $s = "process_counts"; percpu_kaddr($s); }`, want: `stdin:1:32-48: percpu_kaddr() expects a string literal (string provided)`},
		{src: `BEGIN { percpu_kaddr("process_counts", "0"); }`, want: `stdin:1:9-44: percpu_kaddr() only supports integer arguments (string provided)`},
		{src: `BEGIN { percpu_kaddr("nope"); }`, want: `stdin:1:9-29: Could not resolve variable "nope" from BTF`},
		// unwatch
		{src: `BEGIN { unwatch(); }`, want: `stdin:1:9-18: unwatch() requires one argument (0 provided)`},
		{src: `BEGIN { unwatch(1, 2); }`, want: `stdin:1:9-22: unwatch() requires one argument (2 provided)`},
		{src: `BEGIN { unwatch("a"); }`, want: `stdin:1:9-21: unwatch() only supports integer arguments (string provided)`},
		{src: `BEGIN { $x = unwatch(1); }`, want: `stdin:1:14-24: Value does not have a type and cannot be assigned`},
		// write_user
		{src: `BEGIN { write_user(1, "a", 1); }`, want: `stdin:1:9-30: write_user() is unsafe. To use you need the --unsafe flag`},
		{src: `BEGIN { write_user(1, "a"); }`, want: `stdin:1:9-27: write_user() requires 3 arguments (2 provided)`, unsafe: true},
		{src: `BEGIN { write_user("a", "b", 1); }`, want: `stdin:1:20-23: write_user() expects a pointer or an address as its destination (string provided)`, unsafe: true},
		{src: `BEGIN { write_user(1, "b", "c"); }`, want: `stdin:1:28-31: write_user() expects an integer length (string provided)`, unsafe: true},
		{src: `BEGIN { write_user(1, "b", 0); }`, want: `stdin:1:28: write_user() expects a positive length (0 provided)`, unsafe: true},
		{src: `BEGIN { write_user(1, "abc", 5); }`, want: `stdin:1:30: write_user() length 5 exceeds the size of its source (4 bytes)`, unsafe: true},
		{src: `BEGIN { $x = 1; write_user(1, &$x, pid); }`, want: `stdin:1:36-39: write_user() from a pointer needs a literal length`, unsafe: true},
		{src: `BEGIN { write_user(1, kstack, 8); }`, want: `stdin:1:23-29: write_user() can not write a kstack_bpftrace_127`, unsafe: true},
		// override
		{src: `BEGIN { override(1); }`, want: `stdin:1:9-20: override() can only be used inside kprobes`, unsafe: true},
		{src: `uprobe:/bin/prog:main { override(1); }`, want: `stdin:1:25-36: override() can only be used inside kprobes`, unsafe: true},
		{src: `BEGIN { override(); }`, want: `stdin:1:9-19: override() requires one argument (0 provided)`},
		// socket_cookie, path
		{src: `BEGIN { socket_cookie(0); }`, want: `stdin:1:9-25: socket_cookie can not be used with "BEGIN" probes`},
		{src: `profile:hz:99 { socket_cookie(0); }`, want: `stdin:1:17-33: socket_cookie can not be used with "profile" probes`},
		{src: `BEGIN { socket_cookie(); }`, want: `stdin:1:9-24: socket_cookie() requires one argument (0 provided)`},
		{src: `BEGIN { path(0); }`, want: `stdin:1:9-16: The path function can only be used with 'fentry', 'fexit', 'iter' probes`},
		{src: `BEGIN { path(0, pid); }`, want: `stdin:1:9-21: path: invalid size value, need non-negative literal`},
		{src: `BEGIN { path(); }`, want: `stdin:1:9-15: path() requires at least one argument (0 provided)`},
		{src: `BEGIN { path(0, 1, 2); }`, want: `stdin:1:9-22: path() takes up to 2 arguments (3 provided)`},
	} {
		opts := argsOptions(c.unsafe)
		opts.Kernel = varsKernel{}
		expectCheckError(t, c.src, c.want, opts)
	}
}

// TestKernelFuncTypes checks what the calls give: percpu_kaddr() a
// uint64 * (castable to a struct pointer), write_user() a bool, unwatch()
// nothing.
func TestKernelFuncTypes(t *testing.T) {
	src := `uprobe:/bin/prog:main {
  $p = percpu_kaddr("process_counts"); $q = percpu_kaddr("process_counts", 1 + 1);
  static_assert(is_ptr($p) && sizeof(*$p) == 8 && is_unsigned_integer(*$q), "percpu_kaddr");
  $r = (uint8 *)percpu_kaddr("process_counts", (int8)0);
  static_assert(!is_str(write_user($p, "abc", 3)), "write_user");
  $ok = write_user(0, 7, 4) && write_user($p, (1, "x"), pid) && write_user(arg0 + 1, $r, 1);
  unwatch($p); unwatch(0x1000); unwatch(nsecs(sw_tai));
  print(strftime("%Y", nsecs(sw_tai)));
}`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	opts := argsOptions(true)
	opts.Kernel = varsKernel{}
	if err := Check(prog, opts); err != nil {
		t.Fatal(Render(err, map[string]string{"": src}))
	}
	Inspect(prog, func(n Node) {
		if v, ok := n.(*Var); ok && v.Decl != nil {
			want := map[string]string{"$p": "uint64 *", "$q": "uint64 *", "$r": "uint8 *", "$ok": "bool"}[v.Name]
			if got := v.Decl.Type.String(); want != "" && got != want {
				t.Errorf("%s: %s, want %s", v.Name, got, want)
			}
		}
	})
}

// TestTracingFuncs checks socket_cookie() and path() in fentry probes,
// with the running kernel's types: their arguments, and the types of
// their results.
func TestTracingFuncs(t *testing.T) {
	k := btf.NewKernel(btf.Options{})
	if _, err := k.Function("tcp_rcv_established"); err != nil {
		t.Skipf("needs the kernel's BTF: %v", err)
	}
	opts := CheckOptions{Kernel: k, Config: DefaultConfig()}
	for _, c := range []struct{ src, want string }{
		{`fentry:tcp_rcv_established { socket_cookie(args.skb); }`, `stdin:1:30-53: socket_cookie() only supports 'struct sock *' as the argument ('struct sk_buff *' provided)`},
		{`fentry:tcp_rcv_established { socket_cookie(1); }`, `stdin:1:30-46: socket_cookie() only supports 'struct sock *' as the argument (integer provided)`},
		{`fentry:vfs_open { path("a"); }`, `stdin:1:19-28: path() only supports pointer or C type argument (string provided)`},
		{`kprobe:vfs_open { path(arg0); }`, `stdin:1:19-29: The path function can only be used with 'fentry', 'fexit', 'iter' probes`},
		{`kprobe:tcp_rcv_established { socket_cookie(arg0); }`, `stdin:1:30-49: socket_cookie can not be used with "kprobe" probes`},
	} {
		expectCheckError(t, c.src, c.want, opts)
	}
	src := `fentry:tcp_rcv_established { @c[socket_cookie(args.sk)] = count(); }
fentry:vfs_open { $p = path(args.path); $q = path(args.path, 16); $f = path(args.file->f_path); print(($p, $q, $f)); }
fexit:vfs_open { @s[path(args.path, 2000)] = count(); }`
	prog, err := Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(prog, opts); err != nil {
		t.Fatal(Render(err, map[string]string{"": src}))
	}
	Inspect(prog, func(n Node) {
		if v, ok := n.(*Var); ok && v.Decl != nil {
			want := map[string]string{"$p": "string[64]", "$q": "string[16]", "$f": "string[64]"}[v.Name]
			if got := v.Decl.Type.String(); want != "" && got != want {
				t.Errorf("%s: %s, want %s", v.Name, got, want)
			}
		}
	})
}
