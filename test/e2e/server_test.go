package e2e

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/api"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/task/function"
	"github.com/stepflow/stepflow/task/httpinvoke"
	"github.com/stepflow/stepflow/task/mock"
	"github.com/stepflow/stepflow/task/nested"
)

const (
	testRegion  = "us-east-1"
	testAccount = "123456789012"
	roleARN     = "arn:aws:iam::123456789012:role/StepflowRole"
	accessKey   = "AKIDSTEPFLOWTEST"
	secretKey   = "stepflow-test-secret"
)

var scope = sfn.Scope{Partition: "aws", Region: testRegion, Account: testAccount}

// testServer is a running API server on a loopback port, over its own SQLite file.
type testServer struct {
	URL    string
	Addr   string
	Store  store.Store
	Engine *engine.Engine
}

type serverOption func(*api.Config)

func withCredentials(keys map[string]string) serverOption {
	return func(c *api.Config) { c.Credentials = keys }
}

// withMocks runs the test cases of a mock configuration; the engine's tasks go through it.
func withMocks(m *mock.Config) serverOption {
	return func(c *api.Config) { c.Mocks = mock.New(m, c.Invoker) }
}

func withActivityPollTimeout(d time.Duration) serverOption {
	return func(c *api.Config) { c.ActivityPollTimeout = d }
}

// startServer starts the real API handler on 127.0.0.1 with a fresh SQLite database.
func startServer(t *testing.T, opts ...serverOption) *testServer {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "stepflow.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return startServerOn(t, st, opts...)
}

// startServerOn starts the real API handler on 127.0.0.1 over st, which it closes at the end.
func startServerOn(t *testing.T, st store.Store, opts ...serverOption) *testServer {
	t.Helper()
	ctx := context.Background()
	router := testRouter()
	cfg := api.Config{Invoker: router}
	for _, o := range opts {
		o(&cfg)
	}
	var invoker task.Invoker = router
	if cfg.Mocks != nil {
		invoker = cfg.Mocks
	}
	eng, err := engine.New(engine.Config{Store: st, Invoker: invoker, Scope: scope, NodeID: t.Name()})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	cfg.Engine = eng
	engineCtx, stopEngine := context.WithCancel(ctx)
	if err := eng.Start(engineCtx); err != nil {
		t.Fatalf("start engine: %v", err)
	}
	handler, err := api.New(cfg)
	if err != nil {
		t.Fatalf("api: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: handler}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		handler.Close()
		stopEngine()
		eng.Close(context.Background())
		st.Close()
	})
	return &testServer{URL: "http://" + ln.Addr().String(), Addr: ln.Addr().String(), Store: st, Engine: eng}
}

// testRouter runs two Lambda functions in Go: "double" doubles {"n": N}; "boom" fails with
// the error Boom. Other resources fail as in `stepflow server` (mock.Unconfigured).
func testRouter() *task.Router {
	registry := function.NewRegistry(scope)
	registry.Register("double", function.GoFunc(func(_ context.Context, input any) (any, error) {
		n, _ := input.(map[string]any)["n"].(float64)
		return map[string]any{"n": 2 * n}, nil
	}))
	registry.Register("boom", function.GoFunc(func(context.Context, any) (any, error) {
		return nil, &task.Error{Name: "Boom", Cause: "it exploded"}
	}))
	router := task.NewRouter()
	router.HandleLambda(registry)
	router.HandleService("lambda", registry)
	router.HandleOther(mock.Unconfigured)
	return router
}

// client returns an SDK client for the server, signing with the given secret.
func (s *testServer) clientWith(t *testing.T, key, secret string) *awssfn.Client {
	t.Helper()
	// StartSyncExecution and TestState prefix the host with "sync-"; dial the server whatever
	// the host says.
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	httpClient := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, s.Addr)
		},
	}}
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(testRegion),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(key, secret, "")),
		config.WithRetryMaxAttempts(1),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		t.Fatalf("aws config: %v", err)
	}
	return awssfn.NewFromConfig(cfg, func(o *awssfn.Options) {
		o.BaseEndpoint = aws.String(s.URL)
		o.HTTPClient = httpClient
	})
}

