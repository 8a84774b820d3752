package interp

import (
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// expressRun is a Distributed Map whose EXPRESS children each run one task, driven by hand:
// tasks stay open until answered and timers fire only when the test says.
type expressRun struct {
	*liveRun
	timers map[string]time.Time // started and not cancelled
}

func startExpressRun(t *testing.T, fields, input string, opts Options) *expressRun {
	t.Helper()
	machine := strings.Replace(runMachine(fields), `"ExecutionType":"STANDARD"`, `"ExecutionType":"EXPRESS"`, 1)
	opts.History = true
	r := &expressRun{liveRun: &liveRun{t: t, p: compile(t, machine, opts), now: testStart}, timers: map[string]time.Time{}}
	e, step := r.p.Start(testInfo(), decode(t, input))
	r.e = e
	for _, ev := range step.Events {
		if ev.Type == sfn.EventMapRunStarted {
			r.arn = ev.MapRunStartedEventDetails.MapRunArn
		}
	}
	r.note(step)
	return r
}

func (r *expressRun) note(step Step) {
	r.apply(step)
	for _, c := range step.Commands {
		switch c := c.(type) {
		case StartTimer:
			r.timers[c.TimerID] = c.FireAt
		case CancelTimer:
			delete(r.timers, c.TimerID)
		}
	}
}

// childTimers lists the due times of the children's time limits still pending.
func (r *expressRun) childTimers() map[string]time.Time {
	out := map[string]time.Time{}
	for id, at := range r.timers {
		if w, ok := r.e.State().Waits[id]; ok && w.Kind == waitChildTimeout {
			out[id] = at
		}
	}
	return out
}

// answerTask ends the open task whose input is item, successfully.
func (r *expressRun) answerTask(item float64) {
	r.t.Helper()
	for i, inv := range r.open {
		if inv.Input == item {
			r.open = append(r.open[:i:i], r.open[i+1:]...)
			r.now = r.now.Add(time.Second)
			r.note(r.e.Handle(TaskSucceeded{TaskID: inv.TaskID, Output: inv.Input}, r.now))
			return
		}
	}
	r.t.Fatalf("no open task for item %v", item)
}

// fireAll fires every pending child time limit at its time, in any order.
func (r *expressRun) fireAll() {
	for id, at := range r.childTimers() {
		r.now = at
		r.note(r.e.Handle(TimerFired{TimerID: id}, at))
	}
}

func TestExpressChildrenTimeOutAfterFiveMinutes(t *testing.T) {
	t.Parallel()
	r := startExpressRun(t, `"ToleratedFailureCount":1,`, `[1,2,3]`, Options{})
	timers := r.childTimers()
	if len(timers) != 3 {
		t.Fatalf("%d child time limits started, want 3 (one per EXPRESS child)", len(timers))
	}
	for _, at := range timers {
		if want := testStart.Add(5 * time.Minute); !at.Equal(want) {
			t.Fatalf("a child times out at %v, want %v (AWS's five minutes)", at, want)
		}
	}
	r.answerTask(1)
	r.answerTask(3)
	if n := len(r.childTimers()); n != 1 {
		t.Fatalf("%d child time limits pending after two children ended, want 1", n)
	}
	r.fireAll()
	if len(r.open) != 0 {
		t.Fatalf("the timed-out child's task is still open: %+v", r.open)
	}
	checkResult(t, r.e.Result(), sfn.StatusSucceeded, `[1,{"Error":"States.Timeout"},3]`)
	run := r.run()
	want := MapRunCounts{Succeeded: 2, TimedOut: 1, Total: 3, FailuresNotRedrivable: 1} // the execution succeeded: no redrive
	r.wantCounts("executions", run.Executions, want)
	r.wantCounts("items", run.Items, want)
	if run.Status != MapRunSucceeded {
		t.Fatalf("run status %s, want %s", run.Status, MapRunSucceeded)
	}
}

func TestExpressChildTimeoutBeyondTolerance(t *testing.T) {
	t.Parallel()
	r := startExpressRun(t, ``, `[1,2]`, Options{})
	r.answerTask(1)
	r.fireAll()
	res := r.e.Result()
	if res.Status != sfn.StatusFailed || res.Error != sfn.ErrorTimeout {
		t.Fatalf("execution %s %s: %s, want FAILED with States.Timeout", res.Status, res.Error, res.Cause)
	}
	run := r.run()
	r.wantCounts("executions", run.Executions, MapRunCounts{Succeeded: 1, TimedOut: 1, Total: 2, FailuresNotRedrivable: 0})
	if run.Status != MapRunFailed {
		t.Fatalf("run status %s, want %s", run.Status, MapRunFailed)
	}
}

func TestExpressChildTimeLimitOption(t *testing.T) {
	t.Parallel()
	r := startExpressRun(t, ``, `[1]`, Options{ExpressChildTimeLimit: 90 * time.Second})
	for _, at := range r.childTimers() {
		if want := testStart.Add(90 * time.Second); !at.Equal(want) {
			t.Fatalf("the child times out at %v, want %v", at, want)
		}
	}
	r.answerTask(1)
	if n := len(r.childTimers()); n != 0 {
		t.Fatalf("%d child time limits pending after the child ended, want 0", n)
	}
	checkResult(t, r.e.Result(), sfn.StatusSucceeded, `[1]`)
}

func TestStandardChildrenHaveNoTimeLimit(t *testing.T) {
	t.Parallel()
	r := startRun(t, ``, `[1,2]`)
	for id, w := range r.e.State().Waits {
		if w.Kind == waitChildTimeout {
			t.Fatalf("a STANDARD child got time limit %s", id)
		}
	}
}

func TestExpressChildTimeLimitSurvivesRestore(t *testing.T) {
	t.Parallel()
	r := startExpressRun(t, `"ToleratedFailureCount":1,`, `[1,2]`, Options{})
	r.answerTask(1)
	data, err := r.e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if r.e, err = r.p.Restore(data); err != nil {
		t.Fatal(err)
	}
	r.fireAll()
	checkResult(t, r.e.Result(), sfn.StatusSucceeded, `[1,{"Error":"States.Timeout"}]`)
	r.wantCounts("executions", r.run().Executions, MapRunCounts{Succeeded: 1, TimedOut: 1, Total: 2, FailuresNotRedrivable: 1})
}
