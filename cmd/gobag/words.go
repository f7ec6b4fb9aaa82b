package main

import (
	"fmt"
	"strings"

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

// withArticle puts "a" or "an" before a noun: "an exercise".
func withArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
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

// editDistance is the number of single-letter insertions, deletions,
// substitutions and swaps of neighbours that turn a into b (the optimal
// string alignment distance).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
