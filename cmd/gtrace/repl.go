package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"

	"github.com/chzyer/readline"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/btf"
)

// The interactive prompt: gtrace with no program on a terminal, or
// gtrace -i. Each entry is a program (continued over several lines while
// braces are open) that runs until it exits or Ctrl-C stops it, or a
// dot-command.

const (
	prompt         = "gtrace> "
	continuePrompt = "     -> "
	// historyFile is kept in the user's home directory.
	historyFile = ".gtrace_history"
)

// repl is one interactive session.
type repl struct {
	cmd    *command
	opts   *options
	env    *environment
	kernel *btf.Kernel
	rl     *readline.Instance
	out    io.Writer
	// sigs receives Ctrl-C while a program runs.
	sigs chan os.Signal

	// mu guards pending and seen, which the completer reads from
	// readline's goroutine.
	mu sync.Mutex
	// pending holds the lines of an entry whose braces are still open.
	pending []string
	// seen is every entry so far, for completing map names.
	seen strings.Builder
	// kept are the definitions earlier entries made.
	kept []definition
	// last is the last program run, for .last.
	last string
}

// repl runs the interactive prompt until .quit or end of input; the
// programs' output goes to out.
func (c *command) repl(o *options, env *environment, kernel *btf.Kernel, out io.Writer) int {
	r := &repl{cmd: c, opts: o, env: env, kernel: kernel, out: out}
	cfg := &readline.Config{
		Prompt:                 prompt,
		DisableAutoSaveHistory: true,
		HistorySearchFold:      true,
		InterruptPrompt:        "^C",
		EOFPrompt:              ".quit",
		AutoComplete:           &completer{kernel: kernel, typed: r.typed},
		Stdout:                 c.stdout,
		Stderr:                 c.stderr,
	}
	if home, err := os.UserHomeDir(); err == nil {
		cfg.HistoryFile = filepath.Join(home, historyFile)
	}
	if f, ok := c.stdin.(*os.File); !ok || f != os.Stdin {
		cfg.Stdin = io.NopCloser(c.stdin)
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		fmt.Fprintf(c.stderr, "ERROR: starting the interactive prompt: %v\n", err)
		return 1
	}
	defer rl.Close()
	r.rl = rl
	r.sigs = make(chan os.Signal, 1)
	signal.Notify(r.sigs, os.Interrupt)
	defer signal.Stop(r.sigs)
	fmt.Fprintln(c.stdout, `gtrace interactive: enter a program, ".help" for help, ".quit" to leave.`)
	for {
		line, err := rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			// Ctrl-C at the prompt drops the entry being typed.
			r.mu.Lock()
			r.pending = nil
			r.mu.Unlock()
			rl.SetPrompt(prompt)
			continue
		case err != nil:
			return 0
		}
		if quit := r.line(line); quit {
			return 0
		}
	}
}

// typed returns the earlier entries and the lines of the entry being
// typed, for completion.
func (r *repl) typed() (seen, pending string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen.String(), strings.Join(r.pending, "\n")
}

// line handles one line read at the prompt; it reports whether the
// session ends.
func (r *repl) line(line string) (quit bool) {
	r.mu.Lock()
	first := len(r.pending) == 0
	r.mu.Unlock()
	if trimmed := strings.TrimSpace(line); first && strings.HasPrefix(trimmed, ".") {
		r.rl.SaveHistory(trimmed)
		return r.dotCommand(trimmed)
	} else if first && trimmed == "" {
		return false
	}
	entry, done := r.add(line)
	if !done {
		r.rl.SetPrompt(continuePrompt)
		return false
	}
	r.rl.SetPrompt(prompt)
	r.rl.SaveHistory(oneLine(entry))
	r.last = entry
	r.runEntry(entry)
	return false
}

// add adds a line to the entry being typed; once its braces are closed it
// returns the whole entry and done.
func (r *repl) add(line string) (entry string, done bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = append(r.pending, line)
	entry = strings.Join(r.pending, "\n")
	if !complete(entry) {
		return "", false
	}
	r.pending = nil
	r.seen.WriteString(entry + "\n")
	return entry, true
}

