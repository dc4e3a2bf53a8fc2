package limited

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadAll(t *testing.T) {
	for _, tt := range []struct {
		in      string
		limit   int64
		want    string
		wantErr string
	}{
		{"", 0, "", ""},
		{"abc", 3, "abc", ""},
		{"abcd", 3, "", "file exceeds the size limit (3 bytes)"},
		{"a", 0, "", "file exceeds the size limit (0 bytes)"},
	} {
		got, err := ReadAll(strings.NewReader(tt.in), tt.limit)
		switch {
		case tt.wantErr != "":
			if err == nil || err.Error() != tt.wantErr || !errors.Is(err, ErrTooLarge) {
				t.Errorf("ReadAll(%q, %d) error = %v, want %q wrapping ErrTooLarge", tt.in, tt.limit, err, tt.wantErr)
			}
		case err != nil || string(got) != tt.want:
			t.Errorf("ReadAll(%q, %d) = %q, %v; want %q", tt.in, tt.limit, got, err, tt.want)
		}
	}
}

func TestReadFile(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadFile(name, 5); err != nil || string(got) != "12345" {
		t.Errorf("ReadFile at the limit = %q, %v", got, err)
	}
	if _, err := ReadFile(name, 4); err == nil || err.Error() != name+": file exceeds the size limit (4 bytes)" {
		t.Errorf("ReadFile over the limit: error = %v", err)
	}
	if _, err := ReadFile(name+".missing", 4); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), name+".missing") {
		t.Errorf("ReadFile of a missing file: error = %v, want one naming it and wrapping fs.ErrNotExist", err)
	}
}
