package api

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"unicode"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
)

// TestState's variables and inspection data.
//
// The variables of the request are set by a Pass state that runs before the state under test:
// it assigns each variable from the execution input, which holds the variables and the test
// input ({"v": variables, "i": input}), and passes the test input on. (So $$.Execution.Input is
// that wrapper, not the test input.)
//
// The inspection data of a JSONPath state is rebuilt step by step as the interpreter processes
// data: what it recorded in the history (task parameters and result, assigned variables) is
// taken from there; the other stages (InputPath, Parameters of a Pass, ResultSelector,
// ResultPath) are evaluated by running a Pass state that applies just that stage, with the same
// variables, so that they are the interpreter's own results.

type inspectionData struct {
	Input               string `json:"input,omitempty"`
	AfterArguments      string `json:"afterArguments,omitempty"`
	AfterInputPath      string `json:"afterInputPath,omitempty"`
	AfterParameters     string `json:"afterParameters,omitempty"`
	AfterItemsPath      string `json:"afterItemsPath,omitempty"`
	Result              string `json:"result,omitempty"`
	AfterResultSelector string `json:"afterResultSelector,omitempty"`
	AfterResultPath     string `json:"afterResultPath,omitempty"`
	Variables           string `json:"variables,omitempty"`

	MaxConcurrency             *int64   `json:"maxConcurrency,omitempty"`
	ToleratedFailureCount      *int64   `json:"toleratedFailureCount,omitempty"`
	ToleratedFailurePercentage *float64 `json:"toleratedFailurePercentage,omitempty"`
}

// parseTestStateVariables reads the request's variables: a JSON object whose keys are
// variable names.
func parseTestStateVariables(text *string) (map[string]any, error) {
	if text == nil {
		return nil, nil
	}
	if err := checkPayload("variables", text, func(detail string) *Error {
		return clientError(codeValidation, "Invalid variables: '%s'", detail)
	}); err != nil {
		return nil, err
	}
	var vars map[string]any
	if err := json.Unmarshal([]byte(*text), &vars); err != nil || vars == nil {
		return nil, clientError(codeValidation, "Invalid variables: must be a JSON object")
	}
	for name := range vars {
		if !variableName(name) {
			return nil, clientError(codeValidation, "Invalid variables: '%s' is not a valid variable name", name)
		}
	}
	return vars, nil
}

// variableName reports whether name can be a variable: a letter or _ then letters, digits or _.
func variableName(name string) bool {
	for i, r := range name {
		if !(r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
			return false
		}
	}
	return name != ""
}

// variablesState is the Pass state that sets vars, then goes to next.
func variablesState(vars map[string]any, next string) map[string]any {
	assign := map[string]any{}
	for name := range vars {
		assign[name+".$"] = "$.v." + name
	}
	return map[string]any{"Type": "Pass", "Assign": assign, "OutputPath": "$.i", "Next": next}
}

// withVariables is the execution input that carries vars to variablesState.
func withVariables(input any, vars map[string]any) any {
	if len(vars) == 0 {
		return input
	}
	return map[string]any{"v": vars, "i": input}
}

