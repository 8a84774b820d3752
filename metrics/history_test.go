package metrics_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/metrics"
	"github.com/stepflow/stepflow/sfn"
)

// callLog is a Recorder that writes down each call.
type callLog struct{ calls []string }

func (c *callLog) add(format string, args ...any) {
	c.calls = append(c.calls, fmt.Sprintf(format, args...))
}
func (c *callLog) ExecutionStarted(arn string) { c.add("ExecutionStarted %s", arn) }
func (c *callLog) ExecutionFinished(arn string, s sfn.ExecutionStatus, d time.Duration) {
	c.add("ExecutionFinished %s %s %s", arn, s, d)
}
func (c *callLog) ExecutionThrottled(arn string)              { c.add("ExecutionThrottled %s", arn) }
func (c *callLog) ExecutionRedriven(arn string)               { c.add("ExecutionRedriven %s", arn) }
func (c *callLog) TaskScheduled(k metrics.TaskKind, r string) { c.add("TaskScheduled %s %s", k, r) }
func (c *callLog) TaskStarted(k metrics.TaskKind, r string, waited time.Duration) {
	c.add("TaskStarted %s %s %s", k, r, waited)
}
func (c *callLog) TaskFinished(k metrics.TaskKind, r string, o metrics.TaskOutcome, ran, total time.Duration) {
	c.add("TaskFinished %s %s %s %s %s", k, r, o, ran, total)
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// ev makes an event at t0+sec.
func ev(id, prev int64, sec float64, typ sfn.EventType) *sfn.HistoryEvent {
	return &sfn.HistoryEvent{ID: id, PreviousEventID: prev, Type: typ, Timestamp: t0.Add(time.Duration(sec * float64(time.Second)))}
}

func TestHistoryRecorder(t *testing.T) {
	t.Parallel()
	const exec = "arn:aws:states:us-east-1:123456789012:execution:A:e1"

	started := ev(1, 0, 0, sfn.EventExecutionStarted)
	lambdaScheduled := ev(3, 2, 1, sfn.EventLambdaFunctionScheduled)
	lambdaScheduled.LambdaFunctionScheduledEventDetails = &sfn.LambdaFunctionScheduledDetails{Resource: function}
	lambdaStarted := ev(4, 3, 1.5, sfn.EventLambdaFunctionStarted)
	lambdaFailed := ev(5, 4, 3.5, sfn.EventLambdaFunctionFailed)
	integrationScheduled := ev(7, 6, 4, sfn.EventTaskScheduled)
	integrationScheduled.TaskScheduledEventDetails = &sfn.TaskScheduledDetails{ResourceType: "sqs", Resource: "sendMessage.waitForTaskToken"}
	integrationStarted := ev(8, 7, 4, sfn.EventTaskStarted)
	activityScheduled := ev(9, 2, 4, sfn.EventActivityScheduled)
	activityScheduled.ActivityScheduledEventDetails = &sfn.ActivityScheduledDetails{Resource: activity}
	activityStarted := ev(10, 9, 6, sfn.EventActivityStarted)
	activityTimedOut := ev(11, 10, 16, sfn.EventActivityTimedOut)
	activityTimedOut.ActivityTimedOutEventDetails = &sfn.ErrorDetails{Error: sfn.ErrorHeartbeatTimeout}
	integrationSucceeded := ev(12, 8, 20, sfn.EventTaskSucceeded)
	failed := ev(13, 12, 21, sfn.EventExecutionFailed)

	var log callLog
	h := metrics.NewHistoryRecorder(&log)
	// Events arrive a step at a time, as the engine commits them.
	h.Record(machineA, exec, t0, []*sfn.HistoryEvent{started, ev(2, 1, 0, sfn.EventTaskStateEntered), lambdaScheduled})
	h.Record(machineA, exec, t0, []*sfn.HistoryEvent{lambdaStarted})
	h.Record(machineA, exec, t0, []*sfn.HistoryEvent{lambdaFailed, ev(6, 5, 4, sfn.EventTaskStateEntered), integrationScheduled, integrationStarted, activityScheduled})
	h.Record(machineA, exec, t0, []*sfn.HistoryEvent{activityStarted})
	h.Record(machineA, exec, t0, []*sfn.HistoryEvent{activityTimedOut})
	h.Record(machineA, exec, t0, []*sfn.HistoryEvent{integrationSucceeded, failed})
	// A task whose scheduling this process never saw (it restarted) is not counted.
	h.Record(machineA, exec, t0, []*sfn.HistoryEvent{ev(15, 14, 30, sfn.EventTaskSucceeded)})

	want := []string{
		"ExecutionStarted " + machineA,
		"TaskScheduled lambda " + function,
		"TaskStarted lambda " + function + " 500ms",
		"TaskFinished lambda " + function + " failed 2s 2.5s",
		"TaskScheduled service_integration " + service,
		"TaskStarted service_integration " + service + " 0s",
		"TaskScheduled activity " + activity,
		"TaskStarted activity " + activity + " 2s",
		"TaskFinished activity " + activity + " heartbeat_timed_out 10s 12s",
		"TaskFinished service_integration " + service + " succeeded 16s 16s",
		"ExecutionFinished " + machineA + " FAILED 21s",
	}
	if got := strings.Join(log.calls, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func (c *callLog) TaskRerun(metrics.RerunReason) {}
