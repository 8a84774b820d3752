package api

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"context"
	"encoding/json"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// testStateTimeout bounds one TestState run, as on AWS.
const testStateTimeout = 5 * time.Minute

type testStateInput struct {
	Definition         *string                 `json:"definition"`
	RoleArn            *string                 `json:"roleArn"`
	Input              *string                 `json:"input"`
	InspectionLevel    *string                 `json:"inspectionLevel"`
	RevealSecrets      bool                    `json:"revealSecrets"`
	Variables          *string                 `json:"variables"`
	StateName          *string                 `json:"stateName"`
	Mock               *testStateMock          `json:"mock"`
	Context            *string                 `json:"context"`
	StateConfiguration *testStateConfiguration `json:"stateConfiguration"`
}

type testStateOutput struct {
	Output         *string         `json:"output,omitempty"`
	Error          string          `json:"error,omitempty"`
	Cause          string          `json:"cause,omitempty"`
	InspectionData *inspectionData `json:"inspectionData,omitempty"`
	NextState      string          `json:"nextState,omitempty"`
	Status         string          `json:"status"`
}

// Error and cause of a Map state whose mapIterationFailureCount exceeds its tolerance.
const (
	errorExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
	causeExceedToleratedFailureThreshold = "The specified tolerated failure threshold was exceeded"
)

func validateTestStateInput(in *testStateInput) error {
	var v validationErrors
	v.required("definition", in.Definition != nil)
	v.length("definition", in.Definition, 1, maxDefinitionLength)
	v.length("roleArn", in.RoleArn, 1, 256)
	v.enum("inspectionLevel", in.InspectionLevel, "INFO", "DEBUG", "TRACE")
	v.length("stateName", in.StateName, 1, 80)
	if mk := in.Mock; mk != nil {
		v.length("mock.result", mk.Result, 0, maxPayloadLength)
		v.enum("mock.fieldValidationMode", mk.FieldValidationMode, "STRICT", "PRESENT", "NONE")
		if eo := mk.ErrorOutput; eo != nil {
			v.length("mock.errorOutput.error", eo.Error, 0, 256)
			v.length("mock.errorOutput.cause", eo.Cause, 0, 32768)
		}
	}
	if c := in.StateConfiguration; c != nil {
		v.intRange("stateConfiguration.retrierRetryCount", c.RetrierRetryCount, 0, math.MaxInt32)
		v.length("stateConfiguration.errorCausedByState", c.ErrorCausedByState, 1, 80)
		v.intRange("stateConfiguration.mapIterationFailureCount", c.MapIterationFailureCount, 0, math.MaxInt32)
		v.length("stateConfiguration.mapItemReaderData", c.MapItemReaderData, 0, maxPayloadLength)
	}
	if err := v.err(); err != nil {
		return err
	}
	return checkPayload("input", in.Input, func(detail string) *Error {
		return clientError(codeInvalidExecutionInput, "Invalid State Machine Execution Input: '%s'", detail)
	})
}

