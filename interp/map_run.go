package interp

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// A Distributed Map run (each Distributed Map state that runs with history, named by the ARN
// in its MapRunStarted event) is visible through DescribeMapRun and changeable through
// UpdateMapRun while it runs. Its progress lives in its fan; when it ends, its final settings
// and counts are kept in ExecutionState.MapRuns, because nothing in the parent's history tells
// them later (its iterations' histories are their child executions'). Both are in the serialisable state, so a restored snapshot describes
// a run exactly as the execution that wrote it would have.

// MapRunUpdate is UpdateMapRun: new settings for a running Distributed Map run, applied from
// now on. A higher MaxConcurrency starts waiting iterations at once; a lower one lets running
// iterations finish and starts the next only when there is room. New failure tolerances decide
// the run's fate from now on: a run whose failures already exceed them fails at once. Nil
// members keep their value; an update for a run that is not running changes nothing.
type MapRunUpdate struct {
	MapRunARN                  string
	MaxConcurrency             *int64
	ToleratedFailureCount      *int64
	ToleratedFailurePercentage *float64
}

func (MapRunUpdate) event() {}

// The statuses of a map run, as DescribeMapRun names them.
const (
	MapRunRunning   = "RUNNING"
	MapRunSucceeded = "SUCCEEDED"
	MapRunFailed    = "FAILED"
	MapRunAborted   = "ABORTED"
)

// MapRunCounts counts a map run's child executions, or the items they process, by status:
// Pending (never started), Running, Succeeded, Failed, TimedOut and Aborted add up to Total.
// The others overlap them: ResultsWritten counts those a ResultWriter exported;
// PendingRedrive those that ended without success and that a redrive of the run has yet to
// start again (0 once the run ended); FailuresNotRedrivable those that ended without success
// and that no redrive will start again (filled in when the run is described).
type MapRunCounts struct {
	Pending, Running, Succeeded, Failed, TimedOut, Aborted, Total int64
	ResultsWritten                                                int64 `json:",omitempty"`
	PendingRedrive                                                int64 `json:",omitempty"`
	FailuresNotRedrivable                                         int64 `json:"-"`
}

// unsuccessful is how many ended without success.
func (c *MapRunCounts) unsuccessful() int64 { return c.Failed + c.TimedOut + c.Aborted }

// MapRunSummary is what DescribeMapRun tells of a run: its status, its settings as they are
// (after any UpdateMapRun), and its counts. A tolerance that was never set is 0.
type MapRunSummary struct {
	ARN                        string
	Status                     string
	Stop                       time.Time `json:",omitzero"` // when it ended
	MaxConcurrency             int64
	ToleratedFailureCount      int64
	ToleratedFailurePercentage float64
	// Items counts the items (with an ItemBatcher a child processes several); Executions
	// counts the children.
	Items, Executions MapRunCounts
}

// maxMapRunRecords bounds the ended runs an execution keeps in its state, which every step
// writes: a Distributed Map in a long loop keeps its latest runs.
const maxMapRunRecords = 1000

// MapRun describes the run named arn: running (from its fan) or ended (from its record).
// The fans of an execution that ended stay in its state, for a redrive, but run no more.
//
// The failures of a run that ended are not redrivable unless a redrive of the execution, as
// it stands, would start the run again: the execution ended without success while the run's
// Map state had not exited (its fan is where the execution stopped). A run that succeeded
// with tolerated failures, one whose failure was caught or retried, or one of an execution
// still running or that succeeded, will never run its failed children again. (The API adds
// what the state does not know: the 14-day window, the execution's type.)
func (s *ExecutionState) MapRun(arn string) (MapRunSummary, bool) {
	if s.Status == sfn.StatusRunning {
		if f := findMapRunFrame(s.Root, arn); f != nil {
			return f.Fan.mapRunSummary(arn, MapRunRunning, time.Time{}), true
		}
	}
	for i := len(s.MapRuns) - 1; i >= 0; i-- {
		if s.MapRuns[i].ARN == arn {
			run := s.MapRuns[i]
			if !s.redrivesMapRun(arn) {
				run.FailuresNotRedrivable()
			}
			return run, true
		}
	}
	return MapRunSummary{}, false
}

