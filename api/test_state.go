package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
)

// testStateTimeout bounds one TestState run, as on AWS.
const testStateTimeout = 5 * time.Minute

type testStateInput struct {
	Definition      *string `json:"definition"`
	RoleArn         *string `json:"roleArn"`
	Input           *string `json:"input"`
	InspectionLevel *string `json:"inspectionLevel"`
	RevealSecrets   bool    `json:"revealSecrets"`
	Variables       *string `json:"variables"`
}

type testStateOutput struct {
	Output         *string         `json:"output,omitempty"`
	Error          string          `json:"error,omitempty"`
	Cause          string          `json:"cause,omitempty"`
	InspectionData *inspectionData `json:"inspectionData,omitempty"`
	NextState      string          `json:"nextState,omitempty"`
	Status         string          `json:"status"`
}

// testStateMachine is the one-state machine TestState runs: the state under test, with its
// retriers taken out (TestState reports RETRIABLE instead of retrying), and a Succeed stub
// for each state it can go to, so that where it went is seen in the history.
type testStateMachine struct {
	name      string         // of the state under test
	state     map[string]any // its definition, without Retry
	jsonata   bool           // it uses JSONata
	stubs     map[string]bool
	retriers  [][]string // ErrorEquals of the retriers that may retry (MaxAttempts > 0)
	stateType string
	// fan: a Parallel or Map state. Failures inside its branches may be handled there, so its
	// own error is known only from the execution's end or, when a catcher handled it, from the
	// variable caughtVariable that every catcher of the state assigns.
	fan bool
}

