package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task/mock"
)

// maxPayloadLength is AWS's limit on execution input and task output, in characters.
const maxPayloadLength = 262144

// checkPayload validates a JSON payload member (execution input, task output): its size, then
// that it is JSON. invalid builds the error for text that is not JSON.
func checkPayload(field string, text *string, invalid func(detail string) *Error) error {
	if text == nil {
		return nil
	}
	if len(*text) > maxPayloadLength {
		return clientError(codeValidation, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, maxPayloadLength)
	}
	if deeperThan(*text, maxPayloadDepth) {
		return invalid(fmt.Sprintf("JSON nested deeper than %d levels", maxPayloadDepth))
	}
	var v any
	if err := json.Unmarshal([]byte(*text), &v); err != nil {
		return invalid(err.Error())
	}
	return nil
}

// maxPayloadDepth bounds how deeply execution input and task output may nest. AWS documents
// no figure; Stepflow's bound leaves the engine room below encoding/json's own limit of
// 10,000 levels, which a stored value wrapped in the execution's snapshot must still decode
// under, and keeps the evaluators' recursion shallow.
const maxPayloadDepth = 1000

// deeperThan reports whether JSON text nests arrays and objects more than limit levels deep.
// It looks at brackets outside strings only, so it is exact for valid JSON and cheap for any.
func deeperThan(text string, limit int) bool {
	depth := 0
	inString, escaped := false, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth > limit {
				return true
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return false
}

// target is what an execution starts on: a state machine, one of its versions or an alias.
type target struct {
	ref  machineRef
	typ  sfn.StateMachineType
	name string
}

// resolveTarget checks that the state machine, version or alias named by arn exists.
func (s *Server) resolveTarget(ctx context.Context, arn string) (*target, error) {
	ref, err := parseMachineRef(arn)
	if err != nil {
		return nil, err
	}
	switch {
	case ref.Version > 0:
		version, err := s.engine.CachedStateMachineVersion(ctx, ref.ARN)
		if errors.Is(err, store.ErrNotFound) {
			return nil, stateMachineDoesNotExist(ref.ARN)
		}
		if err != nil {
			return nil, err
		}
		return &target{ref: ref, typ: version.Type, name: ref.Name}, nil
	case ref.Alias != "":
		if _, err := s.engine.CachedStateMachineAlias(ctx, ref.ARN); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, stateMachineDoesNotExist(ref.ARN)
			}
			return nil, err
		}
	}
	// The engine's copy: the start that follows reads the same record without a query.
	sm, err := s.engine.CachedStateMachine(ctx, ref.MachineARN)
	if errors.Is(err, store.ErrNotFound) {
		return nil, stateMachineDoesNotExist(ref.MachineARN)
	}
	if err != nil {
		return nil, err
	}
	return &target{ref: ref, typ: sm.Type, name: sm.Name}, nil
}

type startExecutionInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
	Name            *string `json:"name"`
	Input           *string `json:"input"`
	TraceHeader     *string `json:"traceHeader"`
	IncludedData    *string `json:"includedData"`
}

// checkStart validates a start request and returns its engine parameters, its target and
// the test case it names (nil without "#TestCaseName").
func (s *Server) checkStart(ctx context.Context, in *startExecutionInput) (*engine.StartExecutionParams, *target, *mock.TestCase, error) {
	var v validationErrors
	v.required("stateMachineArn", in.StateMachineArn != nil)
	v.length("stateMachineArn", in.StateMachineArn, 1, 256)
	v.length("name", in.Name, 1, maxNameLength)
	v.length("traceHeader", in.TraceHeader, 0, 256)
	v.enum("includedData", in.IncludedData, "ALL_DATA", "METADATA_ONLY")
	if err := v.err(); err != nil {
		return nil, nil, nil, err
	}
	if in.Name != nil && !validName(*in.Name) {
		return nil, nil, nil, invalidName(*in.Name)
	}
	if err := checkPayload("input", in.Input, func(detail string) *Error {
		return clientError(codeInvalidExecutionInput, "Invalid State Machine Execution Input: '%s'", detail)
	}); err != nil {
		return nil, nil, nil, err
	}
	caseName, err := s.splitTestCase(in)
	if err != nil {
		return nil, nil, nil, err
	}
	t, err := s.resolveTarget(ctx, *in.StateMachineArn)
	if err != nil {
		return nil, nil, nil, err
	}
	var tc *mock.TestCase
	if caseName != "" {
		c, err := s.checkTestCase(t.name, caseName)
		if err != nil {
			return nil, nil, nil, err
		}
		tc = &c
	}
	return &engine.StartExecutionParams{
		StateMachineARN: *in.StateMachineArn,
		Name:            ptrOr(in.Name, ""),
		Input:           ptrOr(in.Input, "{}"),
		TraceHeader:     ptrOr(in.TraceHeader, ""),
	}, t, tc, nil
}

