package function

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/capbuf"
)

// Command is a function implemented by a local program, the `stepflow run --functions`
// contract: the invocation payload on stdin; exit status 0 means stdout is the result JSON;
// any other exit status means stdout is the error document {"errorType", "errorMessage"}.
// The process is killed when the context ends (a task timeout or a stopped execution).
type Command struct {
	Argv []string
	Dir  string
	Env  []string // extra KEY=VALUE pairs added to the environment
}

// Call runs the program once.
func (c Command) Call(ctx context.Context, payload []byte) ([]byte, error) {
	if len(c.Argv) == 0 {
		return nil, errors.New("command function has an empty command")
	}
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Dir = c.Dir
	ownProcessGroup(cmd)
	env := c.Env
	if key := IdempotencyKey(ctx); key != "" {
		env = append(env[:len(env):len(env)], "STEPFLOW_IDEMPOTENCY_KEY="+key)
	}
	if len(env) > 0 {
		cmd.Env = append(cmd.Environ(), env...)
	}
	cmd.Stdin = bytes.NewReader(payload)
	// A killed command's children may hold its pipes open; don't wait for them past this.
	// Go counts it from the process's exit too, not only from a cancellation, so it must
	// also cover a server short of CPU copying the last output: 2 s was seen to fail
	// commands that had exited 0 on a loaded 2-core machine (stepflow soak).
	cmd.WaitDelay = 15 * time.Second
	// Bounded: a program that writes gigabytes must not take the server's memory with it.
	stdout := capbuf.New(MaxResponseBytes)
	stderr := capbuf.New(maxStderrBytes)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	if sink := logSinkFrom(ctx); sink != nil {
		sink.write(stderr.Bytes()) // LogType Tail: a command's log is its standard error
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		doc := bytes.TrimSpace(stdout.Bytes())
		if len(doc) == 0 || doc[0] != '{' || stdout.Overflowed() {
			doc = newErrorDocument("Error", strings.TrimSpace(exit.Error()+": "+string(stderr.Bytes())))
		}
		return nil, &Error{Payload: doc}
	}
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", c.Argv[0], err)
	}
	if stdout.Overflowed() {
		return nil, responseTooLarge()
	}
	return stdout.Bytes(), nil
}
