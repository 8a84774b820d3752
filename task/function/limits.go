package function

import (
	"context"
	"fmt"
)

// MaxResponseBytes is the most a function may answer: Lambda's quota for a synchronous
// invocation's response payload (6 MB). What a function writes beyond it is not kept in
// memory; the invocation fails as Lambda fails it.
const MaxResponseBytes = 6 * 1024 * 1024

// maxStderrBytes is how much of a command's standard error is kept for its error message.
const maxStderrBytes = 64 * 1024

// responseTooLarge is the function error Lambda returns for a response over its quota.
func responseTooLarge() *Error {
	return &Error{Payload: newErrorDocument("Function.ResponseSizeTooLarge",
		fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponseBytes))}
}

// idempotencyKeyContext carries a task's idempotency key to the function call.
type idempotencyKeyContext struct{}

// withIdempotencyKey returns ctx carrying key, for the function call made under it.
func withIdempotencyKey(ctx context.Context, key string) context.Context {
	if key == "" {
		return ctx
	}
	return context.WithValue(ctx, idempotencyKeyContext{}, key)
}

// IdempotencyKey is the key of the task a function call runs for (task.Request.IdempotencyKey):
// the same each time one scheduling of a task runs again after a crash. Commands get it in
// the environment variable STEPFLOW_IDEMPOTENCY_KEY; HTTP and Lambda endpoints in the header
// X-Stepflow-Idempotency-Key.
func IdempotencyKey(ctx context.Context) string {
	key, _ := ctx.Value(idempotencyKeyContext{}).(string)
	return key
}

// IdempotencyKeyHeader is the HTTP header that carries IdempotencyKey.
const IdempotencyKeyHeader = "X-Stepflow-Idempotency-Key"
