package codegen

import (
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/testenv"
	"github.com/gtrace/gtrace/internal/usertarget"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/runtime/sym"
)

// User-space probes: register and stack arguments, return values, func,
// usym, uaddr, cpid and every kind of USDT argument location load into
// the verifier.
func TestVerifierAcceptsUserProbes(t *testing.T) {
	testenv.BPF(t)
	target := usertarget.C(t)
	scripts := []string{
		`uprobe:/bin/bash:readline { printf("%d %d %s\n", arg0, arg1, str(arg0)); @[func] = count(); }`,
		`uretprobe:/bin/bash:readline { printf("%s %s\n", str(retval), func); @r = hist(retval); }`,
		`uprobe:/bin/bash:readline { printf("%d %d %d\n", arg6, arg7, arg15); @u[usym(reg("ip")), cpid] = count(); }`,
		`uprobe:libc:malloc, uprobe:libc:free { @[probe] = count(); @sizes = hist(arg0); }`,
		`uprobe:/bin/bash:readline { printf("%s\n", str(*uaddr("ps1_prompt"))); }`,
		`uprobe:TARGET:many { @ = sum(arg0 + arg7); } uretprobe:TARGET:add { @r = max(retval); }`,
		`uprobe:TARGET:greet { printf("%s %d\n", str(*uaddr("table") & 0), *uaddr("counter")); }`,
		`usdt:TARGET:gtrace_test:loop { printf("%d %d %s\n", arg0, arg1, str(arg2)); }`,
		`usdt:TARGET:gtrace_test:* { @[probe] = sum(arg0); }`,
		`usdt:TARGET:gtrace_test:neg, usdt:TARGET:gtrace_test:global { @x[probe] = arg0; }`,
		`usdt:TARGET:gtrace_test:indexed { @i = arg0 + arg1; }`,
	}
	for i, s := range scripts {
		scripts[i] = strings.ReplaceAll(s, "TARGET", target)
	}
	verify(t, scripts, lang.CheckOptions{Binaries: sym.NewBinaries(0)})
}
