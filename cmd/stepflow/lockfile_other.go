//go:build !unix

package main

import (
	"errors"
	"os"
)

var errLocked = errors.New("locked by another process")

// lockFile does nothing where advisory locks are not available: give each server its own
// --node-id there.
func lockFile(*os.File) error { return nil }
