package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// nodeIdentity is the name a server leases tasks under. It stays the same across restarts,
// so a server that comes back (after kill -9, a crash, SIGTERM or a reboot) frees the leases
// of its earlier life and runs their tasks again at once, instead of waiting for the leases
// to run out. Given by --node-id, or kept in a file beside the data (DB.node-id beside a
// SQLite database, ./.stepflow/node-id with PostgreSQL), which the server holds locked while
// it runs: a second server on the same SQLite database, or in the same working directory on
// PostgreSQL, is refused rather than allowed to take the first one's name.
type nodeIdentity struct {
	ID   string
	file *os.File // the locked node-id file; nil when the id was given
}

// maxNodeIDLength bounds a node id; it is stored with every leased dispatch.
const maxNodeIDLength = 128

func validNodeID(id string) error {
	if id == "" || len(id) > maxNodeIDLength {
		return fmt.Errorf("must be 1 to %d characters, not %d", maxNodeIDLength, len(id))
	}
	for _, r := range id {
		if r <= ' ' || r > '~' {
			return fmt.Errorf("must be printable ASCII without spaces: %q", id)
		}
	}
	return nil
}

// loadNodeIdentity returns the configured id, or the one kept in the file at path, creating
// it (hostname and a random suffix) on first start. The file stays locked until Close.
func loadNodeIdentity(configured, path string) (*nodeIdentity, error) {
	if configured != "" {
		return &nodeIdentity{ID: configured}, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("node identity: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("node identity: %w", err)
	}
	err = lockFile(f)
	// Right after a kill -9 a child the dead server was starting may hold the descriptor for
	// a moment (between fork and exec): try for a few seconds before refusing.
	for deadline := time.Now().Add(5 * time.Second); errors.Is(err, errLocked) && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		err = lockFile(f)
	}
	if err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("node identity: %s is held by another running stepflow server: "+
				"give each server its own database (--db), working directory or --node-id", path)
		}
		return nil, fmt.Errorf("node identity: lock %s: %w", path, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("node identity: %w", err)
	}
	id := strings.TrimSpace(string(data))
	if id == "" {
		id = newNodeID()
		if err := f.Truncate(0); err == nil {
			_, err = f.WriteAt([]byte(id+"\n"), 0)
		}
		if err == nil {
			err = f.Sync()
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("node identity: write %s: %w", path, err)
		}
	} else if err := validNodeID(id); err != nil {
		f.Close()
		return nil, fmt.Errorf("node identity: %s: %w", path, err)
	}
	return &nodeIdentity{ID: id, file: f}, nil
}

func newNodeID() string {
	host, err := os.Hostname()
	if err != nil || validNodeID(host) != nil || len(host) > 64 {
		host = "node"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return host + "-" + hex.EncodeToString(b[:])
}

// Close lets go of the node-id file's lock.
func (n *nodeIdentity) Close() {
	if n.file != nil {
		n.file.Close()
	}
}