func (s *Server) testState(ctx context.Context, in *testStateInput) (*testStateOutput, error) {
	var v validationErrors
	v.required("definition", in.Definition != nil)
	v.length("definition", in.Definition, 1, maxDefinitionLength)
	v.length("roleArn", in.RoleArn, 1, 256)
	v.enum("inspectionLevel", in.InspectionLevel, "INFO", "DEBUG", "TRACE")
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkPayload("input", in.Input, func(detail string) *Error {
		return clientError(codeInvalidExecutionInput, "Invalid State Machine Execution Input: '%s'", detail)
	}); err != nil {
		return nil, err
	}
	vars, err := parseTestStateVariables(in.Variables)
	if err != nil {
		return nil, err
	}
	definition, machine, err := buildTestStateMachine(*in.Definition, vars)
	if err != nil {
		return nil, err
	}
	sm, diags := asl.Parse(definition, asl.ParseOptions{Type: sfn.TypeStandard})
	if diags.HasErrors() {
		return nil, clientError(codeInvalidDefinition, "%s", invalidDefinitionMessage(diags))
	}
	prog, err := interp.Compile(sm, interp.Options{PayloadLimit: sfn.DefaultPayloadLimit, History: true})
	if err != nil {
		return nil, clientError(codeInvalidDefinition, "Invalid State Machine Definition: '%v'", err)
	}
	inputText := ptrOr(in.Input, "{}")
	var input any
	if err := json.Unmarshal([]byte(inputText), &input); err != nil {
		return nil, clientError(codeInvalidExecutionInput, "Invalid State Machine Execution Input: '%v'", err)
	}

	runCtx, cancel := context.WithTimeout(ctx, testStateTimeout)
	defer cancel()
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
		Invoker:     s.cfg.Invoker,
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
	if lvl := ptrOr(in.InspectionLevel, "INFO"); lvl != "INFO" {
		out.InspectionData = s.inspect(runCtx, machine, inputText, input, vars, events)
	}
	next := ""
	for _, ev := range events {
		if ev.StateEnteredEventDetails != nil && machine.stubs[ev.StateEnteredEventDetails.Name] {
			next = ev.StateEnteredEventDetails.Name
			break
		}
	}
	var failure errorCause
	var hasFailure bool
	if machine.fan {
		if text, ok := exitedAssigned(events, machine.name)[caughtVariable]; ok {
			hasFailure = json.Unmarshal([]byte(text), &failure) == nil
		}
	} else {
		failure, hasFailure = stateFailure(events)
	}
	if !hasFailure && res.Status != sfn.StatusSucceeded && machine.stateType != string(asl.TypeFail) {
		failure, hasFailure = errorCause{res.Error, res.Cause}, true
	}
	switch {
	case hasFailure && machine.retriable(failure.Error):
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
	return out, nil
}

func encodeOutput(v any) *string {
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	text := string(data)
	return &text
}

func (m *testStateMachine) retriable(errName string) bool {
	terminal := errName == sfn.ErrorRuntime || errName == sfn.ErrorDataLimitExceeded
	for _, names := range m.retriers {
		for _, n := range names {
			switch {
			case n == errName && !terminal,
				n == sfn.ErrorAll && !terminal,
				n == sfn.ErrorTaskFailed && !terminal && errName != sfn.ErrorTimeout:
				return true
			}
		}
	}
	return false
}

type errorCause struct {
	Error string `json:"error"`
	Cause string `json:"cause"`
}

// caughtVariable is the variable the catchers of a Parallel or Map state under test assign
// the error output to; it is not shown in the inspection data.
const caughtVariable = "stepflowTestStateCaught"

// exitedAssigned returns the variables (JSON text) the state name assigned when it exited.
func exitedAssigned(events []sfn.HistoryEvent, name string) map[string]string {
	for _, ev := range events {
		if d := ev.StateExitedEventDetails; d != nil && d.Name == name {
			return d.AssignedVariables
		}
	}
	return nil
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

// buildTestStateMachine wraps one state's definition into a machine TestState can run, after
// a state setting vars when there are any.
func buildTestStateMachine(definition string, vars map[string]any) ([]byte, *testStateMachine, error) {
	dec := json.NewDecoder(strings.NewReader(definition))
	dec.UseNumber()
	var state map[string]any
	if err := dec.Decode(&state); err != nil || state == nil {
		return nil, nil, clientError(codeInvalidDefinition, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The state definition must be a JSON object at /'")
	}
	m := &testStateMachine{stubs: map[string]bool{}, state: state}
	m.stateType, _ = state["Type"].(string)
	m.jsonata = state["QueryLanguage"] == string(asl.JSONata)
	switch m.stateType {
	case string(asl.TypeParallel), string(asl.TypeMap):
		m.fan = true
		catchers, _ := state["Catch"].([]any)
		for _, c := range catchers {
			cm, ok := c.(map[string]any)
			if !ok {
				continue
			}
			assign, _ := cm["Assign"].(map[string]any)
			if assign == nil {
				assign = map[string]any{}
			}
			if m.jsonata {
				assign[caughtVariable] = "{% $states.errorOutput %}"
			} else {
				assign[caughtVariable+".$"] = "$"
			}
			cm["Assign"] = assign
		}
	}
	if resource, ok := state["Resource"].(string); ok {
		switch {
		case strings.Contains(resource, ":activity:"):
			return nil, nil, clientError(codeInvalidDefinition, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: TestState does not support Activity tasks at /Resource'")
		case strings.HasSuffix(resource, ".sync") || strings.Contains(resource, ".sync:") || strings.HasSuffix(resource, ".waitForTaskToken"):
			return nil, nil, clientError(codeInvalidDefinition, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: TestState does not support the .sync and .waitForTaskToken integration patterns at /Resource'")
		}
	}
	if retry, ok := state["Retry"].([]any); ok {
		for _, r := range retry {
			rm, _ := r.(map[string]any)
			if n, ok := rm["MaxAttempts"].(json.Number); ok && n.String() == "0" {
				continue
			}
			var names []string
			list, _ := rm["ErrorEquals"].([]any)
			for _, n := range list {
				if s, ok := n.(string); ok {
					names = append(names, s)
				}
			}
			m.retriers = append(m.retriers, names)
		}
		delete(state, "Retry")
	}
	addTarget := func(v any) {
		if s, ok := v.(string); ok && s != "" {
			m.stubs[s] = true
		}
	}
	addTarget(state["Next"])
	addTarget(state["Default"])
	for _, list := range []string{"Choices", "Catch"} {
		items, _ := state[list].([]any)
		for _, item := range items {
			if im, ok := item.(map[string]any); ok {
				addTarget(im["Next"])
			}
		}
	}
	m.name = uniqueName("TestState", func(n string) bool { return m.stubs[n] })
	states := map[string]any{m.name: state}
	for stub := range m.stubs {
		states[stub] = map[string]any{"Type": "Succeed"}
	}
	start := m.name
	if len(vars) > 0 {
		start = uniqueName("TestStateVariables", func(n string) bool { return m.stubs[n] || n == m.name })
		states[start] = variablesState(vars, m.name)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any{"StartAt": start, "States": states}); err != nil {
		return nil, nil, fmt.Errorf("encode test state machine: %w", err)
	}
	return buf.Bytes(), m, nil
}
