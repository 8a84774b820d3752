package interp

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// runMachine is a Distributed Map over its input whose iterations each run one task, with
// extra Map fields.
func runMachine(fields string) string {
	return `{"StartAt":"M","States":{"M":{"Type":"Map",` + fields + `
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
		"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","End":true}}},"End":true}}}`
}

// liveRun is an execution of runMachine driven by hand: its tasks stay open until answered.
type liveRun struct {
	t    *testing.T
	p    *Program
	e    *Execution
	arn  string
	open []InvokeTask // invoked and not answered, in order
	now  time.Time
	// children gathers the child executions' reports of every step.
	children childLogs
}

func startRun(t *testing.T, fields, input string) *liveRun {
	t.Helper()
	return startRunOf(t, runMachine(fields), input)
}

// startRunOf starts a liveRun of a machine whose first state is a Distributed Map.
func startRunOf(t *testing.T, machine, input string) *liveRun {
	t.Helper()
	r := &liveRun{t: t, p: compile(t, machine, Options{History: true}), now: testStart}
	e, step := r.p.Start(testInfo(), decode(t, input))
	r.e = e
	for _, ev := range step.Events {
		if ev.Type == sfn.EventMapRunStarted {
			r.arn = ev.MapRunStartedEventDetails.MapRunArn
		}
	}
	if r.arn == "" {
		t.Fatal("no MapRunStarted event")
	}
	r.apply(step)
	return r
}

// apply notes the tasks a step invoked and cancelled and returns how many it invoked.
func (r *liveRun) apply(step Step) int {
	r.children.add(step)
	invoked := 0
	for _, c := range step.Commands {
		switch c := c.(type) {
		case InvokeTask:
			r.open = append(r.open, c)
			invoked++
		case CancelTask:
			for i, inv := range r.open {
				if inv.TaskID == c.TaskID {
					r.open = append(r.open[:i:i], r.open[i+1:]...)
					break
				}
			}
		}
	}
	return invoked
}

func (r *liveRun) handle(ev Event) Step {
	r.now = r.now.Add(time.Second)
	step := r.e.Handle(ev, r.now)
	r.apply(step)
	return step
}

// answer ends the oldest open task, successfully or not, and returns how many tasks that started.
func (r *liveRun) answer(ok bool) int {
	r.t.Helper()
	if len(r.open) == 0 {
		r.t.Fatal("no open task")
	}
	inv := r.open[0]
	r.open = r.open[1:]
	var ev Event = TaskSucceeded{TaskID: inv.TaskID, Output: inv.Input}
	if !ok {
		ev = TaskFailed{TaskID: inv.TaskID, Error: "Boom", Cause: "it broke"}
	}
	before := len(r.open)
	r.handle(ev)
	return len(r.open) - before
}

func (r *liveRun) update(u MapRunUpdate) Step {
	u.MapRunARN = r.arn
	return r.handle(u)
}

func (r *liveRun) run() MapRunSummary {
	r.t.Helper()
	run, ok := r.e.State().MapRun(r.arn)
	if !ok {
		r.t.Fatalf("map run %s not found", r.arn)
	}
	return run
}

func (r *liveRun) wantCounts(what string, got, want MapRunCounts) {
	r.t.Helper()
	if got != want {
		r.t.Fatalf("%s counts %+v, want %+v", what, got, want)
	}
}

func ptr[T any](v T) *T { return &v }

