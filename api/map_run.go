package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// Distributed Map runs have no table of their own: the interpreter records each run in its
// parent execution's history (MapRunStarted with the run's ARN, then MapRunSucceeded or
// MapRunFailed), and keeps its settings and counts in the parent's snapshot: the live ones
// while it runs, the final ones once it ended (interp.ExecutionState.MapRun). A map run is
// derived from those on every request; UpdateMapRun goes to the running execution through
// the engine.
//
// Executions started before runs were recorded know only a run's outcome once it ended: a
// SUCCEEDED run then counts all its items succeeded, a FAILED one all failed and an ABORTED
// one all aborted.
//
// A redrive of the execution starts its unfinished run again under the same ARN, with
// MapRunRedriven (which counts the run's redrives) where the first attempt wrote MapRunStarted.

// mapRun is one Distributed Map run as derived from its parent execution.
type mapRun struct {
	ARN          string
	ExecutionARN string
	Label        string // the Map state's Label, else its name: the ARN's LABEL
	Status       string
	Start        time.Time
	Stop         *time.Time
	Length       int // items the Map state started with (0 with an ItemReader)
	RedriveCount int
	RedriveDate  *time.Time
	// Summary is the run as the execution's snapshot holds it; nil until read, or when the
	// snapshot does not know it.
	Summary *interp.MapRunSummary
}

// mapRunSettings are a run's concurrency and failure tolerance.
type mapRunSettings struct {
	MaxConcurrency             int64
	ToleratedFailureCount      int64
	ToleratedFailurePercentage float64
}

// mapRunCounts counts a run's items or child executions by status, as AWS does.
type mapRunCounts struct {
	Pending               int64 `json:"pending"`
	Running               int64 `json:"running"`
	Succeeded             int64 `json:"succeeded"`
	Failed                int64 `json:"failed"`
	TimedOut              int64 `json:"timedOut"`
	Aborted               int64 `json:"aborted"`
	Total                 int64 `json:"total"`
	ResultsWritten        int64 `json:"resultsWritten"`
	FailuresNotRedrivable int64 `json:"failuresNotRedrivable"`
	PendingRedrive        int64 `json:"pendingRedrive"`
}

// mapRunRegistry remembers which execution each map run belongs to (a map run ARN does not
// name it).
type mapRunRegistry struct {
	mu        sync.Mutex
	execution map[string]string // map run ARN -> execution ARN
}

func (r *mapRunRegistry) remember(runARN, execARN string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.execution == nil {
		r.execution = map[string]string{}
	}
	r.execution[runARN] = execARN
}

func (r *mapRunRegistry) executionOf(runARN string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	arn, ok := r.execution[runARN]
	return arn, ok
}

