// Package sym symbolizes user-space code and answers the questions user
// probes ask about binaries.
//
// It reads ELF files: function symbols from .symtab and .dynsym, from
// the xz-compressed MiniDebugInfo in .gnu_debugdata and from separate
// debug files found by build ID or .gnu_debuglink; the segments that
// map virtual addresses to file offsets; and the USDT probes described
// by .note.stapsdt notes, with their argument locations; and, only when
// asked, the DWARF debugging information of a binary or of its separate
// debug file: function parameters and struct types (uprobe args) and line
// tables (uprobes on source lines). It resolves
// library names (libc) the way the dynamic loader does, through
// /etc/ld.so.cache and the standard directories, and programs through
// PATH; for a traced process (-p) it looks through /proc/PID/root and
// /proc/PID/maps instead.
//
// A Resolver turns addresses in a process into symbol names, reading
// /proc/PID/maps, which makes it correct for position-independent
// executables and shared libraries. Parsed binaries are cached by path,
// device, inode and modification time; C++ and Rust names are demangled.
//
// Binaries implements lang.Binaries, the checker's view of the files
// user probes attach to.
package sym
