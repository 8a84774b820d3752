package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/sfn"
)

// A Map or Parallel state's iterations (branches) are read from its execution's history, as
// AWS's console reads them: each MapIterationStarted event opens an iteration, and every
// event whose previousEventId chain reaches it first belongs to that iteration (its own
// frame's events link back to its start before they reach a sibling's). A Parallel's branches
// write no events of their own: a state belongs to the branch of the definition that holds
// it, because state names are unique across a whole state machine. When the state ran more
// than once (in a loop, or inside another Map), its latest run is shown, as the graph does.
//
// A Distributed Map's iterations are child executions, as on AWS: its table lists them from
// the store (see childIterations), each row opening the child's own execution page.

// Iteration statuses, beside the execution statuses the rows share.
const (
	iterationPending = "PENDING" // a Map item not started yet (MaxConcurrency)
)

// Iteration is one row of a Map's or Parallel's table.
type Iteration struct {
	Index      int        `json:"index"`
	Status     string     `json:"status"` // RUNNING, SUCCEEDED, FAILED, ABORTED or PENDING
	StartDate  *time.Time `json:"startDate,omitempty"`
	StopDate   *time.Time `json:"stopDate,omitempty"`
	DurationMs *int64     `json:"durationMs,omitempty"`
	Error      string     `json:"error,omitempty"`
	Cause      string     `json:"cause,omitempty"`
	// ExecutionARN is a Distributed Map iteration's child execution.
	ExecutionARN string `json:"executionArn,omitempty"`
	steps        []*IterationStep
}

// IterationStep is one state an iteration ran, in the order it entered them.
type IterationStep struct {
	Name      string          `json:"name"`
	Type      string          `json:"type"`
	Status    StateStatus     `json:"status"`
	Input     json.RawMessage `json:"input,omitempty"`
	Output    json.RawMessage `json:"output,omitempty"`
	Error     string          `json:"error,omitempty"`
	Cause     string          `json:"cause,omitempty"`
	EnteredAt time.Time       `json:"enteredAt"`
	ExitedAt  *time.Time      `json:"exitedAt,omitempty"`
}

// Iterations is what a Map or Parallel state's latest run did, by iteration or branch.
type Iterations struct {
	State      string         `json:"state"`
	Kind       string         `json:"kind"` // "Map", "Parallel" or "DistributedMap"
	Runs       int            `json:"runs"` // how many times the state was entered
	Counts     map[string]int `json:"counts"`
	Iterations []*Iteration   `json:"-"`
	MapRunARN  string         `json:"mapRunArn,omitempty"`
}

