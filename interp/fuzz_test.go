package interp

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/internal/aslgraph"
	"github.com/stepflow/stepflow/sfn"
)

// fuzzMaxHandles bounds the events one fuzzed execution is given before it is stopped.
const fuzzMaxHandles = 200

// fuzzRun is everything an execution driven by runFuzzed produced.
type fuzzRun struct {
	events   []sfn.HistoryEvent
	commands []Command
	result   Result
}

// runFuzzed drives an execution on virtual time: tasks are answered as answers says (the
// k-th task by answers[k]: succeed with its input, fail with States.TaskFailed, fail with a
// custom error, or never answer), timers fire in time order, and after fuzzMaxHandles
// events, or when nothing can happen any more, the execution is stopped. With restore, the
// execution is snapshotted and restored from the snapshot after every step, as the durable
// engine does when it reloads an execution.
func runFuzzed(p *Program, input any, answers []byte, restore bool) (*fuzzRun, error) {
	run := &fuzzRun{}
	now := testStart
	var pending []Event
	var timers []StartTimer
	tasks := 0
	apply := func(step Step) {
		run.events = append(run.events, step.Events...)
		run.commands = append(run.commands, step.Commands...)
		for _, c := range step.Commands {
			switch c := c.(type) {
			case InvokeTask:
				answer := byte(0)
				if len(answers) > 0 {
					answer = answers[tasks%len(answers)]
				}
				tasks++
				switch answer % 4 {
				case 0:
					pending = append(pending, TaskSucceeded{TaskID: c.TaskID, Output: c.Input})
				case 1:
					pending = append(pending, TaskFailed{TaskID: c.TaskID, Error: sfn.ErrorTaskFailed, Cause: "fuzzed failure"})
				case 2:
					pending = append(pending, TaskFailed{TaskID: c.TaskID, Error: "Custom.Error", Cause: `{"errorMessage":"x"}`})
				}
			case StartTimer:
				timers = append(timers, c)
			case CancelTimer:
				timers = slices.DeleteFunc(timers, func(s StartTimer) bool { return s.TimerID == c.TimerID })
			case CancelTask:
				pending = slices.DeleteFunc(pending, func(ev Event) bool {
					switch ev := ev.(type) {
					case TaskSucceeded:
						return ev.TaskID == c.TaskID
					case TaskFailed:
						return ev.TaskID == c.TaskID
					}
					return false
				})
			}
		}
	}
	e, step := p.Start(testInfo(), input)
	apply(step)
	for handled := 0; !step.Done; handled++ {
		var ev Event
		switch {
		case handled >= fuzzMaxHandles:
			ev = StopRequested{Error: "Fuzz.Stopped", Cause: "the fuzz driver's event budget ran out"}
		case len(pending) > 0:
			ev, pending = pending[0], pending[1:]
		case len(timers) > 0:
			next := 0
			for i, tm := range timers {
				if tm.FireAt.Before(timers[next].FireAt) {
					next = i
				}
			}
			tm := timers[next]
			timers = slices.Delete(timers, next, next+1)
			if tm.FireAt.After(now) {
				now = tm.FireAt
			}
			ev = TimerFired{TimerID: tm.TimerID}
		default:
			ev = StopRequested{Error: "Fuzz.Stopped", Cause: "nothing can happen any more"}
		}
		step = e.Handle(ev, now)
		apply(step)
		if _, stop := ev.(StopRequested); stop && !step.Done {
			return nil, fmt.Errorf("StopRequested did not end the execution (event %d)", handled)
		}
		if restore && !step.Done {
			snap, err := e.Snapshot()
			if err != nil {
				return nil, fmt.Errorf("snapshot after event %d: %w", handled, err)
			}
			if e, err = p.Restore(snap); err != nil {
				return nil, fmt.Errorf("restore after event %d: %w", handled, err)
			}
		}
	}
	run.result = e.Result()
	return run, nil
}

// checkHistory checks the shape of a finished execution's history: ids count up from 1,
// every previousEventId points back, it starts with ExecutionStarted and ends with the one
// event that matches the result's status, and every event encodes as JSON.
func checkHistory(t *testing.T, run *fuzzRun) {
	t.Helper()
	events := run.events
	if len(events) < 2 || events[0].Type != sfn.EventExecutionStarted {
		t.Fatalf("history does not start with ExecutionStarted and end: %d events", len(events))
	}
	for i, ev := range events {
		if ev.ID != int64(i+1) || ev.PreviousEventID < 0 || ev.PreviousEventID >= ev.ID {
			t.Fatalf("event %d (%s) has id %d and previousEventId %d", i, ev.Type, ev.ID, ev.PreviousEventID)
		}
		if _, err := json.Marshal(ev); err != nil {
			t.Fatalf("event %d (%s) cannot be encoded: %v", ev.ID, ev.Type, err)
		}
	}
	end := map[sfn.ExecutionStatus]sfn.EventType{
		sfn.StatusSucceeded: sfn.EventExecutionSucceeded, sfn.StatusFailed: sfn.EventExecutionFailed,
		sfn.StatusAborted: sfn.EventExecutionAborted, sfn.StatusTimedOut: sfn.EventExecutionTimedOut,
	}
	want, ok := end[run.result.Status]
	if !ok || events[len(events)-1].Type != want {
		t.Fatalf("result %s but the last event is %s", run.result.Status, events[len(events)-1].Type)
	}
	for _, ev := range events[:len(events)-1] {
		if _, ending := map[sfn.EventType]bool{sfn.EventExecutionSucceeded: true, sfn.EventExecutionFailed: true,
			sfn.EventExecutionAborted: true, sfn.EventExecutionTimedOut: true}[ev.Type]; ending {
			t.Fatalf("event %d ends the execution (%s) before the last event", ev.ID, ev.Type)
		}
	}
	if run.result.Status == sfn.StatusFailed && run.result.Error == "" && run.result.Cause == "" {
		// AWS allows a Fail state without Error and Cause; anything else names its error.
		if !slices.ContainsFunc(events, func(ev sfn.HistoryEvent) bool { return ev.Type == sfn.EventFailStateEntered }) {
			t.Fatalf("execution failed without an error name")
		}
	}
	if run.result.Status == sfn.StatusSucceeded {
		if _, err := json.Marshal(run.result.Output); err != nil {
			t.Fatalf("output %#v cannot be encoded: %v", run.result.Output, err)
		}
	}
}

