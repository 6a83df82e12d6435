package btf

// Closest returns the candidate with the smallest edit distance
// (Levenshtein, with adjacent transpositions counting as one edit) to name, for "did you mean" hints. Distances are compared
// case-insensitively first, so "PID" suggests "pid". Candidates too far from
// name to be a plausible typo (more than a third of its length, at least
// one edit) are ignored; if none is left Closest returns "". Ties go to the
// earliest candidate.
func Closest(name string, candidates []string) string {
	best, bestDist := "", -1
	limit := max(1, (len(name)+2)/3)
	for _, c := range candidates {
		if c == name || c == "" {
			continue
		}
		d := editDistance(lower(name), lower(c))
		if d > limit {
			continue
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b,
// in bytes: the Levenshtein distance where swapping two adjacent characters
// also counts as one edit, the most common typo.
func editDistance(a, b string) int {
	// prev2, prev and cur are rows i-2, i-1 and i of the DP matrix.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// lower is an ASCII-only strings.ToLower: C identifiers are ASCII.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
