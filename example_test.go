package gtrace_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/runtime/output"
)

// Compile a script, run it, and read its maps back as Go values (its
// output, which would go to os.Stdout by default, is discarded here).
// README.md copies this example.
func Example() {
	script, err := gtrace.Compile(`BEGIN { @answer = 6 * 7; @langs["bpftrace"] = count(); exit(); }`, gtrace.Options{})
	if err != nil {
		fmt.Print(gtrace.Render(err))
		return
	}
	res, err := script.Run(context.Background(), gtrace.RunOptions{Output: io.Discard})
	if err != nil {
		fmt.Print(gtrace.Render(err))
		return
	}
	answer, _ := res.Map("@answer").Lookup()
	count, _ := res.Map("@langs").Lookup("bpftrace")
	fmt.Printf("%T %v, %T %v\n", answer, answer, count, count)
	// Output:
	// int64 42, uint64 1
}

// Trace a tracepoint until the context is cancelled: here once this
// process has made three getppid() calls, which the script counts.
func ExampleScript_Run() {
	script, err := gtrace.Compile(`tracepoint:syscalls:sys_enter_getppid /pid == $1/ { @calls[comm] = count(); }`,
		gtrace.Options{Params: []string{strconv.Itoa(os.Getpid())}})
	if err != nil {
		fmt.Print(gtrace.Render(err))
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	res, err := script.Run(ctx, gtrace.RunOptions{
		Output: io.Discard,
		Attached: func() {
			for i := 0; i < 3; i++ {
				syscall.Getppid()
			}
			cancel()
		},
	})
	if err != nil {
		fmt.Print(gtrace.Render(err))
		return
	}
	for _, e := range res.Map("@calls").Entries {
		fmt.Println(e.Key[0], e.Value)
	}
	// Output:
	// gtrace.test 3
}

// JSON output: one JSON object a line, as bpftrace -f json writes it.
func ExampleRunOptions_json() {
	script, err := gtrace.Compile(`BEGIN { @bytes["read"] = hist(100); @n = count(); exit(); }`, gtrace.Options{})
	if err != nil {
		fmt.Print(gtrace.Render(err))
		return
	}
	if _, err := script.Run(context.Background(), gtrace.RunOptions{Output: os.Stdout, Format: gtrace.FormatJSON}); err != nil {
		fmt.Print(gtrace.Render(err))
	}
	// Output:
	// {"type": "attached_probes", "data": {"probes": 1}}
	// {"type": "hist", "data": {"@bytes": {"read": [{"min": 64, "max": 127, "count": 1}]}}}
	// {"type": "map", "data": {"@n": 1}}
}

// Map values are Go values: integers, strings, tuples, and histograms
// with their buckets.
func ExampleResult_Map() {
	script, err := gtrace.Compile(`BEGIN {
		@sizes["read"] = hist(100); @sizes["read"] = hist(3000);
		@last[1, "a"] = (2, "b");
		exit();
	}`, gtrace.Options{})
	if err != nil {
		fmt.Print(gtrace.Render(err))
		return
	}
	res, err := script.Run(context.Background(), gtrace.RunOptions{Output: io.Discard})
	if err != nil {
		fmt.Print(gtrace.Render(err))
		return
	}
	for _, e := range res.Map("@sizes").Entries {
		for _, b := range e.Value.(*output.Histogram).Buckets {
			if b.Count > 0 {
				fmt.Printf("%s [%d, %d]: %d\n", e.Key[0], b.Min, b.Max, b.Count)
			}
		}
	}
	last, _ := res.Map("@last").Lookup(1, "a")
	fmt.Printf("%#v\n", last)
	// Output:
	// read [64, 127]: 1
	// read [2048, 4095]: 1
	// output.Tuple{2, "b"}
}

// Errors point at the script, as bpftrace's do.
func ExampleRender() {
	_, err := gtrace.Compile(`BEGIN { @x = 1 +; }`, gtrace.Options{})
	fmt.Print(gtrace.Render(err))
	// Output:
	// stdin:1:17: ERROR: syntax error, unexpected ;
	// BEGIN { @x = 1 +; }
	//                 ^
}
