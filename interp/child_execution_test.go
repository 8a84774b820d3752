package interp

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// childLog is a child execution as the steps reported it: its latest status fields and its
// whole history, in the order written.
type childLog struct {
	last     ChildExecutionStep
	input    any
	redriven bool
	events   []sfn.HistoryEvent
}

// childLogs gathers child executions by ARN, in the order they first appeared.
type childLogs struct {
	byARN map[string]*childLog
	order []string
}

func (l *childLogs) add(step Step) {
	for _, c := range step.Children {
		if l.byARN == nil {
			l.byARN = map[string]*childLog{}
		}
		log, ok := l.byARN[c.ARN]
		if !ok {
			log = &childLog{}
			l.byARN[c.ARN] = log
			l.order = append(l.order, c.ARN)
		}
		if c.Started {
			log.input = c.Input
		}
		log.last = c
		log.redriven = log.redriven || c.Redriven
		log.events = append(log.events, c.Events...)
	}
}

func (l *childLogs) at(t *testing.T, index int) *childLog {
	t.Helper()
	for _, arn := range l.order {
		if l.byARN[arn].last.Index == index {
			return l.byARN[arn]
		}
	}
	t.Fatalf("no child execution %d among %d", index, len(l.order))
	return nil
}

func historyTypes(events []sfn.HistoryEvent) []sfn.EventType {
	out := make([]sfn.EventType, len(events))
	for i, ev := range events {
		out[i] = ev.Type
	}
	return out
}

// wantNumbered checks that a child's history is numbered 1, 2, 3... with each event's
// previousEventId an earlier event of the same history.
func wantNumbered(t *testing.T, events []sfn.HistoryEvent) {
	t.Helper()
	for i, ev := range events {
		if ev.ID != int64(i+1) || ev.PreviousEventID >= ev.ID || (i > 0 && ev.PreviousEventID < 1) {
			t.Fatalf("event %d: id %d previous %d (%s)", i, ev.ID, ev.PreviousEventID, ev.Type)
		}
	}
}

