package interp

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// historyLines renders events as "id prev Type" lines for exact comparisons.
func historyLines(events []sfn.HistoryEvent) []string {
	lines := make([]string, len(events))
	for i, ev := range events {
		lines[i] = fmt.Sprintf("%d %d %s", ev.ID, ev.PreviousEventID, ev.Type)
	}
	return lines
}

func TestTaskHistory(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, resource string
		tasks          taskFunc
		want           []string
	}{
		{"integration succeeds", "arn:aws:states:::lambda:invoke", echoTasks, []string{
			"1 0 ExecutionStarted", "2 0 TaskStateEntered", "3 2 TaskScheduled", "4 3 TaskStarted", "5 4 TaskSucceeded",
			"6 5 TaskStateExited", "7 6 ExecutionSucceeded"}},
		{"lambda function fails", "arn:aws:lambda:us-east-1:123456789012:function:f", failTask("Exception", "boom"), []string{
			"1 0 ExecutionStarted", "2 0 TaskStateEntered", "3 2 LambdaFunctionScheduled", "4 3 LambdaFunctionStarted",
			"5 4 LambdaFunctionFailed", "6 5 ExecutionFailed"}},
		{"activity succeeds", "arn:aws:states:us-east-1:123456789012:activity:a", echoTasks, []string{
			"1 0 ExecutionStarted", "2 0 TaskStateEntered", "3 2 ActivityScheduled", "4 3 ActivityStarted", "5 4 ActivitySucceeded",
			"6 5 TaskStateExited", "7 6 ExecutionSucceeded"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := compile(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+c.resource+`","End":true}}}`, Options{History: true})
			d := &driver{tasks: c.tasks, t: t}
			d.run(p, map[string]any{})
			if got := historyLines(d.events); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("history\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestTaskScheduledDetails(t *testing.T) {
	t.Parallel()
	p := compile(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
		"Parameters":{"token.$":"$$.Task.Token"},"TimeoutSeconds":30,"HeartbeatSeconds":10,"End":true}}}`, Options{History: true})
	var invoked InvokeTask
	d := &driver{t: t, tasks: func(inv InvokeTask) Event {
		invoked = inv
		return TaskSucceeded{TaskID: inv.TaskID, Output: "done"}
	}}
	e := d.run(p, map[string]any{})
	if r := e.Result(); r.Status != sfn.StatusSucceeded || r.Output != "done" {
		t.Fatalf("result %+v", r)
	}
	if invoked.TaskToken == "" || objectField(invoked.Input, "token") != invoked.TaskToken {
		t.Fatalf("token %q not passed as $$.Task.Token in %v", invoked.TaskToken, invoked.Input)
	}
	if invoked.TimeoutSeconds != 30 || invoked.HeartbeatSeconds != 10 || invoked.StateName != "T" {
		t.Fatalf("invoke %+v", invoked)
	}
	sched := d.events[2].TaskScheduledEventDetails
	if sched == nil || sched.ResourceType != "lambda" || sched.Resource != "invoke.waitForTaskToken" || sched.Region != "us-east-1" ||
		*sched.TimeoutInSeconds != 30 || *sched.HeartbeatInSeconds != 10 {
		t.Fatalf("TaskScheduled details %+v", sched)
	}
	// The task's timers were withdrawn when it succeeded.
	if len(d.timers) != 0 {
		t.Fatalf("timers left: %v", d.timers)
	}
}

func TestHeartbeatResetsTimer(t *testing.T) {
	t.Parallel()
	p := compile(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a","HeartbeatSeconds":10,"End":true}}}`, Options{})
	e, step := p.Start(testInfo(), map[string]any{})
	var taskID, timerID string
	for _, c := range step.Commands {
		switch c := c.(type) {
		case InvokeTask:
			taskID = c.TaskID
		case StartTimer:
			timerID = c.TimerID
		}
	}
	step = e.Handle(TaskHeartbeat{TaskID: taskID}, testStart.Add(5*time.Second))
	want := []Command{CancelTimer{TimerID: timerID}, StartTimer{TimerID: "timer-4", FireAt: testStart.Add(15 * time.Second)}}
	if !reflect.DeepEqual(step.Commands, want) {
		t.Fatalf("commands %#v, want %#v", step.Commands, want)
	}
	// The old timer no longer counts.
	if step = e.Handle(TimerFired{TimerID: timerID}, testStart.Add(10*time.Second)); step.Done {
		t.Fatalf("a withdrawn heartbeat timer ended the execution")
	}
	step = e.Handle(TimerFired{TimerID: "timer-4"}, testStart.Add(15*time.Second))
	if r := e.Result(); !step.Done || r.Error != sfn.ErrorHeartbeatTimeout {
		t.Fatalf("result %+v", r)
	}
	if !reflect.DeepEqual(step.Commands, []Command{CancelTask{TaskID: taskID}}) {
		t.Fatalf("commands %#v", step.Commands)
	}
}