type startExecutionOutput struct {
	ExecutionArn string      `json:"executionArn"`
	StartDate    json.Number `json:"startDate"`
}

func (s *Server) startExecution(ctx context.Context, in *startExecutionInput) (*startExecutionOutput, error) {
	params, t, tc, err := s.checkStart(ctx, in)
	if err != nil {
		return nil, err
	}
	bound := ""
	if tc != nil {
		if t.typ == sfn.TypeExpress {
			return nil, expressTestCaseError()
		}
		if params.Name == "" {
			params.Name = newUUID()
		}
		if bound, err = s.bindTestCase(ctx, t.name, params.Name, *tc); err != nil {
			return nil, err
		}
	}
	exec, err := s.startAdmitted(ctx, params)
	if err != nil {
		if bound != "" {
			if rerr := s.cfg.Mocks.Release(ctx, bound); rerr != nil {
				s.logger.Warn("release test case", "execution", bound, "error", rerr)
			}
		}
		return nil, err
	}
	if bound != "" {
		s.releaseWhenDone(bound)
	}
	return &startExecutionOutput{ExecutionArn: exec.ARN, StartDate: epoch(exec.StartDate)}, nil
}

// startAdmitted starts an execution once the server's start admission lets it in.
func (s *Server) startAdmitted(ctx context.Context, params *engine.StartExecutionParams) (*store.Execution, error) {
	done, err := s.starts.admit(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	return s.engine.StartExecution(ctx, params)
}

type payloadDetails struct {
	Included bool `json:"included"`
}

type billingDetails struct {
	BilledMemoryUsedInMB         int64 `json:"billedMemoryUsedInMB"`
	BilledDurationInMilliseconds int64 `json:"billedDurationInMilliseconds"`
}

type startSyncExecutionOutput struct {
	ExecutionArn    string          `json:"executionArn"`
	StateMachineArn string          `json:"stateMachineArn,omitempty"`
	Name            string          `json:"name,omitempty"`
	StartDate       json.Number     `json:"startDate"`
	StopDate        json.Number     `json:"stopDate"`
	Status          string          `json:"status"`
	Error           string          `json:"error,omitempty"`
	Cause           string          `json:"cause,omitempty"`
	Input           *string         `json:"input,omitempty"`
	InputDetails    *payloadDetails `json:"inputDetails,omitempty"`
	Output          *string         `json:"output,omitempty"`
	OutputDetails   *payloadDetails `json:"outputDetails,omitempty"`
	TraceHeader     string          `json:"traceHeader,omitempty"`
	BillingDetails  *billingDetails `json:"billingDetails,omitempty"`
}

func (s *Server) startSyncExecution(ctx context.Context, in *startExecutionInput) (*startSyncExecutionOutput, error) {
	params, t, tc, err := s.checkStart(ctx, in)
	if err != nil {
		return nil, err
	}
	if t.typ != sfn.TypeExpress {
		return nil, clientError(codeStateMachineTypeNotSupported, "This operation is not supported by this type of state machine")
	}
	if tc != nil {
		// The engine runs a synchronous execution under the request's context.
		ctx = mock.WithTestCase(ctx, *tc)
	}
	done, err := s.syncStarts.admit(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.engine.StartSyncExecution(ctx, params)
	done()
	if err != nil {
		return nil, err
	}
	if tc != nil {
		// Run under the request's context, never bound: only memory to free.
		_ = s.cfg.Mocks.Release(ctx, res.Execution.ARN)
	}
	exec := res.Execution
	stop := exec.StartDate
	if exec.StopDate != nil {
		stop = *exec.StopDate
	}
	out := &startSyncExecutionOutput{
		ExecutionArn:    exec.ARN,
		StateMachineArn: exec.StateMachineARN,
		Name:            exec.Name,
		StartDate:       epoch(exec.StartDate),
		StopDate:        epoch(stop),
		Status:          string(exec.Status),
		Error:           exec.Error,
		Cause:           exec.Cause,
		Input:           &exec.Input,
		InputDetails:    &payloadDetails{Included: true},
		TraceHeader:     exec.TraceHeader,
		BillingDetails: &billingDetails{
			BilledMemoryUsedInMB:         64,
			BilledDurationInMilliseconds: max(100, (stop.Sub(exec.StartDate).Milliseconds()+99)/100*100),
		},
	}
	if exec.Output != nil {
		out.Output = exec.Output
		out.OutputDetails = &payloadDetails{Included: true}
	}
	if ptrOr(in.IncludedData, "ALL_DATA") == "METADATA_ONLY" {
		out.Input, out.InputDetails, out.Output, out.OutputDetails = nil, &payloadDetails{}, nil, &payloadDetails{}
	}
	return out, nil
}

// getExecution looks an execution up by ARN.
func (s *Server) getExecution(ctx context.Context, arn string) (*store.Execution, error) {
	if err := parseExecutionARN(arn); err != nil {
		return nil, err
	}
	exec, err := s.store.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: arn})
	if errors.Is(err, store.ErrNotFound) {
		return nil, executionDoesNotExist(arn)
	}
	return exec, err
}

