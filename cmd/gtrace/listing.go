package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/lang"
)

// listing is gtrace -l. Given a program (-l -e 'PROGRAM', or -l FILE
// naming a file that exists, as the newest bpftrace decides) it prints
// the probes the program attaches to; otherwise what matches the pattern
// (see list).
func (c *command) listing(o *options, env *environment, kernel *btf.Kernel) int {
	name, src := "", o.program
	if !o.haveProg {
		if _, err := os.Stat(o.search); o.search == "" || err != nil {
			if strings.Contains(o.search, ".") && !strings.ContainsAny(o.search, ":*") {
				fmt.Fprintf(c.stderr, "WARNING: It appears that '%s' is a filename but the file does not exist. Treating '%s' as a search pattern.\n", o.search, o.search)
			}
			return c.list(o.search, o.verbose, kernel, o.target.PID)
		}
		b, err := os.ReadFile(o.search)
		if err != nil {
			fmt.Fprintf(c.stderr, "ERROR: failed to open file '%s': %s\n", o.search, errnoText(err))
			return 1
		}
		name, src = o.search, string(b)
	}
	probes, err := gtrace.ListProgram(src, o.compileOptions(name, env, kernel), o.verbose)
	if err != nil {
		fmt.Fprint(c.stderr, gtrace.Render(err))
		return 1
	}
	c.printListed(probes)
	return 0
}

// printListed prints a listing as bpftrace does.
func (c *command) printListed(listed []lang.Listed) {
	w := bufio.NewWriter(c.stdout)
	defer w.Flush()
	warned := map[string]bool{}
	for _, l := range listed {
		if l.Warning != "" && !warned[l.Warning] {
			warned[l.Warning] = true
			w.Flush()
			fmt.Fprintf(c.stderr, "WARNING: %s\n", l.Warning)
		}
		w.WriteString(l.String())
	}
}
