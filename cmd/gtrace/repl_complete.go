package main

import (
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/gtrace/gtrace/btf"
	"github.com/gtrace/gtrace/lang"
)

// completer completes the word before the cursor at the REPL prompt:
// dot-commands at the start of a line; probe kinds, then tracepoint
// categories and names, outside braces; builtins and functions inside
// them; map names (@...) anywhere.
type completer struct {
	kernel *btf.Kernel
	// typed returns the entries read so far, for map names, and the lines
	// of the entry being typed, before the current line.
	typed func() (seen, pending string)
}

var mapName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`@[A-Za-z_][A-Za-z0-9_]*`) })

// Do implements readline.AutoCompleter: it returns the candidates'
// remaining text and the length of the word they complete.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	before := string(line[:pos])
	start := len(before)
	for start > 0 && isWordByte(before[start-1]) {
		start--
	}
	word := before[start:]
	seen, pending := c.typed()
	var cands []string
	switch {
	case pending == "" && strings.HasPrefix(strings.TrimLeft(before, " "), "."):
		cands = dotCommandNames()
		word = strings.TrimLeft(before, " ")
	case strings.HasPrefix(word, "@"):
		// Map names in what was typed, the word being completed aside.
		cands = mapName().FindAllString(seen+pending+"\n"+before[:start]+" "+string(line[pos:]), -1)
	case scan(pending+"\n"+before).depth > 0:
		cands = append(cands, lang.BuiltinNames()...)
		for _, f := range lang.FunctionNames() {
			cands = append(cands, f+"(")
		}
	case strings.Contains(word, ":"):
		cands = c.probeNames(word)
	default:
		for _, k := range lang.ProbeKindNames() {
			if kind, _ := lang.LookupProbeKind(k); kind != nil && kind.Special {
				cands = append(cands, k)
			} else {
				cands = append(cands, k+":")
			}
		}
	}
	return suffixes(cands, word), len([]rune(word))
}

// isWordByte reports whether c can be part of a word to complete.
func isWordByte(c byte) bool {
	return c == '_' || c == ':' || c == '@' || c == '$' || c == '.' ||
		c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// probeNames completes a tracepoint attach point, kind:category:name:
// categories first, then the names in one category.
func (c *completer) probeNames(word string) []string {
	parts := strings.SplitN(word, ":", 3)
	kind, ok := lang.LookupProbeKind(parts[0])
	if !ok || kind.Name != "tracepoint" {
		return nil
	}
	if len(parts) == 2 {
		tps, err := c.kernel.Tracepoints(parts[1]+"*", "*")
		if err != nil {
			return nil
		}
		var out []string
		for _, tp := range tps {
			out = append(out, parts[0]+":"+tp.Category+":")
		}
		return out
	}
	tps, err := c.kernel.Tracepoints(parts[1], parts[2]+"*")
	if err != nil {
		return nil
	}
	var out []string
	for _, tp := range tps {
		out = append(out, parts[0]+":"+tp.Category+":"+tp.Name)
	}
	return out
}

// suffixes returns what each distinct candidate starting with word adds
// to it, sorted.
func suffixes(cands []string, word string) [][]rune {
	sort.Strings(cands)
	var out [][]rune
	last := ""
	for _, c := range cands {
		if c == last || !strings.HasPrefix(c, word) {
			continue
		}
		last = c
		out = append(out, []rune(c[len(word):]))
	}
	return out
}
