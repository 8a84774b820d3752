package engine

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task"
)

const lambdaARN = "arn:aws:lambda:us-east-1:123456789012:function:"

func TestTasks(t *testing.T) {
	t.Parallel()
	var flaky atomic.Int32
	inv := funcInvoker{
		lambdaARN + "double": func(ctx context.Context, req *task.Request) (any, error) {
			n := req.Input.(map[string]any)["n"].(float64)
			return map[string]any{"n": 2 * n}, nil
		},
		lambdaARN + "boom": func(ctx context.Context, req *task.Request) (any, error) {
			return nil, &task.Error{Name: "Boom", Cause: "it broke"}
		},
		lambdaARN + "flaky": func(ctx context.Context, req *task.Request) (any, error) {
			if flaky.Add(1) <= 2 {
				return nil, &task.Error{Name: "Flaky", Cause: "try again"}
			}
			return "third time", nil
		},
	}
	tests := []struct {
		name       string
		definition string
		status     sfn.ExecutionStatus
		output     any
		errName    string
		cause      string
		events     []sfn.EventType
	}{
		{
			name: "two tasks succeed",
			definition: `{"StartAt":"A","States":{
				"A":{"Type":"Task","Resource":"` + lambdaARN + `double","Next":"B"},
				"B":{"Type":"Task","Resource":"` + lambdaARN + `double","End":true}}}`,
			status: sfn.StatusSucceeded,
			output: map[string]any{"n": 12.0},
			events: []sfn.EventType{sfn.EventExecutionStarted,
				sfn.EventTaskStateEntered, sfn.EventLambdaFunctionScheduled, sfn.EventLambdaFunctionStarted, sfn.EventLambdaFunctionSucceeded, sfn.EventTaskStateExited,
				sfn.EventTaskStateEntered, sfn.EventLambdaFunctionScheduled, sfn.EventLambdaFunctionStarted, sfn.EventLambdaFunctionSucceeded, sfn.EventTaskStateExited,
				sfn.EventExecutionSucceeded},
		},
		{
			name:       "task fails the execution",
			definition: `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + lambdaARN + `boom","End":true}}}`,
			status:     sfn.StatusFailed,
			errName:    "Boom",
			cause:      "it broke",
			events: []sfn.EventType{sfn.EventExecutionStarted, sfn.EventTaskStateEntered, sfn.EventLambdaFunctionScheduled,
				sfn.EventLambdaFunctionStarted, sfn.EventLambdaFunctionFailed, sfn.EventExecutionFailed},
		},
		{
			name: "retry until success",
			definition: `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + lambdaARN + `flaky",
				"Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":5,"MaxAttempts":3}],"End":true}}}`,
			status: sfn.StatusSucceeded,
			output: "third time",
			events: []sfn.EventType{sfn.EventExecutionStarted, sfn.EventTaskStateEntered,
				sfn.EventLambdaFunctionScheduled, sfn.EventLambdaFunctionStarted, sfn.EventLambdaFunctionFailed,
				sfn.EventLambdaFunctionScheduled, sfn.EventLambdaFunctionStarted, sfn.EventLambdaFunctionFailed,
				sfn.EventLambdaFunctionScheduled, sfn.EventLambdaFunctionStarted, sfn.EventLambdaFunctionSucceeded,
				sfn.EventTaskStateExited, sfn.EventExecutionSucceeded},
		},
		{
			name: "catch",
			definition: `{"StartAt":"A","States":{
				"A":{"Type":"Task","Resource":"` + lambdaARN + `boom","Catch":[{"ErrorEquals":["States.ALL"],"Next":"B"}],"End":true},
				"B":{"Type":"Pass","End":true}}}`,
			status: sfn.StatusSucceeded,
			output: map[string]any{"Error": "Boom", "Cause": "it broke"},
			events: []sfn.EventType{sfn.EventExecutionStarted, sfn.EventTaskStateEntered, sfn.EventLambdaFunctionScheduled,
				sfn.EventLambdaFunctionStarted, sfn.EventLambdaFunctionFailed, sfn.EventTaskStateExited,
				sfn.EventPassStateEntered, sfn.EventPassStateExited, sfn.EventExecutionSucceeded},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := newTestClock()
			e := startEngine(t, Config{Invoker: inv, Now: clock.Now})
			sm := createMachine(t, e, "m", tc.definition, sfn.TypeStandard)
			rec, err := e.StartExecution(context.Background(), &StartExecutionParams{StateMachineARN: sm, Input: `{"n":3}`})
			if err != nil {
				t.Fatalf("StartExecution: %v", err)
			}
			end := awaitEndAdvancing(t, e, clock, time.Second, rec.ARN)
			if end.Status != tc.status || end.Error != tc.errName || end.Cause != tc.cause {
				t.Fatalf("ended %s %q %q, want %s %q %q", end.Status, end.Error, end.Cause, tc.status, tc.errName, tc.cause)
			}
			if tc.output != nil {
				if got := output(t, end); !reflect.DeepEqual(got, tc.output) {
					t.Fatalf("output %#v, want %#v", got, tc.output)
				}
			}
			if got := eventTypes(history(t, e.Store(), rec.ARN)); !reflect.DeepEqual(got, tc.events) {
				t.Fatalf("history\n got %v\nwant %v", got, tc.events)
			}
		})
	}
}

func TestWaitFiresOnTheClock(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	e := startEngine(t, Config{Now: clock.Now})
	sm := createMachine(t, e, "w", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":86400,"End":true}}}`, sfn.TypeStandard)
	rec, err := e.StartExecution(context.Background(), &StartExecutionParams{StateMachineARN: sm})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	clock.Advance(86399 * time.Second)
	e.WakeTimers()
	time.Sleep(20 * time.Millisecond)
	if got := awaitStatus(t, e, rec.ARN); got != sfn.StatusRunning {
		t.Fatalf("status %s a second before the wait ends", got)
	}
	end := awaitEndAdvancing(t, e, clock, time.Second, rec.ARN)
	if end.Status != sfn.StatusSucceeded {
		t.Fatalf("status %s", end.Status)
	}
	want := []sfn.EventType{sfn.EventExecutionStarted, sfn.EventWaitStateEntered, sfn.EventWaitStateExited, sfn.EventExecutionSucceeded}
	if got := eventTypes(history(t, e.Store(), rec.ARN)); !reflect.DeepEqual(got, want) {
		t.Fatalf("history %v, want %v", got, want)
	}
	if end.StopDate.Sub(end.StartDate) < 86400*time.Second {
		t.Fatalf("stopped %v after start", end.StopDate.Sub(end.StartDate))
	}
}

