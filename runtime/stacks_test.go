package runtime

import (
	"encoding/binary"
	"reflect"
	"testing"
)

// TestFormatBuildIDFrames checks how frames of a build-id stack map
// print, as the newest bpftrace's format_build_id_stack prints them: the
// build id and "0x" with the offset in at least two hex digits, the
// address alone where the kernel fell back to it, up to the first empty
// frame.
func TestFormatBuildIDFrames(t *testing.T) {
	frame := func(status int32, id byte, v uint64) []byte {
		f := make([]byte, 32)
		binary.LittleEndian.PutUint32(f, uint32(status))
		for i := 4; i < 24; i++ {
			f[i] = id + byte(i)
		}
		binary.LittleEndian.PutUint64(f[24:], v)
		return f
	}
	var buf []byte
	buf = append(buf, frame(1, 0xa0, 0x1139)...)
	buf = append(buf, frame(1, 0x00, 0x5)...)
	buf = append(buf, frame(2, 0, 0x7ffff7dd1234)...)
	buf = append(buf, frame(0, 0, 0)...)
	buf = append(buf, frame(1, 0x10, 0x99)...)
	got := formatBuildIDFrames(buf)
	want := []string{
		"a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7 0x1139",
		"0405060708090a0b0c0d0e0f1011121314151617 0x05",
		"7ffff7dd1234",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestStackValue checks that the number of frames len() keeps in a
// stack's top bits does not change its id or pid.
func TestStackValue(t *testing.T) {
	v := uint64(127)<<54 | uint64(4194303)<<32 | 0xfffffff2
	if id, pid := stackValue(v); id != 0xfffffff2 || pid != 4194303 {
		t.Errorf("stackValue(%#x) = %#x, %d", v, id, pid)
	}
}