// testState runs one state as AWS's TestState does: the request is checked in AWS's order as
// far as it is known (members, mock, state, configuration), a Map state's items are found by a
// probe run, then the state runs once in its own machine (test_state_definition.go), with the
// mock or the server's task runners, and its status, error details and inspection data are
// read from that run's history.
func (s *Server) testState(ctx context.Context, in *testStateInput) (*testStateOutput, error) {
	if err := validateTestStateInput(in); err != nil {
		return nil, err
	}
	vars, err := parseTestStateVariables(in.Variables)
	if err != nil {
		return nil, err
	}
	st, err := findTestState(*in.Definition, in.StateName)
	if err != nil {
		return nil, err
	}
	cfg := ptrOr(in.StateConfiguration, testStateConfiguration{})
	run := &testRun{s: s, vars: vars}
	var answer *mockAnswer
	if in.Mock != nil {
		if answer, err = validateMock(in, st); err != nil {
			return nil, err
		}
		if run.contextObject, err = parseTestStateContext(in.Context, st); err != nil {
			return nil, err
		}
	} else if err := checkUnmocked(in, st, &cfg); err != nil {
		return nil, err
	}
	if list, ok := answer.resultList(); ok && st.typ == string(asl.TypeMap) && cfg.MapIterationFailureCount != nil && int(*cfg.MapIterationFailureCount) > len(list) {
		return nil, clientError(codeValidation, "Map iteration failure count must be less than or equal to the number of Map iterations")
	}
	machine, err := buildTestStateMachine(st, vars, true)
	if err != nil {
		return nil, err
	}
	sm, diags := asl.Parse(machine.run, interp.ParseOptions(sfn.TypeStandard))
	if diags.HasErrors() {
		return nil, clientError(codeInvalidDefinition, "%s", invalidDefinitionMessage(diags))
	}
	prog, err := interp.Compile(sm, interp.Options{PayloadLimit: sfn.DefaultPayloadLimit, History: true, Context: run.contextObject})
	if err != nil {
		return nil, clientError(codeInvalidDefinition, "Invalid State Machine Definition: '%v'", err)
	}
	inputText := ptrOr(in.Input, "{}")
	input, err := jsonvalue.Decode([]byte(inputText)) // in document order, as StartExecution reads it
	if err != nil {
		return nil, clientError(codeInvalidExecutionInput, "Invalid State Machine Execution Input: '%v'", err)
	}

	runCtx, cancel := context.WithTimeout(ctx, testStateTimeout)
	defer cancel()
	var probe *mapProbe
	if st.typ == string(asl.TypeMap) {
		probe = run.probeMap(runCtx, st, input, cfg.MapItemReaderData)
		switch {
		case probe.failure != nil:
			answer = &mockAnswer{err: probe.failure}
		case answer != nil && answer.err == nil && cfg.MapIterationFailureCount != nil && run.exceedsTolerance(runCtx, st, input, int(*cfg.MapIterationFailureCount), len(probe.items)):
			answer = &mockAnswer{err: &task.Error{Name: errorExceedToleratedFailureThreshold, Cause: causeExceedToleratedFailureThreshold}}
		}
	}
	var invoker task.Invoker = s.cfg.Invoker
	if answer != nil {
		invoker = &mockInvoker{answer: answer}
	}
	level := ptrOr(in.InspectionLevel, "INFO")
	var exchange *httpExchange
	if level == "TRACE" && answer == nil {
		runCtx, exchange = withHTTPExchange(runCtx)
	}
	name := "TestState-" + newUUID()
	role := ptrOr(in.RoleArn, s.scope.RoleARN("StepflowTestStateRole"))
	var events []sfn.HistoryEvent
	res, err := engine.Run(runCtx, prog, engine.RunOptions{
		Info: interp.ExecutionInfo{
			ExecutionARN: s.scope.ExecutionARN("TestState", name), ExecutionName: name,
			StateMachineARN: s.scope.StateMachineARN("TestState"), StateMachineName: "TestState",
			RoleARN: role, StartTime: s.now().UTC(), Seed: rand.Uint64(),
		},
		Input:       withVariables(input, vars),
		Invoker:     invoker,
		VirtualTime: true,
		OnStep:      func(evs []sfn.HistoryEvent) { events = append(events, evs...) },
	})
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil && res.Status == sfn.StatusRunning {
		// Stalled: the state waits for something nothing will send.
		res = interp.Result{Status: sfn.StatusFailed, Error: sfn.ErrorRuntime, Cause: err.Error()}
	}
	if runCtx.Err() != nil && res.Status != sfn.StatusSucceeded {
		res = interp.Result{Status: sfn.StatusFailed, Error: sfn.ErrorTimeout, Cause: "TestState exceeded its 5 minute limit"}
	}

	out := &testStateOutput{}
	next := ""
	for _, ev := range events {
		if ev.StateEnteredEventDetails != nil && machine.stubs[ev.StateEnteredEventDetails.Name] {
			next = ev.StateEnteredEventDetails.Name
			break
		}
	}
	failure, hasFailure := stateFailure(events)
	if !hasFailure && res.Status != sfn.StatusSucceeded && st.typ != string(asl.TypeFail) {
		failure, hasFailure = errorCause{res.Error, res.Cause}, true
	}
	var details *inspectionErrorDetails
	retriable := false
	if hasFailure {
		details, retriable = machine.errorDetails(failure.Error, cfg.RetrierRetryCount, res.Status == sfn.StatusSucceeded)
	}
	switch {
	case retriable:
		out.Status, out.Error, out.Cause = "RETRIABLE", failure.Error, failure.Cause
	case res.Status == sfn.StatusSucceeded && hasFailure:
		out.Status, out.Error, out.Cause, out.NextState = "CAUGHT_ERROR", failure.Error, failure.Cause, next
		out.Output = encodeOutput(res.Output)
	case res.Status == sfn.StatusSucceeded:
		out.Status, out.NextState = "SUCCEEDED", next
		out.Output = encodeOutput(res.Output)
	default:
		out.Status, out.Error, out.Cause = "FAILED", res.Error, res.Cause
	}
	if level != "INFO" {
		out.InspectionData = run.inspect(runCtx, machine, inputText, input, events, probe)
		out.InspectionData.ErrorDetails = details
		if exchange != nil {
			out.InspectionData.Request, out.InspectionData.Response = exchange.inspection()
		}
	}
	return out, nil
}