func TestMapRunUpdateConcurrency(t *testing.T) {
	t.Parallel()
	r := startRun(t, `"MaxConcurrency":1,`, `[1,2,3,4,5]`)
	if len(r.open) != 1 {
		t.Fatalf("started %d iterations, want 1", len(r.open))
	}

	// Raised: two more start at once, in item order.
	step := r.update(MapRunUpdate{MaxConcurrency: ptr[int64](3)})
	if !step.Changed || len(step.Events) != 0 || len(r.open) != 3 {
		t.Fatalf("after raising: changed %v, %d events, %d running", step.Changed, len(step.Events), len(r.open))
	}
	for i, inv := range r.open {
		if inv.Input != float64(i+1) {
			t.Fatalf("iteration %d runs item %v", i, inv.Input)
		}
	}
	run := r.run()
	if run.Status != MapRunRunning || run.MaxConcurrency != 3 {
		t.Fatalf("run %+v", run)
	}
	r.wantCounts("raised", run.Executions, MapRunCounts{Pending: 2, Running: 3, Total: 5})

	// Lowered: nothing stops, nothing starts until fewer than one run.
	if step := r.update(MapRunUpdate{MaxConcurrency: ptr[int64](1)}); !step.Changed || len(step.Commands) != 0 {
		t.Fatalf("lowering: changed %v, commands %v", step.Changed, step.Commands)
	}
	for i, want := range []int{0, 0, 1} {
		if started := r.answer(true); started != want {
			t.Fatalf("answer %d started %d iterations, want %d", i+1, started, want)
		}
	}
	r.wantCounts("lowered", r.run().Executions, MapRunCounts{Pending: 1, Running: 1, Succeeded: 3, Total: 5})

	// No limit: the last one starts too.
	if r.update(MapRunUpdate{MaxConcurrency: ptr[int64](0)}); len(r.open) != 2 {
		t.Fatalf("unlimited: %d running, want 2", len(r.open))
	}
	r.answer(true)
	r.answer(true)
	if res := r.e.Result(); res.Status != sfn.StatusSucceeded {
		t.Fatalf("execution %s %s", res.Status, res.Error)
	}
	run = r.run()
	if run.Status != MapRunSucceeded || run.MaxConcurrency != 0 || run.Stop.IsZero() {
		t.Fatalf("ended run %+v", run)
	}
	r.wantCounts("ended", run.Executions, MapRunCounts{Succeeded: 5, Total: 5})
	r.wantCounts("ended items", run.Items, MapRunCounts{Succeeded: 5, Total: 5})
}

func TestMapRunUpdateTolerance(t *testing.T) {
	t.Parallel()
	t.Run("tolerating failures the definition did not", func(t *testing.T) {
		t.Parallel()
		r := startRun(t, ``, `[1,2,3]`)
		r.update(MapRunUpdate{ToleratedFailureCount: ptr[int64](1)})
		r.answer(false)
		r.answer(true)
		r.answer(true)
		res := r.e.Result()
		if res.Status != sfn.StatusSucceeded || encodeJSON(res.Output) != `[{"Error":"Boom","Cause":"it broke"},2,3]` {
			t.Fatalf("execution %s %v %s", res.Status, encodeJSON(res.Output), res.Error)
		}
		run := r.run()
		if run.Status != MapRunSucceeded || run.ToleratedFailureCount != 1 {
			t.Fatalf("run %+v", run)
		}
		// The execution succeeded: no redrive will run the failed child again.
		r.wantCounts("ended", run.Executions, MapRunCounts{Succeeded: 2, Failed: 1, Total: 3, FailuresNotRedrivable: 1})
	})
	t.Run("a lower threshold fails the run at once", func(t *testing.T) {
		t.Parallel()
		r := startRun(t, `"MaxConcurrency":3,"ToleratedFailureCount":2,`, `[1,2,3,4]`)
		r.answer(false)
		if len(r.open) != 3 || r.e.Result().Status != sfn.StatusRunning {
			t.Fatalf("after a tolerated failure: %d running, %s", len(r.open), r.e.Result().Status)
		}
		step := r.update(MapRunUpdate{ToleratedFailureCount: ptr[int64](0)})
		var types []sfn.EventType
		for _, ev := range step.Events {
			types = append(types, ev.Type)
		}
		want := []sfn.EventType{sfn.EventMapRunFailed, sfn.EventMapStateFailed, sfn.EventExecutionFailed}
		if !reflect.DeepEqual(types, want) || len(r.open) != 0 {
			t.Fatalf("events %v (want %v), %d tasks left open", types, want, len(r.open))
		}
		if res := r.e.Result(); res.Error != sfn.ErrorExceedToleratedFailureThreshold {
			t.Fatalf("execution %s %s", res.Status, res.Error)
		}
		run := r.run()
		if run.Status != MapRunFailed || run.ToleratedFailureCount != 0 || run.MaxConcurrency != 3 {
			t.Fatalf("run %+v", run)
		}
		r.wantCounts("failed", run.Executions, MapRunCounts{Failed: 1, Aborted: 3, Total: 4})
	})
	t.Run("a percentage applies to the next failure", func(t *testing.T) {
		t.Parallel()
		r := startRun(t, `"MaxConcurrency":1,"ToleratedFailurePercentage":100,`, `[1,2,3,4]`)
		r.answer(false)
		if step := r.update(MapRunUpdate{ToleratedFailurePercentage: ptr(40.0)}); len(step.Events) != 0 {
			t.Fatalf("25%% failed is within 40%%, yet: %v", step.Events)
		}
		r.answer(false)
		if res := r.e.Result(); res.Status != sfn.StatusFailed || res.Error != sfn.ErrorExceedToleratedFailureThreshold {
			t.Fatalf("execution %s %s", res.Status, res.Error)
		}
		r.wantCounts("failed", r.run().Executions, MapRunCounts{Pending: 2, Failed: 2, Total: 4})
	})
}