func (s *testServer) client(t *testing.T) *awssfn.Client {
	return s.clientWith(t, accessKey, secretKey)
}

// newClient starts a server and returns its client.
func newClient(t *testing.T, opts ...serverOption) (*awssfn.Client, *testServer) {
	srv := startServer(t, opts...)
	return srv.client(t), srv
}

// wantAPIError checks that err is the AWS error E with the exact message (when msg != "").
func wantAPIError[E smithy.APIError](t *testing.T, err error, msg string) E {
	t.Helper()
	var target E
	if !errors.As(err, &target) {
		t.Fatalf("error = %v (%T), want %T", err, err, target)
	}
	if msg != "" && target.ErrorMessage() != msg {
		t.Fatalf("%s message = %q, want %q", target.ErrorCode(), target.ErrorMessage(), msg)
	}
	return target
}

// wantErrorCode checks the code of an error the SDK has no type for.
func wantErrorCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want API error %s", err, code)
	}
	if apiErr.ErrorCode() != code {
		t.Fatalf("error code = %s (%s), want %s", apiErr.ErrorCode(), apiErr.ErrorMessage(), code)
	}
	if msg != "" && apiErr.ErrorMessage() != msg {
		t.Fatalf("%s message = %q, want %q", code, apiErr.ErrorMessage(), msg)
	}
}

func mustNoErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

const passDefinition = `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"ok":true},"End":true}}}`

const otherDefinition = `{"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}}`

// createMachine creates a STANDARD state machine with the pass definition.
func createMachine(t *testing.T, c *awssfn.Client, name string) string {
	t.Helper()
	out, err := c.CreateStateMachine(context.Background(), &awssfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(passDefinition), RoleArn: aws.String(roleARN),
	})
	mustNoErr(t, "CreateStateMachine", err)
	return aws.ToString(out.StateMachineArn)
}

// fixedRequestID is the Lambda request id of functions registered by withFunctions, so
// lambda:invoke results and ResourceNotFoundException causes are exact.
const fixedRequestID = "11111111-2222-3333-4444-555555555555"

// withFunctions replaces the server's Lambda functions (testRouter's double and boom) with
// these, as `stepflow server --functions FILE` registers the functions of its file.
func withFunctions(funcs map[string]function.Function) serverOption {
	return func(c *api.Config) {
		registry := function.NewRegistry(scope)
		registry.NewRequestID = func() string { return fixedRequestID }
		for name, f := range funcs {
			registry.Register(name, f)
		}
		router := c.Invoker.(*task.Router)
		router.HandleLambda(registry)
		router.HandleService("lambda", registry)
	}
}

// withHTTPAllowHosts runs HTTP Tasks, allowed to call these hosts, as
// `stepflow server --http-allow-host HOST` does.
func withHTTPAllowHosts(t *testing.T, hosts ...string) serverOption {
	return func(c *api.Config) {
		inv, err := httpinvoke.New(httpinvoke.Config{AllowedHosts: hosts})
		if err != nil {
			t.Fatalf("httpinvoke: %v", err)
		}
		c.Invoker.(*task.Router).HandleService("http", inv)
	}
}

// withNestedExecutions runs arn:aws:states:::states:startExecution tasks as children on the
// server's own engine, as `stepflow server` does. The engine does not exist yet when options
// apply, so the invoker is built at its first task, from the engine startServer put in c.
func withNestedExecutions() serverOption {
	return func(c *api.Config) {
		var once sync.Once
		var nestedInvoker *nested.Invoker
		c.Invoker.(*task.Router).HandleService("states", task.InvokerFunc(func(ctx context.Context, req *task.Request) (any, error) {
			once.Do(func() { nestedInvoker = nested.New(c.Engine) })
			return nestedInvoker.Invoke(ctx, req)
		}))
	}
}
