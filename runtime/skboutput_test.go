package runtime

import (
	"bytes"
	"encoding/binary"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/internal/e2e"
	"github.com/gtrace/gtrace/internal/testenv"
	"github.com/gtrace/gtrace/lang"
)

// ipv4UDP returns an IPv4 UDP packet from 10.0.0.1:1000 to
// 10.0.0.2:2000 carrying payload (checksums left 0).
func ipv4UDP(payload string) []byte {
	n := 20 + 8 + len(payload)
	p := make([]byte, n)
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], uint16(n))
	p[8] = 64
	p[9] = 17
	copy(p[12:], []byte{10, 0, 0, 1})
	copy(p[16:], []byte{10, 0, 0, 2})
	binary.BigEndian.PutUint16(p[20:], 1000)
	binary.BigEndian.PutUint16(p[22:], 2000)
	binary.BigEndian.PutUint16(p[24:], uint16(8+len(payload)))
	copy(p[28:], payload)
	return p
}

// tcpdump reads a pcap file with tcpdump -n -r.
func tcpdump(t *testing.T, path string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("tcpdump")
	if err != nil {
		testenv.Skip(t, "needs tcpdump (apt-get install tcpdump)")
	}
	out, err := exec.Command(bin, append([]string{"-n", "-r", path}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("tcpdump -r %s: %v\n%s", path, err, out)
	}
	return string(out)
}

// TestPcapWriter writes samples as the programs send them (header,
// packet, perf padding) through skbOutput and reads the file back with
// tcpdump: raw IP, the offset and the padding cut off, the time since
// boot turned into the time of day.
func TestPcapWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := newPcapWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	s := &skbOutput{
		actions: []*codegen.Action{{Kind: codegen.ActPrintf},
			{Kind: codegen.ActSkbOutput, Text: path, Offset: 14},
			{Kind: codegen.ActSkbOutput, Text: path, Offset: 100}},
		files: map[string]*pcapWriter{path: w},
		boot:  uint64(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC).UnixNano()),
	}
	sample := func(id int, ns uint64, pkt []byte, pad int) []byte {
		b := make([]byte, codegen.SkbHeader)
		binary.LittleEndian.PutUint64(b, uint64(id))
		binary.LittleEndian.PutUint64(b[8:], ns)
		binary.LittleEndian.PutUint64(b[16:], uint64(len(pkt)))
		b = append(b, pkt...)
		return append(b, bytes.Repeat([]byte{0xee}, pad)...)
	}
	eth := make([]byte, 14)
	for _, smp := range [][]byte{
		sample(1, 1_500_000_000, append(eth, ipv4UDP("hello")...), 3),
		sample(1, 2_000_123_456, append(eth, ipv4UDP("world!")...), 0),
		sample(2, 3_000_000_000, append(eth, ipv4UDP("short")...), 5), // offset beyond the packet: nothing
	} {
		if err := s.write(smp); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.write(sample(0, 0, nil, 0)); err == nil {
		t.Error("a sample for a printf action was accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := tcpdump(t, path, "-tt")
	want := "reading from file " + path + ", link-type RAW (Raw IP), snapshot length 65535"
	if !strings.Contains(out, want) {
		t.Errorf("tcpdump: no %q in\n%s", want, out)
	}
	lines := strings.Split(strings.TrimSpace(out[strings.Index(out, want)+len(want):]), "\n")
	start := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC).Unix()
	wantLines := []string{
		strconv.FormatInt(start+1, 10) + ".500000 IP 10.0.0.1.1000 > 10.0.0.2.2000: UDP, length 5",
		strconv.FormatInt(start+2, 10) + ".000123 IP 10.0.0.1.1000 > 10.0.0.2.2000: UDP, length 6",
	}
	if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("tcpdump:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
	}
}

// TestSkbOutputPerfBuffer runs skboutput()'s user-space side on packets
// the kernel really sends: the compiled fentry program, which this
// kernel refuses to load, is loaded as the tp_btf program of
// net_dev_queue (also a tracing program whose context starts with the
// struct sk_buff *) and attached; UDP packets sent over loopback must
// come out of the perf buffer into the pcap file, without their
// ethernet header (offset 14), as tcpdump reads them.
func TestSkbOutputPerfBuffer(t *testing.T) {
	testenv.BPF(t)
	// Programs loaded here must not be seen by other packages' tests
	// that count the loaded programs around a run.
	defer e2e.Lock()()
	path := filepath.Join(t.TempDir(), "lo.pcap")
	src := `fentry:__dev_queue_xmit { skboutput("` + path + `", args.skb, args.skb->len, 14); }`
	kernel := btf.NewKernel(btf.Options{})
	prog, err := lang.Parse("", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := lang.Check(prog, lang.CheckOptions{Kernel: kernel, Config: lang.DefaultConfig()}); err != nil {
		t.Fatal(lang.Render(err, map[string]string{"": src}))
	}
	obj, err := codegen.Compile(prog, nil, codegen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cs := obj.CollectionSpec()
	for _, p := range cs.Programs {
		p.AttachType, p.AttachTo = ebpf.AttachTraceRawTp, "net_dev_queue"
	}
	coll, err := ebpf.NewCollection(cs)
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	r := &runner{obj: obj, coll: coll, opts: Options{Stderr: os.Stderr}}
	if err := r.openSkbOutput(); err != nil {
		t.Fatal(err)
	}
	var l link.Link
	for _, p := range coll.Programs {
		l, err = link.AttachTracing(link.TracingOptions{Program: p, AttachType: ebpf.AttachTraceRawTp})
		if err != nil {
			r.closeSkbOutput()
			t.Fatal(err)
		}
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i := 0; i < 3; i++ {
		if _, err := conn.WriteToUDP([]byte("gtrace-skboutput-test"), conn.LocalAddr().(*net.UDPAddr)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	l.Close()
	r.closeSkbOutput()
	out := tcpdump(t, path, "-A", "udp")
	t.Logf("tcpdump -r:\n%s", out)
	if !strings.Contains(out, "link-type RAW (Raw IP)") || strings.Count(out, "gtrace-skboutput-test") < 3 ||
		!strings.Contains(out, "IP 127.0.0.1.") {
		t.Errorf("tcpdump -r:\n%s", out)
	}
}
