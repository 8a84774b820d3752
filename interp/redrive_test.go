package interp

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// byState answers tasks by state name: fail makes the named states fail with error E, every
// other task echoes its input; a state named in block is left running.
func byState(fail []string, block ...string) taskFunc {
	return func(inv InvokeTask) Event {
		for _, name := range block {
			if inv.StateName == name {
				return nil
			}
		}
		for _, name := range fail {
			if inv.StateName == name {
				return TaskFailed{TaskID: inv.TaskID, Error: "E", Cause: "boom"}
			}
		}
		return TaskSucceeded{TaskID: inv.TaskID, Output: inv.Input}
	}
}

// failWhen fails every task whose input's n leaves rem when divided by 2, and echoes the rest.
func failWhen(rem float64) taskFunc {
	return func(inv InvokeTask) Event {
		if n, _ := objectField(inv.Input, "n").(float64); int(n)%2 == int(rem) {
			return TaskFailed{TaskID: inv.TaskID, Error: "E", Cause: "boom"}
		}
		return TaskSucceeded{TaskID: inv.TaskID, Output: inv.Input}
	}
}

func TestRedrive(t *testing.T) {
	t.Parallel()
	const lambda = `"Resource":"arn:aws:states:::lambda:invoke"`
	parallel := `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"T0","States":{"T0":{"Type":"Task",` + lambda + `,"Parameters":{"b":0},"End":true}}},
		{"StartAt":"P1","States":{"P1":{"Type":"Pass","Next":"T1"},"T1":{"Type":"Task",` + lambda + `,"Parameters":{"b":1},"End":true}}}]}}}`
	mapDef := `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,"End":true,
		"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task",` + lambda + `,"Parameters":{"n.$":"$"},"End":true}}}}}}`
	cases := []struct {
		name, definition, input string
		before, after           taskFunc
		stop                    bool // abort the first run once it blocks
		restore                 bool // redrive an execution restored from its snapshot
		first                   sfn.ExecutionStatus
		output                  string
		invoked                 []string // state name and input of every task invoked after the redrive
		history                 []string // the events from the redrive on
	}{
		{
			name: "task reruns with fresh retries and sees the redrive count",
			definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"x":1},"Next":"T"},
				"T":{"Type":"Task",` + lambda + `,"Parameters":{"x.$":"$.x","redrives.$":"$$.Execution.RedriveCount","retries.$":"$$.State.RetryCount"},
				"Retry":[{"ErrorEquals":["E"],"MaxAttempts":1,"IntervalSeconds":1}],"End":true}}}`,
			before: failTask("E", "boom"), after: failTimes(1, "E"),
			first:   sfn.StatusFailed,
			output:  `{"x":1,"redrives":1,"retries":1}`,
			invoked: []string{`T {"retries":0,"x":1,"redrives":1}`, `T {"retries":1,"x":1,"redrives":1}`}, // java.util.HashMap order, as AWS
			history: []string{"12 11 ExecutionRedriven", "13 12 TaskStateEntered", "14 13 TaskScheduled", "15 14 TaskStarted",
				"16 15 TaskFailed", "17 16 TaskScheduled", "18 17 TaskStarted", "19 18 TaskSucceeded", "20 19 TaskStateExited",
				"21 20 ExecutionSucceeded"},
		},
		{
			name: "parallel reruns only the failed branch from its failed state", definition: parallel,
			before: byState([]string{"T1"}), after: echoTasks,
			first:   sfn.StatusFailed,
			output:  `[{"b":0},{"b":1}]`,
			invoked: []string{`T1 {"b":1}`},
			history: []string{"17 16 ExecutionRedriven", "18 17 ParallelStateEntered", "19 18 ParallelStateStarted",
				"20 19 TaskStateEntered", "21 20 TaskScheduled", "22 21 TaskStarted", "23 22 TaskSucceeded", "24 23 TaskStateExited",
				"25 24 ParallelStateSucceeded", "26 25 ParallelStateExited", "27 26 ExecutionSucceeded"},
		},
		{
			name: "parallel restored from a snapshot", definition: parallel, restore: true,
			before: byState([]string{"T1"}), after: echoTasks,
			first:   sfn.StatusFailed,
			output:  `[{"b":0},{"b":1}]`,
			invoked: []string{`T1 {"b":1}`},
			history: []string{"17 16 ExecutionRedriven", "18 17 ParallelStateEntered", "19 18 ParallelStateStarted",
				"20 19 TaskStateEntered", "21 20 TaskScheduled", "22 21 TaskStarted", "23 22 TaskSucceeded", "24 23 TaskStateExited",
				"25 24 ParallelStateSucceeded", "26 25 ParallelStateExited", "27 26 ExecutionSucceeded"},
		},
		{
			name: "map reruns only the iterations that failed, keeping the others' outputs", definition: mapDef, input: `[1,2,3,4]`,
			before: failWhen(0), after: echoTasks,
			first:   sfn.StatusFailed,
			output:  `[{"n":1},{"n":2},{"n":3},{"n":4}]`,
			invoked: []string{`T {"n":2}`, `T {"n":4}`},
		},
		{
			name: "map restored from a snapshot", definition: mapDef, input: `[1,2,3,4]`, restore: true,
			before: failWhen(0), after: echoTasks,
			first:   sfn.StatusFailed,
			output:  `[{"n":1},{"n":2},{"n":3},{"n":4}]`,
			invoked: []string{`T {"n":2}`, `T {"n":4}`},
		},
		{
			name: "an aborted parallel restarts the branch that was running", definition: parallel,
			before: byState(nil, "T1"), after: echoTasks, stop: true, restore: true,
			first:   sfn.StatusAborted,
			output:  `[{"b":0},{"b":1}]`,
			invoked: []string{`T1 {"b":1}`},
		},
		{
			name: "a timed-out execution reruns its task, not the wait before it",
			definition: `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"T"},
				"T":{"Type":"Task",` + lambda + `,"End":true}}}`,
			input:  `{"k":"v"}`,
			before: byState(nil, "T"), after: echoTasks,
			first:   sfn.StatusTimedOut,
			output:  `{"k":"v"}`,
			invoked: []string{`T {"k":"v"}`},
			history: []string{"8 7 ExecutionRedriven", "9 8 TaskStateEntered", "10 9 TaskScheduled", "11 10 TaskStarted",
				"12 11 TaskSucceeded", "13 12 TaskStateExited", "14 13 ExecutionSucceeded"},
		},
		{
			name: "a map iteration resumes inside its nested parallel",
			definition: `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
				{"StartAt":"A","States":{"A":{"Type":"Task",` + lambda + `,"Parameters":{"n.$":"$"},"End":true}}},
				{"StartAt":"B","States":{"B":{"Type":"Task",` + lambda + `,"Parameters":{"n.$":"$"},"End":true}}}]}}}}}}`,
			input:  `[1,2]`,
			before: byState([]string{"B"}), after: echoTasks,
			first:  sfn.StatusFailed,
			output: `[[{"n":1},{"n":1}],[{"n":2},{"n":2}]]`,
			// Iteration 0 failed in B and keeps A's output; iteration 1 was aborted with both
			// branches running, so both run again.
			invoked: []string{`B {"n":1}`, `A {"n":2}`, `B {"n":2}`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := compile(t, c.definition, Options{History: true})
			input := c.input
			if input == "" {
				input = "{}"
			}
			d := &driver{tasks: c.before, t: t}
			e := d.run(p, decode(t, input))
			if c.stop {
				d.apply(e.Handle(StopRequested{Error: "Stop"}, d.now))
			}
			if got := e.Result().Status; got != c.first {
				t.Fatalf("first run ended %s, want %s", got, c.first)
			}
			if c.restore {
				snap, err := e.Snapshot()
				if err != nil {
					t.Fatalf("snapshot: %v", err)
				}
				if e, err = p.Restore(snap); err != nil {
					t.Fatalf("restore: %v", err)
				}
			}
			d.tasks, d.invoked = c.after, nil
			mark := len(d.events)
			d.now = d.now.Add(time.Hour)
			redriveAt := d.now
			step, err := e.Redrive(redriveAt)
			if err != nil {
				t.Fatalf("redrive: %v", err)
			}
			if r := e.Result(); r.Status != sfn.StatusRunning && !step.Done {
				t.Fatalf("status after redrive %s", r.Status)
			}
			e = d.loop(e, step)
			r := e.Result()
			if r.Status != sfn.StatusSucceeded {
				t.Fatalf("redriven execution ended %s (%s: %s)", r.Status, r.Error, r.Cause)
			}
			if want := decode(t, c.output); !jsonEqual(r.Output, want) {
				t.Errorf("output %s, want %s", encodeJSON(r.Output), c.output)
			}
			if r.RedriveCount != 1 || !e.State().RedriveDate.Equal(redriveAt) {
				t.Errorf("redrive count %d, date %v", r.RedriveCount, e.State().RedriveDate)
			}
			var invoked []string
			for _, inv := range d.invoked {
				invoked = append(invoked, inv.StateName+" "+encodeJSON(inv.Input))
			}
			if !reflect.DeepEqual(invoked, c.invoked) {
				t.Errorf("invoked after the redrive %q, want %q", invoked, c.invoked)
			}
			got := historyLines(d.events[mark:])
			if c.history != nil && !reflect.DeepEqual(got, c.history) {
				t.Errorf("history after the redrive\n got %q\nwant %q", got, c.history)
			}
			if ev := d.events[mark]; ev.Type != sfn.EventExecutionRedriven || ev.ID != d.events[mark-1].ID+1 ||
				ev.PreviousEventID != d.events[mark-1].ID || ev.ExecutionRedrivenEventDetails.RedriveCount != 1 {
				t.Errorf("the redrive did not continue the history: %q after %q", got[0], historyLines(d.events[mark-1:mark]))
			}
		})
	}
}

func TestRedriveRestartsExecutionTimeout(t *testing.T) {
	t.Parallel()
	p := compile(t, `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`, Options{History: true})
	d := &driver{t: t}
	e := d.run(p, map[string]any{})
	if got := e.Result().Status; got != sfn.StatusTimedOut {
		t.Fatalf("first run ended %s", got)
	}
	at := testStart.Add(24 * time.Hour)
	step, err := e.Redrive(at)
	if err != nil {
		t.Fatalf("redrive: %v", err)
	}
	want := []Command{StartTimer{TimerID: executionTimeoutTimer, FireAt: at.Add(10 * time.Second)}, StartTimer{TimerID: "timer-4", FireAt: at.Add(60 * time.Second)}}
	if !reflect.DeepEqual(step.Commands, want) {
		t.Fatalf("commands %#v, want %#v", step.Commands, want)
	}
	if got := e.Result().Status; got != sfn.StatusRunning || step.Done {
		t.Fatalf("status %s after redrive", got)
	}
	step = e.Handle(TimerFired{TimerID: executionTimeoutTimer}, at.Add(10*time.Second))
	if got := e.Result(); got.Status != sfn.StatusTimedOut || got.RedriveCount != 1 {
		t.Fatalf("result %+v", got)
	}
	if _, err := e.Redrive(at.Add(time.Hour)); err != nil {
		t.Fatalf("second redrive: %v", err)
	}
	if got := e.Result().RedriveCount; got != 2 {
		t.Fatalf("redrive count %d after the second redrive", got)
	}
}

func TestRedriveRefusesUnredrivableExecutions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, definition string
		want             string
	}{
		{"succeeded", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`, "Execution is SUCCEEDED and cannot be redriven"},
		{"running", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}}`, "Execution is RUNNING and cannot be redriven"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := compile(t, c.definition, Options{History: true})
			e, _ := p.Start(testInfo(), map[string]any{})
			before := *e.State()
			step, err := e.Redrive(testStart.Add(time.Hour))
			var nr *NotRedrivableError
			if !errors.As(err, &nr) || err.Error() != c.want {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if len(step.Events) != 0 || len(step.Commands) != 0 || e.State().LastEventID != before.LastEventID || e.Result().RedriveCount != 0 {
				t.Fatalf("a refused redrive changed the execution: %+v", step)
			}
		})
	}
}

func TestRedriveIntoTheSameFailure(t *testing.T) {
	t.Parallel()
	p := compile(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"seen":1},"Next":"F"},
		"F":{"Type":"Fail","Error":"E","CausePath":"States.Format('seen {} redrives {}', $seen, $$.Execution.RedriveCount)"}}}`, Options{History: true})
	e, step := p.Start(testInfo(), map[string]any{})
	if r := e.Result(); r.Status != sfn.StatusFailed || r.Cause != "seen 1 redrives 0" {
		t.Fatalf("first run %+v", r)
	}
	step, err := e.Redrive(testStart.Add(time.Hour))
	if err != nil {
		t.Fatalf("redrive: %v", err)
	}
	if r := e.Result(); r.Status != sfn.StatusFailed || r.Cause != "seen 1 redrives 1" || !step.Done {
		t.Fatalf("redriven run %+v", r)
	}
	want := []string{"6 5 ExecutionRedriven", "7 6 FailStateEntered", "8 7 ExecutionFailed"}
	if got := historyLines(step.Events); !reflect.DeepEqual(got, want) {
		t.Fatalf("history\n got %q\nwant %q", got, want)
	}
	if _, err := e.Redrive(testStart.Add(2 * time.Hour)); err != nil || e.Result().Cause != "seen 1 redrives 2" {
		t.Fatalf("second redrive: %v, %+v", err, e.Result())
	}
}