// runEntry compiles an entry, with the definitions of earlier entries,
// and runs it until it exits or Ctrl-C stops it.
func (r *repl) runEntry(entry string) {
	cmd := r.cmd
	defs, probes, err := parseEntry(entry)
	if err == nil && probes == 0 {
		// Only definitions: keep them for the programs that follow.
		r.kept = keep(r.kept, defs)
		return
	}
	script, err := gtrace.Compile(withDefinitions(entry, r.kept), r.opts.compileOptions("", r.env, r.kernel))
	if err != nil {
		fmt.Fprint(cmd.stderr, gtrace.Render(err))
		return
	}
	r.kept = keep(r.kept, defs)
	fmt.Fprint(cmd.stderr, script.Warnings())
	if r.opts.debug > 0 {
		fmt.Fprint(r.out, script.Dump())
		return
	}
	// A Ctrl-C pressed before the run is not for it.
	select {
	case <-r.sigs:
	default:
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-r.sigs:
			cancel()
		case <-ctx.Done():
		}
	}()
	res, err := script.Run(ctx, cmd.runOptions(r.opts, r.out))
	if err != nil {
		cmd.runError(err, r.opts.verbose)
		return
	}
	if res.ExitCode != 0 {
		fmt.Fprintf(cmd.stderr, "exit code %d\n", res.ExitCode)
	}
}

// dotCommands are the REPL's commands, with their help.
var dotCommands = []struct{ name, args, help string }{
	{".help", "", "show this help"},
	{".list", "[PATTERN] [-v]", "list probes (or kernel types: struct NAME) matching PATTERN, with -v their arguments (definitions)"},
	{".set", "NAME VALUE", "set a config variable, e.g. .set max_strlen 128"},
	{".last", "", "run the last program again"},
	{".quit", "", "leave (also Ctrl-D)"},
}

// dotCommandNames lists the dot-commands, for completion.
func dotCommandNames() []string {
	var names []string
	for _, d := range dotCommands {
		names = append(names, d.name)
	}
	return names
}

// dotCommand runs a dot-command; it reports whether the session ends.
func (r *repl) dotCommand(line string) (quit bool) {
	stdout, stderr := r.cmd.stdout, r.cmd.stderr
	f := strings.Fields(line)
	switch f[0] {
	case ".help":
		fmt.Fprint(stdout, "Enter a program such as\n"+
			"    tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }\n"+
			"over as many lines as it takes. It runs until it calls exit() or you press\n"+
			"Ctrl-C; then its maps print. Tab completes probes, builtins, functions and\n"+
			"maps; struct definitions, #defines and macros stay defined for later programs.\n\n")
		for _, d := range dotCommands {
			fmt.Fprintf(stdout, "    %-22s %s\n", strings.TrimSpace(d.name+" "+d.args), d.help)
		}
	case ".list":
		// The words other than -v make the pattern: "struct path" is
		// one.
		var words []string
		verbose := false
		for _, a := range f[1:] {
			if a == "-v" {
				verbose = true
			} else {
				words = append(words, a)
			}
		}
		pattern := strings.Join(words, " ")
		r.cmd.list(pattern, verbose, r.kernel, r.opts.target.PID)
	case ".set":
		if len(f) < 3 {
			fmt.Fprintln(stderr, "ERROR: usage: .set NAME VALUE")
			break
		}
		if err := r.env.config.Set(f[1], strings.Join(f[2:], " ")); err != nil {
			fmt.Fprintf(stderr, "ERROR: %v\n", err)
		}
	case ".last":
		if r.last == "" {
			fmt.Fprintln(stderr, "ERROR: no program has run yet")
			break
		}
		r.runEntry(r.last)
	case ".quit", ".exit":
		return true
	default:
		fmt.Fprintf(stderr, "ERROR: unknown command %s (.help lists them)\n", f[0])
	}
	return false
}
