//go:build linux

package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// goRunPollInterval is how often a server started by `go run` checks that the go command is
// still its parent.
const goRunPollInterval = 250 * time.Millisecond

// stopWhenGoRunExits returns a context that also ends when the `go run` that started this
// process exits. `go run` ignores SIGINT and SIGQUIT (Ctrl-C reaches its child through the
// terminal's process group) but not SIGTERM: sent to the go command alone, SIGTERM kills it and
// leaves the server running under init, holding its port and its database. A server whose
// parent is another program (a shell, systemd, a container runtime, `nohup`) is left alone:
// it may outlive its parent on purpose.
func stopWhenGoRunExits(ctx context.Context, logger *slog.Logger) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	parent := os.Getppid()
	exe, err := os.Readlink("/proc/" + strconv.Itoa(parent) + "/exe")
	if err != nil || filepath.Base(exe) != "go" {
		return ctx, cancel
	}
	go func() {
		tick := time.NewTicker(goRunPollInterval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				// An orphan is re-parented (to init or a subreaper): its parent id changes.
				if os.Getppid() != parent {
					logger.Info("the go command that ran this server has exited; stopping", "go_pid", parent)
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}
