package ui

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// The home page answers "is anything wrong?" across every state machine: how many executions
// run, failed and timed out, the latest failures with their errors, the activity tasks that
// wait for a worker, and a search over executions of every machine. Each figure is one
// bounded store query (a capped count, a page of an index), so the page costs the same with
// ten executions or ten million.

// homeWindow is how far back the failed and timed-out counts look.
const homeWindow = 24 * time.Hour

// homeFailures is how many recent failures the home page lists.
const homeFailures = 10

// countText is a bounded count: "10000+" when the cap stopped it.
type countText struct {
	N       int  `json:"count"`
	AtLeast bool `json:"atLeast"`
}

func (c countText) String() string {
	if c.AtLeast {
		return strconv.Itoa(c.N) + "+"
	}
	return strconv.Itoa(c.N)
}

type failureItem struct {
	ARN          string     `json:"executionArn"`
	Name         string     `json:"name"`
	StateMachine string     `json:"stateMachine"`
	Status       string     `json:"status"`
	Error        string     `json:"error"`
	Cause        string     `json:"cause"`
	StopDate     *time.Time `json:"stopDate,omitempty"`
}

type homeSummary struct {
	Running             countText      `json:"running"`
	Failed              countText      `json:"failed"`   // in the last homeWindow
	TimedOut            countText      `json:"timedOut"` // in the last homeWindow
	WindowHours         int            `json:"windowHours"`
	Failures            []failureItem  `json:"recentFailures"`
	Activities          []activityItem `json:"waitingActivities"` // those with tasks waiting
	WaitingTasks        int            `json:"waitingTasks"`
	ActivitiesTruncated bool           `json:"activitiesTruncated"`
}

func (s *server) homeSummary(ctx context.Context) (*homeSummary, error) {
	now := time.Now()
	h := &homeSummary{WindowHours: int(homeWindow / time.Hour), Failures: []failureItem{}, Activities: []activityItem{}}
	for _, c := range []struct {
		status sfn.ExecutionStatus
		from   time.Time
		into   *countText
	}{
		{sfn.StatusRunning, time.Time{}, &h.Running},
		{sfn.StatusFailed, now.Add(-homeWindow), &h.Failed},
		{sfn.StatusTimedOut, now.Add(-homeWindow), &h.TimedOut},
	} {
		res, err := s.store.ExecutionCount(ctx, &store.ExecutionCountParams{Status: c.status, StartedFrom: c.from})
		if err != nil {
			return nil, err
		}
		*c.into = countText{N: res.Count, AtLeast: res.AtLeast}
	}
	for _, status := range []sfn.ExecutionStatus{sfn.StatusFailed, sfn.StatusTimedOut} {
		page, err := s.store.ExecutionList(ctx, &store.ExecutionListParams{Status: status, MaxResults: homeFailures})
		if err != nil {
			return nil, err
		}
		for _, ex := range page.Executions {
			h.Failures = append(h.Failures, failureItem{ARN: ex.ARN, Name: ex.Name, StateMachine: machineName(ex.StateMachineARN),
				Status: string(ex.Status), Error: ex.Error, Cause: shorten(ex.Cause, 300), StopDate: ex.StopDate})
		}
	}
	sort.SliceStable(h.Failures, func(i, j int) bool { return stopOf(h.Failures[i]).After(stopOf(h.Failures[j])) })
	if len(h.Failures) > homeFailures {
		h.Failures = h.Failures[:homeFailures]
	}
	activities, truncated, err := s.activitiesWithWaiting(ctx)
	if err != nil {
		return nil, err
	}
	h.ActivitiesTruncated = truncated
	for _, a := range activities {
		if a.Waiting > 0 {
			h.Activities = append(h.Activities, a)
			h.WaitingTasks += a.Waiting
		}
	}
	return h, nil
}

func stopOf(f failureItem) time.Time {
	if f.StopDate == nil {
		return time.Time{}
	}
	return *f.StopDate
}