// TestMapRunSurvivesSnapshot restores an execution right after an update: the new settings
// and what they started are in the snapshot, and the restored execution goes on alike.
func TestMapRunSurvivesSnapshot(t *testing.T) {
	t.Parallel()
	r := startRun(t, `"MaxConcurrency":1,`, `[1,2,3]`)
	r.update(MapRunUpdate{MaxConcurrency: ptr[int64](2)})
	snap, err := r.e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	before := r.run()
	if r.e, err = r.p.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if after := r.run(); !reflect.DeepEqual(after, before) {
		t.Fatalf("restored run %+v, want %+v", after, before)
	}
	inSnapshot, ok, err := MapRunInSnapshot(snap, r.arn)
	if err != nil || !ok || !reflect.DeepEqual(inSnapshot, before) {
		t.Fatalf("MapRunInSnapshot = %+v %v %v, want %+v", inSnapshot, ok, err, before)
	}
	if started := r.answer(true); started != 1 {
		t.Fatalf("restored execution started %d, want 1 (room for 2)", started)
	}
	r.answer(true)
	r.answer(true)
	if res := r.e.Result(); res.Status != sfn.StatusSucceeded {
		t.Fatalf("execution %s", res.Status)
	}
	snap, err = r.e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	ended, ok, err := MapRunInSnapshot(snap, r.arn)
	if err != nil || !ok || ended.Status != MapRunSucceeded || ended.MaxConcurrency != 2 || ended.Executions.Succeeded != 3 {
		t.Fatalf("ended run in snapshot %+v %v %v", ended, ok, err)
	}
	if _, ok, _ := MapRunInSnapshot(snap, r.arn+"x"); ok {
		t.Fatal("found a run that does not exist")
	}
}

func TestMapRunUpdateIgnored(t *testing.T) {
	t.Parallel()
	r := startRun(t, `"MaxConcurrency":1,`, `[1]`)
	if step := r.handle(MapRunUpdate{MapRunARN: r.arn + "x", MaxConcurrency: ptr[int64](5)}); step.Changed || len(step.Commands) != 0 {
		t.Fatalf("update of an unknown run: %+v", step)
	}
	r.answer(true)
	if step := r.update(MapRunUpdate{MaxConcurrency: ptr[int64](5)}); step.Changed || !step.Done {
		t.Fatalf("update after the end: %+v", step)
	}
	if run := r.run(); run.MaxConcurrency != 1 {
		t.Fatalf("ended run changed: %+v", run)
	}
}

func TestMapRunCountsBatched(t *testing.T) {
	t.Parallel()
	r := startRun(t, `"MaxConcurrency":1,"ItemBatcher":{"MaxItemsPerBatch":2},`, `[1,2,3,4,5]`)
	run := r.run()
	r.wantCounts("items", run.Items, MapRunCounts{Pending: 3, Running: 2, Total: 5})
	r.wantCounts("executions", run.Executions, MapRunCounts{Pending: 2, Running: 1, Total: 3})
	r.answer(true)
	r.answer(false)
	run = r.run()
	if run.Status != MapRunFailed {
		t.Fatalf("run %+v", run)
	}
	r.wantCounts("items", run.Items, MapRunCounts{Pending: 1, Succeeded: 2, Failed: 2, Total: 5})
	r.wantCounts("executions", run.Executions, MapRunCounts{Pending: 1, Succeeded: 1, Failed: 1, Total: 3})
}

func TestMapRunAbortedWithExecution(t *testing.T) {
	t.Parallel()
	r := startRun(t, `"MaxConcurrency":2,`, `[1,2,3]`)
	r.answer(true)
	r.handle(StopRequested{Error: "Stop", Cause: "by hand"})
	run := r.run()
	if run.Status != MapRunAborted || !run.Stop.Equal(r.now) {
		t.Fatalf("run %+v", run)
	}
	r.wantCounts("stopped", run.Executions, MapRunCounts{Succeeded: 1, Aborted: 2, Total: 3})
}