// ReadIterations folds a history into the iterations of the latest run of the Map or
// Parallel state named state. def is the machine's parsed definition, which says where each
// state lives. The second result is false when the state is no Map or Parallel, or never ran.
func ReadIterations(events []*sfn.HistoryEvent, def *asl.StateMachine, state string) (*Iterations, bool) {
	st := findState(def, state)
	if st == nil {
		return nil, false
	}
	out := &Iterations{State: state, Counts: map[string]int{}}
	var branchOf map[string]int // Parallel: state name → branch index
	var failStates map[string]*asl.Fail
	switch s := st.(type) {
	case *asl.Map:
		out.Kind = "Map"
		if pc := s.ItemProcessor.ProcessorConfig; pc != nil && pc.Mode == "DISTRIBUTED" {
			out.Kind = "DistributedMap"
		}
		failStates = failsIn(s.ItemProcessor, map[string]*asl.Fail{})
	case *asl.Parallel:
		out.Kind = "Parallel"
		branchOf = map[string]int{}
		failStates = map[string]*asl.Fail{}
		for i, b := range s.Branches {
			for name := range namesIn(b, map[string]bool{}) {
				branchOf[name] = i
			}
			failsIn(b, failStates)
		}
	default:
		return nil, false
	}

	// entry[i] is the index of the latest StateEntered of the state at or before event i in
	// its previousEventId chain (-1 once the chain left the state); frame[i] the
	// MapIterationStarted of this Map likewise.
	byID := make(map[int64]int, len(events))
	latest := -1
	for i, ev := range events {
		byID[ev.ID] = i
		if d := ev.StateEnteredEventDetails; d != nil && d.Name == state {
			latest = i
			out.Runs++
		}
	}
	if latest < 0 {
		return out, true
	}
	entry := make([]int, len(events))
	frame := make([]int, len(events))
	rows := map[int]*Iteration{}
	row := func(index int) *Iteration {
		r := rows[index]
		if r == nil {
			r = &Iteration{Index: index, Status: string(sfn.StatusRunning)}
			rows[index] = r
		}
		return r
	}
	ended := false // the run's state exited or failed: what still runs was stopped
	length := 0
	var lastSteps = map[int]*IterationStep{}
	openSteps := map[string]*IterationStep{}
	for i := latest; i < len(events); i++ {
		ev := events[i]
		entry[i], frame[i] = -1, -1
		if p, ok := byID[ev.PreviousEventID]; ok && ev.PreviousEventID != 0 && p >= latest {
			entry[i], frame[i] = entry[p], frame[p]
		}
		if i == latest {
			entry[i] = i
		}
		if d := ev.MapIterationStartedEventDetails; d != nil && d.Name == state {
			frame[i] = i
		}
		// An event chained to an iteration that already ended is the Map's own (its
		// MapStateFailed follows the failed iteration's last event).
		if frame[i] >= 0 && mapIterationEndDetails(ev) == nil {
			if r := rows[events[frame[i]].MapIterationStartedEventDetails.Index]; r != nil && r.StopDate != nil {
				frame[i] = -1
			}
		}
		if entry[i] != latest {
			continue
		}
		if d := ev.StateExitedEventDetails; d != nil && d.Name == state && frame[i] < 0 {
			entry[i] = -1 // what follows the state's exit is not part of it
			ended = true
			continue
		}
		at := ev.Timestamp
		switch {
		case ev.MapStateStartedEventDetails != nil && frame[i] < 0 && branchOf == nil:
			if out.Kind == "Map" { // a Distributed Map's items are counted by its map run
				length = ev.MapStateStartedEventDetails.Length
			}
			continue
		case ev.MapRunStartedEventDetails != nil && frame[i] < 0 && branchOf == nil:
			out.MapRunARN = ev.MapRunStartedEventDetails.MapRunArn
			continue
		}
		if d := ev.MapIterationStartedEventDetails; d != nil && d.Name == state {
			r := row(d.Index)
			r.StartDate = &at
			continue
		}
		if d, status := mapIterationEnd(ev); d != nil && d.Name == state {
			r := row(d.Index)
			r.Status, r.StopDate = status, &at
			continue
		}
		// An event of the Map or Parallel state itself (not inside an iteration).
		index := -1
		switch {
		case branchOf != nil:
			if name := eventStateName(ev, events, byID); name != "" {
				if b, ok := branchOf[name]; ok {
					index = b
				}
			}
		case frame[i] >= 0:
			index = events[frame[i]].MapIterationStartedEventDetails.Index
		}
		if index < 0 {
			if d := ev.StateExitedEventDetails; d != nil && d.Name == state || isStateFailure(ev) && i > latest {
				ended = true
			}
			continue
		}
		r := row(index)
		if r.StartDate == nil {
			r.StartDate = &at
		}
		switch {
		case ev.StateEnteredEventDetails != nil:
			d := ev.StateEnteredEventDetails
			step := &IterationStep{Name: d.Name, Type: strings.TrimSuffix(string(ev.Type), "StateEntered"), Status: StateRunning,
				Input: payloadJSON(d.Input), EnteredAt: at}
			r.steps = append(r.steps, step)
			openSteps[fmt.Sprint(index, "/", d.Name)] = step
			lastSteps[index] = step
			if f := failStates[d.Name]; f != nil {
				step.Status = StateFailed
				step.Error, step.Cause = f.Error, f.Cause
				r.Error, r.Cause = f.Error, f.Cause
				if branchOf != nil {
					r.Status, r.StopDate = string(sfn.StatusFailed), &at
				}
			}
		case ev.StateExitedEventDetails != nil:
			d := ev.StateExitedEventDetails
			if step := openSteps[fmt.Sprint(index, "/", d.Name)]; step != nil {
				step.Output = payloadJSON(d.Output)
				step.ExitedAt = &at
				if step.Status == StateRunning {
					step.Status = StateSucceeded
				} else if step.Status == StateFailed {
					step.Status = StateCaught
				}
				delete(openSteps, fmt.Sprint(index, "/", d.Name))
			}
			if branchOf != nil && r.Status == string(sfn.StatusRunning) && endsBranch(st.(*asl.Parallel).Branches[index], d.Name) {
				r.Status, r.StopDate = string(sfn.StatusSucceeded), &at
			}
		case isStateFailure(ev):
			errName, cause := failureOf(ev)
			if errName == "" && cause == "" {
				break // a nested Parallel's or Map's own failure: its inner state said why
			}
			if step := lastSteps[index]; step != nil {
				step.Status, step.Error, step.Cause = StateFailed, errName, cause
			}
			r.Error, r.Cause = errName, cause
		}
	}
	if out.Kind == "Parallel" {
		if p, ok := st.(*asl.Parallel); ok {
			for i := range p.Branches {
				row(i)
			}
		}
	}
	for i := 0; i < length; i++ {
		if rows[i] == nil {
			rows[i] = &Iteration{Index: i, Status: iterationPending}
		}
	}
	runEnded := ended || executionEnded(events)
	for _, r := range rows {
		if r.Status == string(sfn.StatusRunning) && runEnded {
			r.Status = string(sfn.StatusAborted)
			if r.Error != "" {
				r.Status = string(sfn.StatusFailed)
			}
		}
		if r.Status == iterationPending && runEnded {
			r.Status = string(sfn.StatusAborted)
		}
		if r.StartDate != nil && r.StopDate != nil {
			ms := r.StopDate.Sub(*r.StartDate).Milliseconds()
			r.DurationMs = &ms
		}
		for _, step := range r.steps {
			if step.Status == StateRunning && (runEnded || r.Status != string(sfn.StatusRunning)) {
				step.Status = StateAborted
			}
		}
		out.Counts[r.Status]++
		out.Iterations = append(out.Iterations, r)
	}
	sort.Slice(out.Iterations, func(a, b int) bool { return out.Iterations[a].Index < out.Iterations[b].Index })
	return out, true
}

