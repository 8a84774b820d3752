package interp

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/sfn"
)

// runawayLoop is the machine of issue #20: a Pass and a Choice that never leave each other.
const runawayLoop = `{"StartAt":"A","States":{
  "A":{"Type":"Pass","Next":"B"},
  "B":{"Type":"Choice","Choices":[{"Variable":"$.never","IsPresent":true,"Next":"E"}],"Default":"A"},
  "E":{"Type":"Succeed"}}}`

// standardOptions are the options the engine compiles a Standard machine with.
var standardOptions = Options{PayloadLimit: sfn.DefaultPayloadLimit, History: true, MaxHistoryEvents: sfn.HistoryEventLimit}

// stepRun drives an execution step by step as the durable engine does: every step is
// snapshotted and restored before the next event (a restart between any two steps), tasks
// answer with their input, and the earliest timer fires when nothing else is pending.
type stepRun struct {
	steps  []Step
	events []sfn.HistoryEvent
}

func runSteps(t *testing.T, p *Program, input any, maxSteps int) (*Execution, *stepRun) {
	t.Helper()
	r := &stepRun{}
	e, step := p.Start(testInfo(), input)
	now := testStart
	var pending []Event
	timers := map[string]StartTimer{}
	for {
		r.steps = append(r.steps, step)
		r.events = append(r.events, step.Events...)
		for _, c := range step.Commands {
			switch c := c.(type) {
			case InvokeTask:
				pending = append(pending, TaskSucceeded{TaskID: c.TaskID, Output: c.Input})
			case StartTimer:
				timers[c.TimerID] = c
			case CancelTimer:
				delete(timers, c.TimerID)
			}
		}
		if step.Done || len(r.steps) == maxSteps {
			return e, r
		}
		snap, err := e.Snapshot()
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		if e, err = p.Restore(snap); err != nil {
			t.Fatalf("restore: %v", err)
		}
		var ev Event
		switch {
		case len(pending) > 0:
			ev, pending = pending[0], pending[1:]
		case len(timers) > 0:
			var next StartTimer
			for _, tm := range timers {
				if next.TimerID == "" || tm.FireAt.Before(next.FireAt) {
					next = tm
				}
			}
			delete(timers, next.TimerID)
			if next.FireAt.After(now) {
				now = next.FireAt
			}
			ev = TimerFired{TimerID: next.TimerID}
		default:
			t.Fatalf("execution stalled after %d steps", len(r.steps))
		}
		step = e.Handle(ev, now)
	}
}

// checkIDs checks that the events are numbered 1…n, each once, in order.
func checkIDs(t *testing.T, events []sfn.HistoryEvent) {
	t.Helper()
	for i, ev := range events {
		if ev.ID != int64(i+1) {
			t.Fatalf("event %d has id %d", i+1, ev.ID)
		}
	}
}

// statesEntered counts a step's StateEntered events.
func statesEntered(step Step) int {
	n := 0
	for _, ev := range step.Events {
		if strings.HasSuffix(string(ev.Type), "StateEntered") {
			n++
		}
	}
	return n
}

