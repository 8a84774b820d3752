package aws_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/internal/mototest"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
	awsint "github.com/stepflow/stepflow/task/aws"
	"github.com/stepflow/stepflow/task/function"
)

func TestMain(m *testing.M) {
	code := m.Run()
	mototest.Stop()
	os.Exit(code)
}

// newRouter routes tasks as stepflow server does: AWS services and Lambda functions not in
// registry to inv.
func newRouter(inv *awsint.Invoker, registry *function.Registry) *task.Router {
	router := task.NewRouter()
	for _, s := range inv.Routes() {
		router.HandleService(s, inv)
	}
	if registry == nil {
		registry = function.NewRegistry(sfn.DefaultScope)
	}
	lambda := inv.Lambda(registry)
	router.HandleLambda(lambda)
	router.HandleService("lambda", lambda)
	return router
}

func newInvoker(t *testing.T, cfg awsint.Config) *awsint.Invoker {
	t.Helper()
	if cfg.Region == "" {
		cfg.Region = mototest.Region
	}
	if cfg.Credentials == nil {
		cfg.Credentials = mototest.Credentials
	}
	inv, err := awsint.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// run runs def (JSON text) to its end on virtual time and returns its result and history.
func run(t *testing.T, invoker task.Invoker, def string, input any) (interp.Result, []sfn.HistoryEvent) {
	t.Helper()
	sm, diags := asl.Parse([]byte(def), interp.ParseOptions(sfn.TypeStandard))
	if diags.HasErrors() {
		t.Fatalf("definition: %v", diags)
	}
	prog, err := interp.Compile(sm, interp.Options{PayloadLimit: sfn.DefaultPayloadLimit, History: true})
	if err != nil {
		t.Fatal(err)
	}
	if input == nil {
		input = map[string]any{}
	}
	var history []sfn.HistoryEvent
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	scope := sfn.DefaultScope
	res, err := engine.Run(ctx, prog, engine.RunOptions{
		Info: interp.ExecutionInfo{
			ExecutionARN: scope.ExecutionARN("m", "e"), ExecutionName: "e",
			StateMachineARN: scope.StateMachineARN("m"), StateMachineName: "m",
			RoleARN: scope.RoleARN("r"), StartTime: time.Now().UTC(),
		},
		Input: input, Invoker: invoker, VirtualTime: true,
		OnStep: func(evs []sfn.HistoryEvent) { history = append(history, evs...) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, history
}

// mustSucceed fails the test unless the execution succeeded, and returns its output.
func mustSucceed(t *testing.T, res interp.Result) map[string]any {
	t.Helper()
	if res.Status != sfn.StatusSucceeded {
		t.Fatalf("execution %s: %s: %s", res.Status, res.Error, res.Cause)
	}
	out, ok := jsonvalue.Plain(res.Output).(map[string]any)
	if !ok {
		t.Fatalf("output %s is not an object", jsonvalue.MarshalString(res.Output))
	}
	return out
}

// get walks an output (Go maps or ordered Objects) along keys.
func get(v any, keys ...string) any {
	for _, k := range keys {
		obj, _ := jsonvalue.AsObject(v)
		v, _ = obj.Get(k)
	}
	return v
}