// FuzzExecution runs a fuzzed definition on a fuzzed input, with tasks answered as a fuzzed
// byte string says, for a bounded number of events. It checks that the interpreter is
// deterministic (two runs give the same history, commands and result, byte for byte), that
// snapshotting and restoring the execution after every step changes nothing, that a stop
// always ends the execution, and that the history is well formed and encodable.
//
// Definitions with a loop of Pass/Choice/Parallel/Map states that never waits are skipped:
// the interpreter runs such a loop inside one step without end (see internal/aslgraph).
func FuzzExecution(f *testing.F) {
	for _, seed := range []struct{ definition, input string }{
		{`{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r","End":true}}}`, `{"a":1}`},
		{`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Retry":[{"ErrorEquals":["States.TaskFailed"],"MaxAttempts":2,"IntervalSeconds":1,"BackoffRate":2}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"F","ResultPath":"$.err"}],"Next":"S"},"F":{"Type":"Fail","Error":"E","Cause":"c"},"S":{"Type":"Succeed"}}}`, `{"n":1}`},
		{`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Next":"W"}],"Default":"P"},"W":{"Type":"Wait","Seconds":5,"Next":"P"},"P":{"Type":"Pass","End":true}}}`, `{"n":2}`},
		{`{"StartAt":"Par","States":{"Par":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}],"End":true}}}`, `{}`},
		{`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}},"End":true}}}`, `{"items":[1,2,3]}`},
		{`{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"x":"{% $states.input.a %}"},"Output":"{% {'sum': $x + 1, 'u': $uuid(), 'r': $random()} %}","End":true}}}`, `{"a":41}`},
		{`{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"f.$":"States.Format('{}-{}', $.a, States.UUID())","r.$":"States.MathRandom(1, 100)"},"Next":"W"},"W":{"Type":"Wait","SecondsPath":"$.f","Next":"E"},"E":{"Type":"Succeed"}}}`, `{"a":"x"}`},
		{`{"TimeoutSeconds":3,"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","HeartbeatSeconds":1,"TimeoutSeconds":2,"End":true}}}`, `{}`},
	} {
		f.Add([]byte(seed.definition), []byte(seed.input), []byte{0, 1, 2, 3})
	}
	f.Fuzz(func(t *testing.T, definition, inputJSON, answers []byte) {
		sm, diags := asl.Parse(definition, ParseOptions(sfn.TypeStandard))
		if diags.HasErrors() || aslgraph.LoopsWithoutWaiting(sm) {
			return
		}
		p, err := Compile(sm, Options{History: true, PayloadLimit: sfn.DefaultPayloadLimit, ExpressionTimeLimit: 250 * time.Millisecond})
		if err != nil {
			return
		}
		// the input as the engine gives it: decoded in document order
		input, err := jsonvalue.Decode(inputJSON)
		if err != nil {
			input = jsonvalue.NewObject(0)
		}
		runs := make(chan [3]any, 1)
		go func() {
			first, err1 := runFuzzed(p, input, answers, false)
			second, err2 := runFuzzed(p, input, answers, false)
			restored, err3 := runFuzzed(p, input, answers, true)
			runs <- [3]any{[]*fuzzRun{first, second, restored}, []error{err1, err2, err3}, nil}
		}()
		var got [3]any
		select {
		case got = <-runs:
		case <-time.After(2 * time.Minute):
			t.Fatalf("the execution did not finish in 2 minutes:\n%s\ninput %s", definition, inputJSON)
		}
		all, errs := got[0].([]*fuzzRun), got[1].([]error)
		for _, err := range errs {
			if err != nil {
				t.Fatalf("%v\n%s", err, definition)
			}
		}
		checkHistory(t, all[0])
		want, second, restored := encodeRun(t, all[0]), encodeRun(t, all[1]), encodeRun(t, all[2])
		for _, run := range [][]byte{want, second, restored} {
			if bytes.Contains(run, []byte("U1001")) {
				return // a JSONata evaluation hit its time limit: wall time, not determinism
			}
		}
		if !bytes.Equal(second, want) {
			t.Fatalf("two runs differ:\n%s\n%s", want, second)
		}
		if got := restored; !bytes.Equal(got, want) {
			t.Fatalf("a run restored after every step differs from one kept in memory:\n%s\n%s", want, got)
		}
		// compared as printed: values print as their JSON text, however they were built
		if fmt.Sprint(all[0].commands) != fmt.Sprint(all[2].commands) {
			t.Fatalf("restored run sent other commands:\n%v\n%v", all[0].commands, all[2].commands)
		}
	})
}

// encodeRun encodes a run's history and result for comparison.
func encodeRun(t *testing.T, run *fuzzRun) []byte {
	t.Helper()
	data, err := json.Marshal(struct {
		Events []sfn.HistoryEvent
		Result Result
	}{run.events, run.result})
	if err != nil {
		t.Fatalf("encode run: %v", err)
	}
	return data
}
