package btf

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/internal/testenv"
)

// liveKernel returns a Kernel for the running kernel, skipping (or failing
// under GTRACE_REQUIRE_BPF=1) without vmlinux BTF.
func liveKernel(t testing.TB) *Kernel {
	t.Helper()
	testenv.File(t, liveVmlinux)
	return NewKernel(Options{})
}

func TestLiveLookupType(t *testing.T) {
	k := liveKernel(t)
	tests := []struct{ name, want string }{
		{"struct task_struct", "struct task_struct"},
		{"task_struct", "struct task_struct"},
		{"struct task_struct *", "struct task_struct *"},
		{"union bpf_attr", "union bpf_attr"},
		{"enum bpf_map_type", "enum bpf_map_type"},
		{"u64", "u64"},
		{"pid_t", "pid_t"},
		{"unsigned long", "long unsigned int"},
		{"unsigned int", "unsigned int"},
		{"long", "long int"},
		{"char", "char"},
		{"_Bool", "_Bool"},
		{"bool", "bool"},
		{"void *", "void *"},
	}
	for _, tt := range tests {
		typ, err := k.LookupType(tt.name)
		if err != nil {
			t.Errorf("LookupType(%q): %v", tt.name, err)
			continue
		}
		if got := TypeString(typ); got != tt.want {
			t.Errorf("LookupType(%q) = %s, want %s", tt.name, got, tt.want)
		}
	}

	typ, err := k.LookupType("unsigned long")
	if n, _ := Sizeof(typ); err != nil || n != 8 || IsSigned(typ) {
		t.Errorf("unsigned long: size %d signed %v, %v", n, IsSigned(typ), err)
	}
	task, err := k.LookupType("struct task_struct")
	if err != nil {
		t.Fatal(err)
	}
	ptr, err := k.LookupType("struct task_struct *")
	if err != nil || ptr.(*btf.Pointer).Target != task {
		t.Errorf("pointer target is not the cached struct: %v", err)
	}
	if n, err := Sizeof(task); err != nil || n < 1000 {
		t.Errorf("Sizeof(task_struct) = %d, %v", n, err)
	}

	_, err = k.LookupType("struct no_such_struct_in_any_kernel")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "struct no_such_struct_in_any_kernel") {
		t.Errorf("unknown struct: %v", err)
	}
	if _, err := k.LookupType("struct bpf_map_type"); !errors.Is(err, ErrNotFound) {
		t.Errorf("struct bpf_map_type (an enum) = %v", err)
	}
}

func TestLiveMembers(t *testing.T) {
	k := liveKernel(t)

	lh, err := k.LookupType("struct list_head")
	if err != nil {
		t.Fatal(err)
	}
	next, err1 := FindMember(lh, "next")
	prev, err2 := FindMember(lh, "prev")
	if err1 != nil || err2 != nil || next.Offset != 0 || prev.Offset != 64 || TypeString(prev.Type) != "struct list_head *" {
		t.Errorf("list_head: next %+v prev %+v (%v, %v)", next, prev, err1, err2)
	}

	// sk_buff's next, prev and dev live in anonymous unions and structs.
	skb, err := k.LookupType("struct sk_buff")
	if err != nil {
		t.Fatal(err)
	}
	top := skb.(*btf.Struct)
	if top.Members[0].Name != "" {
		t.Skipf("struct sk_buff starts with %q, not an anonymous union", top.Members[0].Name)
	}
	for _, name := range []string{"next", "prev", "dev", "len", "data"} {
		m, err := FindMember(skb, name)
		if err != nil {
			t.Errorf("sk_buff.%s: %v", name, err)
			continue
		}
		t.Logf("sk_buff.%s: %s at byte %d", name, Declaration(m.Type, m.Name), m.ByteOffset())
	}
	if m, _ := FindMember(skb, "next"); m.Offset != 0 {
		t.Errorf("sk_buff.next at bit %d, want 0", m.Offset)
	}
	if _, err := FindMember(skb, "devv"); err == nil || SuggestMember(skb, "devv") != "dev" {
		t.Errorf("sk_buff.devv: %v, suggestion %q", err, SuggestMember(skb, "devv"))
	}

	// Every member Members reports is found at the same place by name,
	// including task_struct's bitfields.
	task, err := k.LookupType("struct task_struct")
	if err != nil {
		t.Fatal(err)
	}
	members, err := Members(task)
	if err != nil {
		t.Fatal(err)
	}
	bitfields := 0
	for _, m := range members {
		found, err := FindMember(task, m.Name)
		if err != nil || found.Offset != m.Offset || found.BitfieldSize != m.BitfieldSize {
			t.Errorf("task_struct.%s: Members says %+v, FindMember %+v, %v", m.Name, m, found, err)
		}
		if m.IsBitfield() {
			bitfields++
			if _, ok := m.Bitfield(); !ok {
				t.Errorf("task_struct.%s: no bitfield access", m.Name)
			}
		}
	}
	if bitfields == 0 {
		t.Error("task_struct has no bitfields")
	}
	m, err := FindMember(task, "comm")
	if err != nil || TypeString(m.Type) != "char[16]" {
		t.Errorf("task_struct.comm = %s, %v", TypeString(m.Type), err)
	}
}