func awaitStatus(t testing.TB, e *Engine, arn string) sfn.ExecutionStatus {
	t.Helper()
	rec, err := e.Store().ExecutionGetByARN(context.Background(), &store.ExecutionGetByARNParams{ARN: arn})
	if err != nil {
		t.Fatalf("get execution: %v", err)
	}
	return rec.Status
}

func TestStopExecution(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEngine(t, Config{})
	sm := createMachine(t, e, "w", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":86400,"End":true}}}`, sfn.TypeStandard)
	rec, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	stopped, err := e.StopExecution(ctx, rec.ARN, "Halt", "operator said so")
	if err != nil {
		t.Fatalf("StopExecution: %v", err)
	}
	end := awaitEnd(t, e, rec.ARN)
	if end.Status != sfn.StatusAborted || end.Error != "Halt" || end.Cause != "operator said so" || !end.StopDate.Equal(stopped) {
		t.Fatalf("ended %s %q %q at %v, want ABORTED at %v", end.Status, end.Error, end.Cause, end.StopDate, stopped)
	}
	events := history(t, e.Store(), rec.ARN)
	last := events[len(events)-1]
	if last.Type != sfn.EventExecutionAborted || last.ExecutionAbortedEventDetails.Error != "Halt" {
		t.Fatalf("last event %+v", last)
	}
	again, err := e.StopExecution(ctx, rec.ARN, "Halt", "twice")
	if err != nil || !again.Equal(stopped) {
		t.Fatalf("second stop: %v, %v", again, err)
	}
	if _, err := e.StopExecution(ctx, rec.ARN+"nope", "", ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("stop of unknown execution: %v", err)
	}
}

func TestExecutionTimeout(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	e := startEngine(t, Config{Now: clock.Now})
	sm := createMachine(t, e, "slow", `{"TimeoutSeconds":30,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, sfn.TypeStandard)
	rec, err := e.StartExecution(context.Background(), &StartExecutionParams{StateMachineARN: sm})
	if err != nil {
		t.Fatal(err)
	}
	end := awaitEndAdvancing(t, e, clock, 5*time.Second, rec.ARN)
	if end.Status != sfn.StatusTimedOut || end.Error != sfn.ErrorTimeout {
		t.Fatalf("ended %s %q", end.Status, end.Error)
	}
	events := history(t, e.Store(), rec.ARN)
	if last := events[len(events)-1]; last.Type != sfn.EventExecutionTimedOut {
		t.Fatalf("last event %s", last.Type)
	}
}

// TestStopCancelsRunningTasks checks that stopping an execution cancels the invocations of
// its Parallel branches and that their late results change nothing.
func TestStopCancelsRunningTasks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	started := make(chan struct{}, 2)
	cancelled := make(chan struct{}, 2)
	inv := funcInvoker{lambdaARN + "block": func(ctx context.Context, req *task.Request) (any, error) {
		started <- struct{}{}
		<-ctx.Done()
		cancelled <- struct{}{}
		return "too late", nil
	}}
	e := startEngine(t, Config{Invoker: inv})
	sm := createMachine(t, e, "p", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+lambdaARN+`block","End":true}}},
		{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"`+lambdaARN+`block","End":true}}}]}}}`, sfn.TypeStandard)
	rec, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm})
	if err != nil {
		t.Fatal(err)
	}
	<-started
	<-started
	if _, err := e.StopExecution(ctx, rec.ARN, "", "enough"); err != nil {
		t.Fatal(err)
	}
	<-cancelled
	<-cancelled
	end := awaitEnd(t, e, rec.ARN)
	if end.Status != sfn.StatusAborted || end.Cause != "enough" {
		t.Fatalf("ended %s %q", end.Status, end.Cause)
	}
	events := history(t, e.Store(), rec.ARN)
	if last := events[len(events)-1]; last.Type != sfn.EventExecutionAborted {
		t.Fatalf("last event %s", last.Type)
	}
}