// mapRunsOf derives the map runs of an execution from its history, in start order.
func (s *Server) mapRunsOf(ctx context.Context, exec *store.Execution) ([]*mapRun, error) {
	var runs []*mapRun
	byStart := map[int64]*mapRun{}
	byARN := map[string]*mapRun{}
	mapStarts := map[int64]int{} // MapStateStarted event id -> length
	token := ""
	for {
		page, err := s.store.HistoryEventList(ctx, &store.HistoryEventListParams{
			ExecutionARN: exec.ARN, MaxResults: store.MaxPageSize, NextToken: token,
		})
		if err != nil {
			return nil, fmt.Errorf("read history of %s: %w", exec.ARN, err)
		}
		for _, ev := range page.Events {
			switch ev.Type {
			case sfn.EventMapStateStarted:
				if d := ev.MapStateStartedEventDetails; d != nil {
					mapStarts[ev.ID] = d.Length
				}
			case sfn.EventMapRunStarted:
				if ev.MapRunStartedEventDetails == nil {
					continue
				}
				arn := ev.MapRunStartedEventDetails.MapRunArn
				if run := byARN[arn]; run != nil {
					// Before MapRunRedriven was written, a redrive wrote MapRunStarted again.
					redriven := ev.Timestamp
					run.Status, run.Stop, run.RedriveDate = interp.MapRunRunning, nil, &redriven
					run.RedriveCount++
					byStart[ev.ID] = run
					continue
				}
				run := &mapRun{
					ARN: arn, ExecutionARN: exec.ARN,
					Status: interp.MapRunRunning, Start: ev.Timestamp, Length: mapStarts[ev.PreviousEventID],
					Label: mapRunLabel(arn),
				}
				runs = append(runs, run)
				byStart[ev.ID], byARN[arn] = run, run
			case sfn.EventMapRunRedriven:
				d := ev.MapRunRedrivenEventDetails
				if d == nil || byARN[d.MapRunArn] == nil {
					continue
				}
				run := byARN[d.MapRunArn]
				redriven := ev.Timestamp
				run.Status, run.Stop, run.RedriveDate, run.RedriveCount = interp.MapRunRunning, nil, &redriven, d.RedriveCount
				byStart[ev.ID] = run
			case sfn.EventMapRunSucceeded, sfn.EventMapRunFailed, sfn.EventMapRunAborted:
				run := byStart[ev.PreviousEventID]
				if run == nil {
					continue
				}
				run.Status = map[sfn.EventType]string{
					sfn.EventMapRunSucceeded: "SUCCEEDED", sfn.EventMapRunFailed: "FAILED", sfn.EventMapRunAborted: "ABORTED",
				}[ev.Type]
				stop := ev.Timestamp
				run.Stop = &stop
			}
		}
		if page.NextToken == "" {
			break
		}
		token = page.NextToken
	}
	for _, run := range runs {
		s.mapRuns.remember(run.ARN, exec.ARN)
		if run.Status != interp.MapRunRunning {
			continue
		}
		// Open in the history: still running, or ended without an event of its own (its
		// execution ended, or its Map state is being retried). The snapshot knows which.
		if err := s.readSummary(ctx, run); err != nil {
			return nil, err
		}
		switch {
		case run.Summary != nil && run.Summary.Status != interp.MapRunRunning:
			stop := run.Summary.Stop
			run.Status, run.Stop = run.Summary.Status, &stop
		case exec.Status != sfn.StatusRunning:
			run.Status, run.Stop = interp.MapRunAborted, exec.StopDate
		}
	}
	return runs, nil
}

// readSummary reads a run's summary from its execution's snapshot into run.Summary, unless
// it was read before.
func (s *Server) readSummary(ctx context.Context, run *mapRun) error {
	if run.Summary != nil {
		return nil
	}
	summary, ok, err := s.engine.MapRun(ctx, run.ExecutionARN, run.ARN)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		// Without the snapshot the run is described from its history alone.
		s.logger.Warn("map run progress unreadable", "execution", run.ExecutionARN, "run", run.ARN, "err", err)
		return nil
	}
	if ok {
		run.Summary = &summary
	}
	return nil
}

// mapRunLabel is the LABEL of arn:...:mapRun:MACHINE/LABEL:ID.
func mapRunLabel(arn string) string {
	resource := arn[strings.Index(arn, ":mapRun:")+len(":mapRun:"):]
	resource = resource[:max(strings.LastIndex(resource, ":"), 0)]
	_, label, _ := strings.Cut(resource, "/")
	return label
}

// findMapRun finds a map run by ARN: in the execution it was seen in before, else by reading
// the histories of its state machine's executions, newest first.
func (s *Server) findMapRun(ctx context.Context, arn string) (*mapRun, *store.Execution, error) {
	a, parts, err := parseStatesARN(arn, "mapRun", 2, 2)
	if err != nil {
		return nil, nil, err
	}
	machine, _, ok := strings.Cut(parts[0], "/")
	if !ok {
		return nil, nil, invalidArn(arn)
	}
	lookIn := func(execARN string) (*mapRun, *store.Execution, error) {
		exec, err := s.store.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: execARN})
		if err != nil {
			return nil, nil, err
		}
		runs, err := s.mapRunsOf(ctx, exec)
		if err != nil {
			return nil, nil, err
		}
		for _, run := range runs {
			if run.ARN == arn {
				return run, exec, nil
			}
		}
		return nil, nil, nil
	}
	if execARN, ok := s.mapRuns.executionOf(arn); ok {
		run, exec, err := lookIn(execARN)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, nil, err
		}
		if run != nil {
			return run, exec, nil
		}
	}
	token := ""
	for {
		page, err := s.store.ExecutionList(ctx, &store.ExecutionListParams{
			StateMachineARN: a.Scope.StateMachineARN(machine), MaxResults: store.MaxPageSize, NextToken: token,
		})
		if err != nil {
			return nil, nil, err
		}
		for _, exec := range page.Executions {
			run, found, err := lookIn(exec.ARN)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, nil, err
			}
			if run != nil {
				return run, found, nil
			}
		}
		if page.NextToken == "" {
			return nil, nil, resourceNotFound(arn)
		}
		token = page.NextToken
	}
}