func TestLiveEnumConstant(t *testing.T) {
	k := liveKernel(t)
	for name, want := range map[string]uint64{
		"BPF_MAP_TYPE_HASH":        1,
		"BPF_MAP_TYPE_ARRAY":       2,
		"BPF_PROG_TYPE_KPROBE":     2,
		"BPF_MAP_TYPE_UNSPEC":      0,
		"BPF_PROG_TYPE_TRACEPOINT": 5,
	} {
		c, err := k.EnumConstant(name)
		if err != nil || c.Value != want || c.Module != "" {
			t.Errorf("EnumConstant(%s) = %+v, %v; want %d", name, c, err, want)
		}
	}
	_, err := k.EnumConstant("NO_SUCH_ENUMERATOR")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "NO_SUCH_ENUMERATOR") {
		t.Errorf("unknown enumerator: %v", err)
	}
}

// TestLiveEnumScan checks the raw enum scanner against a full decode of
// vmlinux by cilium/ebpf.
func TestLiveEnumScan(t *testing.T) {
	raw, rs := liveRawSpec(t)
	index := rs.enumerators()
	spec, err := btf.LoadSpec(liveVmlinux)
	if err != nil {
		t.Fatal(err)
	}
	want := make(map[string]btf.TypeID)
	for typ, err := range spec.All() {
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := typ.(*btf.Enum); ok {
			id, err := spec.TypeID(e)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range e.Values {
				if _, dup := want[v.Name]; !dup {
					want[v.Name] = id
				}
			}
		}
	}
	if len(index) != len(want) {
		t.Errorf("scanner found %d enumerators, cilium/ebpf %d", len(index), len(want))
	}
	for name, id := range want {
		if index[name] != id {
			t.Errorf("%s: scanner says type %d, cilium/ebpf %d", name, index[name], id)
		}
	}
	t.Logf("%d enumerators", len(index))

	for _, bad := range [][]byte{nil, []byte("short"), make([]byte, 24), raw[:100]} {
		if _, err := parseRawSpec(bad); err == nil {
			t.Errorf("parseRawSpec accepted %d bytes of garbage", len(bad))
		}
	}
}

func TestLiveFunction(t *testing.T) {
	k := liveKernel(t)
	fn, err := k.Function("vfs_read")
	if err != nil {
		t.Fatal(err)
	}
	var decls []string
	for _, p := range fn.Params {
		decls = append(decls, Declaration(p.Type, p.Name))
	}
	got := strings.Join(decls, ", ")
	want := "struct file *file, char *buf, size_t count, loff_t *pos"
	if got != want || TypeString(fn.Return) != "ssize_t" || fn.Module != "" || fn.Variadic {
		t.Errorf("vfs_read(%s) returns %s; want (%s) returning ssize_t", got, TypeString(fn.Return), want)
	}

	if fn, err := k.Function("_printk"); err == nil && !fn.Variadic {
		t.Errorf("_printk is not variadic: %+v", fn)
	}
	if _, err := k.Function("no_such_function_xyz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown function: %v", err)
	}
}

func TestLiveRawTracepointArgs(t *testing.T) {
	k := liveKernel(t)
	args, err := k.RawTracepointArgs("sched_switch")
	if err != nil {
		t.Fatal(err)
	}
	var decls []string
	for _, a := range args {
		decls = append(decls, Declaration(a.Type, a.Name))
	}
	got := strings.Join(decls, ", ")
	want := "bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state"
	if got != want {
		t.Errorf("sched_switch args = %s, want %s", got, want)
	}

	_, err = k.RawTracepointArgs("no_such_tracepoint")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no_such_tracepoint") {
		t.Errorf("unknown raw tracepoint: %v", err)
	}
}

func TestLiveModules(t *testing.T) {
	k := liveKernel(t)
	mods, err := k.Modules()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d modules with BTF", len(mods))
	if len(mods) == 0 {
		return
	}
	spec, err := k.ModuleSpec(mods[0])
	if err != nil {
		t.Fatalf("ModuleSpec(%s): %v", mods[0], err)
	}
	n := 0
	for range spec.All() {
		n++
	}
	t.Logf("module %s: %d types", mods[0], n)
}

// TestLiveConcurrent uses one Kernel from several goroutines; run with
// -race.
func TestLiveConcurrent(t *testing.T) {
	k := liveKernel(t)
	testenv.Root(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			var err error
			switch i % 4 {
			case 0:
				_, err = k.LookupType("struct task_struct")
			case 1:
				_, err = k.EnumConstant("BPF_MAP_TYPE_HASH")
			case 2:
				_, err = k.TracepointFormat("sched", "sched_switch")
			case 3:
				_, err = k.Tracepoints("sched", "*")
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}
