package lazyregexp

import (
	"reflect"
	"regexp"
	"testing"
)

// TestSameAsRegexp checks that each forwarded method answers as the
// compiled regexp does.
func TestSameAsRegexp(t *testing.T) {
	const pattern = `(?P<word>[a-z]+)=([0-9]+)`
	lazy, re := New(pattern), regexp.MustCompile(pattern)
	s := "a=1 bb=22 c=x"
	b := []byte(s)
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"Match", lazy.Match(b), re.Match(b)},
		{"MatchString", lazy.MatchString(s), re.MatchString(s)},
		{"FindIndex", lazy.FindIndex(b), re.FindIndex(b)},
		{"FindSubmatch", lazy.FindSubmatch(b), re.FindSubmatch(b)},
		{"FindAll", lazy.FindAll(b, -1), re.FindAll(b, -1)},
		{"FindString", lazy.FindString(s), re.FindString(s)},
		{"FindStringIndex", lazy.FindStringIndex(s), re.FindStringIndex(s)},
		{"FindStringSubmatch", lazy.FindStringSubmatch(s), re.FindStringSubmatch(s)},
		{"FindStringSubmatchIndex", lazy.FindStringSubmatchIndex(s), re.FindStringSubmatchIndex(s)},
		{"FindAllString", lazy.FindAllString(s, 1), re.FindAllString(s, 1)},
		{"FindAllStringIndex", lazy.FindAllStringIndex(s, -1), re.FindAllStringIndex(s, -1)},
		{"FindAllStringSubmatch", lazy.FindAllStringSubmatch(s, -1), re.FindAllStringSubmatch(s, -1)},
		{"FindAllStringSubmatchIndex", lazy.FindAllStringSubmatchIndex(s, -1), re.FindAllStringSubmatchIndex(s, -1)},
		{"ReplaceAllString", lazy.ReplaceAllString(s, "$2"), re.ReplaceAllString(s, "$2")},
		{"SubexpIndex", lazy.SubexpIndex("word"), re.SubexpIndex("word")},
		{"Regexp", lazy.Regexp().String(), pattern},
	} {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// TestBadPatternFailsInTests: in a test binary New compiles at once, so a
// package's bad pattern fails its tests even when no test calls it.
func TestBadPatternFailsInTests(t *testing.T) {
	if !inTest {
		t.Fatal("inTest is false in a test binary")
	}
	defer func() {
		if recover() == nil {
			t.Error("New(`(`) did not panic in a test binary")
		}
	}()
	New(`(`)
}