func TestStopRequested(t *testing.T) {
	t.Parallel()
	p := compile(t, `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
		{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},
		{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}],"End":true}}}`, Options{History: true})
	e, step := p.Start(testInfo(), map[string]any{})
	if len(step.Commands) != 2 {
		t.Fatalf("commands %#v", step.Commands)
	}
	step = e.Handle(StopRequested{Error: "Stop", Cause: "by user"}, testStart.Add(time.Second))
	if r := e.Result(); r.Status != sfn.StatusAborted || r.Error != "Stop" || r.Cause != "by user" || !step.Done {
		t.Fatalf("result %+v", r)
	}
	want := []Command{CancelTask{TaskID: "task-3"}, CancelTimer{TimerID: "timer-5"}}
	if !reflect.DeepEqual(step.Commands, want) {
		t.Fatalf("commands %#v, want %#v", step.Commands, want)
	}
	if got := historyLines(step.Events); !reflect.DeepEqual(got, []string{"8 7 ExecutionAborted"}) {
		t.Fatalf("events %q", got)
	}
	if step = e.Handle(TaskSucceeded{TaskID: "task-3"}, testStart); len(step.Events) != 0 || !step.Done {
		t.Fatalf("an ended execution reacted: %+v", step)
	}
}

func TestParallelFailureCancelsOtherBranches(t *testing.T) {
	t.Parallel()
	p := compile(t, `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
		{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},
		{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}}],
		"Catch":[{"ErrorEquals":["States.ALL"],"Next":"D"}],"End":true},"D":{"Type":"Pass","End":true}}}`, Options{History: true})
	e, step := p.Start(testInfo(), map[string]any{})
	var cancelled []string
	for _, c := range step.Commands {
		if c, ok := c.(CancelTask); ok {
			cancelled = append(cancelled, c.TaskID)
		}
	}
	if !reflect.DeepEqual(cancelled, []string{"task-3"}) {
		t.Fatalf("cancelled %v in %#v", cancelled, step.Commands)
	}
	if r := e.Result(); r.Status != sfn.StatusSucceeded || !jsonEqual(r.Output, map[string]any{"Error": "E", "Cause": "C"}) {
		t.Fatalf("result %+v", r)
	}
	want := []string{"1 0 ExecutionStarted", "2 0 ParallelStateEntered", "3 2 ParallelStateStarted", "4 3 TaskStateEntered",
		"5 4 TaskScheduled", "6 5 TaskStarted", "7 3 FailStateEntered", "8 7 ParallelStateFailed", "9 8 ParallelStateExited",
		"10 9 PassStateEntered", "11 10 PassStateExited", "12 11 ExecutionSucceeded"}
	if got := historyLines(step.Events); !reflect.DeepEqual(got, want) {
		t.Fatalf("history\n got %q\nwant %q", got, want)
	}
}

