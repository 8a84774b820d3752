package ui_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepflow/stepflow/api"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/ui"
)

// uiServer is the UI served over real HTTP by a real engine on a real SQLite file.
type uiServer struct {
	*httptest.Server
	eng *engine.Engine
}

// startServer starts an engine whose tasks run invoker, and serves the UI for it.
func startServer(t testing.TB, invoker task.Invoker) *uiServer {
	t.Helper()
	return startServerWith(t, invoker)
}

// startServerWith is startServer with options for the UI (the API's operations are always given).
func startServerWith(t testing.TB, invoker task.Invoker, opts ...ui.Option) *uiServer {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "stepflow.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if invoker == nil {
		invoker = task.NewRouter()
	}
	eng, err := engine.New(engine.Config{Store: st, Invoker: invoker, Scope: sfn.DefaultScope})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	if err := eng.Start(context.Background()); err != nil {
		t.Fatalf("start engine: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := eng.Close(ctx); err != nil {
			t.Errorf("close engine: %v", err)
		}
	})
	// The API beside the UI, as stepflow server mounts them: the editor deploys through it,
	// and tests check what it deployed with the AWS SDK.
	apiServer, err := api.New(api.Config{Engine: eng})
	if err != nil {
		t.Fatalf("new api server: %v", err)
	}
	t.Cleanup(apiServer.Close)
	mux := http.NewServeMux()
	mux.Handle("/", apiServer)
	mux.Handle(ui.Prefix, ui.Handler(eng, append([]ui.Option{ui.WithOperations(apiServer)}, opts...)...))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &uiServer{Server: srv, eng: eng}
}

// sdk is an AWS SDK for Go v2 client of the server's API (which takes unsigned callers).
func (s *uiServer) sdk() *awssfn.Client {
	return awssfn.New(awssfn.Options{
		Region:           s.eng.Scope().Region,
		BaseEndpoint:     aws.String(s.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
	})
}

// createStateMachine stores a Standard state machine and returns its ARN.
func (s *uiServer) createStateMachine(t *testing.T, name, definition string) string {
	t.Helper()
	arn := s.eng.Scope().StateMachineARN(name)
	_, err := s.eng.Store().StateMachineCreate(context.Background(), &store.StateMachineCreateParams{
		ARN: arn, Name: name, Type: sfn.TypeStandard, Definition: definition,
		RoleARN: s.eng.Scope().RoleARN("ui-test"), RevisionID: "r1", CreatedDate: time.Now().UTC(),
	})
	if err != nil {
		t.Fatalf("create state machine: %v", err)
	}
	return arn
}

// get fetches a path and returns the status, headers and body.
func (s *uiServer) get(t *testing.T, path string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

// post sends a JSON action and decodes the JSON answer.
func (s *uiServer) post(t *testing.T, path, contentType, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(s.URL+path, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("POST %s: decode answer: %v", path, err)
	}
	return resp.StatusCode, out
}

func esc(arn string) string { return url.PathEscape(arn) }

// waitFor polls cond until it holds or the test's deadline nears. It waits for the engine to
// get somewhere; it measures nothing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline, ok := t.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	for !cond() {
		if time.Now().After(deadline.Add(-5 * time.Second)) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// getJSON fetches a path and decodes the JSON answer into out.
func (s *uiServer) getJSON(t *testing.T, path string, out any) int {
	t.Helper()
	resp, err := http.Get(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: decode answer: %v", path, err)
	}
	return resp.StatusCode
}
