// Package plural writes counts with their noun in the right number for
// people ("1 package", "2 packages"), so no output says "1 packages" or
// "input(s)".
package plural

import "strconv"

// N is n followed by one (when n is 1) or many: N(1, "package",
// "packages") is "1 package". English plurals are irregular enough
// ("vulnerability", "vulnerabilities") that both forms are given.
func N(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// S is N for nouns whose plural adds "s": S(2, "package") is "2 packages".
func S(n int, noun string) string { return N(n, noun, noun+"s") }

// Word is one or many by n, without the number: "was" or "were".
func Word(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
