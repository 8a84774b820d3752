package sqlite

import (
	"os"
	"syscall"
)

// fdatasync syncs f's data and the metadata needed to read it back, not its timestamps: the
// WAL file's mtime changes with every commit, and forcing it through the file system's
// journal made each sync, and the WAL writes that wait for that journal, slower.
func fdatasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			if err != nil {
				return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
			}
			return nil
		}
	}
}