type executionARNInput struct {
	ExecutionArn *string `json:"executionArn"`
	IncludedData *string `json:"includedData"`
}

func checkExecutionARN(v *validationErrors, arn *string) error {
	v.required("executionArn", arn != nil)
	v.length("executionArn", arn, 1, 2048)
	return v.err()
}

type describeExecutionOutput struct {
	ExecutionArn           string          `json:"executionArn"`
	StateMachineArn        string          `json:"stateMachineArn"`
	Name                   string          `json:"name"`
	Status                 string          `json:"status"`
	StartDate              json.Number     `json:"startDate"`
	StopDate               json.Number     `json:"stopDate,omitempty"`
	Input                  *string         `json:"input,omitempty"`
	InputDetails           *payloadDetails `json:"inputDetails,omitempty"`
	Output                 *string         `json:"output,omitempty"`
	OutputDetails          *payloadDetails `json:"outputDetails,omitempty"`
	TraceHeader            string          `json:"traceHeader,omitempty"`
	Error                  string          `json:"error,omitempty"`
	Cause                  string          `json:"cause,omitempty"`
	StateMachineVersionArn string          `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string          `json:"stateMachineAliasArn,omitempty"`
	MapRunArn              string          `json:"mapRunArn,omitempty"`
	RedriveCount           int             `json:"redriveCount"`
	RedriveDate            json.Number     `json:"redriveDate,omitempty"`
	RedriveStatus          string          `json:"redriveStatus,omitempty"`
	RedriveStatusReason    string          `json:"redriveStatusReason,omitempty"`
}

// redriveWindow is how long after its end AWS lets an execution be redriven.
const redriveWindow = 14 * 24 * time.Hour

// redriveStatus says whether RedriveExecution would accept the execution, and why not.
func (s *Server) redriveStatus(exec *store.Execution) (status, reason string) {
	switch {
	case exec.Type == sfn.TypeExpress:
		return "NOT_REDRIVABLE", "Execution is of type EXPRESS and cannot be redriven"
	case exec.Status == sfn.StatusRunning || exec.Status == sfn.StatusSucceeded || exec.Status == sfn.StatusPendingRedrive:
		return "NOT_REDRIVABLE", fmt.Sprintf("Execution is %s and cannot be redriven", exec.Status)
	case exec.StopDate != nil && s.now().Sub(*exec.StopDate) > redriveWindow:
		return "NOT_REDRIVABLE", "Execution can no longer be redriven: it ended more than 14 days ago"
	}
	return "REDRIVABLE", ""
}

func (s *Server) describeExecution(ctx context.Context, in *executionARNInput) (*describeExecutionOutput, error) {
	var v validationErrors
	v.enum("includedData", in.IncludedData, "ALL_DATA", "METADATA_ONLY")
	if err := checkExecutionARN(&v, in.ExecutionArn); err != nil {
		return nil, err
	}
	exec, child, err := s.getExecutionOrChild(ctx, *in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if child != nil {
		return s.describeChild(ctx, child, ptrOr(in.IncludedData, "ALL_DATA") == "METADATA_ONLY")
	}
	out := &describeExecutionOutput{
		ExecutionArn:           exec.ARN,
		StateMachineArn:        exec.StateMachineARN,
		Name:                   exec.Name,
		Status:                 string(exec.Status),
		StartDate:              epoch(exec.StartDate),
		StopDate:               epochPtr(exec.StopDate),
		Input:                  &exec.Input,
		InputDetails:           &payloadDetails{Included: true},
		TraceHeader:            exec.TraceHeader,
		Error:                  exec.Error,
		Cause:                  exec.Cause,
		StateMachineVersionArn: exec.StateMachineVersionARN,
		StateMachineAliasArn:   exec.StateMachineAliasARN,
		RedriveCount:           exec.RedriveCount,
		RedriveDate:            epochPtr(exec.RedriveDate),
	}
	if exec.Output != nil {
		out.Output = exec.Output
		out.OutputDetails = &payloadDetails{Included: true}
	}
	if ptrOr(in.IncludedData, "ALL_DATA") == "METADATA_ONLY" {
		out.Input, out.InputDetails, out.Output, out.OutputDetails = nil, &payloadDetails{}, nil, &payloadDetails{}
	}
	out.RedriveStatus, out.RedriveStatusReason = s.redriveStatus(exec)
	return out, nil
}

type stopExecutionInput struct {
	ExecutionArn *string `json:"executionArn"`
	Error        *string `json:"error"`
	Cause        *string `json:"cause"`
}

type stopExecutionOutput struct {
	StopDate json.Number `json:"stopDate"`
}

func (s *Server) stopExecution(ctx context.Context, in *stopExecutionInput) (*stopExecutionOutput, error) {
	var v validationErrors
	v.length("error", in.Error, 0, 256)
	v.length("cause", in.Cause, 0, 32768)
	if err := checkExecutionARN(&v, in.ExecutionArn); err != nil {
		return nil, err
	}
	_, child, err := s.getExecutionOrChild(ctx, *in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if child != nil {
		stop, err := s.engine.StopChildExecution(ctx, child.ParentARN, child.ARN, ptrOr(in.Error, ""), ptrOr(in.Cause, ""))
		if err != nil {
			return nil, err
		}
		return &stopExecutionOutput{StopDate: epoch(stop)}, nil
	}
	stop, err := s.engine.StopExecution(ctx, *in.ExecutionArn, ptrOr(in.Error, ""), ptrOr(in.Cause, ""))
	if err != nil {
		return nil, err
	}
	return &stopExecutionOutput{StopDate: epoch(stop)}, nil
}

type redriveExecutionInput struct {
	ExecutionArn *string `json:"executionArn"`
	ClientToken  *string `json:"clientToken"`
}

type redriveExecutionOutput struct {
	RedriveDate json.Number `json:"redriveDate"`
}

func (s *Server) redriveExecution(ctx context.Context, in *redriveExecutionInput) (*redriveExecutionOutput, error) {
	var v validationErrors
	v.length("clientToken", in.ClientToken, 1, 64)
	if err := checkExecutionARN(&v, in.ExecutionArn); err != nil {
		return nil, err
	}
	exec, child, err := s.getExecutionOrChild(ctx, *in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if child != nil {
		// AWS redrives a Map Run's children by redriving their parent.
		return nil, clientError(codeExecutionNotRedrivable, "Execution %s is a child workflow execution of Map Run %s: redrive its parent execution %s",
			child.ARN, child.MapRunARN, child.ParentARN)
	}
	if status, reason := s.redriveStatus(exec); status != "REDRIVABLE" {
		return nil, clientError(codeExecutionNotRedrivable, "%s", reason)
	}
	date, err := s.engine.RedriveExecution(ctx, exec.ARN)
	if err != nil {
		return nil, err
	}
	return &redriveExecutionOutput{RedriveDate: epoch(date)}, nil
}

type listExecutionsInput struct {
	listInput
	StateMachineArn *string `json:"stateMachineArn"`
	StatusFilter    *string `json:"statusFilter"`
	MapRunArn       *string `json:"mapRunArn"`
	RedriveFilter   *string `json:"redriveFilter"`
}

type executionListItem struct {
	ExecutionArn           string      `json:"executionArn"`
	StateMachineArn        string      `json:"stateMachineArn"`
	Name                   string      `json:"name"`
	Status                 string      `json:"status"`
	StartDate              json.Number `json:"startDate"`
	StopDate               json.Number `json:"stopDate,omitempty"`
	StateMachineVersionArn string      `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string      `json:"stateMachineAliasArn,omitempty"`
	MapRunArn              string      `json:"mapRunArn,omitempty"`
	ItemCount              *int64      `json:"itemCount,omitempty"`
	RedriveCount           int         `json:"redriveCount"`
	RedriveDate            json.Number `json:"redriveDate,omitempty"`
}