func TestHistoryLimitFailsRunawayLoop(t *testing.T) {
	t.Parallel()
	p := compile(t, runawayLoop, standardOptions)
	e, r := runSteps(t, p, map[string]any{}, 100)
	res := e.Result()
	wantCause := "The execution reached the maximum number of history events (25000)."
	if res.Status != sfn.StatusFailed || res.Error != "States.Runtime" || res.Cause != wantCause {
		t.Fatalf("result = %s %s %q, want FAILED States.Runtime %q", res.Status, res.Error, res.Cause, wantCause)
	}
	if len(r.events) != 25000 {
		t.Fatalf("%d events, want 25000", len(r.events))
	}
	checkIDs(t, r.events)
	last, before := r.events[24999], r.events[24998]
	if last.Type != sfn.EventExecutionFailed || last.PreviousEventID != 24999 ||
		last.ExecutionFailedEventDetails.Error != "States.Runtime" || last.ExecutionFailedEventDetails.Cause != wantCause {
		t.Fatalf("event 25000 = %+v, want ExecutionFailed after 24999", last)
	}
	// Iterations write A's Entered and Exited, then B's: 24,999 is A's Exited, and the
	// 25,000th would have been B's Entered.
	if before.Type != sfn.EventPassStateExited || before.StateExitedEventDetails.Name != "A" {
		t.Fatalf("event 24999 = %s %+v, want PassStateExited of A", before.Type, before.StateExitedEventDetails)
	}
	// The loop ran in bounded steps, each committed on its own, not as one step of 25,000 events.
	if len(r.steps) < 3 {
		t.Fatalf("%d steps, want the loop cut into several", len(r.steps))
	}
	for i, step := range r.steps {
		if n := statesEntered(step); n > maxStepStates {
			t.Fatalf("step %d entered %d states, more than %d", i, n, maxStepStates)
		}
		if !step.Done && len(step.Commands) != 1 {
			t.Fatalf("step %d has commands %+v, want one continuation timer", i, step.Commands)
		}
	}
	// Everything the execution waited for went with it.
	final := r.steps[len(r.steps)-1]
	if !final.Done || len(e.State().Waits) != 0 {
		t.Fatalf("final step done=%v, waits %v", final.Done, e.State().Waits)
	}
	for _, c := range final.Commands {
		if _, ok := c.(StartTimer); ok {
			t.Fatalf("final step starts a timer: %+v", final.Commands)
		}
	}
	// AWS redrives only executions with fewer than 24,999 events.
	var nr *NotRedrivableError
	if _, err := e.Redrive(testStart); !errors.As(err, &nr) {
		t.Fatalf("Redrive = %v, want NotRedrivableError", err)
	}
}

// counterLoop adds one to $.n per iteration and succeeds once $.n is limit.
func counterLoop(limit int) string {
	return fmt.Sprintf(`{"StartAt":"Add","States":{
  "Add":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)"},"Next":"Check"},
  "Check":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":%d,"Next":"Done"}],"Default":"Add"},
  "Done":{"Type":"Succeed"}}}`, limit)
}

func TestHistoryLimitLetsTheLastEventSucceed(t *testing.T) {
	t.Parallel()
	// 1 + 4 events per iteration + SucceedStateEntered/Exited + ExecutionSucceeded:
	// 6,249 iterations end with ExecutionSucceeded as event 25,000 exactly.
	for _, tc := range []struct {
		iterations int
		status     sfn.ExecutionStatus
		events     int
	}{
		{6248, sfn.StatusSucceeded, 24996},
		{6249, sfn.StatusSucceeded, 25000},
		{6250, sfn.StatusFailed, 25000},
	} {
		p := compile(t, counterLoop(tc.iterations), standardOptions)
		e, r := runSteps(t, p, map[string]any{"n": 0.0}, 100)
		if got := e.Result().Status; got != tc.status || len(r.events) != tc.events {
			t.Errorf("%d iterations: %s with %d events, want %s with %d", tc.iterations, got, len(r.events), tc.status, tc.events)
			continue
		}
		checkIDs(t, r.events)
		if tc.status == sfn.StatusFailed && r.events[len(r.events)-1].ExecutionFailedEventDetails.Error != sfn.ErrorRuntime {
			t.Errorf("%d iterations: last event %+v", tc.iterations, r.events[len(r.events)-1])
		}
	}
}

func TestHistoryLimitStopsATaskBeforeItRuns(t *testing.T) {
	t.Parallel()
	// ExecutionStarted, then seven events per iteration (five of the Task, two of the Choice):
	// event 25,000 would be the TaskScheduled of the 3,572nd task. That task must not be invoked.
	p := compile(t, `{"StartAt":"T","States":{
  "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"C"},
  "C":{"Type":"Choice","Choices":[{"Variable":"$.never","IsPresent":true,"Next":"E"}],"Default":"T"},
  "E":{"Type":"Succeed"}}}`, standardOptions)
	e, r := runSteps(t, p, map[string]any{}, 10000)
	if res := e.Result(); res.Status != sfn.StatusFailed || res.Error != sfn.ErrorRuntime {
		t.Fatalf("result %+v", res)
	}
	checkIDs(t, r.events)
	if got := r.events[24998].Type; got != sfn.EventTaskStateEntered {
		t.Fatalf("event 24999 is %s, want TaskStateEntered", got)
	}
	final := r.steps[len(r.steps)-1]
	for _, c := range final.Commands {
		if _, ok := c.(InvokeTask); ok {
			t.Fatalf("the step that filled the history invokes a task: %+v", final.Commands)
		}
	}
	if len(e.State().Waits) != 0 {
		t.Fatalf("waits left: %v", e.State().Waits)
	}
}

