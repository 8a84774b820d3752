package function

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

func invokeWith(t *testing.T, reg *Registry, params map[string]any) (map[string]any, error) {
	t.Helper()
	out, err := reg.Invoke(context.Background(), &task.Request{Resource: sfn.ParseResource("arn:aws:states:::lambda:invoke"), Input: params})
	if out == nil {
		return nil, err
	}
	// The result is an ordered object: read it back as plain JSON to look into it.
	text, merr := jsonvalue.Marshal(out)
	if merr != nil {
		t.Fatal(merr)
	}
	var m map[string]any
	if uerr := json.Unmarshal(text, &m); uerr != nil {
		t.Fatal(uerr)
	}
	return m, err
}

// lambda:invoke's InvocationType, LogType and ClientContext with local functions: Event runs
// the function in the background and answers 202 with no payload, DryRun runs nothing and
// answers 204, Tail returns the end of a command's standard error as LogResult.
func TestLambdaInvokeOptionsLocal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	reg := newTestRegistry()
	reg.Register("writer", Command{Argv: []string{"sh", "-c", `cat > "$0/ran"; echo '"done"'`, dir}})
	reg.Register("chatty", Command{Argv: []string{"sh", "-c", `echo "line one" >&2; echo "line two" >&2; echo '{"ok": true}'`}})

	out, err := invokeWith(t, reg, map[string]any{"FunctionName": "writer", "Payload": map[string]any{"n": 1.0}, "InvocationType": "DryRun"})
	if err != nil || out["StatusCode"] != 204.0 || out["Payload"] != "" || out["ExecutedVersion"] != nil {
		t.Fatalf("DryRun: %v, %v; want StatusCode 204, Payload \"\", no ExecutedVersion", out, err)
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
		t.Fatal("DryRun ran the function")
	}

	out, err = invokeWith(t, reg, map[string]any{"FunctionName": "writer", "Payload": map[string]any{"n": 2.0}, "InvocationType": "Event"})
	if err != nil || out["StatusCode"] != 202.0 || out["Payload"] != "" || get(out, "SdkHttpMetadata", "HttpStatusCode") != 202.0 {
		t.Fatalf("Event: %v, %v; want StatusCode 202 and Payload \"\"", out, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "ran")); err == nil && string(data) == `{"n":2}` {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the Event invocation never ran the function")
		}
		time.Sleep(20 * time.Millisecond)
	}

	out, err = invokeWith(t, reg, map[string]any{"FunctionName": "chatty", "LogType": "Tail", "ClientContext": base64.StdEncoding.EncodeToString([]byte(`{"custom":{}}`))})
	if err != nil || out["StatusCode"] != 200.0 {
		t.Fatalf("Tail: %v, %v", out, err)
	}
	logResult, _ := out["LogResult"].(string)
	decoded, _ := base64.StdEncoding.DecodeString(logResult)
	if string(decoded) != "line one\nline two\n" || get(out, "SdkHttpMetadata", "HttpHeaders", "X-Amz-Log-Result") != logResult {
		t.Fatalf("Tail: LogResult %q (%q), headers %v; want the command's standard error, base64, also as X-Amz-Log-Result", logResult, decoded, get(out, "SdkHttpMetadata", "HttpHeaders"))
	}
	out, _ = invokeWith(t, reg, map[string]any{"FunctionName": "chatty"})
	if _, ok := out["LogResult"]; ok {
		t.Errorf("without LogType Tail the result has LogResult: %v", out)
	}
}

func TestLambdaInvokeOptionsRefused(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry()
	for _, tt := range []struct {
		params          map[string]any
		name, causeHead string
	}{
		{map[string]any{"FunctionName": "echo", "InvocationType": "Later"}, "Lambda.AWSLambdaException",
			"1 validation error detected: Value 'Later' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event RequestResponse DryRun] (Service: AWSLambda; Status Code: 400; Error Code: ValidationException"},
		{map[string]any{"FunctionName": "echo", "LogType": 3.0}, "Lambda.AWSLambdaException",
			"1 validation error detected: Value '3' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None Tail]"},
		{map[string]any{"FunctionName": "echo", "ClientContext": "not base64!"}, "Lambda.InvalidRequestContentException",
			"Client context must be a valid Base64-encoded JSON object."},
	} {
		_, err := invokeWith(t, reg, tt.params)
		var te *task.Error
		if !errors.As(err, &te) || te.Name != tt.name || !strings.HasPrefix(te.Cause, tt.causeHead) {
			t.Errorf("%v: %v, want %s: %s...", tt.params, err, tt.name, tt.causeHead)
		}
	}
}

// A function behind Lambda's Invoke API gets the options as Invoke's headers, and its
// answer's status, executed version and log tail come back.
func TestLambdaInvokeOptionsEndpoint(t *testing.T) {
	t.Parallel()
	var seen http.Header
	var seenQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, seenQuery = r.Header.Clone(), r.URL.RawQuery
		switch r.Header.Get("X-Amz-Invocation-Type") {
		case "Event":
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.Header().Set("X-Amz-Executed-Version", "7")
		if r.Header.Get("X-Amz-Log-Type") == "Tail" {
			w.Header().Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString([]byte("START RequestId: x\n")))
		}
		_, _ = w.Write([]byte(`{"echo": true}`))
	}))
	defer srv.Close()
	reg := newTestRegistry()
	reg.Register("remote", LambdaEndpoint{URL: srv.URL, FunctionName: "remote"})
	out, err := invokeWith(t, reg, map[string]any{"FunctionName": "remote", "LogType": "Tail", "ClientContext": "e30="})
	if err != nil {
		t.Fatal(err)
	}
	if seen.Get("X-Amz-Log-Type") != "Tail" || seen.Get("X-Amz-Client-Context") != "e30=" || seen.Get("X-Amz-Invocation-Type") != "RequestResponse" || seenQuery != "" {
		t.Errorf("request headers %v, query %q; want the options as Invoke's headers", seen, seenQuery)
	}
	if out["ExecutedVersion"] != "7" || out["LogResult"] != base64.StdEncoding.EncodeToString([]byte("START RequestId: x\n")) || get(out, "Payload", "echo") != true {
		t.Errorf("result %v, want the endpoint's executed version, log result and payload", out)
	}
	out, err = invokeWith(t, reg, map[string]any{"FunctionName": "remote", "InvocationType": "Event"})
	if err != nil || out["StatusCode"] != 202.0 || out["Payload"] != "" || seen.Get("X-Amz-Invocation-Type") != "Event" {
		t.Errorf("Event: %v, %v (sent %q); want 202 and no payload", out, err, seen.Get("X-Amz-Invocation-Type"))
	}
}

// get walks a value along keys.
func get(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}
