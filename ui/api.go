package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// apiError is the JSON body of a failed API call.
type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to do
}

// writeError maps an error to a status: missing resources 404, engine operations not built
// yet 501, a reused execution name 409, anything else the caller sent 400.
func writeError(w http.ResponseWriter, err error) {
	var exists *engine.ExecutionAlreadyExistsError
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, store.ErrNotFound):
		status = http.StatusNotFound
	case errors.As(err, &exists), errors.Is(err, store.ErrAlreadyExists):
		status = http.StatusConflict
	}
	writeJSON(w, status, apiError{Error: err.Error()})
}

// decodeAction reads an action's JSON body. Requiring application/json keeps other sites'
// forms from posting actions: a cross-site request with that type needs a CORS preflight,
// which this handler never grants.
func decodeAction(r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errors.New("actions take a JSON body (Content-Type: application/json)")
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" {
		return errors.New("cross-site actions are refused")
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(v); err != nil {
		return fmt.Errorf("read request body: %w", err)
	}
	return nil
}

type stateMachineItem struct {
	ARN         string    `json:"stateMachineArn"`
	Name        string    `json:"name"`
	Type        string    `json:"type"`
	CreatedDate time.Time `json:"creationDate"`
}

func (s *server) apiStateMachines(w http.ResponseWriter, r *http.Request) {
	page, err := s.store.StateMachineList(r.Context(), &store.StateMachineListParams{NextToken: r.URL.Query().Get("nextToken")})
	if err != nil {
		writeError(w, err)
		return
	}
	items := make([]stateMachineItem, 0, len(page.StateMachines))
	for _, sm := range page.StateMachines {
		items = append(items, stateMachineItem{ARN: sm.ARN, Name: sm.Name, Type: string(sm.Type), CreatedDate: sm.CreatedDate})
	}
	writeJSON(w, http.StatusOK, map[string]any{"stateMachines": items, "nextToken": page.NextToken})
}

type executionItem struct {
	ARN       string     `json:"executionArn"`
	Name      string     `json:"name"`
	Status    string     `json:"status"`
	StartDate time.Time  `json:"startDate"`
	StopDate  *time.Time `json:"stopDate,omitempty"`
}

// maxSearchPages bounds how many store pages a name search reads for one answer.
const maxSearchPages = 20

// apiExecutions lists a state machine's executions, newest first, optionally of one status
// (?status=RUNNING) and whose name contains ?q= (case-insensitive).
func (s *server) apiExecutions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	search := strings.ToLower(q.Get("q"))
	params := &store.ExecutionListParams{
		StateMachineARN: r.PathValue("arn"),
		Status:          sfn.ExecutionStatus(q.Get("status")),
		NextToken:       q.Get("nextToken"),
	}
	items := []executionItem{}
	for pages := 0; ; pages++ {
		page, err := s.store.ExecutionList(r.Context(), params)
		if err != nil {
			writeError(w, err)
			return
		}
		for _, ex := range page.Executions {
			if search == "" || strings.Contains(strings.ToLower(ex.Name), search) {
				items = append(items, executionItem{ARN: ex.ARN, Name: ex.Name, Status: string(ex.Status), StartDate: ex.StartDate, StopDate: ex.StopDate})
			}
		}
		params.NextToken = page.NextToken
		if page.NextToken == "" || search == "" || len(items) >= store.DefaultPageSize || pages == maxSearchPages {
			break
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"executions": items, "nextToken": params.NextToken})
}

type startRequest struct {
	Name  string `json:"name"`
	Input string `json:"input"`
}

