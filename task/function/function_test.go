package function

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

func newTestRegistry() *Registry {
	reg := NewRegistry(sfn.Scope{Partition: "aws", Region: "us-east-1", Account: "111111111111"})
	reg.NewRequestID = func() string { return "00000000-0000-4000-8000-000000000000" }
	reg.Register("echo", Command{Argv: []string{"cat"}})
	reg.Register("boom", Command{Argv: []string{"sh", "-c", `echo '{"errorType":"ValueError","errorMessage":"bad"}'; exit 3`}})
	reg.Register("crash", Command{Argv: []string{"sh", "-c", `echo oops >&2; exit 1`}})
	return reg
}

func TestInvokeFunctionARN(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry()
	tests := []struct {
		name      string
		resource  string
		input     any
		want      any
		wantError string
		wantCause string
	}{
		{name: "echo", resource: "arn:aws:lambda:us-east-1:111111111111:function:echo", input: map[string]any{"a": 1.0}, want: map[string]any{"a": 1.0}},
		{name: "function error", resource: "arn:aws:lambda:us-east-1:111111111111:function:boom", input: map[string]any{}, wantError: "ValueError", wantCause: `{"errorType":"ValueError","errorMessage":"bad"}`},
		{name: "crash without error document", resource: "arn:aws:lambda:us-east-1:111111111111:function:crash", input: nil, wantError: "Error", wantCause: `{"errorType":"Error","errorMessage":"exit status 1: oops"}`},
		{name: "missing", resource: "arn:aws:lambda:eu-west-1:222222222222:function:nope", input: nil, wantError: "Lambda.ResourceNotFoundException",
			wantCause: "Function not found: arn:aws:lambda:eu-west-1:222222222222:function:nope:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: 00000000-0000-4000-8000-000000000000; Proxy: null)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := reg.Invoke(context.Background(), &task.Request{Resource: sfn.ParseResource(tt.resource), Input: tt.input})
			if tt.wantError != "" {
				var te *task.Error
				if !errors.As(err, &te) || te.Name != tt.wantError || te.Cause != tt.wantCause {
					t.Fatalf("error = %#v, want %s / %s", err, tt.wantError, tt.wantCause)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(jsonvalue.Plain(got), tt.want) {
				t.Fatalf("got %#v, %v; want %#v", got, err, tt.want)
			}
		})
	}
}

func TestInvokeLambdaIntegrationWrapsPayload(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry()
	out, err := reg.Invoke(context.Background(), &task.Request{
		Resource: sfn.ParseResource("arn:aws:states:::lambda:invoke"),
		Input:    map[string]any{"FunctionName": "arn:aws:lambda:us-east-1:111111111111:function:echo", "Payload": map[string]any{"k": "v"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := jsonvalue.Plain(out).(map[string]any)
	if !reflect.DeepEqual(m["Payload"], map[string]any{"k": "v"}) || m["StatusCode"] != 200.0 || m["ExecutedVersion"] != "$LATEST" {
		t.Fatalf("unexpected output %#v", m)
	}
	headers := m["SdkHttpMetadata"].(map[string]any)["HttpHeaders"].(map[string]any)
	if headers["Content-Length"] != "9" { // {"k":"v"} as cat echoed it
		t.Fatalf("Content-Length = %v", headers["Content-Length"])
	}
}

func TestCommandKilledOnCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Command{Argv: []string{"sleep", "30"}}.Call(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestCommandErrorDocumentIsJSON: a crash whose stderr holds bytes Go's %q would escape
// (\x1b, invalid UTF-8) still gives a JSON error document.
func TestCommandErrorDocumentIsJSON(t *testing.T) {
	t.Parallel()
	_, err := Command{Argv: []string{"sh", "-c", `printf '\033[31mred\377' >&2; exit 1`}}.Call(context.Background(), nil)
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v", err)
	}
	var doc map[string]any
	if jerr := json.Unmarshal(fe.Payload, &doc); jerr != nil || doc["errorType"] != "Error" {
		t.Fatalf("error document %q: %v", fe.Payload, jerr)
	}
}

// TestCommandCancelDoesNotWaitForGrandchildren: a cancelled command returns promptly even when
// a child it started keeps the output pipe open.
func TestCommandCancelDoesNotWaitForGrandchildren(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	done := make(chan error, 1)
	go func() {
		_, err := Command{Argv: []string{"sh", "-c", "sleep 30 & sleep 30"}}.Call(ctx, nil)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the cancelled command is still waited for")
	}
}

// TestCommandCancelKillsChildren: cancelling a command kills the processes it started too.
func TestCommandCancelKillsChildren(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(300 * time.Millisecond); cancel() }()
	_, _ = Command{Argv: []string{"sh", "-c", `sleep 30 & echo $! > ` + pidFile + `; wait`}}.Call(ctx, nil)
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	for i := 0; i < 100; i++ {
		if err := syscall.Kill(pid, 0); err != nil {
			return // gone
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the command's child %d outlived the cancelled task", pid)
}
