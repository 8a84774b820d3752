package interp

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/sfn"
)

// Redrive, as AWS's RedriveExecution: an execution that ended FAILED, ABORTED or TIMED_OUT
// continues from the state where it stopped, with that state's input, keeping every result
// that succeeded. To make that possible, each frame that ends without success leaves a Resume
// behind (in its parent's fan, or in ExecutionState.Redrive for the top level); all of it is
// in the serializable state, so a restored snapshot can be redriven.

// Resume is where a frame stopped short of success: the state it was in, that state's raw
// input, the frame's variables, and for a Parallel or Map state the fan as it stood, whose
// Results keep the children that succeeded and whose Unfinished says where the others stopped.
type Resume struct {
	State int            // index into Program.states; -1: the frame never entered a state
	Input any            `json:",omitempty"`
	Vars  map[string]any `json:",omitempty"`
	Fan   *Fan           `json:",omitempty"`
	// Child is the child execution the frame ran as (a Distributed Map iteration), so that a
	// redrive continues its history.
	Child *ChildExecution `json:",omitempty"`
}

// NotRedrivableError is returned by Redrive for an execution that cannot be redriven; the API
// answers it with ExecutionNotRedrivable.
type NotRedrivableError struct {
	Status sfn.ExecutionStatus
	Reason string // set when the status alone does not explain it
}

func (err *NotRedrivableError) Error() string {
	if err.Reason != "" {
		return err.Reason
	}
	return fmt.Sprintf("Execution is %s and cannot be redriven", err.Status)
}

// Redrive restarts an execution that ended FAILED, ABORTED or TIMED_OUT, at time now. It
// counts the redrive ($$.Execution.RedriveCount, Result().RedriveCount), writes
// ExecutionRedriven, and re-enters the state where the execution stopped with the raw input
// it had: a Task runs again with fresh retry counters, a Parallel reruns only the branches and
// a Map only the iterations that did not succeed, each from where it stopped. The
// definition's TimeoutSeconds starts over from now. Event ids continue the old history. Any
// other status gives a *NotRedrivableError and changes nothing.
func (e *Execution) Redrive(now time.Time) (Step, error) {
	switch e.s.Status {
	case sfn.StatusFailed, sfn.StatusAborted, sfn.StatusTimedOut:
	default:
		return Step{Done: e.s.Status != sfn.StatusRunning}, &NotRedrivableError{Status: e.s.Status}
	}
	if limit := e.p.opts.MaxHistoryEvents; limit > 0 && e.s.LastEventID >= int64(limit)-1 {
		// AWS redrives only an execution with fewer than 24,999 events: no room is left.
		return Step{Done: true}, &NotRedrivableError{Status: e.s.Status,
			Reason: fmt.Sprintf("Execution cannot be redriven: its history holds %d events, the most an execution may have", e.s.LastEventID)}
	}
	rp := e.s.Redrive
	if rp == nil {
		return Step{Done: true}, &NotRedrivableError{Status: e.s.Status,
			Reason: "Execution cannot be redriven: it ended before redrive was recorded"}
	}
	e.begin(now)
	e.s.Info.RedriveCount++
	e.s.RedriveDate = now
	e.s.Status, e.s.Output, e.s.Error, e.s.Cause = sfn.StatusRunning, nil, "", ""
	e.s.Redrive = nil
	e.s.Waits = map[string]Wait{}
	e.s.Parked, e.s.ContinueTimer = nil, ""
	e.s.StateTimes = nil
	clear(e.frames)
	prev := e.s.LastEventID
	id := e.nextEventID()
	if e.hist {
		e.push(sfn.HistoryEvent{Type: sfn.EventExecutionRedriven, ID: id, PreviousEventID: prev,
			ExecutionRedrivenEventDetails: &sfn.ExecutionRedrivenDetails{RedriveCount: e.s.Info.RedriveCount}})
	}
	root := e.newFrame(nil, 0)
	root.Last = id
	e.s.Root = root
	if e.p.timeoutSeconds > 0 {
		e.startTimer(executionTimeoutTimer, Wait{Frame: root.ID, Kind: waitExecutionTimeout}, afterSeconds(now, e.p.timeoutSeconds))
	}
	if rp.State < 0 {
		e.drive(root, e.enter(root, e.p.root.start, e.s.Input))
	} else {
		e.drive(root, e.resume(root, rp))
	}
	return e.step(), nil
}

