package interp

import (
	"slices"
	"time"

	"github.com/stepflow/stepflow/jsonata"
	"github.com/stepflow/stepflow/sfn"
)

// ExecutionInfo names an execution and seeds its randomness.
type ExecutionInfo struct {
	ExecutionARN, ExecutionName, StateMachineARN, StateMachineName, RoleARN string
	StartTime                                                               time.Time
	// Seed seeds the execution's deterministic random numbers (retry jitter, States.MathRandom,
	// States.UUID, task tokens).
	Seed         uint64
	RedriveCount int
}

// Step is what one call to Start or Handle produced.
type Step struct {
	Events   []sfn.HistoryEvent // new history events, ids continuing the execution's sequence
	Commands []Command
	Done     bool // the execution ended: see Execution.Result
	// Changed says the state changed even if the step has no events or commands (an
	// UpdateMapRun that only lowered a limit): a durable engine must still save it.
	Changed bool
	// Children reports the Distributed Map child executions the step started, advanced or
	// ended, each with its own new history events (see ChildExecution).
	Children []ChildExecutionStep
}

// Result is how an execution ended (Status RUNNING while it has not).
type Result struct {
	Status       sfn.ExecutionStatus
	Output       any
	Error, Cause string
	RedriveCount int // how many times the execution was redriven
}

// Execution is one running execution of a Program. It is not safe for concurrent use: the
// engine hands it one event at a time.
type Execution struct {
	p      *Program
	s      ExecutionState
	frames map[int]*Frame // every live frame by ID; rebuilt by Restore

	hist      bool
	now       time.Time
	events    []sfn.HistoryEvent   // the current chunk of this step's events
	full      [][]sfn.HistoryEvent // earlier chunks, when a step writes many events
	commands  []Command
	random    func() float64 // the generator bound to this execution, for intrinsics
	uuid      func() string
	functions map[string]jsonata.Function
	sizes     sizer // remembers the sizes of large payload parts between states
	changed   bool  // see Step.Changed
	// What this step did so far, against the bounds that make it yield (see maxStepStates).
	stepStates  int
	stepPayload int
	// The child executions this step touched (see ChildExecution); sink is the one the next
	// pushed event belongs to (nil: the execution's own history).
	childSteps   map[string]*ChildExecutionStep
	childOrder   []*ChildExecutionStep
	sink         *ChildExecutionStep
	fullChildren []*Frame
}

// ExecutionState is the whole state of an execution, JSON-encodable for the durable store.
type ExecutionState struct {
	Info        ExecutionInfo
	Input       any
	Status      sfn.ExecutionStatus
	Output      any    `json:",omitempty"`
	Error       string `json:",omitempty"`
	Cause       string `json:",omitempty"`
	LastEventID int64
	Random      uint64 // splitmix64 state
	Counter     int64  // source of frame, task and timer ids
	Root        *Frame
	// Waits maps every outstanding task and timer id to what waits for it.
	Waits map[string]Wait
	// Redrive is where an execution that ended FAILED, ABORTED or TIMED_OUT stopped, for
	// Execution.Redrive; RedriveDate is when it was last redriven.
	Redrive     *Resume   `json:",omitempty"`
	RedriveDate time.Time `json:",omitzero"`
	// MapRuns keeps the Distributed Map runs that ended, oldest first (see MapRun).
	MapRuns []MapRunSummary `json:",omitempty"`
	// Parked lists, in order, the frames that stopped only because a step reached its bounds
	// (see maxStepStates); ContinueTimer is the timer, due at once, whose firing resumes them.
	Parked        []int  `json:",omitempty"`
	ContinueTimer string `json:",omitempty"`
	// StateTimes sums, by state name, the time from each StateEntered to its StateExited
	// during this run (a redrive starts afresh), measured on the step times the engine gives:
	// the engine hands it to the store's performance rollups when the execution ends.
	StateTimes map[string]StateTime `json:",omitempty"`
}

// StateTime is the time spent in one state over Runs visits.
type StateTime struct {
	Runs  int64
	Total time.Duration
	Max   time.Duration
}

