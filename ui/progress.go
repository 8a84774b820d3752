package ui

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// StateStatus is how far a state got in an execution, as the graph colours it.
type StateStatus string

// State statuses.
const (
	StateRunning   StateStatus = "running"
	StateSucceeded StateStatus = "succeeded"
	StateFailed    StateStatus = "failed"
	StateCaught    StateStatus = "caught" // it failed, and a Catch moved the execution on
	StateAborted   StateStatus = "aborted"
)

// StateProgress is what an execution's history says about one state. A state that ran
// several times (in a loop, or once per Map item) shows its last run; Runs counts them.
type StateProgress struct {
	Name      string          `json:"name"`
	Type      string          `json:"type"` // "Task", "Map", "Parallel", ... as its entered event says
	Status    StateStatus     `json:"status"`
	Runs      int             `json:"runs"`
	Input     json.RawMessage `json:"input,omitempty"`
	Output    json.RawMessage `json:"output,omitempty"`
	Error     string          `json:"error,omitempty"`
	Cause     string          `json:"cause,omitempty"`
	EnteredAt *time.Time      `json:"enteredAt,omitempty"`
	ExitedAt  *time.Time      `json:"exitedAt,omitempty"`
	failed    bool            // an error was seen since the state was last entered or retried
	open      int             // runs entered and not yet exited
	stateType string          // from the entered event: "Task", "Parallel", ...
	entered   int             // when it was last entered, counting StateEntered events
}

// stateOf follows previousEventId links back from an event to the StateEntered event of the
// state it belongs to, and returns that state's name ("" when there is none, as for the
// execution's own events).
func stateOf(ev *sfn.HistoryEvent, byID map[int64]*sfn.HistoryEvent) string {
	t := string(ev.Type)
	if strings.HasPrefix(t, "Execution") {
		return ""
	}
	// A Parallel or Map state's own events may follow its branches' last events: skip to the
	// state's entry, past the states inside it.
	want := ""
	for _, compound := range []string{"Parallel", "Map"} {
		if strings.HasPrefix(t, compound) && ev.StateEnteredEventDetails == nil && ev.StateExitedEventDetails == nil {
			want = compound + "StateEntered"
		}
	}
	for steps := 0; ev != nil && steps < 256; steps++ {
		switch {
		case ev.StateEnteredEventDetails != nil && (want == "" || string(ev.Type) == want):
			return ev.StateEnteredEventDetails.Name
		case ev.StateExitedEventDetails != nil && want == "":
			if steps == 0 {
				return ev.StateExitedEventDetails.Name
			}
			return "" // the event came after its state ended
		}
		ev = byID[ev.PreviousEventID]
	}
	return ""
}

