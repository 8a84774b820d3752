//go:build !linux

package main

import (
	"context"
	"log/slog"
)

// stopWhenGoRunExits watches for the end of `go run` only on Linux, where the parent's
// executable can be read from /proc; elsewhere run the built binary as a service.
func stopWhenGoRunExits(ctx context.Context, _ *slog.Logger) (context.Context, context.CancelFunc) {
	return context.WithCancel(ctx)
}
