package pyjson

import (
	"strings"
	"testing"
)

func TestWriteString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`plain`, `"plain"`},
		{"q\"b\\\n\r\t\b\f", `"q\"b\\\n\r\t\b\f"`},
		{"é\u0085", `"\u00e9\u0085"`},
		{"😀", `"\ud83d\ude00"`},
		{"\x00", `"\u0000"`},
	}
	for _, tt := range tests {
		var b strings.Builder
		WriteString(&b, tt.in)
		if b.String() != tt.want {
			t.Errorf("WriteString(%q) = %s, want %s", tt.in, b.String(), tt.want)
		}
	}
}