// Progress folds a history into the progress of each state it entered, by state name.
func Progress(events []*sfn.HistoryEvent) map[string]*StateProgress {
	byID := make(map[int64]*sfn.HistoryEvent, len(events))
	for _, ev := range events {
		byID[ev.ID] = ev
	}
	states := map[string]*StateProgress{}
	var running []string // entered and not exited, most recent last
	entries := 0
	get := func(name string) *StateProgress {
		p := states[name]
		if p == nil {
			p = &StateProgress{Name: name}
			states[name] = p
		}
		return p
	}
	// owner finds the state an event belongs to: by its previousEventId chain, else the most
	// recently entered running state of the given type ("Task", "Parallel", "Map").
	// A Parallel or Map state's own failure follows the failing branch's events, so its
	// chain leads into the branch: those are found by type only.
	owner := func(ev *sfn.HistoryEvent, typePrefix string) *StateProgress {
		if typePrefix == "Task" {
			if name := stateOf(ev, byID); name != "" && states[name] != nil && states[name].open > 0 {
				return states[name]
			}
		}
		for i := len(running) - 1; i >= 0; i-- {
			if p := states[running[i]]; p != nil && p.open > 0 && p.stateType == typePrefix {
				return p
			}
		}
		return nil
	}
	for _, ev := range events {
		t := string(ev.Type)
		switch {
		case ev.StateEnteredEventDetails != nil:
			d := ev.StateEnteredEventDetails
			p := get(d.Name)
			p.Runs++
			p.open++
			p.stateType = strings.TrimSuffix(t, "StateEntered")
			p.Type = p.stateType
			entries++
			p.entered = entries
			p.Status, p.failed, p.Error, p.Cause = StateRunning, false, "", ""
			p.Input, p.Output = payloadJSON(d.Input), nil
			at := ev.Timestamp
			p.EnteredAt, p.ExitedAt = &at, nil
			running = append(running, d.Name)
		case ev.StateExitedEventDetails != nil:
			d := ev.StateExitedEventDetails
			p := get(d.Name)
			if p.open > 0 {
				p.open--
			}
			p.Status = StateSucceeded
			if p.failed {
				p.Status = StateCaught
			}
			p.Output = payloadJSON(d.Output)
			at := ev.Timestamp
			p.ExitedAt = &at
		case strings.HasSuffix(t, "Scheduled") && !strings.HasPrefix(t, "Map"):
			// A retry schedules the task again: the state is running once more.
			if p := owner(ev, "Task"); p != nil {
				p.Status, p.failed, p.Error, p.Cause = StateRunning, false, "", ""
			}
		case isStateFailure(ev):
			prefix := "Task"
			if strings.HasPrefix(t, "Parallel") || strings.HasPrefix(t, "Map") {
				prefix = t[:strings.Index(t, "State")]
			}
			p := owner(ev, prefix)
			if p == nil {
				break
			}
			p.Status, p.failed = StateFailed, true
			p.Error, p.Cause = failureOf(ev)
			if prefix == "Task" {
				break
			}
			// The failed Parallel or Map state ends its branches: a Fail state in one of them
			// failed, and the others were cancelled.
			for _, q := range states {
				if q != p && q.open > 0 && q.entered > p.entered {
					q.open = 0
					switch {
					case q.failed:
					case q.stateType == "Fail":
						q.Status = StateFailed
					default:
						q.Status = StateAborted
					}
				}
			}
		case ev.Type == sfn.EventExecutionFailed || ev.Type == sfn.EventExecutionTimedOut || ev.Type == sfn.EventExecutionAborted:
			// Whatever was still running when the execution closed ended with it.
			status := StateFailed
			if ev.Type == sfn.EventExecutionAborted {
				status = StateAborted
			}
			errName, cause := failureOf(ev)
			for _, p := range states {
				if p.open > 0 {
					p.open = 0
					p.Status = status
					if p.Error == "" {
						p.Error, p.Cause = errName, cause
					}
				}
			}
		}
	}
	return states
}

// isStateFailure reports whether an event is a failure inside a state: a task, Lambda function
// or activity that failed or timed out, or a Parallel or Map state that failed.
func isStateFailure(ev *sfn.HistoryEvent) bool {
	t := string(ev.Type)
	if strings.HasPrefix(t, "Execution") || strings.HasPrefix(t, "MapIteration") || strings.HasPrefix(t, "MapRun") {
		return false
	}
	return strings.HasSuffix(t, "Failed") || strings.HasSuffix(t, "TimedOut")
}

// failureOf returns an event's error name and cause, whichever details carry them.
func failureOf(ev *sfn.HistoryEvent) (errName, cause string) {
	for _, d := range []*sfn.ErrorDetails{ev.ExecutionFailedEventDetails, ev.ExecutionAbortedEventDetails,
		ev.ExecutionTimedOutEventDetails, ev.ActivityFailedEventDetails, ev.ActivityScheduleFailedEventDetails,
		ev.ActivityTimedOutEventDetails, ev.LambdaFunctionFailedEventDetails, ev.LambdaFunctionScheduleFailedEventDetails,
		ev.LambdaFunctionStartFailedEventDetails, ev.LambdaFunctionTimedOutEventDetails, ev.MapRunFailedEventDetails} {
		if d != nil {
			return d.Error, d.Cause
		}
	}
	for _, d := range []*sfn.TaskErrorDetails{ev.TaskFailedEventDetails, ev.TaskStartFailedEventDetails,
		ev.TaskSubmitFailedEventDetails, ev.TaskTimedOutEventDetails} {
		if d != nil {
			return d.Error, d.Cause
		}
	}
	if d := ev.EvaluationFailedEventDetails; d != nil {
		return d.Error, d.Cause
	}
	return "", ""
}

// payloadJSON is a payload's JSON text, or nil.
func payloadJSON(p *sfn.Payload) json.RawMessage {
	if p == nil {
		return nil
	}
	b, err := json.Marshal(p.Value)
	if err != nil {
		return nil
	}
	return b
}