type listExecutionsOutput struct {
	Executions []executionListItem `json:"executions"`
	NextToken  string              `json:"nextToken,omitempty"`
}

func (s *Server) listExecutions(ctx context.Context, in *listExecutionsInput) (*listExecutionsOutput, error) {
	var v validationErrors
	v.length("stateMachineArn", in.StateMachineArn, 1, 256)
	v.length("mapRunArn", in.MapRunArn, 1, 2000)
	v.enum("statusFilter", in.StatusFilter, "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE")
	v.enum("redriveFilter", in.RedriveFilter, "REDRIVEN", "NOT_REDRIVEN")
	in.check(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	if (in.StateMachineArn == nil) == (in.MapRunArn == nil) {
		e := clientError(codeValidation, "Must provide a StateMachine ARN or MapRun ARN")
		e.Fields = map[string]any{"reason": "MISSING_REQUIRED_PARAMETER"}
		return nil, e
	}
	if in.MapRunArn != nil {
		return s.listChildren(ctx, in)
	}
	t, err := s.resolveTarget(ctx, *in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if t.typ == sfn.TypeExpress {
		return nil, clientError(codeStateMachineTypeNotSupported, "This operation is not supported by this type of state machine")
	}
	maxResults, token := in.page()
	params := &store.ExecutionListParams{
		StateMachineARN: t.ref.MachineARN,
		Status:          sfn.ExecutionStatus(ptrOr(in.StatusFilter, "")),
		MaxResults:      maxResults,
		NextToken:       token,
	}
	switch {
	case t.ref.Version > 0:
		params.StateMachineVersionARN = t.ref.ARN
	case t.ref.Alias != "":
		params.StateMachineAliasARN = t.ref.ARN
	}
	res, err := s.store.ExecutionList(ctx, params)
	if err != nil {
		return nil, err
	}
	out := &listExecutionsOutput{Executions: []executionListItem{}, NextToken: res.NextToken}
	for _, exec := range res.Executions {
		switch ptrOr(in.RedriveFilter, "") {
		case "REDRIVEN":
			if exec.RedriveCount == 0 {
				continue
			}
		case "NOT_REDRIVEN":
			if exec.RedriveCount > 0 {
				continue
			}
		}
		out.Executions = append(out.Executions, executionListItem{
			ExecutionArn:           exec.ARN,
			StateMachineArn:        exec.StateMachineARN,
			Name:                   exec.Name,
			Status:                 string(exec.Status),
			StartDate:              epoch(exec.StartDate),
			StopDate:               epochPtr(exec.StopDate),
			StateMachineVersionArn: exec.StateMachineVersionARN,
			StateMachineAliasArn:   exec.StateMachineAliasARN,
			RedriveCount:           exec.RedriveCount,
			RedriveDate:            epochPtr(exec.RedriveDate),
		})
	}
	return out, nil
}
