package runtime

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/cilium/ebpf/perf"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/codegen"
)

// skboutput(): the programs send packets with bpf_skb_output to a perf
// event array (codegen.SkbEventsMap), each sample a codegen.SkbHeader
// (the file's entry in the action table, the time since boot and the
// packet's length) and the packet. A goroutine reads them and writes
// each, from the call's offset on, to its pcap file: raw IP packets
// (LINKTYPE_RAW), as bpftrace writes them with libpcap.

// pcap file format constants (pcap-savefile(5)).
const (
	pcapMagic    = 0xa1b2c3d4 // microsecond timestamps
	pcapSnapLen  = 65535
	linktypeRaw  = 101 // LINKTYPE_RAW: raw IPv4 or IPv6 packets
	pcapHdrSize  = 24
	pcapRecSize  = 16
	pcapVerMajor = 2
	pcapVerMinor = 4
)

// pcapWriter writes a pcap file of raw IP packets.
type pcapWriter struct {
	w *bufio.Writer
	c io.Closer
}

// newPcapWriter starts a pcap file on w: the file header.
func newPcapWriter(w io.WriteCloser) (*pcapWriter, error) {
	p := &pcapWriter{w: bufio.NewWriter(w), c: w}
	var h [pcapHdrSize]byte
	binary.LittleEndian.PutUint32(h[0:], pcapMagic)
	binary.LittleEndian.PutUint16(h[4:], pcapVerMajor)
	binary.LittleEndian.PutUint16(h[6:], pcapVerMinor)
	// thiszone and sigfigs stay 0.
	binary.LittleEndian.PutUint32(h[16:], pcapSnapLen)
	binary.LittleEndian.PutUint32(h[20:], linktypeRaw)
	if _, err := p.w.Write(h[:]); err != nil {
		return nil, err
	}
	return p, nil
}

// WritePacket appends a packet captured at ns nanoseconds since the
// epoch. Like libpcap's pcap_dump with the header bpftrace fills in, it
// records the whole packet, even beyond the snapshot length.
func (p *pcapWriter) WritePacket(ns uint64, pkt []byte) error {
	var h [pcapRecSize]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(ns/1e9))
	binary.LittleEndian.PutUint32(h[4:], uint32(ns%1e9/1e3))
	binary.LittleEndian.PutUint32(h[8:], uint32(len(pkt)))
	binary.LittleEndian.PutUint32(h[12:], uint32(len(pkt)))
	if _, err := p.w.Write(h[:]); err != nil {
		return err
	}
	_, err := p.w.Write(pkt)
	return err
}

// Close flushes and closes the file.
func (p *pcapWriter) Close() error {
	err := p.w.Flush()
	if cerr := p.c.Close(); err == nil {
		err = cerr
	}
	return err
}

// skbOutput reads skboutput()'s packets and writes them to their files.
type skbOutput struct {
	rd      *perf.Reader
	actions []*codegen.Action
	files   map[string]*pcapWriter
	// boot is the wall-clock time of boot, in nanoseconds: samples carry
	// the time since boot (bpf_ktime_get_boot_ns).
	boot     uint64
	stopping atomic.Bool
	done     chan struct{}
	lost     atomic.Uint64
	mu       sync.Mutex
	err      error
}

// openSkbOutput creates the pcap files of the script's skboutput() calls
// (truncating existing ones) and starts reading their packets, when the
// script has any.
func (r *runner) openSkbOutput() error {
	m := r.coll.Maps[codegen.SkbEventsMap]
	if m == nil {
		return nil
	}
	s := &skbOutput{actions: r.obj.Actions, files: map[string]*pcapWriter{}, boot: bootTime(), done: make(chan struct{})}
	for _, a := range r.obj.Actions {
		if a.Kind != codegen.ActSkbOutput || s.files[a.Text] != nil {
			continue
		}
		f, err := os.Create(a.Text)
		if err == nil {
			s.files[a.Text], err = newPcapWriter(f)
		}
		if err != nil {
			s.closeFiles()
			return fmt.Errorf("skboutput: creating the pcap file: %w", err)
		}
	}
	pages := max(r.obj.Config.PerfRbPages, 1)
	rd, err := perf.NewReader(m, pages*os.Getpagesize())
	if err != nil {
		s.closeFiles()
		return fmt.Errorf("skboutput: opening the perf buffer: %w", err)
	}
	s.rd = rd
	r.skb = s
	go s.read()
	return nil
}

// bootTime returns the wall-clock time the machine booted, in
// nanoseconds since the epoch.
func bootTime() uint64 {
	var real, boot unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_REALTIME, &real)
	_ = unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot)
	return uint64(real.Nano() - boot.Nano())
}

// read writes packets until the reader is flushed after stop, or closed.
func (s *skbOutput) read() {
	defer close(s.done)
	var rec perf.Record
	for {
		err := s.rd.ReadInto(&rec)
		switch {
		case errors.Is(err, perf.ErrFlushed):
			if s.stopping.Load() {
				return
			}
			continue
		case errors.Is(err, perf.ErrClosed):
			return
		case err != nil:
			s.fail(err)
			return
		}
		if rec.LostSamples > 0 {
			s.lost.Add(rec.LostSamples)
			continue
		}
		if err := s.write(rec.RawSample); err != nil {
			s.fail(err)
			return
		}
	}
}

func (s *skbOutput) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

// write writes one sample's packet, without the bytes before the call's
// offset and the sample's padding.
func (s *skbOutput) write(sample []byte) error {
	if len(sample) < codegen.SkbHeader {
		return fmt.Errorf("skboutput: short sample of %d bytes", len(sample))
	}
	id := binary.LittleEndian.Uint64(sample)
	ns := binary.LittleEndian.Uint64(sample[8:])
	n := binary.LittleEndian.Uint64(sample[16:])
	if id >= uint64(len(s.actions)) || s.actions[id].Kind != codegen.ActSkbOutput {
		return fmt.Errorf("skboutput: sample for unknown action %d", id)
	}
	a := s.actions[id]
	pkt := sample[codegen.SkbHeader:]
	if n < uint64(len(pkt)) {
		pkt = pkt[:n]
	}
	if uint64(a.Offset) >= uint64(len(pkt)) {
		return nil // nothing to write, as in bpftrace
	}
	return s.files[a.Text].WritePacket(s.boot+ns, pkt[a.Offset:])
}

// closeSkbOutput writes the packets still buffered, stops reading and
// closes the files; it reports packets the buffer dropped on stderr.
func (r *runner) closeSkbOutput() {
	s := r.skb
	if s == nil {
		return
	}
	r.skb = nil
	s.stopping.Store(true)
	s.rd.Flush()
	<-s.done
	s.rd.Close()
	s.closeFiles()
	if n := s.lost.Load(); n > 0 {
		fmt.Fprintf(r.opts.Stderr, "skboutput: %d packets lost (increase perf_rb_pages)\n", n)
	}
	if s.err != nil {
		fmt.Fprintf(r.opts.Stderr, "skboutput: %v\n", s.err)
	}
}

func (s *skbOutput) closeFiles() {
	for _, f := range s.files {
		f.Close()
	}
}