// checkUnmocked refuses what TestState runs only with a mock.
func checkUnmocked(in *testStateInput, st *testedState, cfg *testStateConfiguration) error {
	if in.Context != nil {
		return clientError(codeValidation, "TestState does not support Context when a mock is not specified.")
	}
	if cfg.MapIterationFailureCount != nil {
		return clientError(codeValidation, "TestState does not support MapIterationFailureCount when a mock is not specified.")
	}
	switch st.typ {
	case string(asl.TypeParallel), string(asl.TypeMap):
		return clientError(codeInvalidDefinition, "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]")
	case string(asl.TypeTask):
		resource, _ := st.def["Resource"].(string)
		switch {
		case strings.Contains(resource, ":activity:"):
			return clientError(codeInvalidDefinition, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: TestState does not support Activity tasks at /Resource'")
		case strings.HasSuffix(resource, ".sync") || strings.Contains(resource, ".sync:") || strings.HasSuffix(resource, ".waitForTaskToken"):
			return clientError(codeInvalidDefinition, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: TestState does not support the .sync and .waitForTaskToken integration patterns at /Resource'")
		}
		if in.RoleArn == nil {
			return clientError(codeValidation, "RoleArn must be specified when testing a Task state")
		}
	}
	return nil
}

// contextFields are the members a request's Context object may have, and each member's
// fields with their JSON types ("" for any).
var contextFields = map[string]map[string]string{
	"Execution":    {"Id": "string", "Input": "", "Name": "string", "RoleArn": "string", "StartTime": "string", "RedriveCount": "number", "RedriveTime": "string"},
	"State":        {"EnteredTime": "string", "Name": "string", "RetryCount": "number"},
	"StateMachine": {"Id": "string", "Name": "string"},
	"Task":         {"Token": "string"},
}

// parseTestStateContext reads the request's Context object, which replaces the one of a new
// execution as it is given.
func parseTestStateContext(text *string, st *testedState) (any, error) {
	if text == nil {
		return nil, nil
	}
	invalid := func(format string, args ...any) error {
		return clientError(codeValidation, "Invalid Context object provided: "+format, args...)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(*text), &obj); err != nil || obj == nil {
		return nil, invalid("it must be a JSON object")
	}
	for _, member := range slices.Sorted(maps.Keys(obj)) {
		fields, ok := contextFields[member]
		switch {
		case member == "Map":
			return nil, invalid("'Map' field is not supported when mocking a Context object")
		case !ok:
			return nil, invalid("Field '%s' is not allowed", member)
		case member == "Task" && !callbackOrSync(st):
			return nil, invalid("Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern")
		}
		values, ok := obj[member].(map[string]any)
		if !ok {
			return nil, invalid("%s must be an object", member)
		}
		for _, field := range slices.Sorted(maps.Keys(values)) {
			want, ok := fields[field]
			if !ok {
				return nil, invalid("Field '%s' is not allowed", field)
			}
			if got := jsonTypeOf(values[field]); want != "" && got != want {
				return nil, invalid("%s.%s must be a %s", member, field, want)
			}
		}
	}
	// $$ shows the object as given, keys in its order.
	return jsonvalue.Decode([]byte(*text))
}

// callbackOrSync reports whether the state is a Task state of the .sync or .waitForTaskToken
// pattern.
func callbackOrSync(st *testedState) bool {
	resource, _ := st.def["Resource"].(string)
	return st.typ == string(asl.TypeTask) && (strings.HasSuffix(resource, ".waitForTaskToken") || strings.HasSuffix(resource, ".sync") || strings.HasSuffix(resource, ".sync:2"))
}

func jsonTypeOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	}
	return "other"
}

