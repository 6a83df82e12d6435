package codegen_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/internal/testenv"
)

// skbOutputScript calls skboutput() with a length read from the skb, a
// constant one, two files and two offsets of one file.
const skbOutputScript = `fentry:__dev_queue_xmit {
  $r = skboutput("a.pcap", args.skb, args.skb->len, 14);
  @r[$r] = count();
  @s = skboutput("b.pcap", args.skb, 1500, 0);
  if (skboutput("a.pcap", args.skb, 64, 0) != 0) { @err = count(); }
  skboutput("a.pcap", args.skb, 20, 14);
}`

// TestSkbOutputCode checks what skboutput() becomes: bpf_skb_output to
// the perf event array, and a table entry for each file and offset.
func TestSkbOutputCode(t *testing.T) {
	testenv.BPF(t)
	obj := compileKernelFuncs(t, skbOutputScript, false)
	if n := helpers(obj)["FnSkbOutput"]; n != 4 {
		t.Errorf("%d bpf_skb_output calls, want 4", n)
	}
	var perf *ebpf.MapSpec
	for _, m := range obj.Internal {
		if m.Name == codegen.SkbEventsMap {
			perf = m
		}
	}
	if perf == nil || perf.Type != ebpf.PerfEventArray {
		t.Errorf("no perf event array %s: %v", codegen.SkbEventsMap, perf)
	}
	var got []string
	for _, a := range obj.Actions {
		if a.Kind == codegen.ActSkbOutput {
			got = append(got, fmt.Sprintf("%s+%d", a.Text, a.Offset))
		}
	}
	if fmt.Sprint(got) != "[a.pcap+14 b.pcap+0 a.pcap+0]" {
		t.Errorf("skboutput table %v", got)
	}
}

// TestSkbOutputVerifier loads the skboutput() programs. This kernel
// refuses fentry programs (EPERM, before any verification), which the
// test accepts; so it also loads the same instructions as a tp_btf
// program of net_dev_queue, a BPF_PROG_TYPE_TRACING program too whose
// context starts with the same struct sk_buff *, which this kernel
// verifies: bpf_skb_output must accept the skb there.
func TestSkbOutputVerifier(t *testing.T) {
	testenv.BPF(t)
	for _, v4 := range []bool{false, true} {
		obj := compileKernelFuncs(t, skbOutputScript, v4)
		cs := obj.CollectionSpec()
		coll, err := ebpf.NewCollection(cs)
		switch {
		case err == nil:
			coll.Close()
		case errors.Is(err, unix.EPERM):
			t.Logf("v4=%v: this kernel refuses fentry programs: %v", v4, err)
		default:
			err = codegen.WithVerifierLog(err, obj)
			t.Errorf("v4=%v: %v", v4, err)
		}
		tp := cs.Copy()
		for _, p := range tp.Programs {
			if p.Type != ebpf.Tracing {
				t.Fatalf("program %s of type %v", p.Name, p.Type)
			}
			p.AttachType, p.AttachTo = ebpf.AttachTraceRawTp, "net_dev_queue"
		}
		coll, err = ebpf.NewCollection(tp)
		if err != nil {
			err = codegen.WithVerifierLog(err, obj)
			t.Errorf("v4=%v, as tp_btf: %v", v4, err)
			continue
		}
		coll.Close()
	}
}

// TestSkbOutputNeedsAnSkb checks that the verifier is what refuses
// bpf_skb_output on something not an sk_buff: the same code on
// net_dev_xmit_timeout's struct net_device * fails to load.
func TestSkbOutputNeedsAnSkb(t *testing.T) {
	testenv.BPF(t)
	obj := compileKernelFuncs(t, `fentry:__dev_queue_xmit { skboutput("a.pcap", args.skb, 64, 0); }`, false)
	cs := obj.CollectionSpec()
	for _, p := range cs.Programs {
		p.AttachType, p.AttachTo = ebpf.AttachTraceRawTp, "net_dev_xmit_timeout"
	}
	coll, err := ebpf.NewCollection(cs)
	if err == nil {
		coll.Close()
		t.Fatal("bpf_skb_output on a struct net_device * loaded")
	}
	var ve *ebpf.VerifierError
	if !errors.As(err, &ve) || !strings.Contains(fmt.Sprintf("%+v", ve), "sk_buff") {
		t.Fatalf("not the verifier's refusal of the argument: %+v", err)
	}
}
