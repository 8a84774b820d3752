package interp

import (
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// On AWS each iteration of a Distributed Map is a child workflow execution with an ARN of its
// own, listed by ListExecutions(mapRunArn) and described like any execution; a STANDARD child
// has its own history and its own 25,000-event quota. Here an iteration still runs as a frame
// of its parent's interpreter (so the parent's history and speed stay as they were), but the
// frame that starts it carries a ChildExecution: its identity and its event numbering. Events
// of the frames under it go to that child's history instead of being dropped, and every step
// reports, in Step.Children, what changed for each child it touched, for the engine to store
// with the parent's step.
//
// Only the children of a Distributed Map that runs in a visible execution are child
// executions: a Distributed Map nested inside a child runs its own iterations silently, as
// before (their map run is not visible either).

// ChildExecution is the identity and event numbering of a Distributed Map child execution, kept
// in the frame that runs it (and in its Resume once it ended without success, so that a
// redrive continues its history).
//
// Every running child's is in each snapshot the parent writes, so what its fan and index say
// (ARN, run, index, item count) is left out of it and filled in again (see identify).
type ChildExecution struct {
	ARN          string `json:"-"`
	Name         string
	MapRunARN    string    `json:"-"`
	Index        int       `json:"-"`
	ItemCount    int64     `json:"-"` // the items it processes: 1, or its batch's
	Express      bool      `json:",omitempty"`
	Start        time.Time `json:",omitzero"`
	LastEventID  int64
	RedriveCount int       `json:",omitempty"`
	RedriveDate  time.Time `json:",omitzero"`
	// Full: the next event would reach the history quota; the child fails with States.Runtime
	// before the step ends (see settleFullChildren).
	Full  bool `json:",omitempty"`
	Ended bool `json:",omitempty"`

	stateMachineARN string // filled in with ARN (see identify)
}

// ChildExecutionStep is what one step did to one child execution: the child's status fields as
// they now stand and the history events it wrote in the step (ids continue its own history).
type ChildExecutionStep struct {
	ARN, Name       string
	MapRunARN       string
	StateMachineARN string // the map run's labelled machine: arn:...:stateMachine:MACHINE/LABEL
	Index           int
	ItemCount       int64
	Express         bool
	// Started: the child started in this step (Input and Start are its first values).
	// Redriven: a redrive of the map run started it again (RedriveDate is now).
	Started, Redriven bool
	Input             any
	Start             time.Time
	Status            sfn.ExecutionStatus
	Output            any
	Error, Cause      string
	Stop              time.Time
	RedriveCount      int
	RedriveDate       time.Time
	Events            []sfn.HistoryEvent
}

// childEventID numbers the next event of the child execution whose root frame is c, and makes
// push deliver it to that child. A child whose history is full records nothing more.
func (e *Execution) childEventID(c *Frame) (int64, bool) {
	ch := c.Child
	if ch.Full || ch.Ended {
		return ch.LastEventID, false
	}
	if limit := e.p.opts.MaxHistoryEvents; limit > 0 && !ch.Express && ch.LastEventID+1 >= int64(limit) {
		ch.Full = true
		e.fullChildren = append(e.fullChildren, c)
		return ch.LastEventID, false
	}
	ch.LastEventID++
	e.sink = e.childStep(c)
	return ch.LastEventID, true
}

// childStep is the report of this step for the child execution whose root frame is c.
func (e *Execution) childStep(c *Frame) *ChildExecutionStep {
	ch := c.Child
	if s, ok := e.childSteps[ch.ARN]; ok {
		return s
	}
	s := &ChildExecutionStep{ARN: ch.ARN, Name: ch.Name, MapRunARN: ch.MapRunARN, StateMachineARN: ch.stateMachineARN,
		Index: ch.Index, ItemCount: ch.ItemCount, Express: ch.Express, Start: ch.Start, Status: sfn.StatusRunning, RedriveCount: ch.RedriveCount,
		RedriveDate: ch.RedriveDate}
	if e.childSteps == nil {
		e.childSteps = map[string]*ChildExecutionStep{}
	}
	e.childSteps[ch.ARN] = s
	e.childOrder = append(e.childOrder, s)
	return s
}

// childReports copies this step's child reports out, in the order the children were touched.
func (e *Execution) childReports() []ChildExecutionStep {
	if len(e.childOrder) == 0 {
		return nil
	}
	out := make([]ChildExecutionStep, len(e.childOrder))
	for i, s := range e.childOrder {
		out[i] = *s
	}
	return out
}

// startChildExecution makes the new frame child of a Distributed Map the root of a child
// execution and writes its first event: ExecutionStarted, or ExecutionRedriven when a redrive
// starts a STANDARD child again (it keeps its ARN and history, as AWS redrives it). An EXPRESS
// child started again by a redrive is a new execution, as AWS starts it with StartExecution.
func (e *Execution) startChildExecution(f, child *Frame, fan *Fan, express bool, name string, prev *ChildExecution, input any) {
	if prev != nil && !express {
		ch := *prev
		fan.identify(&ch, child.Index)
		ch.RedriveCount++
		ch.RedriveDate = e.now
		ch.Full, ch.Ended = false, false
		child.Child, child.owner = &ch, child
		s := e.childStep(child)
		s.Redriven = true
		prevID := ch.LastEventID
		if id, rec := e.childEventID(child); rec {
			e.push(sfn.HistoryEvent{Type: sfn.EventExecutionRedriven, ID: id, PreviousEventID: prevID,
				ExecutionRedrivenEventDetails: &sfn.ExecutionRedrivenDetails{RedriveCount: ch.RedriveCount}})
		}
		child.Last = ch.LastEventID
		return
	}
	if name == "" {
		name = childName(fan.MapRunARN, child.Index, fan.RedriveCount)
	}
	ch := &ChildExecution{Name: name, Express: express, Start: e.now}
	fan.identify(ch, child.Index)
	child.Child, child.owner = ch, child
	s := e.childStep(child)
	s.Started, s.Input = true, input
	if id, rec := e.childEventID(child); rec {
		e.push(sfn.HistoryEvent{Type: sfn.EventExecutionStarted, ID: id, ExecutionStartedEventDetails: &sfn.ExecutionStartedDetails{
			Input: payload(input), InputDetails: notTruncated, RoleArn: e.s.Info.RoleARN}})
	}
	child.Last = ch.LastEventID
}

// childExecutionEnded writes the event that ends the child execution whose root frame is c, and
// reports its end. Only the first end counts.
func (e *Execution) childExecutionEnded(c *Frame, status sfn.ExecutionStatus, output any, errName, cause string) {
	ch := c.Child
	if ch == nil || ch.Ended {
		return
	}
	ch.Ended = true
	ch.LastEventID++
	id := ch.LastEventID
	s := e.childStep(c)
	s.Status, s.Stop = status, e.now
	ev := sfn.HistoryEvent{ID: id, PreviousEventID: c.Last, Timestamp: e.now}
	switch status {
	case sfn.StatusSucceeded:
		s.Output = output
		ev.Type = sfn.EventExecutionSucceeded
		ev.ExecutionSucceededEventDetails = &sfn.OutputDetails{Output: payload(output), OutputDetails: notTruncated}
	case sfn.StatusFailed:
		s.Error, s.Cause = errName, cause
		ev.Type = sfn.EventExecutionFailed
		ev.ExecutionFailedEventDetails = &sfn.ErrorDetails{Error: errName, Cause: cause}
	case sfn.StatusTimedOut:
		s.Error, s.Cause = errName, cause
		ev.Type, ev.PreviousEventID = sfn.EventExecutionTimedOut, id-1
		ev.ExecutionTimedOutEventDetails = &sfn.ErrorDetails{Error: errName, Cause: cause}
	default:
		s.Error, s.Cause = errName, cause
		ev.Type, ev.PreviousEventID = sfn.EventExecutionAborted, id-1
		ev.ExecutionAbortedEventDetails = &sfn.ErrorDetails{Error: errName, Cause: cause}
	}
	if e.hist {
		s.Events = append(s.Events, ev)
	}
}

// childOutcomeEnded ends a child execution as its frame's outcome says.
func (e *Execution) childOutcomeEnded(c *Frame, oc outcome) {
	switch {
	case oc.kind == outSucceeded:
		e.childExecutionEnded(c, sfn.StatusSucceeded, oc.value, "", "")
	case oc.timedOut:
		e.childExecutionEnded(c, sfn.StatusTimedOut, nil, oc.err, oc.cause)
	case oc.aborted:
		e.childExecutionEnded(c, sfn.StatusAborted, nil, oc.stopErr, oc.stopCause)
	default:
		e.childExecutionEnded(c, sfn.StatusFailed, nil, oc.err, oc.cause)
	}
}

// settleFullChildren fails each child execution whose history filled up during the step, as
// the parent's own quota fails the parent (States.Runtime, AWS's cause): what it was doing is
// withdrawn, and its Map counts the failure. The child's own failure does not fail the parent
// unless its Map fails for it.
func (e *Execution) settleFullChildren() {
	for len(e.fullChildren) > 0 && e.running() {
		c := e.fullChildren[0]
		e.fullChildren = e.fullChildren[1:]
		if e.frames[c.ID] != c || c.Child.Ended {
			continue
		}
		parent := c.parent
		if parent == nil || parent.Fan == nil || parent.Fan.Children[c.Index] != c {
			continue
		}
		e.abortFrame(c)
		e.finish(c, outcome{kind: outFailed, err: sfn.ErrorRuntime, cause: sfn.HistoryLimitCause(e.p.opts.MaxHistoryEvents)})
	}
	e.fullChildren = nil
}

// abortRunningChildren ends as ABORTED every child execution still running under frame f, in
// frame order, when the parent ends from outside.
func (e *Execution) abortRunningChildren(fan *Fan) {
	for _, i := range sortedChildren(fan) {
		child := fan.Children[i]
		if child.Child != nil {
			e.childExecutionEnded(child, sfn.StatusAborted, nil, "", "")
		}
	}
}

// childName names child i of a map run: a UUID derived from the run's ARN, the index and, for
// an EXPRESS child started again, the run's redrive count. Deriving it keeps the execution's
// random sequence (task tokens, States.UUID, jitter) what it was before children had names.
func childName(mapRunARN string, index, redrive int) string {
	h := fnv.New64a()
	h.Write([]byte(mapRunARN))
	h.Write([]byte{0})
	h.Write(strconv.AppendInt(nil, int64(index), 10))
	if redrive > 0 {
		h.Write([]byte{0})
		h.Write(strconv.AppendInt(nil, int64(redrive), 10))
	}
	seed := h.Sum64()
	return randomUUID(&seed)
}

// childExecutionARN names a child of the run arn:P:states:R:A:mapRun:MACHINE/LABEL:ID:
// arn:P:states:R:A:execution:MACHINE/LABEL:NAME, as AWS names them.
func childExecutionARN(mapRunARN, name string) string {
	base := mapRunARN[:max(strings.LastIndex(mapRunARN, ":"), 0)]
	return strings.Replace(base, ":mapRun:", ":execution:", 1) + ":" + name
}

// childStateMachineARN is the labelled state machine a run's children belong to:
// arn:P:states:R:A:stateMachine:MACHINE/LABEL.
func childStateMachineARN(mapRunARN string) string {
	base := mapRunARN[:max(strings.LastIndex(mapRunARN, ":"), 0)]
	return strings.Replace(base, ":mapRun:", ":stateMachine:", 1)
}

// RunningChild says whether the execution runs the child execution arn now.
func (e *Execution) RunningChild(arn string) bool {
	return e.running() && e.childFrame(arn) != nil
}

// childFrame finds the root frame of the running child execution arn.
func (e *Execution) childFrame(arn string) *Frame {
	for _, f := range e.frames {
		if f.Child != nil && f.Child.ARN == arn && !f.Child.Ended {
			return f
		}
	}
	return nil
}

// stopChild aborts a running child execution as StopExecution of its ARN asks: what it was
// doing is withdrawn, its history ends with ExecutionAborted (the error and cause given), and
// its Map counts a failed iteration (DescribeMapRun an aborted child). Unless tolerated, the
// Map fails with the error given, or States.BranchFailed without one.
func (e *Execution) stopChild(ev ChildStopRequested) {
	c := e.childFrame(ev.ChildARN)
	if c == nil {
		return
	}
	errName := ev.Error
	if errName == "" {
		errName = sfn.ErrorBranchFailed
	}
	e.abortFrame(c)
	e.finish(c, outcome{kind: outFailed, err: errName, cause: ev.Cause, aborted: true, stopErr: ev.Error, stopCause: ev.Cause})
}

// identify fills in what child index of the fan's run is, from its name.
func (fan *Fan) identify(ch *ChildExecution, index int) {
	if fan.childMachine == "" {
		fan.childPrefix, fan.childMachine = childExecutionARN(fan.MapRunARN, ""), childStateMachineARN(fan.MapRunARN)
	}
	ch.MapRunARN, ch.Index, ch.ItemCount = fan.MapRunARN, index, fan.batchSize(index)
	ch.ARN, ch.stateMachineARN = fan.childPrefix+ch.Name, fan.childMachine
}