var childARNPattern = regexp.MustCompile(`^arn:aws:states:us-east-1:123456789012:execution:machine/M:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestChildExecutionHistories(t *testing.T) {
	t.Parallel()
	r := startRun(t, `"MaxConcurrency":2,"ToleratedFailureCount":1,`, `[1,2,3]`)
	parentStart := len(r.e.State().MapRuns) // the parent's own state is untouched by the children
	r.answer(true)
	r.answer(false)
	r.answer(true)
	if res := r.e.Result(); res.Status != sfn.StatusSucceeded {
		t.Fatalf("execution %s %s %s", res.Status, res.Error, res.Cause)
	}
	if parentStart != 0 || len(r.children.order) != 3 {
		t.Fatalf("%d child executions, want 3", len(r.children.order))
	}
	succeeded := []sfn.EventType{sfn.EventExecutionStarted, sfn.EventTaskStateEntered, sfn.EventLambdaFunctionScheduled, sfn.EventLambdaFunctionStarted,
		sfn.EventLambdaFunctionSucceeded, sfn.EventTaskStateExited, sfn.EventExecutionSucceeded}
	failed := []sfn.EventType{sfn.EventExecutionStarted, sfn.EventTaskStateEntered, sfn.EventLambdaFunctionScheduled, sfn.EventLambdaFunctionStarted,
		sfn.EventLambdaFunctionFailed, sfn.EventExecutionFailed}
	names := map[string]bool{}
	for i, want := range [][]sfn.EventType{succeeded, failed, succeeded} {
		c := r.children.at(t, i)
		if !childARNPattern.MatchString(c.last.ARN) || c.last.ARN[len(c.last.ARN)-36:] != c.last.Name || names[c.last.Name] {
			t.Fatalf("child %d ARN %s name %s", i, c.last.ARN, c.last.Name)
		}
		names[c.last.Name] = true
		if c.last.MapRunARN != r.arn || c.last.StateMachineARN != "arn:aws:states:us-east-1:123456789012:stateMachine:machine/M" {
			t.Fatalf("child %d of run %s machine %s", i, c.last.MapRunARN, c.last.StateMachineARN)
		}
		if got := historyTypes(c.events); !reflect.DeepEqual(got, want) {
			t.Fatalf("child %d history %v, want %v", i, got, want)
		}
		wantNumbered(t, c.events)
		started := c.events[0].ExecutionStartedEventDetails
		if started == nil || encodeJSON(started.Input.Value) != encodeJSON(float64(i+1)) || encodeJSON(c.input) != encodeJSON(float64(i+1)) {
			t.Fatalf("child %d ExecutionStarted %+v input %v", i, started, c.input)
		}
		end := c.events[len(c.events)-1]
		if end.PreviousEventID != end.ID-1 {
			t.Fatalf("child %d last event %+v", i, end)
		}
		if c.last.Stop.IsZero() || c.last.Start.IsZero() || c.last.Stop.Before(c.last.Start) {
			t.Fatalf("child %d start %v stop %v", i, c.last.Start, c.last.Stop)
		}
	}
	if c := r.children.at(t, 1); c.last.Status != sfn.StatusFailed || c.last.Error != "Boom" || c.last.Cause != "it broke" ||
		c.events[5].ExecutionFailedEventDetails.Error != "Boom" {
		t.Fatalf("failed child %+v", c.last)
	}
	if c := r.children.at(t, 2); c.last.Status != sfn.StatusSucceeded || encodeJSON(c.last.Output) != "3" ||
		encodeJSON(c.events[6].ExecutionSucceededEventDetails.Output.Value) != "3" {
		t.Fatalf("succeeded child %+v", c.last)
	}
}

// TestChildExecutionNamesStable: the children's names depend on the run and index only, so the
// parent's random sequence (and with it its task tokens and States.UUID) is what it was.
func TestChildExecutionNamesStable(t *testing.T) {
	t.Parallel()
	a := startRun(t, ``, `[1,2]`)
	b := startRun(t, ``, `[1,2]`)
	if a.arn != b.arn || a.children.order[0] != b.children.order[0] || a.children.order[0] == a.children.order[1] {
		t.Fatalf("runs %s %s children %v %v", a.arn, b.arn, a.children.order, b.children.order)
	}
	if a.e.State().Random != b.e.State().Random {
		t.Fatal("random state differs")
	}
}

func TestChildExecutionSurvivesSnapshot(t *testing.T) {
	t.Parallel()
	r := startRun(t, `"MaxConcurrency":1,`, `[1,2]`)
	snap, err := r.e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if r.e, err = r.p.Restore(snap); err != nil {
		t.Fatal(err)
	}
	r.answer(true)
	r.answer(true)
	for i := range 2 {
		c := r.children.at(t, i)
		wantNumbered(t, c.events)
		if len(c.events) != 7 || c.last.Status != sfn.StatusSucceeded {
			t.Fatalf("child %d after restore: %v %s", i, historyTypes(c.events), c.last.Status)
		}
	}
}

// TestChildExecutionAborted: children still running when their run fails, or when the parent is
// stopped, end ABORTED with ExecutionAborted in their own history.
func TestChildExecutionAborted(t *testing.T) {
	t.Parallel()
	r := startRun(t, `"MaxConcurrency":3,`, `[1,2,3]`)
	r.answer(false)
	for i, want := range []sfn.ExecutionStatus{sfn.StatusFailed, sfn.StatusAborted, sfn.StatusAborted} {
		c := r.children.at(t, i)
		if c.last.Status != want {
			t.Fatalf("child %d %s, want %s", i, c.last.Status, want)
		}
		wantNumbered(t, c.events)
	}
	if got := r.children.at(t, 1).events; got[len(got)-1].Type != sfn.EventExecutionAborted {
		t.Fatalf("aborted child history %v", historyTypes(got))
	}

	r = startRun(t, ``, `[1,2]`)
	r.handle(StopRequested{Error: "stop", Cause: "by hand"})
	for i := range 2 {
		c := r.children.at(t, i)
		if c.last.Status != sfn.StatusAborted || c.events[len(c.events)-1].Type != sfn.EventExecutionAborted {
			t.Fatalf("child %d of a stopped parent %s %v", i, c.last.Status, historyTypes(c.events))
		}
	}
}

// TestChildExecutionRedriven: a redrive of the parent starts its failed STANDARD children again
// under the same ARN, their history going on with ExecutionRedriven.
func TestChildExecutionRedriven(t *testing.T) {
	t.Parallel()
	r := startRun(t, ``, `[1,2]`)
	r.answer(true)
	r.answer(false)
	failedARN := r.children.at(t, 1).last.ARN
	r.now = r.now.Add(time.Minute)
	step, err := r.e.Redrive(r.now)
	if err != nil {
		t.Fatal(err)
	}
	r.apply(step)
	r.answer(true)
	if res := r.e.Result(); res.Status != sfn.StatusSucceeded {
		t.Fatalf("redriven execution %s", res.Status)
	}
	if len(r.children.order) != 2 {
		t.Fatalf("children after redrive %v", r.children.order)
	}
	c := r.children.at(t, 1)
	if c.last.ARN != failedARN || c.last.RedriveCount != 1 || !c.redriven || c.last.Status != sfn.StatusSucceeded {
		t.Fatalf("redriven child %+v", c.last)
	}
	wantNumbered(t, c.events)
	want := []sfn.EventType{sfn.EventExecutionStarted, sfn.EventTaskStateEntered, sfn.EventLambdaFunctionScheduled, sfn.EventLambdaFunctionStarted,
		sfn.EventLambdaFunctionFailed, sfn.EventExecutionFailed, sfn.EventExecutionRedriven, sfn.EventTaskStateEntered, sfn.EventLambdaFunctionScheduled,
		sfn.EventLambdaFunctionStarted, sfn.EventLambdaFunctionSucceeded, sfn.EventTaskStateExited, sfn.EventExecutionSucceeded}
	if got := historyTypes(c.events); !reflect.DeepEqual(got, want) {
		t.Fatalf("redriven child history %v", got)
	}
	if d := c.events[6].ExecutionRedrivenEventDetails; d == nil || d.RedriveCount != 1 {
		t.Fatalf("ExecutionRedriven %+v", c.events[6])
	}
}

// TestChildExecutionHistoryLimit: a child that loops fills its own history (AWS's 25,000
// events) and fails with States.Runtime; with a tolerated failure the parent goes on and
// succeeds, its own history as short as ever.
func TestChildExecutionHistoryLimit(t *testing.T) {
	t.Parallel()
	machine := `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
		"StartAt":"Loop?","States":{
			"Loop?":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":0,"Next":"A"}],"Default":"Done"},
			"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"},
			"Done":{"Type":"Succeed"}}},"End":true}}}`
	d := &driver{t: t}
	e := d.run(compile(t, machine, standardOptions), decode(t, `[0,1]`))
	if res := e.Result(); res.Status != sfn.StatusSucceeded {
		t.Fatalf("parent %s %s %s", res.Status, res.Error, res.Cause)
	}
	if len(d.events) > 20 {
		t.Fatalf("parent history has %d events", len(d.events))
	}
	looped := d.children.byARN[d.children.order[0]]
	if looped.last.Index != 0 {
		looped = d.children.byARN[d.children.order[1]]
	}
	if looped.last.Status != sfn.StatusFailed || looped.last.Error != sfn.ErrorRuntime || looped.last.Cause != sfn.HistoryLimitCause(sfn.HistoryEventLimit) {
		t.Fatalf("looping child %s %s %s", looped.last.Status, looped.last.Error, looped.last.Cause)
	}
	if n := len(looped.events); n != sfn.HistoryEventLimit {
		t.Fatalf("looping child wrote %d events, want %d", n, sfn.HistoryEventLimit)
	}
	wantNumbered(t, looped.events)
	last := looped.events[len(looped.events)-1]
	if last.Type != sfn.EventExecutionFailed || last.ExecutionFailedEventDetails.Cause != sfn.HistoryLimitCause(sfn.HistoryEventLimit) {
		t.Fatalf("last event %+v", last)
	}
	if other := d.children.at(t, 1); other.last.Status != sfn.StatusSucceeded {
		t.Fatalf("other child %s", other.last.Status)
	}
}

// TestChildExecutionStopped: StopExecution of one child aborts it alone; its Map counts a
// failure (tolerated here) and DescribeMapRun an aborted child.
func TestChildExecutionStopped(t *testing.T) {
	t.Parallel()
	r := startRun(t, `"ToleratedFailureCount":1,`, `[1,2]`)
	arn := r.children.at(t, 0).last.ARN
	if !r.e.RunningChild(arn) || r.e.RunningChild(arn+"x") {
		t.Fatal("RunningChild")
	}
	r.handle(ChildStopRequested{ChildARN: arn, Error: "Halt", Cause: "by hand"})
	c := r.children.at(t, 0)
	last := c.events[len(c.events)-1]
	if c.last.Status != sfn.StatusAborted || last.Type != sfn.EventExecutionAborted || last.ExecutionAbortedEventDetails.Error != "Halt" ||
		last.ExecutionAbortedEventDetails.Cause != "by hand" || c.last.Error != "Halt" {
		t.Fatalf("stopped child %+v %v", c.last, historyTypes(c.events))
	}
	if len(r.open) != 1 || r.e.RunningChild(arn) {
		t.Fatalf("open tasks after the stop: %d", len(r.open))
	}
	r.wantCounts("after the stop", r.run().Executions, MapRunCounts{Running: 1, Aborted: 1, Total: 2})
	r.answer(true)
	if res := r.e.Result(); res.Status != sfn.StatusSucceeded {
		t.Fatalf("parent %s", res.Status)
	}
	r.wantCounts("ended", r.run().Executions, MapRunCounts{Succeeded: 1, Aborted: 1, Total: 2, FailuresNotRedrivable: 1})
}

// TestChildExecutionExpressRedriven: an EXPRESS child started again by a redrive is a new child
// execution (AWS restarts Express children with StartExecution); the failed one stays as it ended.
func TestChildExecutionExpressRedriven(t *testing.T) {
	t.Parallel()
	r := startRunOf(t, strings.Replace(runMachine(``), `"STANDARD"`, `"EXPRESS"`, 1), `[1,2]`)
	r.answer(true)
	r.answer(false)
	failed := r.children.at(t, 1)
	if !failed.last.Express || failed.last.Status != sfn.StatusFailed {
		t.Fatalf("express child %+v", failed.last)
	}
	step, err := r.e.Redrive(r.now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	r.apply(step)
	r.answer(true)
	if len(r.children.order) != 3 {
		t.Fatalf("children after the redrive: %v", r.children.order)
	}
	again := r.children.byARN[r.children.order[2]]
	if again.last.Index != 1 || again.last.ARN == failed.last.ARN || again.last.RedriveCount != 0 || again.last.Status != sfn.StatusSucceeded ||
		historyTypes(again.events)[0] != sfn.EventExecutionStarted {
		t.Fatalf("restarted express child %+v", again.last)
	}
	wantNumbered(t, again.events)
	if r.children.byARN[failed.last.ARN].last.Status != sfn.StatusFailed {
		t.Fatal("the failed express child changed")
	}
}
