package events_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/api"
	eventsapi "github.com/stepflow/stepflow/api/events"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/events"
	"github.com/stepflow/stepflow/metrics"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
)

const (
	accessKey = "AKIDEVENTSTEST"
	secretKey = "events-test-secret"
	roleARN   = "arn:aws:iam::123456789012:role/StepflowRole"
)

var scope = sfn.Scope{Partition: "aws", Region: "us-east-1", Account: "123456789012"}

// testServer is the server's API (Step Functions and EventBridge on one port, SigV4 checked)
// over a real SQLite file, with the engine and the event bus running.
type testServer struct {
	url     string
	store   store.Store
	metrics *metrics.Prometheus
	events  *eventbridge.Client
	sfn     *awssfn.Client
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "stepflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	prom := metrics.NewPrometheus()
	var bus *events.Bus
	eng, err := engine.New(engine.Config{Store: st, Invoker: task.NewRouter(), Scope: scope, NodeID: "events-test", Metrics: prom,
		OnStatusChange: func(c engine.StatusChange) { bus.StatusChanged(c) },
		StatusChangeEvents: func(ctx context.Context, c []engine.StatusChange) ([]*store.EventDelivery, error) {
			return bus.StatusChangeDeliveries(ctx, c)
		}})
	if err != nil {
		t.Fatal(err)
	}
	bus, err = events.New(events.Config{Store: st, Starter: eng, Scope: scope, NodeID: "events-test", Metrics: prom})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(ctx); err != nil {
		t.Fatal(err)
	}
	handler, err := api.New(api.Config{Engine: eng, Credentials: map[string]string{accessKey: secretKey},
		Services: []api.Service{eventsapi.Service(bus, st)}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		handler.Close()
		bus.Close()
		eng.Close(context.Background())
		st.Close()
	})
	url := "http://" + ln.Addr().String()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(scope.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")),
		config.WithRetryMaxAttempts(1), config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{
		url: url, store: st, metrics: prom,
		events: eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(url) }),
		sfn:    awssfn.NewFromConfig(cfg, func(o *awssfn.Options) { o.BaseEndpoint = aws.String(url) }),
	}
}

var ctx = context.Background()

func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantError checks an API error's code and, when msg is not empty, its message.
func wantError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if apiErr.ErrorCode() != code || (msg != "" && apiErr.ErrorMessage() != msg) {
		t.Fatalf("error = %s: %q\nwant    %s: %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), code, msg)
	}
}

// createMachine creates a Standard state machine.
func (s *testServer) createMachine(t *testing.T, name, definition string) string {
	t.Helper()
	out, err := s.sfn.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String(roleARN)})
	check(t, "create state machine", err)
	return *out.StateMachineArn
}

// executions waits until a state machine has want executions and returns them with their
// input. The wait is for the delivery loop, which runs apart from PutEvents.
func (s *testServer) executions(t *testing.T, machineARN string, want int) []*awssfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := s.sfn.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(machineARN)})
		check(t, "list executions", err)
		if len(out.Executions) >= want || time.Now().After(deadline) {
			if len(out.Executions) != want {
				t.Fatalf("%d executions of %s, want %d", len(out.Executions), machineARN, want)
			}
			var described []*awssfn.DescribeExecutionOutput
			for _, e := range out.Executions {
				d, err := s.sfn.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
				check(t, "describe execution", err)
				described = append(described, d)
			}
			return described
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func decodeJSON(t *testing.T, text string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("not a JSON object: %s", text)
	}
	return v
}

// sign signs a hand-made request as the SDK would, for the "events" service.
func sign(t *testing.T, req *http.Request, body []byte) {
	t.Helper()
	sum := sha256.Sum256(body)
	err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}, req,
		hex.EncodeToString(sum[:]), eventsapi.SigningName, scope.Region, time.Now())
	check(t, "sign", err)
}
