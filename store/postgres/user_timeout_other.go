//go:build !linux

package postgres

import "syscall"

func setUserTimeout(_, _ string, _ syscall.RawConn) error { return nil }
