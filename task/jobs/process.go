package jobs

import (
	"context"
	"errors"
	"os/exec"
	"syscall"
	"time"

	"github.com/stepflow/stepflow/internal/capbuf"
)

// maxOutputBytes is how much of one process's standard output and error is kept for the
// server log; the rest is counted and dropped, so a job that writes gigabytes costs no memory.
const maxOutputBytes = 64 * 1024

// processSpec is one process to start: a job attempt or one child of an array job.
type processSpec struct {
	argv []string
	dir  string
	env  []string // KEY=VALUE added to the server's environment
	// timeout ends the attempt (Batch's Timeout.AttemptDurationSeconds); 0 means none.
	timeout time.Duration
}

// processResult is how a process ended.
type processResult struct {
	started, stopped time.Time
	// exitCode is the exit status, or 128+N for a process ended by signal N, as a container's
	// exit code reads; nil when the process never started.
	exitCode *int
	// reason says why the process could not start (CannotStartContainerError: ...).
	reason   string
	timedOut bool
	output   *capbuf.Buffer
}

// runProcess runs spec to its end. The process gets a process group of its own; when ctx
// ends (the execution stopped, the task timed out) or the attempt's timeout passes, the
// whole group is killed, so a script's children die with it. The returned error is ctx's
// when ctx ended first: the attempt's result is then of no use to anyone.
func runProcess(ctx context.Context, spec processSpec) (processResult, error) {
	attemptCtx, cancel := ctx, context.CancelFunc(func() {})
	if spec.timeout > 0 {
		attemptCtx, cancel = context.WithTimeout(ctx, spec.timeout)
	}
	defer cancel()
	cmd := exec.CommandContext(attemptCtx, spec.argv[0], spec.argv[1:]...)
	cmd.Dir = spec.dir
	cmd.Env = append(cmd.Environ(), spec.env...)
	ownProcessGroup(cmd)
	// A killed group's stragglers may hold the pipes open; don't wait for them past this.
	cmd.WaitDelay = 2 * time.Second
	out := capbuf.New(maxOutputBytes)
	cmd.Stdout, cmd.Stderr = out, out
	res := processResult{started: time.Now(), output: out}
	err := cmd.Run()
	res.stopped = time.Now()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) || (err == nil && cmd.ProcessState != nil):
		code := cmd.ProcessState.ExitCode()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		res.exitCode = &code
		res.timedOut = attemptCtx.Err() != nil
	case err != nil && cmd.ProcessState == nil:
		res.reason = "CannotStartContainerError: " + err.Error()
	}
	return res, nil
}