// Wait is an outstanding task or timer: the frame waiting and why.
type Wait struct {
	Frame int
	Kind  string
}

// The reasons a frame waits.
const (
	waitTask             = "task"
	waitTaskTimeout      = "task-timeout"
	waitHeartbeat        = "heartbeat"
	waitChildTimeout     = "express-child-timeout"
	waitState            = "wait"
	waitRetry            = "retry"
	waitExecutionTimeout = "execution-timeout"
	waitContinue         = "continue"
)

const executionTimeoutTimer = "execution-timeout"

// Frame is one thread of control: the top level, a Parallel branch or a Map iteration. It is
// at one state at a time.
type Frame struct {
	ID             int
	Index          int // branch or iteration index
	State          int // index into Program.states; -1 once the frame ended
	Input          any // the state's raw input
	Effective      any `json:",omitempty"` // effective input kept while the state waits
	EnteredEventID int64
	EnteredPrev    int64 // previousEventId of the Entered event
	EnteredTime    time.Time
	Last           int64          // id of the frame's latest event: the next event's previousEventId
	Vars           map[string]any `json:",omitempty"`
	RetryCount     int
	RetryAttempts  []int `json:",omitempty"`

	TaskID           string `json:",omitempty"`
	TaskToken        string `json:",omitempty"`
	TaskTimerID      string `json:",omitempty"`
	HeartbeatTimerID string `json:",omitempty"`
	HeartbeatSeconds int64  `json:",omitempty"`
	AwaitingWorker   bool   `json:",omitempty"` // an activity task no worker has taken yet
	TimerID          string `json:",omitempty"`
	// ChildTimerID times a Distributed Map's EXPRESS child out (see Options.ExpressChildTimeLimit).
	ChildTimerID string `json:",omitempty"`
	Fan          *Fan   `json:",omitempty"`
	// Silent frames write nothing to the execution's history: Distributed Map iterations,
	// child executions on AWS. Child makes the frame the root of such a child execution,
	// which has a history of its own.
	Silent bool            `json:",omitempty"`
	Child  *ChildExecution `json:",omitempty"`
	// Parked: the frame is to enter State with Input when the execution continues (see
	// ExecutionState.Parked); it has not entered it yet.
	Parked bool `json:",omitempty"`

	parent *Frame
	// owner is the root frame of the child execution the frame runs in (nil outside one).
	owner *Frame
	// endedFan is the fan of the Parallel or Map state the frame is failing in, kept from the
	// moment the state drops it until the frame ends, so that a redrive can rerun only the
	// children that did not succeed.
	endedFan  *Fan
	variables func(string) (any, bool) // lookupVariable bound to this frame, for intrinsics
}

// Fan is a Parallel or Map state's running children.
type Fan struct {
	Map            bool
	Input          any   // Parallel: every branch's input; Map: the effective input ItemSelector reads
	Items          []any // Map: the items (or batches)
	Results        []any
	Started        int
	Finished       int
	Max            int // 0 = no limit
	ToleratedCount int64
	ToleratedPct   float64
	Failures       int
	Children       map[int]*Frame // running children by index
	Failed         bool
	Error          string `json:",omitempty"`
	Cause          string `json:",omitempty"`
	LastIteration  int64  // id of the latest MapIteration* event
	Distributed    bool   // a Distributed Map: iterations are silent, MapRun* events instead
	MapRunStarted  int64  // id of the MapRunStarted event
	MapRunARN      string `json:",omitempty"` // kept when a ResultWriter needs it
	// Batched: a Distributed Map's children each process a batch of items.
	Batched bool `json:",omitempty"`
	// ChildStatus says, in a Distributed Map, how each child that ended without success ended
	// (a child execution's FAILED, ABORTED or TIMED_OUT) until a redrive starts it again: the
	// run's counts read it, and the children a redrive has yet to start again are its
	// pendingRedrive.
	ChildStatus map[int]sfn.ExecutionStatus `json:",omitempty"`
	// RedriveCount counts the redrives of a Distributed Map run, as its MapRunRedriven says.
	RedriveCount int `json:",omitempty"`
	// Writer: a ResultWriter exports the iterations once they all ended; Runs records them.
	Writer bool       `json:",omitempty"`
	Runs   []ChildRun `json:",omitempty"`
	// Unfinished holds where each child that ended without success stopped (nil: it never
	// entered a state), for a redrive; a redriven fan takes its entries as it restarts them.
	Unfinished map[int]*Resume `json:",omitempty"`
	// Redo lists, in a redriven fan, the children still to restart, in order.
	Redo []int `json:",omitempty"`
	// Parked: the fan has children left to start when the execution continues.
	Parked bool `json:",omitempty"`

	pumping bool
	// What the ARNs of a Distributed Map's children derive from MapRunARN, derived once
	// rather than for every child and step (see identify).
	childPrefix, childMachine string
}