// resume re-enters the state a frame stopped in. A Parallel or Map state that had started its
// children restarts only those that did not succeed; every other state runs afresh.
func (e *Execution) resume(f *Frame, rp *Resume) outcome {
	st := e.p.states[rp.State]
	f.Vars = rp.Vars
	fan := rp.Fan
	if fan == nil || (st.typ == asl.TypeMap && st.def.(*asl.Map).ItemReader != nil && fan.Items == nil) {
		return e.enter(f, st, rp.Input)
	}
	e.arrive(f, st, rp.Input)
	total := len(fan.Results)
	redo := fan.unsuccessful()
	fan.Children = map[int]*Frame{}
	fan.Redo = redo
	fan.Parked = false
	fan.Started, fan.Finished = total-len(redo), total-len(redo)
	fan.Failed, fan.Error, fan.Cause, fan.Failures = false, "", "", 0
	fan.LastIteration = 0
	switch {
	case fan.Distributed:
		// The same run goes on: MapRunRedriven, where a first attempt wrote MapRunStarted.
		e.mapStarted(f, total)
		fan.RedriveCount++
		run, rec := e.eventID(f)
		if rec {
			e.push(sfn.HistoryEvent{Type: sfn.EventMapRunRedriven, ID: run, PreviousEventID: f.Last,
				MapRunRedrivenEventDetails: &sfn.MapRunRedrivenDetails{MapRunArn: fan.MapRunARN, RedriveCount: fan.RedriveCount}})
		}
		f.Last, fan.MapRunStarted = run, run
	case fan.Map:
		e.mapStarted(f, total)
	default:
		e.event(f, sfn.EventParallelStateStarted)
	}
	f.Fan = fan
	return e.pump(f, st)
}

func (e *Execution) mapStarted(f *Frame, length int) {
	id, rec := e.eventID(f)
	if rec {
		e.push(sfn.HistoryEvent{Type: sfn.EventMapStateStarted, ID: id, PreviousEventID: f.Last,
			MapStateStartedEventDetails: &sfn.MapStateStartedDetails{Length: length}})
	}
	f.Last = id
}

// recordStop keeps where frame f stopped, as it ends without success: in its parent's fan,
// or for the top level in the execution's state.
func (e *Execution) recordStop(f *Frame) {
	if f == nil {
		return
	}
	rp := e.stopped(f)
	if f.parent == nil {
		e.s.Redrive = rp
		return
	}
	if fan := f.parent.Fan; fan != nil {
		fan.unfinished(f.Index, rp)
	}
}

// stopped describes where a frame stands, with its running children, as a Resume.
func (e *Execution) stopped(f *Frame) *Resume {
	rp := &Resume{State: f.State, Input: f.Input, Vars: f.Vars, Child: f.Child}
	fan := f.Fan
	if fan == nil {
		fan = f.endedFan
	}
	// A fan without a Children map is the stand-in of a state that failed before it started
	// any child: the state simply runs again.
	if fan == nil || fan.Children == nil {
		return rp
	}
	kept := *fan
	kept.Children, kept.pumping = nil, false
	kept.Unfinished = maps.Clone(fan.Unfinished)
	kept.ChildStatus = maps.Clone(fan.ChildStatus)
	for i, child := range fan.Children {
		kept.unfinished(i, e.stopped(child))
		kept.childUnsuccessful(i, sfn.StatusAborted) // stopped with the execution or its state
	}
	rp.Fan = &kept
	return rp
}

// unfinished records that child i ended without success, stopping at rp.
func (fan *Fan) unfinished(i int, rp *Resume) {
	if fan.Unfinished == nil {
		fan.Unfinished = map[int]*Resume{}
	}
	fan.Unfinished[i] = rp
}

// takeResume returns where child i stopped, if a redrive restarts it from there, and forgets it.
func (fan *Fan) takeResume(i int) *Resume {
	rp, ok := fan.Unfinished[i]
	if !ok {
		return nil
	}
	delete(fan.Unfinished, i)
	if rp == nil || rp.State < 0 {
		return nil
	}
	return rp
}

// unsuccessful lists, in order, the children that did not succeed: those that ended without
// success or were stopped, and those never started.
func (fan *Fan) unsuccessful() []int {
	redo := slices.Sorted(maps.Keys(fan.Unfinished))
	if len(fan.Redo) > 0 {
		redo = append(redo, fan.Redo...)
	} else {
		for i := fan.Started; i < len(fan.Results); i++ {
			redo = append(redo, i)
		}
	}
	slices.Sort(redo)
	return slices.Compact(redo)
}
