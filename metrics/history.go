package metrics

import (
	"strconv"
	"sync"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// HistoryRecorder turns the history events an engine commits into Recorder calls, so the
// engine can report everything with one call per step instead of one per kind of event.
//
// Task timings need the event that scheduled a task, which a later step refers to by
// previousEventId: the recorder remembers scheduled and started tasks until they close. A
// task that was in flight when the process restarted is counted when it closes, without its
// times.
type HistoryRecorder struct {
	r     Recorder
	mu    sync.Mutex
	tasks map[string]*taskInFlight // by execution ARN and event id
}

type taskInFlight struct {
	kind        TaskKind
	resource    string
	scheduledAt time.Time
	startedAt   time.Time
	keys        []string // every key this task is remembered under
}

// NewHistoryRecorder reports to r.
func NewHistoryRecorder(r Recorder) *HistoryRecorder {
	return &HistoryRecorder{r: r, tasks: map[string]*taskInFlight{}}
}

// Record reports the events of one committed step of an execution of stateMachineARN that
// started (or was last redriven) at start.
func (h *HistoryRecorder) Record(stateMachineARN, executionARN string, start time.Time, events []*sfn.HistoryEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := func(id int64) string { return executionARN + "#" + strconv.FormatInt(id, 10) }
	for _, ev := range events {
		switch ev.Type {
		case sfn.EventExecutionStarted:
			h.r.ExecutionStarted(stateMachineARN)
		case sfn.EventExecutionRedriven:
			h.r.ExecutionRedriven(stateMachineARN)
		case sfn.EventExecutionSucceeded:
			h.r.ExecutionFinished(stateMachineARN, sfn.StatusSucceeded, ev.Timestamp.Sub(start))
		case sfn.EventExecutionFailed:
			h.r.ExecutionFinished(stateMachineARN, sfn.StatusFailed, ev.Timestamp.Sub(start))
		case sfn.EventExecutionAborted:
			h.r.ExecutionFinished(stateMachineARN, sfn.StatusAborted, ev.Timestamp.Sub(start))
		case sfn.EventExecutionTimedOut:
			h.r.ExecutionFinished(stateMachineARN, sfn.StatusTimedOut, ev.Timestamp.Sub(start))
		}
		if ev.Type == sfn.EventExecutionSucceeded || ev.Type == sfn.EventExecutionFailed ||
			ev.Type == sfn.EventExecutionAborted || ev.Type == sfn.EventExecutionTimedOut {
			h.forget(executionARN)
			continue
		}

		if kind, resource, ok := scheduled(ev); ok {
			h.r.TaskScheduled(kind, resource)
			t := &taskInFlight{kind: kind, resource: resource, scheduledAt: ev.Timestamp}
			h.remember(t, key(ev.ID))
			continue
		}
		t := h.tasks[key(ev.PreviousEventID)]
		switch outcome, closes := taskOutcome(ev); {
		case ev.Type == sfn.EventActivityStarted || ev.Type == sfn.EventLambdaFunctionStarted || ev.Type == sfn.EventTaskStarted:
			if t != nil {
				t.startedAt = ev.Timestamp
				h.r.TaskStarted(t.kind, t.resource, ev.Timestamp.Sub(t.scheduledAt))
				h.remember(t, key(ev.ID))
			}
		case closes && t != nil:
			ran := time.Duration(0)
			if !t.startedAt.IsZero() {
				ran = ev.Timestamp.Sub(t.startedAt)
			}
			h.r.TaskFinished(t.kind, t.resource, outcome, ran, ev.Timestamp.Sub(t.scheduledAt))
			for _, k := range t.keys {
				delete(h.tasks, k)
			}
		}
	}
}

func (h *HistoryRecorder) remember(t *taskInFlight, key string) {
	t.keys = append(t.keys, key)
	h.tasks[key] = t
}

// forget drops the tasks of an execution that ended: they will never close.
func (h *HistoryRecorder) forget(executionARN string) {
	prefix := executionARN + "#"
	for k := range h.tasks {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			delete(h.tasks, k)
		}
	}
}

// scheduled recognises an event that hands out a task, and names its kind and resource.
func scheduled(ev *sfn.HistoryEvent) (TaskKind, string, bool) {
	switch {
	case ev.ActivityScheduledEventDetails != nil:
		return Activity, ev.ActivityScheduledEventDetails.Resource, true
	case ev.LambdaFunctionScheduledEventDetails != nil:
		return LambdaFunction, ev.LambdaFunctionScheduledEventDetails.Resource, true
	case ev.TaskScheduledEventDetails != nil:
		d := ev.TaskScheduledEventDetails
		return ServiceIntegration, "arn:aws:states:::" + d.ResourceType + ":" + d.Resource, true
	}
	return "", "", false
}

// taskOutcome says whether an event closes a task, and how.
func taskOutcome(ev *sfn.HistoryEvent) (TaskOutcome, bool) {
	switch ev.Type {
	case sfn.EventActivitySucceeded, sfn.EventLambdaFunctionSucceeded, sfn.EventTaskSucceeded:
		return TaskSucceeded, true
	case sfn.EventActivityFailed, sfn.EventLambdaFunctionFailed, sfn.EventLambdaFunctionStartFailed,
		sfn.EventTaskFailed, sfn.EventTaskStartFailed, sfn.EventTaskSubmitFailed:
		return TaskFailed, true
	case sfn.EventActivityTimedOut:
		if d := ev.ActivityTimedOutEventDetails; d != nil && d.Error == sfn.ErrorHeartbeatTimeout {
			return TaskHeartbeatTimedOut, true
		}
		return TaskTimedOut, true
	case sfn.EventLambdaFunctionTimedOut, sfn.EventTaskTimedOut:
		return TaskTimedOut, true
	}
	return "", false
}