func (s *server) apiStartExecution(w http.ResponseWriter, r *http.Request) {
	var req startRequest
	if err := decodeAction(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if strings.TrimSpace(req.Input) == "" {
		req.Input = "{}"
	}
	if !json.Valid([]byte(req.Input)) {
		writeError(w, errors.New("the input is not valid JSON"))
		return
	}
	ex, err := s.eng.StartExecution(r.Context(), &engine.StartExecutionParams{
		StateMachineARN: r.PathValue("arn"), Name: req.Name, Input: req.Input,
	})
	if err != nil {
		writeError(w, fmt.Errorf("start execution: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"executionArn": ex.ARN, "startDate": ex.StartDate})
}

type executionDetail struct {
	ARN             string          `json:"executionArn"`
	Name            string          `json:"name"`
	StateMachineARN string          `json:"stateMachineArn"`
	Status          string          `json:"status"`
	Input           json.RawMessage `json:"input,omitempty"`
	Output          json.RawMessage `json:"output,omitempty"`
	Error           string          `json:"error,omitempty"`
	Cause           string          `json:"cause,omitempty"`
	StartDate       time.Time       `json:"startDate"`
	StopDate        *time.Time      `json:"stopDate,omitempty"`
	RedriveCount    int             `json:"redriveCount"`
}

// historyItem is a history event as GetExecutionHistory returns it, plus the name of the
// state it belongs to.
type historyItem struct {
	*sfn.HistoryEvent
	StateName string `json:"stateName,omitempty"`
}

// executionView is everything the execution page shows, refreshed by polling. Events holds
// the events after the ?since= id, all of them without it.
type executionView struct {
	Execution    executionDetail           `json:"execution"`
	States       map[string]*StateProgress `json:"states"`
	Events       []historyItem             `json:"events"`
	WaitingTasks []WaitingTask             `json:"waitingTasks"`
}

func rawJSON(text string) json.RawMessage {
	if text == "" || !json.Valid([]byte(text)) {
		return nil
	}
	return json.RawMessage(text)
}

func (s *server) apiExecution(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	shown, err := s.lookupExecution(ctx, r.PathValue("arn"))
	if err != nil {
		writeError(w, err)
		return
	}
	ex := shown.Execution
	events, err := s.historyOf(ctx, shown)
	if err != nil {
		writeError(w, err)
		return
	}
	view := executionView{
		Execution: executionDetail{
			ARN: ex.ARN, Name: ex.Name, StateMachineARN: ex.StateMachineARN, Status: string(ex.Status),
			Input: rawJSON(ex.Input), Error: ex.Error, Cause: ex.Cause,
			StartDate: ex.StartDate, StopDate: ex.StopDate, RedriveCount: ex.RedriveCount,
		},
		States: Progress(events),
		Events: make([]historyItem, 0, len(events)),
	}
	if ex.Output != nil {
		view.Execution.Output = rawJSON(*ex.Output)
	}
	byID := make(map[int64]*sfn.HistoryEvent, len(events))
	for _, ev := range events {
		byID[ev.ID] = ev
	}
	// ?since=ID sends only the newer events: a page polling a long history already has the rest.
	since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	view.Events = view.Events[:0]
	for _, ev := range events {
		if ev.ID > since {
			view.Events = append(view.Events, historyItem{HistoryEvent: ev, StateName: stateOf(ev, byID)})
		}
	}
	view.WaitingTasks = s.waitingTasks(ctx, ex, events, view.States)
	writeJSON(w, http.StatusOK, view)
}

// history reads an execution's whole history.
func (s *server) history(ctx context.Context, arn string) ([]*sfn.HistoryEvent, error) {
	return readHistory(ctx, s.store.HistoryEventList, arn)
}

// readHistory reads the whole history of arn, page by page, with list.
func readHistory(ctx context.Context, list func(context.Context, *store.HistoryEventListParams) (*store.HistoryEventListResult, error), arn string) ([]*sfn.HistoryEvent, error) {
	var events []*sfn.HistoryEvent
	params := &store.HistoryEventListParams{ExecutionARN: arn, MaxResults: store.MaxPageSize}
	for {
		page, err := list(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("read history of %s: %w", arn, err)
		}
		events = append(events, page.Events...)
		if page.NextToken == "" {
			return events, nil
		}
		params.NextToken = page.NextToken
	}
}

type stopRequest struct {
	Error string `json:"error"`
	Cause string `json:"cause"`
}

func (s *server) apiStopExecution(w http.ResponseWriter, r *http.Request) {
	var req stopRequest
	if err := decodeAction(r, &req); err != nil {
		writeError(w, err)
		return
	}
	arn := r.PathValue("arn")
	var stopped time.Time
	var err error
	if shown, lerr := s.lookupExecution(r.Context(), arn); lerr == nil && shown.child != nil {
		stopped, err = s.eng.StopChildExecution(r.Context(), shown.child.ParentARN, arn, req.Error, req.Cause)
	} else {
		stopped, err = s.eng.StopExecution(r.Context(), arn, req.Error, req.Cause)
	}
	if err != nil {
		writeError(w, fmt.Errorf("stop execution: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"stopDate": stopped})
}

func (s *server) apiRedriveExecution(w http.ResponseWriter, r *http.Request) {
	var req struct{}
	if err := decodeAction(r, &req); err != nil {
		writeError(w, err)
		return
	}
	redriven, err := s.eng.RedriveExecution(r.Context(), r.PathValue("arn"))
	if err != nil {
		writeError(w, fmt.Errorf("redrive execution: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"redriveDate": redriven})
}

type taskResult struct {
	Token  string `json:"taskToken"`
	Output string `json:"output"`
	Error  string `json:"error"`
	Cause  string `json:"cause"`
}

func (s *server) apiTaskSuccess(w http.ResponseWriter, r *http.Request) {
	var req taskResult
	if err := decodeAction(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if strings.TrimSpace(req.Output) == "" {
		req.Output = "{}"
	}
	if !json.Valid([]byte(req.Output)) {
		writeError(w, errors.New("the output is not valid JSON"))
		return
	}
	if err := s.eng.SendTaskSuccess(r.Context(), req.Token, req.Output); err != nil {
		writeError(w, fmt.Errorf("send task success: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *server) apiTaskFailure(w http.ResponseWriter, r *http.Request) {
	var req taskResult
	if err := decodeAction(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if err := s.eng.SendTaskFailure(r.Context(), req.Token, req.Error, req.Cause); err != nil {
		writeError(w, fmt.Errorf("send task failure: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}
