// A Go program for uprobes: main.work is called N times with 1..N.
// Usage: goprog N [END_MS].
package main

import (
	"os"
	"strconv"
	"time"
)

var sink int

//go:noinline
func work(n int) int { return n * 2 }

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	for i := 1; i <= n; i++ {
		sink += work(i)
	}
	if len(os.Args) > 2 {
		ms, _ := strconv.Atoi(os.Args[2])
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
}
