package interp

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"slices"
	"testing"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/sfn"
)

var testStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func testInfo() ExecutionInfo {
	return ExecutionInfo{
		ExecutionARN:     "arn:aws:states:us-east-1:123456789012:execution:machine:exec",
		ExecutionName:    "exec",
		StateMachineARN:  "arn:aws:states:us-east-1:123456789012:stateMachine:machine",
		StateMachineName: "machine",
		RoleARN:          "arn:aws:iam::123456789012:role/role",
		StartTime:        testStart,
		Seed:             42,
	}
}

// compile parses and compiles a definition, failing the test on any problem.
func compile(t testing.TB, definition string, opts Options) *Program {
	t.Helper()
	sm, diags := asl.Parse([]byte(definition), asl.ParseOptions{})
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	p, err := Compile(sm, opts)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

func decode(t testing.TB, s string) any {
	t.Helper()
	v, err := jsonvalue.Decode([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

// taskFunc answers an InvokeTask: with an event, or nil to leave the task running.
type taskFunc func(InvokeTask) Event

// driver runs executions to completion on virtual time: timers fire as soon as nothing else
// is pending, tasks are answered by a func.
type driver struct {
	tasks   taskFunc
	now     time.Time
	events  []sfn.HistoryEvent
	pending []Event
	timers  []StartTimer
	invoked []InvokeTask
	// stopAfter, when > 0, snapshots and restores the execution after that many Handle calls.
	restoreAfter int
	handled      int
	program      *Program
	t            testing.TB
	children     childLogs
}

func (d *driver) apply(step Step) {
	d.events = append(d.events, step.Events...)
	d.children.add(step)
	for _, c := range step.Commands {
		switch c := c.(type) {
		case InvokeTask:
			d.invoked = append(d.invoked, c)
			if d.tasks != nil {
				if ev := d.tasks(c); ev != nil {
					d.pending = append(d.pending, ev)
				}
			}
		case StartTimer:
			d.timers = append(d.timers, c)
		case CancelTimer:
			d.timers = slices.DeleteFunc(d.timers, func(s StartTimer) bool { return s.TimerID == c.TimerID })
		case CancelTask:
			d.pending = slices.DeleteFunc(d.pending, func(ev Event) bool {
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

// run starts an execution and drives it until it ends or nothing can happen any more.
func (d *driver) run(p *Program, input any) *Execution {
	d.program = p
	d.now = testStart
	info := testInfo()
	e, step := p.Start(info, input)
	return d.loop(e, step)
}

// loop applies a step and drives the execution on until it ends or nothing can happen any more.
func (d *driver) loop(e *Execution, step Step) *Execution {
	p := d.program
	d.apply(step)
	for !step.Done {
		var ev Event
		switch {
		case len(d.pending) > 0:
			ev = d.pending[0]
			d.pending = d.pending[1:]
		case len(d.timers) > 0:
			next := 0
			for i, tm := range d.timers {
				if tm.FireAt.Before(d.timers[next].FireAt) {
					next = i
				}
			}
			tm := d.timers[next]
			d.timers = slices.Delete(d.timers, next, next+1)
			if tm.FireAt.After(d.now) {
				d.now = tm.FireAt
			}
			ev = TimerFired{TimerID: tm.TimerID}
		default:
			return e
		}
		step = e.Handle(ev, d.now)
		d.apply(step)
		d.handled++
		if d.restoreAfter > 0 && d.handled == d.restoreAfter {
			snap, err := e.Snapshot()
			if err != nil {
				d.t.Fatalf("snapshot: %v", err)
			}
			if e, err = p.Restore(snap); err != nil {
				d.t.Fatalf("restore: %v", err)
			}
		}
	}
	return e
}

// succeedWith answers every task with its own input, or with a fixed output.
func echoTasks(inv InvokeTask) Event {
	return TaskSucceeded{TaskID: inv.TaskID, Output: inv.Input}
}