func TestAssignedVariablesInHistory(t *testing.T) {
	t.Parallel()
	p := compile(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"n":1},"Assign":{"x.$":"$.n","s":"v"},"Next":"B"},
		"B":{"Type":"Pass","Parameters":{"x.$":"$x","s.$":"$s"},"End":true}}}`, Options{History: true})
	d := &driver{t: t}
	e := d.run(p, map[string]any{})
	exited := d.events[2].StateExitedEventDetails
	if want := map[string]string{"x": "1", "s": `"v"`}; !reflect.DeepEqual(exited.AssignedVariables, want) {
		t.Fatalf("assigned %v, want %v", exited.AssignedVariables, want)
	}
	if r := e.Result(); !jsonEqual(r.Output, map[string]any{"x": 1.0, "s": "v"}) {
		t.Fatalf("output %v", r.Output)
	}
}

func TestNoHistoryKeepsEventIDs(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"P"},
		"P":{"Type":"Pass","Parameters":{"v.$":"$.missing"},"End":true}}}`
	for _, history := range []bool{true, false} {
		p := compile(t, def, Options{History: history})
		d := &driver{tasks: echoTasks, t: t}
		e := d.run(p, map[string]any{})
		if r := e.Result(); !strings.Contains(r.Cause, "(entered at the event id #7)") {
			t.Fatalf("history %v: cause %q", history, r.Cause)
		}
		if !history && len(d.events) != 0 {
			t.Fatalf("events without history: %d", len(d.events))
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"V","States":{"V":{"Type":"Pass","Assign":{"k":2},"Next":"M"},
		"M":{"Type":"Map","MaxConcurrency":2,"ItemSelector":{"v.$":"$$.Map.Item.Value","k.$":"$k"},"ItemProcessor":{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["Flaky"],"MaxAttempts":2}],"Next":"W"},
		"W":{"Type":"Wait","Seconds":5,"End":true}}},"Next":"Done"},"Done":{"Type":"Pass","End":true}}}`
	p := compile(t, def, Options{History: true})
	input := decode(t, `[1,2,3,4]`)
	flaky := func() taskFunc {
		calls := 0
		return func(inv InvokeTask) Event {
			calls++
			if calls%3 == 0 {
				return TaskFailed{TaskID: inv.TaskID, Error: "Flaky"}
			}
			return TaskSucceeded{TaskID: inv.TaskID, Output: inv.Input}
		}
	}
	plain := &driver{tasks: flaky(), t: t}
	want := plain.run(p, input)
	for _, after := range []int{1, 3, 6, 9} {
		d := &driver{tasks: flaky(), t: t, restoreAfter: after}
		got := d.run(p, input)
		if !reflect.DeepEqual(got.Result(), want.Result()) {
			t.Fatalf("restored after %d events: %+v, want %+v", after, got.Result(), want.Result())
		}
		if !reflect.DeepEqual(historyLines(d.events), historyLines(plain.events)) {
			t.Fatalf("restored after %d events: history differs", after)
		}
	}
	if r := want.Result(); r.Status != sfn.StatusSucceeded || encodeJSON(r.Output) != `[{"v":1,"k":2},{"v":2,"k":2},{"v":3,"k":2},{"v":4,"k":2}]` { // "key.$" fields in java.util.HashMap order, as AWS
		t.Fatalf("result %+v", r)
	}
}

func TestActivityAndSyncEvents(t *testing.T) {
	t.Parallel()
	p := compile(t, `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a","Next":"S"},
		"S":{"Type":"Task","Resource":"arn:aws:states:::glue:startJobRun.sync","End":true}}}`, Options{History: true})
	e, step := p.Start(testInfo(), map[string]any{})
	events := step.Events
	handle := func(ev Event) {
		step = e.Handle(ev, testStart)
		events = append(events, step.Events...)
	}
	handle(TaskStarted{TaskID: "task-2", WorkerName: "w1"})
	handle(TaskSucceeded{TaskID: "task-2", Output: "a"})
	handle(TaskSubmitted{TaskID: "task-3", Output: map[string]any{"JobRunId": "j"}})
	handle(TaskSucceeded{TaskID: "task-3", Output: "s"})
	want := []string{"1 0 ExecutionStarted", "2 0 TaskStateEntered", "3 2 ActivityScheduled", "4 3 ActivityStarted",
		"5 4 ActivitySucceeded", "6 5 TaskStateExited", "7 6 TaskStateEntered", "8 7 TaskScheduled", "9 8 TaskStarted",
		"10 9 TaskSubmitted", "11 10 TaskSucceeded", "12 11 TaskStateExited", "13 12 ExecutionSucceeded"}
	if got := historyLines(events); !reflect.DeepEqual(got, want) {
		t.Fatalf("history\n got %q\nwant %q", got, want)
	}
	if w := events[3].ActivityStartedEventDetails; w == nil || w.WorkerName != "w1" {
		t.Fatalf("ActivityStarted details %+v", w)
	}
	if d := events[9].TaskSubmittedEventDetails; d == nil || d.ResourceType != "glue" || d.Resource != "startJobRun.sync" {
		t.Fatalf("TaskSubmitted details %+v", d)
	}
}

func TestMapFailureAbortsRunningIterations(t *testing.T) {
	t.Parallel()
	p := compile(t, `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"C","States":{
		"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":1,"Next":"F"}],"Default":"T"},
		"F":{"Type":"Fail","Error":"One"},
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},"End":true}}}`, Options{History: true})
	e, step := p.Start(testInfo(), []any{0.0, 1.0, 2.0})
	if r := e.Result(); r.Status != sfn.StatusFailed || r.Error != "One" {
		t.Fatalf("result %+v", r)
	}
	var invoked, cancelled []string
	for _, c := range step.Commands {
		switch c := c.(type) {
		case InvokeTask:
			invoked = append(invoked, c.TaskID)
		case CancelTask:
			cancelled = append(cancelled, c.TaskID)
		}
	}
	if !reflect.DeepEqual(invoked, cancelled) || len(invoked) != 1 {
		t.Fatalf("invoked %v, cancelled %v", invoked, cancelled)
	}
	want := []string{"1 0 ExecutionStarted", "2 0 MapStateEntered", "3 2 MapStateStarted",
		"4 3 MapIterationStarted", "5 4 ChoiceStateEntered", "6 5 ChoiceStateExited", "7 6 TaskStateEntered", "8 7 TaskScheduled", "9 8 TaskStarted",
		"10 3 MapIterationStarted", "11 10 ChoiceStateEntered", "12 11 ChoiceStateExited", "13 12 FailStateEntered", "14 13 MapIterationFailed",
		"15 9 MapIterationAborted", "16 13 MapStateFailed", "17 16 ExecutionFailed"}
	if got := historyLines(step.Events); !reflect.DeepEqual(got, want) {
		t.Fatalf("history\n got %q\nwant %q", got, want)
	}
}

// objectField is a field of an object value (nil when v is no object or has no such field).
func objectField(v any, key string) any {
	o, _ := jsonvalue.AsObject(v)
	f, _ := o.Get(key)
	return f
}
