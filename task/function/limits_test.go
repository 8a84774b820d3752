package function

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// A function that writes far more than Lambda's response quota fails as Lambda fails it, and
// what it wrote is not kept: stdout and stderr are read through bounded buffers.
func TestCommandOutputIsBounded(t *testing.T) {
	t.Parallel()
	reg := NewRegistry(sfn.Scope{Partition: "aws", Region: "us-east-1", Account: "111111111111"})
	reg.Register("flood", Command{Argv: []string{"sh", "-c", `head -c 268435456 /dev/zero | tr '\0' 'x'`}})
	reg.Register("flood-stderr", Command{Argv: []string{"sh", "-c", `head -c 268435456 /dev/zero | tr '\0' 'y' >&2; exit 1`}})
	_, err := reg.Invoke(context.Background(), &task.Request{Resource: sfn.ParseResource("arn:aws:lambda:us-east-1:111111111111:function:flood"), Input: map[string]any{}})
	var te *task.Error
	if !errors.As(err, &te) || te.Name != "Function.ResponseSizeTooLarge" ||
		te.Cause != `{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size (6291456 bytes)."}` {
		t.Fatalf("flood: got %v, want Function.ResponseSizeTooLarge", err)
	}
	_, err = reg.Invoke(context.Background(), &task.Request{Resource: sfn.ParseResource("arn:aws:lambda:us-east-1:111111111111:function:flood-stderr"), Input: map[string]any{}})
	if !errors.As(err, &te) || len(te.Cause) > 2*maxStderrBytes {
		t.Fatalf("flood on stderr: got an error of %d bytes, want at most %d", len(te.Cause), 2*maxStderrBytes)
	}
}

// An HTTP function's response is read up to the quota, not whole.
func TestHTTPResponseIsBounded(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(`"` + strings.Repeat("x", 1<<20))
		for range 64 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	_, err := HTTP{URL: srv.URL}.Call(context.Background(), []byte(`{}`))
	var fe *Error
	if !errors.As(err, &fe) || fe.errorType() != "Function.ResponseSizeTooLarge" {
		t.Fatalf("got %v, want a Function.ResponseSizeTooLarge function error", err)
	}
}

// Each function kind receives the task's idempotency key: the same for every run of one
// scheduling of a task, so the function's owner can recognise a run again after a crash.
func TestFunctionsReceiveTheIdempotencyKey(t *testing.T) {
	t.Parallel()
	const key = "arn:aws:states:us-east-1:111111111111:execution:m:e#task-7"
	var header string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header = r.Header.Get(IdempotencyKeyHeader)
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	reg := NewRegistry(sfn.Scope{Partition: "aws", Region: "us-east-1", Account: "111111111111"})
	reg.Register("cmd", Command{Argv: []string{"sh", "-c", `printf '"%s"' "$STEPFLOW_IDEMPOTENCY_KEY"`}})
	reg.Register("web", HTTP{URL: srv.URL})
	reg.Register("lambda", LambdaEndpoint{URL: srv.URL, FunctionName: "lambda"})
	out, err := reg.Invoke(context.Background(), &task.Request{Resource: sfn.ParseResource("arn:aws:lambda:us-east-1:111111111111:function:cmd"),
		Input: map[string]any{}, IdempotencyKey: key})
	if err != nil || out != key {
		t.Fatalf("command: got %v, %v; want %q", out, err, key)
	}
	for _, name := range []string{"web", "lambda"} {
		header = ""
		if _, err := reg.Invoke(context.Background(), &task.Request{Resource: sfn.ParseResource("arn:aws:lambda:us-east-1:111111111111:function:" + name),
			Input: map[string]any{}, IdempotencyKey: key}); err != nil {
			t.Fatal(err)
		}
		if header != key {
			t.Fatalf("%s: header %s = %q, want %q", name, IdempotencyKeyHeader, header, key)
		}
	}
}
