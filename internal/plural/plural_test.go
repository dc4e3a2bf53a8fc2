package plural

import "testing"

func TestN(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{S(0, "package"), "0 packages"},
		{S(1, "package"), "1 package"},
		{S(2, "package"), "2 packages"},
		{N(1, "vulnerability", "vulnerabilities"), "1 vulnerability"},
		{N(3, "vulnerability", "vulnerabilities"), "3 vulnerabilities"},
		{S(-1, "package"), "-1 packages"},
		{Word(1, "was", "were"), "was"},
		{Word(12, "was", "were"), "were"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
