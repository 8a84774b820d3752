package nested_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/task/nested"
)

// newEngine starts an engine on a new SQLite file whose router sends states:startExecution to
// the nested invoker and lambda:invoke to answer (for the children's callbacks).
func newEngine(t *testing.T, answer func(e *engine.Engine) task.InvokerFunc) *engine.Engine {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "stepflow.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	router := task.NewRouter()
	e, err := engine.New(engine.Config{Store: st, Invoker: router})
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	router.HandleService("states", nested.New(e))
	if answer != nil {
		router.HandleService("lambda", answer(e))
	}
	if err := e.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

func createMachine(t *testing.T, e *engine.Engine, name, definition string) string {
	t.Helper()
	return createTyped(t, e, name, definition, sfn.TypeStandard)
}

func createTyped(t *testing.T, e *engine.Engine, name, definition string, typ sfn.StateMachineType) string {
	t.Helper()
	arn := e.Scope().StateMachineARN(name)
	_, err := e.Store().StateMachineCreate(context.Background(), &store.StateMachineCreateParams{
		ARN: arn, Name: name, Type: typ, Definition: definition, RoleARN: e.Scope().RoleARN("test"),
		RevisionID: "r1", CreatedDate: time.Now().UTC()})
	if err != nil {
		t.Fatalf("create state machine: %v", err)
	}
	return arn
}

func run(t *testing.T, e *engine.Engine, machine, name, input string) *store.Execution {
	t.Helper()
	x, err := e.StartExecution(context.Background(), &engine.StartExecutionParams{StateMachineARN: machine, Name: name, Input: input})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	return await(t, e, x.ARN)
}

// await polls the store until the execution is no longer running.
func await(t *testing.T, e *engine.Engine, arn string) *store.Execution {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rec, err := e.Store().ExecutionGetByARN(context.Background(), &store.ExecutionGetByARNParams{ARN: arn})
		if err != nil {
			t.Fatalf("get execution: %v", err)
		}
		if rec.Status != sfn.StatusRunning {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still running", arn)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// undate checks that the describe fields StartDate and StopDate are epoch milliseconds and
// drops them, so that the rest compares exactly.
func undate(t *testing.T, v any) any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for _, k := range []string{"StartDate", "StopDate"} {
		if d, ok := m[k]; ok {
			if n, ok := d.(float64); !ok || n < 1e12 {
				t.Errorf("%s = %v, want epoch milliseconds", k, d)
			}
			delete(m, k)
		}
	}
	return m
}

const child = `{"StartAt": "Greet", "States": {"Greet": {"Type": "Pass", "Parameters": {"hello.$": "$.who"}, "End": true}}}`
const failingChild = `{"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Child.Broke", "Cause": "no luck"}}}`

func parent(resource, childARN, childName string) string {
	return `{"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "` + resource + `",
	  "Parameters": {"StateMachineArn": "` + childARN + `", "Name": "` + childName + `",
	    "Input": {"who.$": "$.who", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}},
	  "End": true}}}`
}

func TestSync(t *testing.T) {
	t.Parallel()
	e := newEngine(t, nil)
	childARN := createMachine(t, e, "child", child)
	failingARN := createMachine(t, e, "failing", failingChild)
	scope := e.Scope()
	tests := []struct {
		name, resource, childARN, childMachine string
		status                                 sfn.ExecutionStatus
		want                                   string // output, or the cause for FAILED
		error                                  string
	}{
		{name: "sync", resource: "arn:aws:states:::states:startExecution.sync", childARN: childARN, childMachine: "child",
			status: sfn.StatusSucceeded,
			want: `{"ExecutionArn": "` + scope.ExecutionARN("child", "c-sync") + `",
			  "Input": "{\"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID\":\"` + scope.ExecutionARN("parent-sync", "p") + `\",\"who\":\"Ada\"}",
			  "InputDetails": {"Included": true}, "Name": "c-sync", "Output": "{\"hello\":\"Ada\"}",
			  "OutputDetails": {"Included": true}, "StateMachineArn": "` + childARN + `", "Status": "SUCCEEDED"}`},
		{name: "sync2", resource: "arn:aws:states:::states:startExecution.sync:2", childARN: childARN, childMachine: "child",
			status: sfn.StatusSucceeded,
			want: `{"ExecutionArn": "` + scope.ExecutionARN("child", "c-sync2") + `",
			  "Input": {"who": "Ada", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": "` + scope.ExecutionARN("parent-sync2", "p") + `"},
			  "InputDetails": {"Included": true}, "Name": "c-sync2", "Output": {"hello": "Ada"},
			  "OutputDetails": {"Included": true}, "StateMachineArn": "` + childARN + `", "Status": "SUCCEEDED"}`},
		{name: "failed", resource: "arn:aws:states:::states:startExecution.sync", childARN: failingARN, childMachine: "failing",
			status: sfn.StatusFailed, error: sfn.ErrorTaskFailed,
			want: `{"Cause": "no luck", "Error": "Child.Broke", "ExecutionArn": "` + scope.ExecutionARN("failing", "c-failed") + `",
			  "Input": "{\"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID\":\"` + scope.ExecutionARN("parent-failed", "p") + `\",\"who\":\"Ada\"}",
			  "InputDetails": {"Included": true}, "Name": "c-failed", "StateMachineArn": "` + failingARN + `", "Status": "FAILED"}`},
		{name: "missing", resource: "arn:aws:states:::states:startExecution.sync", childARN: scope.StateMachineARN("nope"),
			status: sfn.StatusFailed, error: "StepFunctions.StateMachineDoesNotExistException",
			want: `"State Machine Does Not Exist: '` + scope.StateMachineARN("nope") + `' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist)"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			machine := createMachine(t, e, "parent-"+tt.name, parent(tt.resource, tt.childARN, "c-"+tt.name))
			x := run(t, e, machine, "p", `{"who": "Ada"}`)
			if x.Status != tt.status || x.Error != tt.error {
				t.Fatalf("status %s error %q cause %q, want %s %q", x.Status, x.Error, x.Cause, tt.status, tt.error)
			}
			text := x.Cause
			if x.Output != nil {
				text = *x.Output
			}
			got, err := jsonvalue.Unmarshal([]byte(text))
			if err != nil {
				got = text
			}
			if want := decode(t, tt.want); !jsonvalue.Equal(undate(t, got), want) {
				t.Errorf("got  %s\nwant %s", jsonvalue.MarshalString(got), jsonvalue.MarshalString(want))
			}
		})
	}
}

func decode(t *testing.T, s string) any {
	t.Helper()
	v, err := jsonvalue.Unmarshal([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func TestRequestResponse(t *testing.T) {
	t.Parallel()
	e := newEngine(t, nil)
	childARN := createMachine(t, e, "child", child)
	machine := createMachine(t, e, "parent", parent("arn:aws:states:::states:startExecution", childARN, "c1"))
	x := run(t, e, machine, "p", `{"who": "Grace"}`)
	if x.Status != sfn.StatusSucceeded {
		t.Fatalf("status %s %s %s", x.Status, x.Error, x.Cause)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(*x.Output), &out); err != nil {
		t.Fatal(err)
	}
	if got, want := out["ExecutionArn"], e.Scope().ExecutionARN("child", "c1"); got != want {
		t.Errorf("ExecutionArn = %v, want %s", got, want)
	}
	meta, _ := out["SdkHttpMetadata"].(map[string]any)
	if meta["HttpStatusCode"] != float64(200) {
		t.Errorf("SdkHttpMetadata = %v, want HttpStatusCode 200", meta)
	}
	undate(t, out)
	childRun := await(t, e, e.Scope().ExecutionARN("child", "c1"))
	if want := `{"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID":"` + x.ARN + `","who":"Grace"}`; childRun.Input != want {
		t.Errorf("child input %s, want %s", childRun.Input, want)
	}
	if childRun.Status != sfn.StatusSucceeded || *childRun.Output != `{"hello":"Grace"}` {
		t.Errorf("child %s output %v", childRun.Status, childRun.Output)
	}
}

// The child of a .waitForTaskToken task answers its parent with the token it was given.
func TestWaitForTaskToken(t *testing.T) {
	t.Parallel()
	e := newEngine(t, func(e *engine.Engine) task.InvokerFunc {
		return func(ctx context.Context, req *task.Request) (any, error) {
			in := req.Input.(map[string]any)
			token, _ := in["token"].(string)
			return nil, e.SendTaskSuccess(ctx, token, `{"answered": true}`)
		}
	})
	childARN := createMachine(t, e, "answering", `{"StartAt": "Answer", "States": {"Answer": {"Type": "Task",
	  "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"token.$": "$.token"}, "End": true}}}`)
	machine := createMachine(t, e, "parent", `{"StartAt": "Call", "States": {"Call": {"Type": "Task",
	  "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
	  "Parameters": {"StateMachineArn": "`+childARN+`", "Input": {"token.$": "$$.Task.Token"}}, "End": true}}}`)
	x := run(t, e, machine, "p", `{}`)
	if x.Status != sfn.StatusSucceeded || *x.Output != `{"answered":true}` {
		t.Fatalf("status %s output %v error %s %s", x.Status, x.Output, x.Error, x.Cause)
	}
}

func TestParameterErrors(t *testing.T) {
	t.Parallel()
	inv := nested.New(nil)
	tests := []struct {
		name     string
		resource string
		input    any
		want     string
	}{
		{"not an object", "arn:aws:states:::states:startExecution", "x",
			"States.Runtime: the parameters of states:startExecution must be an object with StateMachineArn, and optionally Input and Name"},
		{"no machine", "arn:aws:states:::states:startExecution.sync", map[string]any{"Input": map[string]any{}},
			"States.Runtime: the StateMachineArn parameter of states:startExecution is required"},
		{"unknown parameter", "arn:aws:states:::states:startExecution", map[string]any{"StateMachineArn": "a", "Nme": "x"},
			"States.Runtime: states:startExecution has no parameter Nme: it takes StateMachineArn, Input, Name and TraceHeader"},
		{"other action", "arn:aws:states:::states:startSyncExecution", map[string]any{},
			"States.Runtime: resource arn:aws:states:::states:startSyncExecution is not a nested execution: only arn:aws:states:::states:startExecution (with .sync, .sync:2 or .waitForTaskToken) is supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := inv.Invoke(context.Background(), &task.Request{Resource: sfn.ParseResource(tt.resource), Input: tt.input})
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %v, want %s", err, tt.want)
			}
		})
	}
}

// A .sync task that times out stops its child, as AWS does.
func TestTimeoutStopsChild(t *testing.T) {
	t.Parallel()
	e := newEngine(t, nil)
	childARN := createMachine(t, e, "slow", `{"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "End": true}}}`)
	machine := createMachine(t, e, "parent", `{"StartAt": "Call", "States": {"Call": {"Type": "Task",
	  "Resource": "arn:aws:states:::states:startExecution.sync:2", "TimeoutSeconds": 1,
	  "Parameters": {"StateMachineArn": "`+childARN+`", "Name": "c"}, "End": true}}}`)
	x := run(t, e, machine, "p", `{}`)
	if x.Status != sfn.StatusFailed || x.Error != sfn.ErrorTimeout {
		t.Fatalf("parent %s %s %s, want FAILED States.Timeout", x.Status, x.Error, x.Cause)
	}
	if c := await(t, e, e.Scope().ExecutionARN("slow", "c")); c.Status != sfn.StatusAborted {
		t.Errorf("child %s, want ABORTED", c.Status)
	}
}

// A .sync task waits for an Express child too: its record in the store says when it ended.
func TestSyncExpressChild(t *testing.T) {
	t.Parallel()
	e := newEngine(t, nil)
	childARN := createTyped(t, e, "quick", child, sfn.TypeExpress)
	machine := createMachine(t, e, "parent", `{"StartAt": "Call", "States": {"Call": {"Type": "Task",
	  "Resource": "arn:aws:states:::states:startExecution.sync:2",
	  "Parameters": {"StateMachineArn": "`+childARN+`", "Input": {"who": "Lin"}}, "OutputPath": "$.Output", "End": true}}}`)
	x := run(t, e, machine, "p", `{}`)
	if x.Status != sfn.StatusSucceeded || *x.Output != `{"hello":"Lin"}` {
		t.Fatalf("status %s output %v error %s %s", x.Status, x.Output, x.Error, x.Cause)
	}
}
