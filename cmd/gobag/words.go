package main

import (
	"fmt"

	"gobag/binder"
)

// count writes n with the noun in the number that agrees with it:
// count(1, "record", "records") is "1 record", count(2, …) "2 records".
func count(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// unknownKind is the error for a kind of record gobag does not know: bad
// input (exit 10), with the nearest kind's name if one is close.
func unknownKind(name string) error {
	hint := "gobag kinds lists the kinds of record"
	if near := nearestKind(name); near != "" {
		hint = fmt.Sprintf("did you mean %s? %s", near, hint)
	}
	return &binder.Error{Kind: binder.Invalid, Err: fmt.Errorf("unknown kind %q", name), Hint: hint}
}

// nearestKind returns the listed kind within two edits of name, if any.
func nearestKind(name string) string {
	best, bestDist := "", 3
	for _, k := range binder.Kinds {
		if d := editDistance(name, k.Name); !k.Hidden && d < bestDist {
			best, bestDist = k.Name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
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
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