// definedSettings reads a run's settings from its Map state's definition, for a run its
// execution's snapshot does not know: literal values only.
func (s *Server) definedSettings(ctx context.Context, exec *store.Execution, label string) mapRunSettings {
	out, err := s.describeStateMachineForExecution(ctx, &describeStateMachineForExecutionInput{ExecutionArn: &exec.ARN})
	if err != nil {
		return mapRunSettings{}
	}
	sm, diags := asl.Parse([]byte(out.Definition), asl.ParseOptions{})
	if sm == nil || diags.HasErrors() {
		return mapRunSettings{}
	}
	m := findDistributedMap(sm, label)
	if m == nil {
		return mapRunSettings{}
	}
	var settings mapRunSettings
	if m.MaxConcurrency != nil {
		settings.MaxConcurrency = *m.MaxConcurrency
	}
	if m.ToleratedFailureCount != nil {
		settings.ToleratedFailureCount = *m.ToleratedFailureCount
	}
	if m.ToleratedFailurePercentage != nil {
		settings.ToleratedFailurePercentage = *m.ToleratedFailurePercentage
	}
	return settings
}

// findDistributedMap finds the Distributed Map state whose label (or name, without one) is
// label, at any depth.
func findDistributedMap(sm *asl.StateMachine, label string) *asl.Map {
	for name, st := range sm.States {
		switch st := st.(type) {
		case *asl.Map:
			pc := st.ItemProcessor
			if pc != nil && pc.ProcessorConfig != nil && pc.ProcessorConfig.Mode == "DISTRIBUTED" &&
				(st.Label == label || (st.Label == "" && name == label)) {
				return st
			}
			if pc != nil {
				if m := findDistributedMap(pc, label); m != nil {
					return m
				}
			}
		case *asl.Parallel:
			for _, b := range st.Branches {
				if m := findDistributedMap(b, label); m != nil {
					return m
				}
			}
		}
	}
	return nil
}

type mapRunInput struct {
	MapRunArn *string `json:"mapRunArn"`
}

func checkMapRunARN(v *validationErrors, arn *string) error {
	v.required("mapRunArn", arn != nil)
	v.length("mapRunArn", arn, 1, 2000)
	if err := v.err(); err != nil {
		return err
	}
	_, _, err := parseStatesARN(*arn, "mapRun", 2, 2)
	return err
}