// TestMapRunRecordsBounded checks that an execution keeps only its latest ended runs.
func TestMapRunRecordsBounded(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
		"ResultPath":null,"Next":"Count"},
		"Count":{"Type":"Pass","Parameters":{"items.$":"$.items","n.$":"States.MathAdd($.n, 1)"},"Next":"Again"},
		"Again":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericLessThan":1005,"Next":"M"}],"Default":"Done"},
		"Done":{"Type":"Succeed"}}}`
	p := compile(t, def, Options{History: true})
	d := &driver{t: t}
	e := d.run(p, decode(t, `{"items":[1],"n":0}`))
	if res := e.Result(); res.Status != sfn.StatusSucceeded {
		t.Fatalf("execution %s %s %s", res.Status, res.Error, res.Cause)
	}
	var arns []string
	for _, ev := range d.events {
		if ev.Type == sfn.EventMapRunStarted {
			arns = append(arns, ev.MapRunStartedEventDetails.MapRunArn)
		}
	}
	runs := e.State().MapRuns
	if len(arns) != 1005 || len(runs) != maxMapRunRecords || runs[0].ARN != arns[5] || runs[len(runs)-1].ARN != arns[1004] {
		t.Fatalf("%d runs, %d records", len(arns), len(runs))
	}
	if _, ok := e.State().MapRun(arns[4]); ok {
		t.Fatal("the oldest run is still recorded")
	}
	if !strings.Contains(arns[0], ":mapRun:machine/M:") {
		t.Fatalf("run ARN %s", arns[0])
	}
}

// stepEventTypes lists the types of a step's events.
func stepEventTypes(step Step) []sfn.EventType {
	types := make([]sfn.EventType, 0, len(step.Events))
	for _, ev := range step.Events {
		types = append(types, ev.Type)
	}
	return types
}

// TestMapRunRedriven fails a run's children, redrives the execution with room for one child at
// a time, and follows the run's counts: the failed children wait to be redriven (pendingRedrive,
// still counted failed) until each starts again, and the run ends as one run, redriven once.
func TestMapRunRedriven(t *testing.T) {
	t.Parallel()
	r := startRun(t, `"MaxConcurrency":3,"ToleratedFailureCount":3,`, `[1,2,3,4]`)
	r.answer(true)
	r.answer(false)
	r.answer(false)
	r.answer(false)
	if res := r.e.Result(); res.Status != sfn.StatusSucceeded {
		t.Fatalf("execution %s", res.Status)
	}
	r.wantCounts("tolerated", r.run().Executions, MapRunCounts{Succeeded: 1, Failed: 3, Total: 4, FailuresNotRedrivable: 3})

	r = startRun(t, `"MaxConcurrency":3,`, `[1,2,3,4]`)
	r.answer(true)
	r.answer(false) // fails the run: the two others are aborted
	if res := r.e.Result(); res.Status != sfn.StatusFailed {
		t.Fatalf("execution %s", res.Status)
	}
	// The execution can be redriven, and with it the run: its failures are redrivable.
	r.wantCounts("failed", r.run().Executions, MapRunCounts{Succeeded: 1, Failed: 1, Aborted: 2, Total: 4})

	r.update(MapRunUpdate{MaxConcurrency: ptr[int64](1)}) // ignored: the run ended
	r.now = r.now.Add(time.Minute)
	step, err := r.e.Redrive(r.now)
	if err != nil {
		t.Fatal(err)
	}
	r.apply(step)
	want := []sfn.EventType{sfn.EventExecutionRedriven, sfn.EventMapStateEntered, sfn.EventMapStateStarted, sfn.EventMapRunRedriven}
	if got := stepEventTypes(step); !reflect.DeepEqual(got, want) {
		t.Fatalf("redrive events %v, want %v", got, want)
	}
	redriven := step.Events[3]
	if d := redriven.MapRunRedrivenEventDetails; d == nil || d.MapRunArn != r.arn || d.RedriveCount != 1 || redriven.PreviousEventID != step.Events[2].ID {
		t.Fatalf("MapRunRedriven %+v details %+v", redriven, d)
	}
	// MaxConcurrency 3: all three unsuccessful children start again at once.
	r.wantCounts("redriven", r.run().Executions, MapRunCounts{Succeeded: 1, Running: 3, Total: 4})
	r.answer(true)
	r.answer(true)
	r.answer(false)
	if res := r.e.Result(); res.Status != sfn.StatusFailed {
		t.Fatalf("redriven execution %s", res.Status)
	}
	r.wantCounts("failed again", r.run().Executions, MapRunCounts{Succeeded: 3, Failed: 1, Total: 4})

	// The second redrive meets a lower limit: one child runs, the others wait their turn.
	if step, err = r.e.Redrive(r.now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	r.apply(step)
	if d := step.Events[len(step.Events)-1].MapRunRedrivenEventDetails; d == nil || d.RedriveCount != 2 {
		t.Fatalf("second redrive events %v", stepEventTypes(step))
	}
	r.wantCounts("redriven twice", r.run().Executions, MapRunCounts{Succeeded: 3, Running: 1, Total: 4})
	r.answer(true)
	if res := r.e.Result(); res.Status != sfn.StatusSucceeded {
		t.Fatalf("execution after the second redrive %s", res.Status)
	}
	r.wantCounts("succeeded", r.run().Executions, MapRunCounts{Succeeded: 4, Total: 4})
}

// TestMapRunPendingRedrive redrives a run whose failed and aborted children outnumber its
// MaxConcurrency: those not yet started again are pendingRedrive and keep their last status.
func TestMapRunPendingRedrive(t *testing.T) {
	t.Parallel()
	r := startRun(t, `"MaxConcurrency":1,"ToleratedFailureCount":1,`, `[1,2,3,4]`)
	r.answer(false)
	r.answer(false) // the second failure is one too many
	r.wantCounts("failed", r.run().Executions, MapRunCounts{Pending: 2, Failed: 2, Total: 4})
	step, err := r.e.Redrive(r.now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	r.apply(step)
	r.wantCounts("redriven", r.run().Executions, MapRunCounts{Pending: 2, Running: 1, Failed: 1, Total: 4, PendingRedrive: 1})
	r.answer(true)
	r.wantCounts("one done", r.run().Executions, MapRunCounts{Pending: 2, Running: 1, Succeeded: 1, Total: 4})
	r.handle(StopRequested{Error: "Stop"})
	// Stopped: the running child is aborted; the pending ones stay pending.
	r.wantCounts("stopped", r.run().Executions, MapRunCounts{Pending: 2, Succeeded: 1, Aborted: 1, Total: 4})
}

// TestMapRunRetried fails a Distributed Map whose state retries once, then catches: each
// attempt is a run of its own, started under a new ARN and failed with MapRunFailed (the retry
// writes no MapStateFailed), and neither run can be redriven once the state moved on.
func TestMapRunRetried(t *testing.T) {
	t.Parallel()
	machine := strings.TrimSuffix(runMachine(`"Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":1,"IntervalSeconds":1}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],`), `"End":true}}}`) +
		`"Next":"Caught"},"Caught":{"Type":"Fail","Error":"Caught"}}}`
	r := startRunOf(t, machine, `[1]`)
	first := r.arn
	step := r.handle(TaskFailed{TaskID: r.open[0].TaskID, Error: "Boom"})
	r.open = r.open[1:]
	// The iterations are child executions: their events are not the parent's.
	if got, want := stepEventTypes(step), []sfn.EventType{sfn.EventMapRunFailed}; !reflect.DeepEqual(got, want) {
		t.Fatalf("first failure events %v, want %v", got, want)
	}
	if d := step.Events[0].MapRunFailedEventDetails; d == nil || d.Error != "Boom" {
		t.Fatalf("MapRunFailed %+v", step.Events[0])
	}
	failed := step.Events[0].ID
	var timer StartTimer
	for _, c := range step.Commands {
		if c, ok := c.(StartTimer); ok {
			timer = c
		}
	}
	step = r.handle(TimerFired{TimerID: timer.TimerID})
	if got, want := stepEventTypes(step), []sfn.EventType{sfn.EventMapStateStarted, sfn.EventMapRunStarted}; !reflect.DeepEqual(got, want) {
		t.Fatalf("retry events %v, want %v", got, want)
	}
	second := step.Events[1].MapRunStartedEventDetails.MapRunArn
	if second == first || step.Events[0].PreviousEventID != failed {
		t.Fatalf("retry started %s (first %s), MapStateStarted after %d, want %d", second, first, step.Events[0].PreviousEventID, failed)
	}
	r.answer(false)
	if res := r.e.Result(); res.Status != sfn.StatusFailed || res.Error != "Caught" {
		t.Fatalf("execution %s %s", res.Status, res.Error)
	}
	for _, arn := range []string{first, second} {
		run, ok := r.e.State().MapRun(arn)
		if !ok || run.Status != MapRunFailed {
			t.Fatalf("run %s: %+v %v", arn, run, ok)
		}
		r.wantCounts(arn, run.Executions, MapRunCounts{Failed: 1, Total: 1, FailuresNotRedrivable: 1})
	}
}
