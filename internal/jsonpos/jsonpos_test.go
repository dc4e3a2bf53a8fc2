package jsonpos

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestTooDeep(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		off   int
		found bool
	}{
		{"at the limit", `[[{"a":1}]]`, 3, 0, false},
		{"one past", `[[{"a":[1]}]]`, 3, 7, true},
		{"siblings do not add up", `[[1],[2],{"a":3},[[]]]`, 3, 0, false},
		{"brackets in strings", `["[[[[", "{{{{"]`, 1, 0, false},
		{"escaped quote keeps the string open", `["\"[[[["]`, 1, 0, false},
		{"escaped backslash closes it", `["\\", [[1]]]`, 2, 8, true},
		{"empty", ``, 0, 0, false},
		{"scalar at limit zero", `1`, 0, 0, false},
		{"object at limit zero", `{}`, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			off, found := TooDeep([]byte(tt.in), tt.limit)
			if off != tt.off || found != tt.found {
				t.Errorf("TooDeep(%q, %d) = %d, %v; want %d, %v", tt.in, tt.limit, off, found, tt.off, tt.found)
			}
		})
	}
}

func TestCheckDepth(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if err := CheckDepth([]byte(ok)); err != nil {
		t.Errorf("CheckDepth(%d levels) = %v, want nil", MaxDepth, err)
	}
	deep := "{\n\"a\":\n" + strings.Repeat("[", MaxDepth) + "\n]"
	err := CheckDepth([]byte(deep))
	want := "3: JSON nested deeper than 64 levels"
	if err == nil || err.Error() != want {
		t.Errorf("CheckDepth(%d levels) = %v, want %q", MaxDepth+1, err, want)
	}
}

func TestLines(t *testing.T) {
	data := []byte("{\n\"a\": 1,\n\n\"b\": [\n2]}\n")
	l := NewLines(data)
	for _, off := range []int64{0, 2, 9, 10, 11, 18, 3, -5, 100, 11} {
		if got, want := l.At(off), LineAt(data, off); got != want {
			t.Errorf("At(%d) = %d, want %d (LineAt)", off, got, want)
		}
	}
}

func TestKind(t *testing.T) {
	for _, tt := range []struct {
		t    reflect.Type
		want string
	}{
		{nil, "a different type"},
		{reflect.TypeFor[string](), "string"},
		{reflect.TypeFor[bool](), "boolean"},
		{reflect.TypeFor[int8](), "number"},
		{reflect.TypeFor[uint32](), "number"},
		{reflect.TypeFor[float32](), "number"},
		{reflect.TypeFor[map[string]any](), "object"},
		{reflect.TypeFor[struct{ A int }](), "object"},
		{reflect.TypeFor[time.Time](), "RFC 3339 time string"},
		{reflect.TypeFor[[]string](), "array"},
		{reflect.TypeFor[[2]int](), "array"},
		{reflect.TypeFor[chan int](), "chan int"},
	} {
		if got := Kind(tt.t); got != tt.want {
			t.Errorf("Kind(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

func TestValueKind(t *testing.T) {
	for in, want := range map[string]string{
		``: "nothing", ` `: "nothing", `{}`: "object", ` [1]`: "array", `"x"`: "string",
		`true`: "boolean", `false`: "boolean", `null`: "null", `-1.5e3`: "number",
	} {
		if got := ValueKind([]byte(in)); got != want {
			t.Errorf("ValueKind(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPosition(t *testing.T) {
	data := []byte("ab\ncd\n\nef")
	for _, tt := range []struct {
		off       int64
		line, col int
	}{
		{-1, 1, 1}, {0, 1, 1}, {1, 1, 2}, {2, 1, 3}, {3, 2, 1}, {4, 2, 2},
		{6, 3, 1}, {7, 4, 1}, {8, 4, 2}, {9, 4, 3}, {100, 4, 3},
	} {
		if line, col := Position(data, tt.off); line != tt.line || col != tt.col {
			t.Errorf("Position(%d) = %d:%d, want %d:%d", tt.off, line, col, tt.line, tt.col)
		}
	}
}