func machineName(arn string) string {
	if a, err := sfn.ParseARN(arn); err == nil {
		return a.Resource
	}
	return arn
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// searchItem is an execution found by the search, with its state machine.
type searchItem struct {
	executionItem
	StateMachineARN string `json:"stateMachineArn"`
	StateMachine    string `json:"stateMachine"`
}

// searchResult is one page of a search. Scanned counts the executions read; NextToken
// continues from where the reading stopped (not where the matches stopped).
type searchResult struct {
	Executions []searchItem `json:"executions"`
	NextToken  string       `json:"nextToken"`
	Scanned    int          `json:"scanned"`
	Query      string       `json:"query"`
	Status     string       `json:"status"`
}

// searchExecutions finds executions of every state machine, newest first: all of them (in
// one status), those whose name contains q (case-insensitive), or, when q starts with
// "arn:", those whose ARN starts with it. An ARN that names a state machine (everything up
// to the execution name) reads that machine's executions only; a whole execution ARN is
// looked up. At most maxSearchPages store pages are read per answer.
func (s *server) searchExecutions(ctx context.Context, q, status, nextToken string) (*searchResult, error) {
	q = strings.TrimSpace(q)
	res := &searchResult{Executions: []searchItem{}, Query: q, Status: status}
	params := &store.ExecutionListParams{Status: sfn.ExecutionStatus(status), NextToken: nextToken}
	match := func(ex *store.Execution) bool { return true }
	switch {
	case strings.HasPrefix(q, "arn:"):
		if nextToken == "" {
			if ex, err := s.store.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: q}); err == nil {
				if status == "" || string(ex.Status) == status {
					res.Executions = append(res.Executions, newSearchItem(ex))
				}
				res.Scanned = 1
				return res, nil
			}
		}
		if machine, ok := machineOfExecutionPrefix(q); ok {
			params.StateMachineARN = machine
		}
		match = func(ex *store.Execution) bool { return strings.HasPrefix(ex.ARN, q) }
	case q != "":
		lower := strings.ToLower(q)
		match = func(ex *store.Execution) bool { return strings.Contains(strings.ToLower(ex.Name), lower) }
	}
	for pages := 1; ; pages++ {
		page, err := s.store.ExecutionList(ctx, params)
		if err != nil {
			return nil, err
		}
		res.Scanned += len(page.Executions)
		for _, ex := range page.Executions {
			if match(ex) {
				res.Executions = append(res.Executions, newSearchItem(ex))
			}
		}
		params.NextToken = page.NextToken
		if page.NextToken == "" || q == "" || len(res.Executions) >= store.DefaultPageSize || pages == maxSearchPages {
			break
		}
	}
	res.NextToken = params.NextToken
	return res, nil
}

func newSearchItem(ex *store.Execution) searchItem {
	return searchItem{
		executionItem:   executionItem{ARN: ex.ARN, Name: ex.Name, Status: string(ex.Status), StartDate: ex.StartDate, StopDate: ex.StopDate},
		StateMachineARN: ex.StateMachineARN, StateMachine: machineName(ex.StateMachineARN),
	}
}

// machineOfExecutionPrefix finds the state machine an execution ARN prefix names, when the
// prefix reaches past the machine's name: arn:aws:states:R:A:execution:MACHINE:NAME-PART.
func machineOfExecutionPrefix(prefix string) (string, bool) {
	parts := strings.SplitN(prefix, ":", 8)
	if len(parts) < 8 || (parts[5] != "execution" && parts[5] != "express") {
		return "", false
	}
	return strings.Join(append(parts[:5:5], "stateMachine", parts[6]), ":"), true
}

// apiHome answers the home page's summary.
func (s *server) apiHome(w http.ResponseWriter, r *http.Request) {
	h, err := s.homeSummary(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// apiSearchExecutions searches executions across state machines: ?q=, ?status=, ?nextToken=.
func (s *server) apiSearchExecutions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := statusFilter(q.Get("status")); err != nil {
		writeError(w, err)
		return
	}
	res, err := s.searchExecutions(r.Context(), q.Get("q"), q.Get("status"), q.Get("nextToken"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// statusFilter checks a ?status= value against the execution statuses.
func statusFilter(v string) error {
	switch sfn.ExecutionStatus(v) {
	case "", sfn.StatusRunning, sfn.StatusSucceeded, sfn.StatusFailed, sfn.StatusTimedOut, sfn.StatusAborted, sfn.StatusPendingRedrive:
		return nil
	}
	return fmt.Errorf("status %q is not an execution status", v)
}