// FailuresNotRedrivable counts every child (and item) of the run that ended without success
// as one no redrive will start again.
func (run *MapRunSummary) FailuresNotRedrivable() {
	run.Executions.FailuresNotRedrivable = run.Executions.unsuccessful()
	run.Items.FailuresNotRedrivable = run.Items.unsuccessful()
}

// redrivesMapRun says whether a redrive of the execution would start the run arn again.
func (s *ExecutionState) redrivesMapRun(arn string) bool {
	switch s.Status {
	case sfn.StatusFailed, sfn.StatusAborted, sfn.StatusTimedOut:
		return resumesMapRun(s.Redrive, arn)
	}
	return false
}

// resumesMapRun says whether resuming rp starts the run arn again: its fan is where rp, or
// a child of a Parallel or inline Map it resumes, stopped. A Map whose ItemReader never
// delivered its items starts a new run instead.
func resumesMapRun(rp *Resume, arn string) bool {
	if rp == nil || rp.Fan == nil {
		return false
	}
	if rp.Fan.Distributed {
		return rp.Fan.MapRunARN == arn && rp.Fan.Items != nil
	}
	for _, child := range rp.Fan.Unfinished {
		if resumesMapRun(child, arn) {
			return true
		}
	}
	return false
}

// MapRunInSnapshot describes the run named arn as a Snapshot holds it (see
// ExecutionState.MapRun), without the program that wrote it.
func MapRunInSnapshot(data []byte, arn string) (MapRunSummary, bool, error) {
	var s snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return MapRunSummary{}, false, fmt.Errorf("read map run %s: %w", arn, err)
	}
	if s.Version != snapshotVersion {
		return MapRunSummary{}, false, fmt.Errorf("read map run %s: snapshot version %d, want %d", arn, s.Version, snapshotVersion)
	}
	run, ok := s.State.MapRun(arn)
	return run, ok, nil
}

// findMapRunFrame finds the frame whose running fan is the run arn. A run nested inside a
// Distributed Map's child execution is not visible, so the search does not enter children.
func findMapRunFrame(f *Frame, arn string) *Frame {
	if f == nil || f.Fan == nil {
		return nil
	}
	if f.Fan.Distributed {
		if f.Fan.MapRunARN == arn {
			return f
		}
		return nil
	}
	for _, child := range f.Fan.Children {
		if found := findMapRunFrame(child, arn); found != nil {
			return found
		}
	}
	return nil
}

// updateMapRun applies an UpdateMapRun to the run it names, if it is running.
func (e *Execution) updateMapRun(u MapRunUpdate) {
	f := findMapRunFrame(e.s.Root, u.MapRunARN)
	if f == nil {
		return
	}
	fan := f.Fan
	if u.MaxConcurrency != nil {
		fan.Max = int(*u.MaxConcurrency)
	}
	if u.ToleratedFailureCount != nil {
		fan.ToleratedCount = *u.ToleratedFailureCount
	}
	if u.ToleratedFailurePercentage != nil {
		fan.ToleratedPct = *u.ToleratedFailurePercentage
	}
	e.changed = true
	if f.TaskID != "" {
		// Reading its items (they start once read) or writing its results (they all ended).
		return
	}
	st := e.p.states[f.State]
	if fan.Failures > 0 && e.exceedsTolerance(fan) {
		fan.Failed, fan.Error, fan.Cause = true, sfn.ErrorExceedToleratedFailureThreshold, "The specified tolerated failure threshold was exceeded"
		e.abortChildren(f, st)
	}
	e.drive(f, e.pump(f, st))
}

// mapRunEnded keeps the final settings and counts of a Distributed Map run that ends with
// status, when the run is visible (its MapRunStarted was recorded).
func (e *Execution) mapRunEnded(f *Frame, fan *Fan, status string) {
	if !fan.Distributed || fan.MapRunARN == "" || f.Silent || !e.hist {
		return
	}
	run := fan.mapRunSummary(fan.MapRunARN, status, e.now)
	for i := range e.s.MapRuns {
		if e.s.MapRuns[i].ARN == run.ARN { // a redriven run ended again
			e.s.MapRuns = append(e.s.MapRuns[:i], e.s.MapRuns[i+1:]...)
			break
		}
	}
	if len(e.s.MapRuns) >= maxMapRunRecords {
		e.s.MapRuns = e.s.MapRuns[len(e.s.MapRuns)-maxMapRunRecords+1:]
	}
	e.s.MapRuns = append(e.s.MapRuns, run)
}

