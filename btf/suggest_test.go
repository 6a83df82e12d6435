package btf

import "testing"

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"pid", "pid", 0},
		{"pidd", "pid", 1},
		{"kitten", "sitting", 3},
		{"flaw", "lawn", 2},
		{"comm", "mmoc", 3},
		{"bgi", "big", 1},
		{"ab", "ba", 1},
		{"ca", "abc", 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := editDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	members := []string{"pid", "tgid", "comm", "prev_state", "next_pid"}
	tests := []struct{ name, want string }{
		{"pidd", "pid"},
		{"PID", "pid"},
		{"tgdi", "tgid"},
		{"com", "comm"},
		{"prev_stat", "prev_state"},
		{"nxt_pid", "next_pid"},
		{"xyz", ""},
		{"completely_different", ""},
		{"pid", ""}, // an exact match is not a suggestion
	}
	for _, tt := range tests {
		if got := Closest(tt.name, members); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	// Ties go to the earliest candidate.
	if got := Closest("ab", []string{"ac", "ad"}); got != "ac" {
		t.Errorf("tie: got %q", got)
	}
}
