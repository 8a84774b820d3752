package capbuf

import (
	"bytes"
	"testing"
)

func TestBufferKeepsTheFirstBytes(t *testing.T) {
	t.Parallel()
	b := New(5)
	for _, w := range []string{"ab", "cd", "efg", "h"} {
		if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", w, n, err)
		}
	}
	if !bytes.Equal(b.Bytes(), []byte("abcde")) || !b.Overflowed() || b.Dropped() != 3 {
		t.Fatalf("kept %q, overflowed %v, dropped %d", b.Bytes(), b.Overflowed(), b.Dropped())
	}
	small := New(10)
	small.Write([]byte("x"))
	if small.Overflowed() {
		t.Fatal("a write within the limit overflowed")
	}
}
