//go:build !linux

package sqlite

import "os"

// fdatasync is fsync where the platform has no fdatasync(2).
func fdatasync(f *os.File) error { return f.Sync() }
