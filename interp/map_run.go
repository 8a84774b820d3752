package interp

import (
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
// and counts are kept in ExecutionState.MapRuns, because its iterations write no history that
// could tell them later. Both are in the serialisable state, so a restored snapshot describes
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

// MapRunCounts counts a map run's child executions, or the items they process, by status.
// ResultsWritten counts those a ResultWriter exported.
type MapRunCounts struct {
	Pending, Running, Succeeded, Failed, Aborted, Total int64
	ResultsWritten                                      int64 `json:",omitempty"`
}

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
func (s *ExecutionState) MapRun(arn string) (MapRunSummary, bool) {
	if s.Status == sfn.StatusRunning {
		if f := findMapRunFrame(s.Root, arn); f != nil {
			return f.Fan.mapRunSummary(arn, MapRunRunning, time.Time{}), true
		}
	}
	for i := len(s.MapRuns) - 1; i >= 0; i-- {
		if s.MapRuns[i].ARN == arn {
			return s.MapRuns[i], true
		}
	}
	return MapRunSummary{}, false
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

// findMapRunFrame finds the frame whose running fan is the run arn. A Distributed Map's
// iterations are silent and start no visible runs, so the search does not enter them.
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
		return
	}
	for _, i := range sortedChildren(f.Fan) {
		e.abortMapRuns(f.Fan.Children[i])
	}
}

// mapRunSummary describes the fan as the run arn with status. Children started and neither
// running nor ended were aborted (the run failed, or was stopped); once the run ended, the
// ones still running are too.
func (fan *Fan) mapRunSummary(arn, status string, stop time.Time) MapRunSummary {
	run := MapRunSummary{ARN: arn, Status: status, Stop: stop, MaxConcurrency: int64(fan.Max),
		ToleratedFailureCount: max(fan.ToleratedCount, 0), ToleratedFailurePercentage: max(fan.ToleratedPct, 0)}
	running := fan.Children
	if status != MapRunRunning {
		running = nil
	}
	pending := fan.pendingChildren()
	ex := &run.Executions
	ex.Total = int64(len(fan.Results))
	ex.Pending = int64(len(pending))
	ex.Running = int64(len(running))
	ex.Failed = int64(fan.Failures)
	ex.Succeeded = int64(fan.Finished - fan.Failures)
	ex.Aborted = ex.Total - ex.Pending - ex.Running - ex.Failed - ex.Succeeded
	// The ResultWriter exports every child once they all ended, and the run succeeds after.
	written := fan.Writer && status == MapRunSucceeded
	if written {
		ex.ResultsWritten = ex.Succeeded + ex.Failed
	}
	if !fan.Batched {
		run.Items = run.Executions
		return run
	}
	items := &run.Items
	for i := range fan.Items {
		items.Total += fan.batchSize(i)
	}
	for _, i := range pending {
		items.Pending += fan.batchSize(i)
	}
	for i := range running {
		items.Running += fan.batchSize(i)
	}
	items.Succeeded, items.Failed = fan.ItemsSucceeded, fan.ItemsFailed
	items.Aborted = items.Total - items.Pending - items.Running - items.Failed - items.Succeeded
	if written {
		items.ResultsWritten = items.Succeeded + items.Failed
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
	batch, _ := fan.Items[i].(map[string]any)
	items, _ := batch["Items"].([]any)
	return int64(len(items))
}

// countItems adds child i's items to the items that ended as it did.
func (fan *Fan) countItems(i int, succeeded bool) {
	if !fan.Batched {
		return
	}
	if succeeded {
		fan.ItemsSucceeded += fan.batchSize(i)
	} else {
		fan.ItemsFailed += fan.batchSize(i)
	}
}

// sortedChildren lists the indexes of a fan's running children in order.
func sortedChildren(fan *Fan) []int {
	return slices.Sorted(maps.Keys(fan.Children))
}