type describeMapRunOutput struct {
	MapRunArn                  string       `json:"mapRunArn"`
	ExecutionArn               string       `json:"executionArn"`
	Status                     string       `json:"status"`
	StartDate                  json.Number  `json:"startDate"`
	StopDate                   json.Number  `json:"stopDate,omitempty"`
	MaxConcurrency             int64        `json:"maxConcurrency"`
	ToleratedFailurePercentage float64      `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      int64        `json:"toleratedFailureCount"`
	ItemCounts                 mapRunCounts `json:"itemCounts"`
	ExecutionCounts            mapRunCounts `json:"executionCounts"`
	RedriveCount               int          `json:"redriveCount"`
	RedriveDate                json.Number  `json:"redriveDate,omitempty"`
}

func (s *Server) describeMapRun(ctx context.Context, in *mapRunInput) (*describeMapRunOutput, error) {
	var v validationErrors
	if err := checkMapRunARN(&v, in.MapRunArn); err != nil {
		return nil, err
	}
	run, exec, err := s.findMapRun(ctx, *in.MapRunArn)
	if err != nil {
		return nil, err
	}
	out := &describeMapRunOutput{
		MapRunArn: run.ARN, ExecutionArn: run.ExecutionARN, Status: run.Status,
		StartDate: epoch(run.Start), StopDate: epochPtr(run.Stop),
		RedriveCount: run.RedriveCount, RedriveDate: epochPtr(run.RedriveDate),
	}
	if err := s.readSummary(ctx, run); err != nil {
		return nil, err
	}
	// The execution's redrive would start no ended run again: its children that ended without
	// success are there to stay.
	redrivable, _ := s.redriveStatus(exec)
	if sum := run.Summary; sum != nil {
		// The snapshot was read after the history: it is the newer word on the status.
		out.Status = sum.Status
		if sum.Status != interp.MapRunRunning && redrivable != "REDRIVABLE" {
			sum.FailuresNotRedrivable()
		}
		if sum.Status == interp.MapRunRunning {
			out.StopDate = ""
		} else if run.Stop == nil {
			out.StopDate = epoch(sum.Stop)
		}
		out.MaxConcurrency = sum.MaxConcurrency
		out.ToleratedFailureCount = sum.ToleratedFailureCount
		out.ToleratedFailurePercentage = sum.ToleratedFailurePercentage
		out.ItemCounts, out.ExecutionCounts = wireCounts(sum.Items), wireCounts(sum.Executions)
		return out, nil
	}
	settings := s.definedSettings(ctx, exec, run.Label)
	out.MaxConcurrency = settings.MaxConcurrency
	out.ToleratedFailureCount = settings.ToleratedFailureCount
	out.ToleratedFailurePercentage = settings.ToleratedFailurePercentage
	counts := mapRunCounts{Total: int64(run.Length)}
	switch run.Status {
	case interp.MapRunSucceeded:
		counts.Succeeded = counts.Total
	case interp.MapRunFailed:
		counts.Failed = counts.Total
	case interp.MapRunAborted:
		counts.Aborted = counts.Total
	default:
		counts.Pending = counts.Total
	}
	if run.Status != interp.MapRunRunning && redrivable != "REDRIVABLE" {
		counts.FailuresNotRedrivable = counts.Failed + counts.Aborted
	}
	out.ItemCounts, out.ExecutionCounts = counts, counts
	return out, nil
}

// wireCounts is DescribeMapRun's shape of a run's counts.
func wireCounts(c interp.MapRunCounts) mapRunCounts {
	return mapRunCounts{Pending: c.Pending, Running: c.Running, Succeeded: c.Succeeded, Failed: c.Failed,
		TimedOut: c.TimedOut, Aborted: c.Aborted, Total: c.Total, ResultsWritten: c.ResultsWritten,
		FailuresNotRedrivable: c.FailuresNotRedrivable, PendingRedrive: c.PendingRedrive}
}

type updateMapRunInput struct {
	MapRunArn                  *string  `json:"mapRunArn"`
	MaxConcurrency             *int64   `json:"maxConcurrency"`
	ToleratedFailureCount      *int64   `json:"toleratedFailureCount"`
	ToleratedFailurePercentage *float64 `json:"toleratedFailurePercentage"`
}

func (s *Server) updateMapRun(ctx context.Context, in *updateMapRunInput) (*emptyOutput, error) {
	var v validationErrors
	v.intRange("maxConcurrency", in.MaxConcurrency, 0, 1<<31-1)
	v.intRange("toleratedFailureCount", in.ToleratedFailureCount, 0, 1<<62)
	if p := in.ToleratedFailurePercentage; p != nil && (*p < 0 || *p > 100) {
		constraint := "have value less than or equal to 100"
		if *p < 0 {
			constraint = "have value greater than or equal to 0"
		}
		v.add(strconv.FormatFloat(*p, 'f', -1, 64), "toleratedFailurePercentage", constraint)
	}
	if err := checkMapRunARN(&v, in.MapRunArn); err != nil {
		return nil, err
	}
	if in.MaxConcurrency == nil && in.ToleratedFailureCount == nil && in.ToleratedFailurePercentage == nil {
		return nil, clientError(codeValidation, "Must provide at least one of maxConcurrency, toleratedFailureCount or toleratedFailurePercentage")
	}
	run, _, err := s.findMapRun(ctx, *in.MapRunArn)
	if err != nil {
		return nil, err
	}
	if run.Status != interp.MapRunRunning {
		return nil, mapRunEnded(run)
	}
	err = s.engine.UpdateMapRun(ctx, &engine.UpdateMapRunParams{
		ExecutionARN: run.ExecutionARN, MapRunARN: run.ARN, MaxConcurrency: in.MaxConcurrency,
		ToleratedFailureCount: in.ToleratedFailureCount, ToleratedFailurePercentage: in.ToleratedFailurePercentage,
	})
	var ended *engine.MapRunNotRunningError
	if errors.As(err, &ended) {
		// It ended since the history was read: look again to say how.
		if again, _, ferr := s.findMapRun(ctx, run.ARN); ferr == nil && again.Status != interp.MapRunRunning {
			return nil, mapRunEnded(again)
		}
		if ended.Status != "" {
			return nil, mapRunEnded(&mapRun{ARN: run.ARN, Status: ended.Status})
		}
	}
	if err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}

// mapRunEnded is UpdateMapRun's answer for a run that ended.
func mapRunEnded(run *mapRun) error {
	return clientError(codeValidation, "Map Run is %s and can no longer be updated: '%s'", run.Status, run.ARN)
}

type listMapRunsInput struct {
	listInput
	ExecutionArn *string `json:"executionArn"`
}

type mapRunListItem struct {
	ExecutionArn    string      `json:"executionArn"`
	MapRunArn       string      `json:"mapRunArn"`
	StateMachineArn string      `json:"stateMachineArn"`
	StartDate       json.Number `json:"startDate"`
	StopDate        json.Number `json:"stopDate,omitempty"`
}

type listMapRunsOutput struct {
	MapRuns   []mapRunListItem `json:"mapRuns"`
	NextToken string           `json:"nextToken,omitempty"`
}

// mapRunPageToken marks ListMapRuns page tokens: the rest is the offset of the page.
const mapRunPageToken = "maprun-"

func (s *Server) listMapRuns(ctx context.Context, in *listMapRunsInput) (*listMapRunsOutput, error) {
	var v validationErrors
	in.check(&v)
	if err := checkExecutionARN(&v, in.ExecutionArn); err != nil {
		return nil, err
	}
	exec, err := s.getExecution(ctx, *in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	maxResults, token := in.page()
	offset := 0
	if token != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(token, mapRunPageToken))
		if !strings.HasPrefix(token, mapRunPageToken) || err != nil || n < 0 {
			return nil, invalidToken("Invalid pagination token")
		}
		offset = n
	}
	runs, err := s.mapRunsOf(ctx, exec)
	if err != nil {
		return nil, err
	}
	// Newest first, as AWS lists them.
	for i, j := 0, len(runs)-1; i < j; i, j = i+1, j-1 {
		runs[i], runs[j] = runs[j], runs[i]
	}
	out := &listMapRunsOutput{MapRuns: []mapRunListItem{}}
	size := store.PageSize(maxResults)
	for i := offset; i < len(runs) && i < offset+size; i++ {
		run := runs[i]
		out.MapRuns = append(out.MapRuns, mapRunListItem{
			ExecutionArn: run.ExecutionARN, MapRunArn: run.ARN, StateMachineArn: mapRunStateMachineARN(run.ARN),
			StartDate: epoch(run.Start), StopDate: epochPtr(run.Stop),
		})
	}
	if offset+size < len(runs) {
		out.NextToken = mapRunPageToken + strconv.Itoa(offset+size)
	}
	return out, nil
}

// mapRunStateMachineARN is the state machine a run's children run: arn:...:stateMachine:MACHINE/LABEL.
func mapRunStateMachineARN(runARN string) string {
	base := runARN[:max(strings.LastIndex(runARN, ":"), 0)]
	return strings.Replace(base, ":mapRun:", ":stateMachine:", 1)
}
