package btf

import "strings"

// MatchGlob reports whether s matches pattern, where '*' matches any run of
// characters (including none) and '?' matches exactly one character. Every
// other byte matches itself. This is the wildcard syntax of bpftrace probe
// specifications.
func MatchGlob(pattern, s string) bool {
	// Greedy matching with a single backtrack point: the last '*' seen.
	var p, i int
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// IsGlob reports whether pattern contains a wildcard.
func IsGlob(pattern string) bool {
	return strings.ContainsAny(pattern, "*?")
}