// evalPass runs one Pass state on input with vars set, and returns its output; ok is false
// when the state failed.
func (s *Server) evalPass(ctx context.Context, pass map[string]any, input any, vars map[string]any) (any, bool) {
	pass["End"] = true
	states := map[string]any{"Stage": pass}
	start := "Stage"
	if len(vars) > 0 {
		states["Variables"] = variablesState(vars, "Stage")
		start = "Variables"
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(map[string]any{"StartAt": start, "States": states}) != nil {
		return nil, false
	}
	sm, diags := asl.Parse(buf.Bytes(), asl.ParseOptions{Type: sfn.TypeStandard})
	if diags.HasErrors() {
		return nil, false
	}
	prog, err := interp.Compile(sm, interp.Options{PayloadLimit: sfn.DefaultPayloadLimit})
	if err != nil {
		return nil, false
	}
	name := "TestState-" + newUUID()
	res, err := engine.Run(ctx, prog, engine.RunOptions{
		Info: interp.ExecutionInfo{
			ExecutionARN: s.scope.ExecutionARN("TestState", name), ExecutionName: name,
			StateMachineARN: s.scope.StateMachineARN("TestState"), StateMachineName: "TestState",
			StartTime: s.now().UTC(), Seed: rand.Uint64(),
		},
		Input:       withVariables(input, vars),
		VirtualTime: true,
	})
	if err != nil || res.Status != sfn.StatusSucceeded {
		return nil, false
	}
	return res.Output, true
}

// inspect builds the inspection data of the state under test from its run's history.
func (s *Server) inspect(ctx context.Context, m *testStateMachine, inputText string, input any, vars map[string]any, events []sfn.HistoryEvent) *inspectionData {
	data := &inspectionData{Input: inputText}
	var params, result any
	var hasParams, hasResult bool
	assigned := map[string]any{}
	for _, ev := range events {
		switch {
		case ev.TaskScheduledEventDetails != nil && !hasParams && ev.TaskScheduledEventDetails.Parameters != nil:
			params, hasParams = ev.TaskScheduledEventDetails.Parameters.Value, true
		case ev.LambdaFunctionScheduledEventDetails != nil && !hasParams && ev.LambdaFunctionScheduledEventDetails.Input != nil:
			params, hasParams = ev.LambdaFunctionScheduledEventDetails.Input.Value, true
		case ev.TaskSucceededEventDetails != nil && !hasResult && ev.TaskSucceededEventDetails.Output != nil:
			result, hasResult = ev.TaskSucceededEventDetails.Output.Value, true
		case ev.LambdaFunctionSucceededEventDetails != nil && !hasResult && ev.LambdaFunctionSucceededEventDetails.Output != nil:
			result, hasResult = ev.LambdaFunctionSucceededEventDetails.Output.Value, true
		case ev.StateExitedEventDetails != nil && ev.StateExitedEventDetails.Name == m.name:
			for name, text := range ev.StateExitedEventDetails.AssignedVariables {
				if name == caughtVariable {
					continue
				}
				var v any
				if json.Unmarshal([]byte(text), &v) == nil {
					assigned[name] = v
				}
			}
		}
	}
	if len(vars) > 0 || len(assigned) > 0 {
		all := map[string]any{}
		for k, v := range vars {
			all[k] = v
		}
		for k, v := range assigned {
			all[k] = v
		}
		data.Variables = jsonText(all)
	}
	st := m.state
	if m.jsonata {
		if hasParams {
			data.AfterArguments = jsonText(params)
		}
		if hasResult {
			data.Result = jsonText(result)
		}
		return data
	}
	if m.stateType == string(asl.TypeFail) {
		return data
	}
	stage := func(fields ...string) map[string]any {
		pass := map[string]any{"Type": "Pass"}
		for _, f := range fields {
			if v, ok := st[f]; ok {
				pass[f] = v
			}
		}
		return pass
	}
	afterInputPath, ok := s.evalPass(ctx, stage("InputPath"), input, vars)
	if !ok {
		return data
	}
	data.AfterInputPath = jsonText(afterInputPath)
	if m.stateType == string(asl.TypeMap) {
		s.inspectMap(ctx, data, st, afterInputPath, vars)
	}
	if m.stateType != string(asl.TypeTask) && m.stateType != string(asl.TypePass) {
		return data
	}
	if !hasParams {
		params, hasParams = afterInputPath, true
		if _, given := st["Parameters"]; given {
			params, hasParams = s.evalPass(ctx, stage("InputPath", "Parameters"), input, vars)
		}
	}
	if !hasParams {
		return data
	}
	data.AfterParameters = jsonText(params)
	if m.stateType == string(asl.TypePass) {
		result, hasResult = params, true
		if r, given := st["Result"]; given {
			result = r
		}
	}
	if !hasResult {
		return data
	}
	data.Result = jsonText(result)
	selected := result
	if rs, given := st["ResultSelector"]; given && m.stateType == string(asl.TypeTask) {
		if selected, ok = s.evalPass(ctx, map[string]any{"Type": "Pass", "Parameters": rs}, result, vars); !ok {
			return data
		}
	}
	data.AfterResultSelector = jsonText(selected)
	merge := stage("ResultPath")
	merge["Result"] = selected
	if merged, ok := s.evalPass(ctx, merge, input, vars); ok {
		data.AfterResultPath = jsonText(merged)
	}
	return data
}

// inspectMap adds a Map state's items and limits: its ItemsPath applied to the effective
// input, and its literal MaxConcurrency and tolerated failures.
func (s *Server) inspectMap(ctx context.Context, data *inspectionData, st map[string]any, effective any, vars map[string]any) {
	items := effective
	if p, given := st["ItemsPath"]; given {
		var ok bool
		if items, ok = s.evalPass(ctx, map[string]any{"Type": "Pass", "InputPath": p}, effective, vars); !ok {
			return
		}
	}
	data.AfterItemsPath = jsonText(items)
	number := func(field string) (float64, bool) {
		n, ok := st[field].(json.Number)
		if !ok {
			return 0, false
		}
		f, err := n.Float64()
		return f, err == nil
	}
	if n, ok := number("MaxConcurrency"); ok {
		v := int64(n)
		data.MaxConcurrency = &v
	}
	if n, ok := number("ToleratedFailureCount"); ok {
		v := int64(n)
		data.ToleratedFailureCount = &v
	}
	if n, ok := number("ToleratedFailurePercentage"); ok {
		data.ToleratedFailurePercentage = &n
	}
}

// jsonText encodes a decoded JSON value as compact JSON, "" when it cannot be.
func jsonText(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// uniqueName returns base, with underscores appended until no taken name equals it.
func uniqueName(base string, taken func(string) bool) string {
	for taken(base) {
		base += "_"
	}
	return base
}
