// Package capbuf is a write buffer that keeps only its first N bytes, for reading what a child
// process writes without letting a process that writes gigabytes take the server's memory.
package capbuf

// Buffer keeps the first Max bytes written to it and counts the rest; writes never fail.
type Buffer struct {
	Max     int
	buf     []byte
	dropped int64
}

// New returns a Buffer that keeps at most max bytes.
func New(max int) *Buffer { return &Buffer{Max: max} }

func (b *Buffer) Write(p []byte) (int, error) {
	room := max(b.Max-len(b.buf), 0)
	if len(p) > room {
		b.buf = append(b.buf, p[:room]...)
		b.dropped += int64(len(p) - room)
		return len(p), nil
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Bytes is what was kept.
func (b *Buffer) Bytes() []byte { return b.buf }

// Overflowed says more was written than kept.
func (b *Buffer) Overflowed() bool { return b.dropped > 0 }

// Dropped is how many bytes were written beyond Max.
func (b *Buffer) Dropped() int64 { return b.dropped }