func TestExpressLoopHasNoHistoryLimitButYields(t *testing.T) {
	t.Parallel()
	p := compile(t, runawayLoop, Options{PayloadLimit: sfn.DefaultPayloadLimit})
	e, r := runSteps(t, p, map[string]any{}, 20)
	if e.Result().Status != sfn.StatusRunning || len(r.steps) != 20 {
		t.Fatalf("after %d steps: %s, want still RUNNING", len(r.steps), e.Result().Status)
	}
	if e.State().LastEventID <= sfn.HistoryEventLimit {
		t.Fatalf("counted %d events, want past the Standard limit", e.State().LastEventID)
	}
	// Between steps a stop request gets in.
	step := e.Handle(StopRequested{Error: "Stop", Cause: "enough"}, testStart)
	if !step.Done || e.Result().Status != sfn.StatusAborted {
		t.Fatalf("after stop: %s", e.Result().Status)
	}
}

func TestBigInlineMapIsCutIntoSteps(t *testing.T) {
	t.Parallel()
	const items = 10000
	list := make([]any, items)
	for i := range list {
		list[i] = float64(i)
	}
	p := compile(t, `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,
  "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}`, Options{PayloadLimit: 1 << 30, History: true})
	e, r := runSteps(t, p, list, 100)
	res := e.Result()
	if res.Status != sfn.StatusSucceeded {
		t.Fatalf("result %+v", res)
	}
	out := res.Output.([]any)
	for i, v := range out {
		if v != float64(i) {
			t.Fatalf("output[%d] = %v", i, v)
		}
	}
	checkIDs(t, r.events)
	if want := (items + 1 + maxStepStates - 1) / maxStepStates; len(r.steps) != want {
		t.Fatalf("%d steps, want %d (10,001 states by %d)", len(r.steps), want, maxStepStates)
	}
	next := 0
	for i, step := range r.steps {
		if n := statesEntered(step); n > maxStepStates {
			t.Fatalf("step %d entered %d states", i, n)
		}
		for _, ev := range step.Events {
			if ev.Type == sfn.EventMapIterationStarted {
				if ev.MapIterationStartedEventDetails.Index != next {
					t.Fatalf("iteration %d started where %d was due", ev.MapIterationStartedEventDetails.Index, next)
				}
				next++
			}
		}
	}
}

func TestLargePayloadsCutStepsSooner(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 200<<10)
	p := compile(t, runawayLoop, standardOptions)
	_, r := runSteps(t, p, map[string]any{"blob": big}, 2)
	first := r.steps[0]
	// 64 MiB of output counted twice per state: about 160 states of 200 KiB.
	if n := statesEntered(first); n < 100 || n > 200 {
		t.Fatalf("first step entered %d states with a 200 KiB payload", n)
	}
}

// BenchmarkRunawayLoop runs the loop until the history limit fails it; its allocated
// bytes per execution are what one runaway execution costs (bounded by the limit).
func BenchmarkRunawayLoop(b *testing.B) {
	sm := compile(b, runawayLoop, standardOptions)
	b.ReportAllocs()
	for b.Loop() {
		e, step := sm.Start(testInfo(), map[string]any{})
		for !step.Done {
			var id string
			for _, c := range step.Commands {
				if st, ok := c.(StartTimer); ok {
					id = st.TimerID
				}
			}
			step = e.Handle(TimerFired{TimerID: id}, testStart)
		}
		if e.Result().Status != sfn.StatusFailed {
			b.Fatal(e.Result())
		}
	}
}