func mapIterationEndDetails(ev *sfn.HistoryEvent) *sfn.MapIterationDetails {
	d, _ := mapIterationEnd(ev)
	return d
}

// mapIterationEnd returns the details and status of a MapIterationSucceeded, Failed or
// Aborted event.
func mapIterationEnd(ev *sfn.HistoryEvent) (*sfn.MapIterationDetails, string) {
	switch {
	case ev.MapIterationSucceededEventDetails != nil:
		return ev.MapIterationSucceededEventDetails, string(sfn.StatusSucceeded)
	case ev.MapIterationFailedEventDetails != nil:
		return ev.MapIterationFailedEventDetails, string(sfn.StatusFailed)
	case ev.MapIterationAbortedEventDetails != nil:
		return ev.MapIterationAbortedEventDetails, string(sfn.StatusAborted)
	}
	return nil, ""
}

// eventStateName is the state an event inside a Parallel belongs to: its own name for
// entered and exited events, else the state its previousEventId chain entered last.
func eventStateName(ev *sfn.HistoryEvent, events []*sfn.HistoryEvent, byID map[int64]int) string {
	for steps := 0; ev != nil && steps < 64; steps++ {
		if d := ev.StateEnteredEventDetails; d != nil {
			return d.Name
		}
		if d := ev.StateExitedEventDetails; d != nil {
			return d.Name
		}
		i, ok := byID[ev.PreviousEventID]
		if !ok || ev.PreviousEventID == 0 {
			return ""
		}
		ev = events[i]
	}
	return ""
}

func executionEnded(events []*sfn.HistoryEvent) bool {
	if len(events) == 0 {
		return false
	}
	switch events[len(events)-1].Type {
	case sfn.EventExecutionSucceeded, sfn.EventExecutionFailed, sfn.EventExecutionAborted, sfn.EventExecutionTimedOut:
		return true
	}
	return false
}

// findState finds a state by name anywhere in a machine, nested ones included.
func findState(m *asl.StateMachine, name string) asl.State {
	if m == nil {
		return nil
	}
	if s, ok := m.States[name]; ok {
		return s
	}
	for _, s := range m.States {
		for _, sub := range subMachines(s) {
			if found := findState(sub, name); found != nil {
				return found
			}
		}
	}
	return nil
}

func subMachines(s asl.State) []*asl.StateMachine {
	switch s := s.(type) {
	case *asl.Parallel:
		return s.Branches
	case *asl.Map:
		if s.ItemProcessor != nil {
			return []*asl.StateMachine{s.ItemProcessor}
		}
	}
	return nil
}

func namesIn(m *asl.StateMachine, into map[string]bool) map[string]bool {
	if m == nil {
		return into
	}
	for name, s := range m.States {
		into[name] = true
		for _, sub := range subMachines(s) {
			namesIn(sub, into)
		}
	}
	return into
}

func failsIn(m *asl.StateMachine, into map[string]*asl.Fail) map[string]*asl.Fail {
	if m == nil {
		return into
	}
	for name, s := range m.States {
		if f, ok := s.(*asl.Fail); ok {
			into[name] = f
		}
		for _, sub := range subMachines(s) {
			failsIn(sub, into)
		}
	}
	return into
}