// resultList is the mocked result when it is an array.
func (a *mockAnswer) resultList() ([]any, bool) {
	if a == nil || a.err != nil {
		return nil, false
	}
	list, ok := a.result.([]any)
	return list, ok
}

type inspectionErrorDetails struct {
	CatchIndex                  *int `json:"catchIndex,omitempty"`
	RetryBackoffIntervalSeconds *int `json:"retryBackoffIntervalSeconds,omitempty"`
	RetryIndex                  *int `json:"retryIndex,omitempty"`
}

// errorDetails says what the state's retriers and catchers make of an error: the first
// retrier whose ErrorEquals matches retries it unless retryCount (the attempts already made)
// reached its MaxAttempts, then waits its backoff interval; otherwise the first catcher that
// matches handled it (caught: the run went on to its Next). retriable is whether a retry
// would be made.
func (m *testStateMachine) errorDetails(errName string, retryCount *int64, caught bool) (details *inspectionErrorDetails, retriable bool) {
	base := m.parsed.Base()
	d := &inspectionErrorDetails{}
	for i := range base.Retry {
		r := &base.Retry[i]
		if !interp.ErrorMatches(r.ErrorEquals, errName) {
			continue
		}
		index := i
		d.RetryIndex = &index
		attempts := ptrOr(retryCount, 0)
		if attempts < r.MaxAttempts {
			backoff := retryBackoffSeconds(r, attempts)
			d.RetryBackoffIntervalSeconds = &backoff
			return d, true
		}
		break
	}
	if caught {
		for i := range base.Catch {
			if interp.ErrorMatches(base.Catch[i].ErrorEquals, errName) {
				index := i
				d.CatchIndex = &index
				break
			}
		}
	}
	if d.RetryIndex == nil && d.CatchIndex == nil {
		return nil, false
	}
	return d, false
}

// retryBackoffSeconds is the wait before the retry after attempts retries: IntervalSeconds ×
// BackoffRate^attempts, capped by MaxDelaySeconds, scaled by a random factor with FULL jitter,
// in whole seconds.
func retryBackoffSeconds(r *asl.Retrier, attempts int64) int {
	backoff := r.BackoffRate
	if backoff == 0 {
		backoff = 2
	}
	seconds := float64(r.IntervalSeconds) * math.Pow(backoff, float64(attempts))
	if r.MaxDelaySeconds != nil && seconds > float64(*r.MaxDelaySeconds) {
		seconds = float64(*r.MaxDelaySeconds)
	}
	if r.JitterStrategy == "FULL" {
		seconds *= rand.Float64()
	}
	return int(math.Min(seconds, math.MaxInt32))
}

func encodeOutput(v any) *string {
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	text := string(data)
	return &text
}

type errorCause struct {
	Error string `json:"error"`
	Cause string `json:"cause"`
}

// stateFailure finds the first failure the state met (a task, Lambda function or evaluation
// that failed or timed out) in the history, with its error and cause.
func stateFailure(events []sfn.HistoryEvent) (errorCause, bool) {
	for _, ev := range events {
		t := string(ev.Type)
		if strings.HasPrefix(t, "Execution") || !(strings.HasSuffix(t, "Failed") || strings.HasSuffix(t, "TimedOut")) {
			continue
		}
		if errName, cause, ok := ev.ErrorCause(); ok {
			return errorCause{Error: errName, Cause: cause}, true
		}
	}
	return errorCause{}, false
}
