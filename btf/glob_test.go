package btf

import "testing"

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "sched_switch", true},
		{"sched_switch", "sched_switch", true},
		{"sched_switch", "sched_switcH", false},
		{"sched_*", "sched_switch", true},
		{"sched_*", "sched", false},
		{"*_switch", "sched_switch", true},
		{"sys_enter_*", "sys_exit_openat", false},
		{"sys*", "syscalls", true},
		{"s?s*", "syscalls", true},
		{"s?s", "sys", true},
		{"s?s", "ss", false},
		{"*a*b*c*", "xxaxxbxxcxx", true},
		{"*a*b*c*", "xxaxxcxxbxx", false},
		{"a*a*a", "aaaa", true},
		{"a*a*a", "aa", false},
		{"**", "x", true},
		{"*?", "", false},
		{"*sys_enter_open*", "sys_enter_openat2", true},
		{"[a]", "[a]", true},
		{"[a]", "a", false},
	}
	for _, tt := range tests {
		if got := MatchGlob(tt.pattern, tt.s); got != tt.want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
	if !IsGlob("a*") || !IsGlob("a?") || IsGlob("abc") {
		t.Error("IsGlob")
	}
}
