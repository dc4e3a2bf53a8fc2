package escape

import (
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"lodash", "lodash"},
		{`C:\x\y`, `C:\x\y`},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"x\nDangerous-Workflow 10 of 10 OK", `x\nDangerous-Workflow 10 of 10 OK`},
		{"a\r\tb\x7f", `a\r\tb\x7f`},
		{"caf\u00e9 \u4e16", "caf\u00e9 \u4e16"},
		{"\u0085\u009b31m", `\u0085\u009b31m`},
		{"ab\u202ecd\u2066", `ab\u202ecd\u2066`},
		{"l1\u2028l2", `l1\u2028l2`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"\x00", `\x00`},
		{"", ""},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA", 12, "-----BEGIN O…"},
		{"short", 12, "short"},
		{"exactly", 7, "exactly"},
		{"\x1b[2J\x1b[H", 2, `\x1b[…`},
		{"\u4e16\u754c\u4e16", 2, "\u4e16\u754c…"},
		{"abc", 0, "…"},
	} {
		if got := Excerpt(tc.in, tc.n); got != tc.want {
			t.Errorf("Excerpt(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// FuzzText checks that no output of Text holds a character a terminal acts
// on, whatever the input.
func FuzzText(f *testing.F) {
	for _, s := range []string{"a\x1b[31mred", "x\ny", "\u202e", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Text(%q) = %q: not UTF-8", s, out)
		}
		for _, r := range out {
			if unsafeRune(r) {
				t.Fatalf("Text(%q) = %q holds %U", s, out, r)
			}
		}
	})
}

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{
		{"", 3, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc..."},
		{"héllo", 2, "h\xc3..."}, // bytes, as the clips it replaced: %q shows the cut rune as \xc3
		{"abc", 0, "..."},
	} {
		if got := Clip(tt.s, tt.n); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