// abortMapRuns records as aborted every run still open when the execution ends from outside
// (stopped, timed out), in frame order.
func (e *Execution) abortMapRuns(f *Frame) {
	if f == nil || f.Fan == nil {
		return
	}
	if f.Fan.Distributed {
		e.mapRunEnded(f, f.Fan, MapRunAborted)
		e.abortRunningChildren(f.Fan)
		return
	}
	for _, i := range sortedChildren(f.Fan) {
		e.abortMapRuns(f.Fan.Children[i])
	}
}

// mapRunSummary describes the fan as the run arn with status. Once the run ended, the
// children still running were aborted with it; those never started stay pending, and a
// redrive's wait for those it has yet to start again ends.
func (fan *Fan) mapRunSummary(arn, status string, stop time.Time) MapRunSummary {
	run := MapRunSummary{ARN: arn, Status: status, Stop: stop, MaxConcurrency: int64(fan.Max),
		ToleratedFailureCount: max(fan.ToleratedCount, 0), ToleratedFailurePercentage: max(fan.ToleratedPct, 0)}
	var fresh, redrive []int
	for _, i := range fan.pendingChildren() {
		if _, ended := fan.ChildStatus[i]; ended {
			redrive = append(redrive, i)
		} else {
			fresh = append(fresh, i)
		}
	}
	ended := status != MapRunRunning
	count := func(c *MapRunCounts, size func(int) int64) {
		for i := range fan.Results {
			c.Total += size(i)
		}
		for _, i := range fresh {
			c.Pending += size(i)
		}
		for i := range fan.Children {
			if ended {
				c.Aborted += size(i)
			} else {
				c.Running += size(i)
			}
		}
		if !ended {
			for _, i := range redrive {
				c.PendingRedrive += size(i)
			}
		}
		for i, st := range fan.ChildStatus {
			switch st {
			case sfn.StatusFailed:
				c.Failed += size(i)
			case sfn.StatusTimedOut:
				c.TimedOut += size(i)
			default:
				c.Aborted += size(i)
			}
		}
		c.Succeeded = c.Total - c.Pending - c.Running - c.unsuccessful()
		// The ResultWriter exports every child once they all ended, and the run succeeds after.
		if fan.Writer && status == MapRunSucceeded {
			c.ResultsWritten = c.Succeeded + c.Failed + c.TimedOut
		}
	}
	count(&run.Executions, func(int) int64 { return 1 })
	if fan.Batched {
		count(&run.Items, fan.batchSize)
	} else {
		run.Items = run.Executions
	}
	return run
}

// pendingChildren lists the children not started yet: in a redriven fan those still to
// restart, else those after the last one started.
func (fan *Fan) pendingChildren() []int {
	if len(fan.Redo) > 0 {
		return fan.Redo
	}
	pending := make([]int, 0, max(len(fan.Results)-fan.Started, 0))
	for i := fan.Started; i < len(fan.Results); i++ {
		pending = append(pending, i)
	}
	return pending
}

// batchSize is how many items child i processes.
func (fan *Fan) batchSize(i int) int64 {
	if !fan.Batched || i >= len(fan.Items) {
		return 1
	}
	batch, _ := jsonvalue.AsObject(fan.Items[i])
	v, _ := batch.Get("Items")
	items, _ := v.([]any)
	return int64(len(items))
}

// childUnsuccessful records how child i of a Distributed Map ended without success.
func (fan *Fan) childUnsuccessful(i int, status sfn.ExecutionStatus) {
	if !fan.Distributed {
		return
	}
	if fan.ChildStatus == nil {
		fan.ChildStatus = map[int]sfn.ExecutionStatus{}
	}
	fan.ChildStatus[i] = status
}

// sortedChildren lists the indexes of a fan's running children in order.
func sortedChildren(fan *Fan) []int {
	return slices.Sorted(maps.Keys(fan.Children))
}
