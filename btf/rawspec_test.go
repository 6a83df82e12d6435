package btf

import (
	"fmt"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/internal/testenv"
)

// TestLiveRawSpecMatchesCilium decodes every type of this machine's vmlinux
// with rawSpec and with cilium/ebpf and compares the two graphs.
func TestLiveRawSpecMatchesCilium(t *testing.T) {
	_, rs := liveRawSpec(t)
	spec, err := btf.LoadSpec(liveVmlinux)
	if err != nil {
		t.Fatal(err)
	}

	seen := make(map[[2]btf.Type]bool)
	compared := 0
	for id := btf.TypeID(1); int(id) < len(rs.offsets); id++ {
		want, err := spec.TypeByID(id)
		if err != nil {
			t.Fatalf("cilium/ebpf: type %d: %v", id, err)
		}
		got, err := rs.TypeByID(id)
		if err != nil {
			// Declaration tags are not decoded on their own.
			if _, info, _, _ := rs.header(id); info>>24&0x1f == kindDeclTag {
				continue
			}
			t.Fatalf("type %d: %v", id, err)
		}
		if diff := sameType(got, want, seen); diff != "" {
			t.Fatalf("type %d (%s): %s", id, want.TypeName(), diff)
		}
		compared++
	}
	t.Logf("%d types compared", compared)

	for _, name := range []string{"task_struct", "sk_buff", "u64", "pid_t", "vfs_read", "btf_trace_sched_switch", "no_such_type_at_all"} {
		got, gerr := rs.AnyTypesByName(name)
		want, werr := spec.AnyTypesByName(name)
		if (gerr == nil) != (werr == nil) || len(got) != len(want) {
			t.Errorf("AnyTypesByName(%q): %d types, %v; cilium/ebpf %d, %v", name, len(got), gerr, len(want), werr)
			continue
		}
		for i := range got {
			if diff := sameType(got[i], want[i], seen); diff != "" {
				t.Errorf("AnyTypesByName(%q)[%d]: %s", name, i, diff)
			}
		}
	}
}

// liveRawSpec reads this machine's vmlinux BTF and indexes it.
func liveRawSpec(t testing.TB) ([]byte, *rawSpec) {
	t.Helper()
	testenv.File(t, liveVmlinux)
	raw, err := readRawBTF(liveVmlinux)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := parseRawSpec(raw)
	if err != nil {
		t.Fatal(err)
	}
	return raw, rs
}