// Start begins an execution of the program with the given input.
func (p *Program) Start(info ExecutionInfo, input any) (*Execution, Step) {
	e := &Execution{p: p, frames: map[int]*Frame{}, hist: p.opts.History}
	e.s = ExecutionState{Info: info, Input: input, Status: sfn.StatusRunning, Random: info.Seed, Waits: map[string]Wait{}}
	e.begin(info.StartTime)
	id := e.nextEventID()
	if e.hist {
		e.push(sfn.HistoryEvent{Type: sfn.EventExecutionStarted, ID: id, ExecutionStartedEventDetails: &sfn.ExecutionStartedDetails{
			Input: payload(input), InputDetails: notTruncated, RoleArn: info.RoleARN,
		}})
	}
	root := e.newFrame(nil, 0)
	e.s.Root = root
	if p.timeoutSeconds > 0 {
		e.startTimer(executionTimeoutTimer, Wait{Frame: root.ID, Kind: waitExecutionTimeout}, afterSeconds(info.StartTime, p.timeoutSeconds))
	}
	if exceedsSize(input, p.opts.PayloadLimit) {
		err := dataLimitErrorFor(p.root.start, input)
		e.finish(root, outcome{kind: outFailed, err: err.name, cause: err.cause})
		return e, e.step()
	}
	e.drive(root, e.enter(root, p.root.start, input))
	return e, e.step()
}

// Handle applies one event at time now and returns what it produced. Events for tasks or
// timers the execution no longer waits for are ignored.
func (e *Execution) Handle(ev Event, now time.Time) Step {
	if e.s.Status != sfn.StatusRunning {
		return Step{Done: true}
	}
	e.begin(now)
	switch ev := ev.(type) {
	case TaskSucceeded:
		if f := e.waiting(ev.TaskID, waitTask); f != nil {
			e.drive(f, e.taskSucceeded(f, ev.Output))
		} else if f, kind := e.mapIOWaiting(ev.TaskID); f != nil {
			e.drive(f, e.mapIOSucceeded(f, kind, ev.Output))
		}
	case TaskFailed:
		if f := e.waiting(ev.TaskID, waitTask); f != nil {
			e.drive(f, e.taskFailed(f, ev.Error, ev.Cause, false))
		} else if f, kind := e.mapIOWaiting(ev.TaskID); f != nil {
			e.drive(f, e.mapIOFailed(f, kind, ev.Cause))
		}
	case TaskHeartbeat:
		if f := e.taskFrame(ev.TaskID); f != nil && f.HeartbeatTimerID != "" {
			e.cancelTimer(f.HeartbeatTimerID)
			f.HeartbeatTimerID = e.newTimer(f, waitHeartbeat, afterSeconds(now, f.HeartbeatSeconds))
		}
	case TaskStarted:
		if f := e.taskFrame(ev.TaskID); f != nil {
			e.activityStarted(f, ev.WorkerName)
		}
	case TaskSubmitted:
		if f := e.taskFrame(ev.TaskID); f != nil {
			e.taskSubmitted(f, ev.Output)
		}
	case TimerFired:
		e.timerFired(ev.TimerID)
	case StopRequested:
		e.abort(ev.Error, ev.Cause)
	case MapRunUpdate:
		e.updateMapRun(ev)
	case ChildStopRequested:
		e.stopChild(ev)
	}
	return e.step()
}

