// Package lazyregexp holds regular expressions that are compiled on first
// use instead of at program start.
//
// Every package-level regexp.MustCompile runs when the program starts,
// whatever the command: hallmark links every extractor, the posture checks
// and the matcher into one binary, so `hallmark --version` paid for all of
// their patterns (about 2 ms of the posture checks' alone, measured with
// GODEBUG=inittrace=1). A Regexp here compiles its pattern the first time a
// method is called, once, safely from several goroutines.
//
// It is Go's own cmd/go/internal/lazyregexp, which cannot be imported
// (internal), with only the methods hallmark calls. In tests the pattern
// is compiled at once, so a bad pattern fails the package that declares it
// whether or not a test reaches the call.
package lazyregexp

import (
	"os"
	"regexp"
	"strings"
	"sync"
)

// Regexp is a *regexp.Regexp compiled on first use.
type Regexp struct {
	compile func() *regexp.Regexp
}

// New returns a Regexp for pattern, which must compile (regexp.MustCompile
// panics on first use otherwise; the pattern is a constant of the program,
// never input).
func New(pattern string) *Regexp {
	r := &Regexp{compile: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })}
	if inTest {
		r.compile()
	}
	return r
}

// inTest is whether this is a test binary (go test builds NAME.test).
var inTest = len(os.Args) > 0 && strings.HasSuffix(strings.TrimSuffix(os.Args[0], ".exe"), ".test")

// Regexp returns the compiled expression, for methods not forwarded here.
func (r *Regexp) Regexp() *regexp.Regexp { return r.compile() }

func (r *Regexp) Match(b []byte) bool              { return r.compile().Match(b) }
func (r *Regexp) MatchString(s string) bool        { return r.compile().MatchString(s) }
func (r *Regexp) FindIndex(b []byte) []int         { return r.compile().FindIndex(b) }
func (r *Regexp) FindSubmatch(b []byte) [][]byte   { return r.compile().FindSubmatch(b) }
func (r *Regexp) FindAll(b []byte, n int) [][]byte { return r.compile().FindAll(b, n) }
func (r *Regexp) FindString(s string) string       { return r.compile().FindString(s) }
func (r *Regexp) FindStringIndex(s string) []int   { return r.compile().FindStringIndex(s) }
func (r *Regexp) FindStringSubmatch(s string) []string {
	return r.compile().FindStringSubmatch(s)
}
func (r *Regexp) FindStringSubmatchIndex(s string) []int {
	return r.compile().FindStringSubmatchIndex(s)
}
func (r *Regexp) FindAllString(s string, n int) []string {
	return r.compile().FindAllString(s, n)
}
func (r *Regexp) FindAllStringIndex(s string, n int) [][]int {
	return r.compile().FindAllStringIndex(s, n)
}
func (r *Regexp) FindAllStringSubmatch(s string, n int) [][]string {
	return r.compile().FindAllStringSubmatch(s, n)
}
func (r *Regexp) FindAllStringSubmatchIndex(s string, n int) [][]int {
	return r.compile().FindAllStringSubmatchIndex(s, n)
}
func (r *Regexp) ReplaceAllString(src, repl string) string {
	return r.compile().ReplaceAllString(src, repl)
}
func (r *Regexp) SubexpIndex(name string) int { return r.compile().SubexpIndex(name) }