// sameType compares two type graphs, ignoring declaration tags; it returns
// "" if they are the same, or where they differ.
func sameType(a, b btf.Type, seen map[[2]btf.Type]bool) string {
	if a == nil || b == nil {
		if a == nil && b == nil {
			return ""
		}
		return fmt.Sprintf("%v vs %v", a, b)
	}
	if seen[[2]btf.Type{a, b}] {
		return ""
	}
	seen[[2]btf.Type{a, b}] = true
	if fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) || a.TypeName() != b.TypeName() {
		return fmt.Sprintf("%T %q vs %T %q", a, a.TypeName(), b, b.TypeName())
	}
	sub := func(what string, x, y btf.Type) string {
		if d := sameType(x, y, seen); d != "" {
			return what + ": " + d
		}
		return ""
	}
	members := func(x, y []btf.Member) string {
		if len(x) != len(y) {
			return fmt.Sprintf("%d members vs %d", len(x), len(y))
		}
		for i := range x {
			if x[i].Name != y[i].Name || x[i].Offset != y[i].Offset || x[i].BitfieldSize != y[i].BitfieldSize {
				return fmt.Sprintf("member %d: %+v vs %+v", i, x[i], y[i])
			}
			if d := sub("member "+x[i].Name, x[i].Type, y[i].Type); d != "" {
				return d
			}
		}
		return ""
	}
	switch a := a.(type) {
	case *btf.Void:
		return ""
	case *btf.Int:
		if *a != *b.(*btf.Int) {
			return fmt.Sprintf("%+v vs %+v", *a, *b.(*btf.Int))
		}
	case *btf.Float:
		if *a != *b.(*btf.Float) {
			return fmt.Sprintf("%+v vs %+v", *a, *b.(*btf.Float))
		}
	case *btf.Fwd:
		if *a != *b.(*btf.Fwd) {
			return fmt.Sprintf("%+v vs %+v", *a, *b.(*btf.Fwd))
		}
	case *btf.Pointer:
		return sub("target", a.Target, b.(*btf.Pointer).Target)
	case *btf.Array:
		b := b.(*btf.Array)
		if a.Nelems != b.Nelems {
			return fmt.Sprintf("%d elements vs %d", a.Nelems, b.Nelems)
		}
		if d := sub("index", a.Index, b.Index); d != "" {
			return d
		}
		return sub("element", a.Type, b.Type)
	case *btf.Struct:
		b := b.(*btf.Struct)
		if a.Size != b.Size {
			return fmt.Sprintf("size %d vs %d", a.Size, b.Size)
		}
		return members(a.Members, b.Members)
	case *btf.Union:
		b := b.(*btf.Union)
		if a.Size != b.Size {
			return fmt.Sprintf("size %d vs %d", a.Size, b.Size)
		}
		return members(a.Members, b.Members)
	case *btf.Enum:
		b := b.(*btf.Enum)
		if a.Size != b.Size || a.Signed != b.Signed || fmt.Sprint(a.Values) != fmt.Sprint(b.Values) {
			return fmt.Sprintf("%+v vs %+v", *a, *b)
		}
	case *btf.Typedef:
		return sub("typedef", a.Type, b.(*btf.Typedef).Type)
	case *btf.Const:
		return sub("const", a.Type, b.(*btf.Const).Type)
	case *btf.Volatile:
		return sub("volatile", a.Type, b.(*btf.Volatile).Type)
	case *btf.Restrict:
		return sub("restrict", a.Type, b.(*btf.Restrict).Type)
	case *btf.TypeTag:
		b := b.(*btf.TypeTag)
		if a.Value != b.Value {
			return fmt.Sprintf("tag %q vs %q", a.Value, b.Value)
		}
		return sub("type tag", a.Type, b.Type)
	case *btf.Func:
		b := b.(*btf.Func)
		if a.Linkage != b.Linkage {
			return fmt.Sprintf("linkage %v vs %v", a.Linkage, b.Linkage)
		}
		return sub("func", a.Type, b.Type)
	case *btf.FuncProto:
		b := b.(*btf.FuncProto)
		if len(a.Params) != len(b.Params) {
			return fmt.Sprintf("%d params vs %d", len(a.Params), len(b.Params))
		}
		for i := range a.Params {
			if a.Params[i].Name != b.Params[i].Name {
				return fmt.Sprintf("param %d: %q vs %q", i, a.Params[i].Name, b.Params[i].Name)
			}
			if d := sub("param "+a.Params[i].Name, a.Params[i].Type, b.Params[i].Type); d != "" {
				return d
			}
		}
		return sub("return", a.Return, b.Return)
	case *btf.Var:
		b := b.(*btf.Var)
		if a.Linkage != b.Linkage {
			return fmt.Sprintf("linkage %v vs %v", a.Linkage, b.Linkage)
		}
		return sub("var", a.Type, b.Type)
	case *btf.Datasec:
		b := b.(*btf.Datasec)
		if a.Size != b.Size || len(a.Vars) != len(b.Vars) {
			return fmt.Sprintf("datasec %d/%d vs %d/%d", a.Size, len(a.Vars), b.Size, len(b.Vars))
		}
		for i := range a.Vars {
			if a.Vars[i].Offset != b.Vars[i].Offset || a.Vars[i].Size != b.Vars[i].Size {
				return fmt.Sprintf("var %d: %+v vs %+v", i, a.Vars[i], b.Vars[i])
			}
			if d := sub("datasec var", a.Vars[i].Type, b.Vars[i].Type); d != "" {
				return d
			}
		}
	default:
		return fmt.Sprintf("unexpected %T", a)
	}
	return ""
}

func BenchmarkRawSpecByName(b *testing.B) {
	_, rs := liveRawSpec(b)
	for b.Loop() {
		rs.byName = nil
		rs.idsByName("task_struct")
	}
}