// Result reports how the execution ended, or Status RUNNING.
func (e *Execution) Result() Result {
	return Result{Status: e.s.Status, Output: e.s.Output, Error: e.s.Error, Cause: e.s.Cause, RedriveCount: e.s.Info.RedriveCount}
}

// State returns the execution's state; treat it as read-only.
func (e *Execution) State() *ExecutionState { return &e.s }

func (e *Execution) begin(now time.Time) {
	e.now = now
	e.events = nil
	e.full = nil
	e.commands = nil
	e.changed = false
	e.stepStates, e.stepPayload = 0, 0
	e.childSteps, e.childOrder, e.sink, e.fullChildren = nil, nil, nil, nil
}

func (e *Execution) running() bool { return e.s.Status == sfn.StatusRunning }

func (e *Execution) step() Step {
	e.settleFullChildren()
	events := e.events
	if len(e.full) > 0 {
		n := len(e.events)
		for _, chunk := range e.full {
			n += len(chunk)
		}
		events = make([]sfn.HistoryEvent, 0, n)
		for _, chunk := range e.full {
			events = append(events, chunk...)
		}
		events = append(events, e.events...)
		e.full = nil
	}
	return Step{Events: events, Commands: e.commands, Done: e.s.Status != sfn.StatusRunning, Changed: e.changed, Children: e.childReports()}
}

// eventID numbers the next event of frame f and says whether to record it. A silent frame
// (an iteration of a Distributed Map) writes nothing to the execution's history: its events
// go to its child execution's (see childEventID), or nowhere in a run nested in a child.
func (e *Execution) eventID(f *Frame) (int64, bool) {
	if f.Silent {
		if f.owner == nil || !e.hist {
			return f.Last, false
		}
		return e.childEventID(f.owner)
	}
	e.sink = nil
	if limit := e.p.opts.MaxHistoryEvents; limit > 0 && e.s.LastEventID+1 >= int64(limit) {
		e.historyFull()
		return e.s.LastEventID, false
	}
	e.s.LastEventID++
	return e.s.LastEventID, e.hist
}

// historyFull ends the execution whose next event would be the last its history may hold:
// that event is ExecutionFailed instead (AWS's hard quota of 25,000 events). Only the events
// that end the execution (ExecutionSucceeded, and those that end it from outside) take
// their number without this check. The state that was running stops where it stood: it
// neither writes events nor starts tasks or timers any more (see running).
func (e *Execution) historyFull() {
	if !e.running() {
		return
	}
	limit := e.p.opts.MaxHistoryEvents
	e.recordStop(e.s.Root)
	prev := e.s.LastEventID
	id := e.nextEventID()
	e.s.Status, e.s.Error, e.s.Cause = sfn.StatusFailed, sfn.ErrorRuntime, sfn.HistoryLimitCause(limit)
	if e.hist {
		e.push(sfn.HistoryEvent{Type: sfn.EventExecutionFailed, ID: id, PreviousEventID: prev,
			ExecutionFailedEventDetails: &sfn.ErrorDetails{Error: e.s.Error, Cause: e.s.Cause}})
	}
	e.cancelAll()
}

func (e *Execution) nextEventID() int64 {
	e.sink = nil
	e.s.LastEventID++
	return e.s.LastEventID
}

// push records an event built by the caller (only when History is on), stamping its time.
// Events are gathered in chunks of bounded size, copied once into the Step, because one step
// of a large Map writes tens of thousands of these large structs.
func (e *Execution) push(ev sfn.HistoryEvent) {
	ev.Timestamp = e.now
	if e.sink != nil {
		e.sink.Events = append(e.sink.Events, ev)
		return
	}
	if e.events == nil {
		// Most steps record a handful of events: one allocation instead of growing 1, 2, 4, 8.
		e.events = make([]sfn.HistoryEvent, 0, firstEvents)
	}
	if len(e.events) == cap(e.events) && len(e.events) >= eventChunk {
		e.full = append(e.full, e.events)
		e.events = make([]sfn.HistoryEvent, 0, eventChunk)
	}
	e.events = append(e.events, ev)
}

