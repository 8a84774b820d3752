package ui

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// history builds events with ids 1..n; each spec is "Type", "Type:prev" (a previousEventId
// other than the one before), and entered/exited events name their state after "=".
func history(specs ...string) []*sfn.HistoryEvent {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var events []*sfn.HistoryEvent
	for i, spec := range specs {
		ev := &sfn.HistoryEvent{ID: int64(i + 1), PreviousEventID: int64(i), Timestamp: base.Add(time.Duration(i) * time.Second)}
		spec, name, _ := strings.Cut(spec, "=")
		typ, prev, hasPrev := strings.Cut(spec, ":")
		if hasPrev {
			fmt.Sscan(prev, &ev.PreviousEventID)
		}
		ev.Type = sfn.EventType(typ)
		switch {
		case strings.HasSuffix(typ, "StateEntered"):
			ev.StateEnteredEventDetails = &sfn.StateEnteredDetails{Name: name, Input: &sfn.Payload{Value: map[string]any{"in": name}}}
		case strings.HasSuffix(typ, "StateExited"):
			ev.StateExitedEventDetails = &sfn.StateExitedDetails{Name: name, Output: &sfn.Payload{Value: map[string]any{"out": name}}}
		case typ == "TaskFailed":
			ev.TaskFailedEventDetails = &sfn.TaskErrorDetails{ResourceType: "lambda", Resource: "invoke", Error: "Boom", Cause: "it broke"}
		case typ == "ExecutionFailed":
			ev.ExecutionFailedEventDetails = &sfn.ErrorDetails{Error: "States.TaskFailed", Cause: "the end"}
		case typ == "ExecutionAborted":
			ev.ExecutionAbortedEventDetails = &sfn.ErrorDetails{}
		}
		events = append(events, ev)
	}
	return events
}

func TestProgress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		events []*sfn.HistoryEvent
		want   string // "State=status/runs[/error]" sorted by state
	}{
		{"task still running", history("ExecutionStarted", "TaskStateEntered=Work", "TaskScheduled", "TaskStarted"),
			"Work=running/1"},
		{"retried, then succeeded", history("ExecutionStarted", "TaskStateEntered=Work", "TaskScheduled", "TaskStarted", "TaskFailed",
			"TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited=Work", "ExecutionSucceeded"),
			"Work=succeeded/1"},
		{"waiting to retry", history("ExecutionStarted", "TaskStateEntered=Work", "TaskScheduled", "TaskStarted", "TaskFailed"),
			"Work=failed/1/Boom"},
		{"failed and caught", history("ExecutionStarted", "TaskStateEntered=Work", "TaskScheduled", "TaskStarted", "TaskFailed",
			"TaskStateExited=Work", "FailStateEntered=Give up", "ExecutionFailed"),
			"Give up=failed/1/States.TaskFailed Work=caught/1/Boom"},
		{"failed, not caught", history("ExecutionStarted", "TaskStateEntered=Work", "TaskScheduled", "TaskStarted", "TaskFailed", "ExecutionFailed"),
			"Work=failed/1/Boom"},
		{"stopped", history("ExecutionStarted", "PassStateEntered=A", "PassStateExited=A", "WaitStateEntered=Pause", "ExecutionAborted"),
			"A=succeeded/1 Pause=aborted/1"},
		{"loop runs a state twice", history("ExecutionStarted", "PassStateEntered=A", "PassStateExited=A", "ChoiceStateEntered=Again?",
			"ChoiceStateExited=Again?", "PassStateEntered=A", "PassStateExited=A", "ChoiceStateEntered=Again?", "ChoiceStateExited=Again?",
			"SucceedStateEntered=Done", "SucceedStateExited=Done", "ExecutionSucceeded"),
			"A=succeeded/2 Again?=succeeded/2 Done=succeeded/1"},
		// Branch 1 runs task T and waits; branch 2 reaches a Fail state; the Parallel fails,
		// cancelling T, and its Catch moves on to Recover.
		{"parallel failure caught", history("ExecutionStarted", "ParallelStateEntered=P", "ParallelStateStarted",
			"TaskStateEntered:3=T", "TaskScheduled", "FailStateEntered:3=B", "ParallelStateFailed:6",
			"ParallelStateExited=P", "PassStateEntered=Recover", "PassStateExited=Recover", "ExecutionSucceeded"),
			"B=failed/1 P=caught/1 Recover=succeeded/1 T=aborted/1"},
		// The task of one Map iteration fails and nothing catches it.
		{"map iteration failure", history("ExecutionStarted", "MapStateEntered=M", "MapStateStarted",
			"MapIterationStarted:3", "TaskStateEntered=T", "TaskScheduled", "TaskStarted", "TaskFailed", "MapIterationFailed",
			"MapStateFailed", "ExecutionFailed"),
			"M=failed/1/States.TaskFailed T=failed/1/Boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for name, p := range Progress(tt.events) {
				s := fmt.Sprintf("%s=%s/%d", name, p.Status, p.Runs)
				if p.Error != "" {
					s += "/" + p.Error
				}
				got = append(got, s)
			}
			sort.Strings(got)
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("Progress =\n  %s\nwant\n  %s", g, tt.want)
			}
		})
	}
}

func TestProgressPayloads(t *testing.T) {
	t.Parallel()
	p := Progress(history("ExecutionStarted", "PassStateEntered=A", "PassStateExited=A"))["A"]
	if string(p.Input) != `{"in":"A"}` || string(p.Output) != `{"out":"A"}` {
		t.Errorf("input %s, output %s; want {\"in\":\"A\"}, {\"out\":\"A\"}", p.Input, p.Output)
	}
	if p.EnteredAt == nil || p.ExitedAt == nil || !p.ExitedAt.After(*p.EnteredAt) {
		t.Errorf("entered %v, exited %v", p.EnteredAt, p.ExitedAt)
	}
}

func TestStateOf(t *testing.T) {
	t.Parallel()
	events := history("ExecutionStarted", "ParallelStateEntered=P", "ParallelStateStarted", "PassStateEntered:3=A",
		"PassStateExited=A", "ParallelStateSucceeded", "ParallelStateExited=P", "TaskStateEntered=T", "TaskScheduled",
		"TaskStarted", "TaskSucceeded", "TaskStateExited=T", "ExecutionSucceeded")
	byID := map[int64]*sfn.HistoryEvent{}
	for _, ev := range events {
		byID[ev.ID] = ev
	}
	var got []string
	for _, ev := range events {
		got = append(got, stateOf(ev, byID))
	}
	want := ",P,P,A,A,P,P,T,T,T,T,T,"
	if g := strings.Join(got, ","); g != want {
		t.Errorf("states of the events = %s, want %s", g, want)
	}
}