// endsBranch reports whether leaving the named state ends a branch: it is at the top of the
// branch and has End, or is a Succeed state.
func endsBranch(branch *asl.StateMachine, name string) bool {
	s, ok := branch.States[name]
	return ok && (s.Base().End || s.Base().Type == asl.TypeSucceed)
}

// maxIterationPage bounds one answer of the iterations endpoint.
const maxIterationPage = 100

// apiIterations answers a Map or Parallel state's iterations, a page at a time:
// ?status= keeps one status, ?offset= and ?limit= page; ?index=N answers that iteration's
// states with their inputs and outputs instead.
func (s *server) apiIterations(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ex, err := s.lookupExecution(ctx, r.PathValue("arn"))
	if err != nil {
		writeError(w, err)
		return
	}
	def, err := s.machineOf(ctx, ex)
	if err != nil {
		writeError(w, err)
		return
	}
	events, err := s.historyOf(ctx, ex)
	if err != nil {
		writeError(w, err)
		return
	}
	state := r.PathValue("state")
	its, ok := ReadIterations(events, def, state)
	if !ok {
		writeJSON(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("%s has no Map or Parallel state named %q", ex.Name, state)})
		return
	}
	q := r.URL.Query()
	if v := q.Get("index"); v != "" {
		index, err := strconv.Atoi(v)
		if err != nil {
			writeError(w, fmt.Errorf("index %q is not a number", v))
			return
		}
		for _, it := range its.Iterations {
			if it.Index == index {
				steps := it.steps
				if steps == nil {
					steps = []*IterationStep{}
				}
				writeJSON(w, http.StatusOK, map[string]any{"iteration": it, "steps": steps})
				return
			}
		}
		writeJSON(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("%s has no iteration %d", state, index)})
		return
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > maxIterationPage {
		limit = maxIterationPage
	}
	status := q.Get("status")
	if its.Kind == "DistributedMap" && its.MapRunARN != "" {
		s.apiChildIterations(w, r, ex, its, status, offset, limit)
		return
	}
	rows := []*Iteration{}
	matched := 0
	for _, it := range its.Iterations {
		if status != "" && it.Status != status {
			continue
		}
		if matched >= offset && len(rows) < limit {
			rows = append(rows, it)
		}
		matched++
	}
	answer := map[string]any{"state": its.State, "kind": its.Kind, "runs": its.Runs, "counts": its.Counts,
		"total": len(its.Iterations), "matched": matched, "offset": offset, "iterations": rows}
	if offset+len(rows) < matched {
		answer["nextOffset"] = offset + len(rows)
	}
	if its.MapRunARN != "" {
		answer["mapRunArn"] = its.MapRunARN
		if run, found, err := s.eng.MapRun(ctx, ex.ARN, its.MapRunARN); err == nil && found {
			answer["mapRun"] = run
		}
	}
	writeJSON(w, http.StatusOK, answer)
}

// apiChildIterations answers a Distributed Map's table: its child executions, with the run's
// counts (DescribeMapRun's) when the engine describes it.
func (s *server) apiChildIterations(w http.ResponseWriter, r *http.Request, ex *shownExecution, its *Iterations, status string, offset, limit int) {
	ctx := r.Context()
	rows, more, err := s.childIterations(ctx, its.MapRunARN, status, offset, limit)
	if err != nil {
		writeError(w, err)
		return
	}
	if rows == nil {
		rows = []*Iteration{}
	}
	answer := map[string]any{"state": its.State, "kind": its.Kind, "runs": its.Runs, "counts": map[string]int64{},
		"offset": offset, "iterations": rows, "mapRunArn": its.MapRunARN}
	if more {
		answer["nextOffset"] = offset + len(rows)
	}
	if ex.child == nil {
		if run, found, err := s.eng.MapRun(ctx, ex.ARN, its.MapRunARN); err == nil && found {
			answer["mapRun"] = run
			c := run.Executions
			counts := map[string]int64{}
			for status, n := range map[string]int64{"PENDING": c.Pending, "RUNNING": c.Running, "SUCCEEDED": c.Succeeded,
				"FAILED": c.Failed, "TIMED_OUT": c.TimedOut, "ABORTED": c.Aborted} {
				if n > 0 {
					counts[status] = n
				}
			}
			answer["counts"], answer["total"] = counts, c.Total
		}
	}
	writeJSON(w, http.StatusOK, answer)
}