const (
	eventChunk  = 512
	firstEvents = 8
)

// event appends a detail-less event for frame f and makes it f's latest.
func (e *Execution) event(f *Frame, t sfn.EventType) int64 {
	id, rec := e.eventID(f)
	if rec {
		e.push(sfn.HistoryEvent{Type: t, ID: id, PreviousEventID: f.Last})
	}
	f.Last = id
	return id
}

func (e *Execution) newFrame(parent *Frame, index int) *Frame {
	e.s.Counter++
	f := &Frame{ID: int(e.s.Counter), Index: index, State: -1, parent: parent}
	if parent != nil {
		f.Silent, f.owner = parent.Silent, parent.owner
	}
	e.frames[f.ID] = f
	return f
}

func (e *Execution) newID(prefix string) string {
	e.s.Counter++
	return prefix + itoa(e.s.Counter)
}

func (e *Execution) startTimer(id string, w Wait, at time.Time) {
	if !e.running() {
		return // the history filled up while the state ran
	}
	e.s.Waits[id] = w
	e.commands = append(e.commands, StartTimer{TimerID: id, FireAt: at})
}

func (e *Execution) newTimer(f *Frame, kind string, at time.Time) string {
	id := e.newID("timer-")
	e.startTimer(id, Wait{Frame: f.ID, Kind: kind}, at)
	return id
}

func (e *Execution) cancelTimer(id string) {
	if id == "" {
		return
	}
	if _, ok := e.s.Waits[id]; ok {
		delete(e.s.Waits, id)
		e.commands = append(e.commands, CancelTimer{TimerID: id})
	}
}

func (e *Execution) cancelTask(id string) {
	if id == "" {
		return
	}
	if _, ok := e.s.Waits[id]; ok {
		delete(e.s.Waits, id)
		e.commands = append(e.commands, CancelTask{TaskID: id})
	}
}

// taskFrame returns the frame whose task is id, leaving it waiting.
func (e *Execution) taskFrame(id string) *Frame {
	if w, ok := e.s.Waits[id]; ok && w.Kind == waitTask {
		return e.frames[w.Frame]
	}
	return nil
}

// waiting returns the frame waiting for id for the given reason, removing the wait.
func (e *Execution) waiting(id, kind string) *Frame {
	w, ok := e.s.Waits[id]
	if !ok || w.Kind != kind {
		return nil
	}
	delete(e.s.Waits, id)
	return e.frames[w.Frame]
}

func (e *Execution) timerFired(id string) {
	w, ok := e.s.Waits[id]
	if !ok {
		return
	}
	delete(e.s.Waits, id)
	switch w.Kind {
	case waitExecutionTimeout:
		e.timeOut()
		return
	case waitContinue:
		e.s.ContinueTimer = ""
		e.continueParked()
		return
	}
	f := e.frames[w.Frame]
	if f == nil {
		return
	}
	switch w.Kind {
	case waitState:
		f.TimerID = ""
		e.drive(f, e.waitElapsed(f))
	case waitRetry:
		f.TimerID = ""
		e.drive(f, e.execute(f, e.p.states[f.State]))
	case waitTaskTimeout:
		f.TaskTimerID = ""
		e.drive(f, e.taskFailed(f, sfn.ErrorTimeout, "", true))
	case waitHeartbeat:
		f.HeartbeatTimerID = ""
		e.drive(f, e.taskFailed(f, sfn.ErrorHeartbeatTimeout, "", true))
	case waitChildTimeout:
		f.ChildTimerID = ""
		e.childTimedOut(f)
	}
}

// outcome is what running a state led to.
type outcome struct {
	kind  int
	next  *state // outNext
	value any    // outNext: the next state's input; outSucceeded: the frame's output
	err   string // outFailed
	cause string
	// timedOut: a Distributed Map child that ran out of time (a TIMED_OUT child execution);
	// aborted: one stopped by StopExecution (an ABORTED child execution).
	timedOut, aborted bool
	// stopErr and stopCause are what StopExecution gave an aborted child.
	stopErr, stopCause string
}

const (
	outBlocked = iota
	outNext
	outSucceeded
	outFailed
)

func failed(err *stateError) outcome {
	return outcome{kind: outFailed, err: err.name, cause: err.cause}
}

// drive runs frame f through states until it waits or ends, or the step reached its bounds
// (then f is parked before its next state), or the execution ended meanwhile.
func (e *Execution) drive(f *Frame, oc outcome) {
	for e.running() {
		if f.owner != nil && f.owner.Child.Full {
			return // its child execution fails as the step ends (settleFullChildren)
		}
		switch oc.kind {
		case outNext:
			if e.stepFull() {
				e.park(f, oc.next, oc.value)
				return
			}
			oc = e.enter(f, oc.next, oc.value)
		case outBlocked:
			return
		default:
			e.finish(f, oc)
			return
		}
	}
}

// finish ends frame f: the execution when f is the top level, else a branch or iteration.
func (e *Execution) finish(f *Frame, oc outcome) {
	if oc.kind != outSucceeded {
		e.recordStop(f)
	}
	f.State = -1
	delete(e.frames, f.ID)
	if f.parent != nil {
		e.childEnded(f.parent, f, oc)
		return
	}
	id := e.nextEventID()
	switch oc.kind {
	case outSucceeded:
		e.s.Status, e.s.Output = sfn.StatusSucceeded, oc.value
		if e.hist {
			e.push(sfn.HistoryEvent{Type: sfn.EventExecutionSucceeded, ID: id, PreviousEventID: f.Last,
				ExecutionSucceededEventDetails: &sfn.OutputDetails{Output: payload(oc.value), OutputDetails: notTruncated}})
		}
	default:
		e.s.Status, e.s.Error, e.s.Cause = sfn.StatusFailed, oc.err, oc.cause
		if e.hist {
			e.push(sfn.HistoryEvent{Type: sfn.EventExecutionFailed, ID: id, PreviousEventID: f.Last,
				ExecutionFailedEventDetails: &sfn.ErrorDetails{Error: oc.err, Cause: oc.cause}})
		}
	}
	e.cancelAll()
}

// cancelAll withdraws every outstanding task and timer, in a stable order.
func (e *Execution) cancelAll() {
	ids := make([]string, 0, len(e.s.Waits))
	for id := range e.s.Waits {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if k := e.s.Waits[id].Kind; k == waitTask || k == waitItemReader || k == waitResultWriter {
			e.cancelTask(id)
		} else {
			e.cancelTimer(id)
		}
	}
	e.abortMapRuns(e.s.Root)
	clear(e.frames)
}

func (e *Execution) timeOut() {
	e.recordStop(e.s.Root)
	id := e.nextEventID()
	e.s.Status, e.s.Error, e.s.Cause = sfn.StatusTimedOut, sfn.ErrorTimeout, ""
	if e.hist {
		e.push(sfn.HistoryEvent{Type: sfn.EventExecutionTimedOut, ID: id, PreviousEventID: e.lastEvent(),
			ExecutionTimedOutEventDetails: &sfn.ErrorDetails{Error: sfn.ErrorTimeout}})
	}
	e.cancelAll()
}

func (e *Execution) abort(errName, cause string) {
	e.recordStop(e.s.Root)
	id := e.nextEventID()
	e.s.Status, e.s.Error, e.s.Cause = sfn.StatusAborted, errName, cause
	if e.hist {
		e.push(sfn.HistoryEvent{Type: sfn.EventExecutionAborted, ID: id, PreviousEventID: e.lastEvent(),
			ExecutionAbortedEventDetails: &sfn.ErrorDetails{Error: errName, Cause: cause}})
	}
	e.cancelAll()
}

// lastEvent is the previousEventId of an event that ends the execution from outside: the
// latest event written.
func (e *Execution) lastEvent() int64 {
	return e.s.LastEventID - 1
}

var notTruncated = &sfn.Truncation{}

func payload(v any) *sfn.Payload { return &sfn.Payload{Value: v} }

func itoa(n int64) string {
	var buf [20]byte
	i := len(buf)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}
