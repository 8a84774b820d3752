package api

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"unicode"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
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

	AfterItemSelector string `json:"afterItemSelector,omitempty"`
	AfterItemBatcher  string `json:"afterItemBatcher,omitempty"`

	MaxConcurrency             *int64   `json:"maxConcurrency,omitempty"`
	ToleratedFailureCount      *int64   `json:"toleratedFailureCount,omitempty"`
	ToleratedFailurePercentage *float64 `json:"toleratedFailurePercentage,omitempty"`

	ErrorDetails *inspectionErrorDetails `json:"errorDetails,omitempty"`
	Request      *inspectionRequest      `json:"request,omitempty"`
	Response     *inspectionResponse     `json:"response,omitempty"`
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
			return nil, clientError(codeValidation, "Invalid variables: '%s' is not a valid variable name", elide(name))
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

// testRun is one TestState request's run: the variables and Context object every stage
// runs with.
type testRun struct {
	s             *Server
	vars          map[string]any
	contextObject any // the request's context (in the order given), nil for a new execution's
}

// runStage runs stage (one state, named name) on input with vars set, its tasks sent to inv;
// ok is false when the stage could not be built.
func (r *testRun) runStage(ctx context.Context, name string, stage map[string]any, input any, inv task.Invoker) (interp.Result, bool) {
	vars, s := r.vars, r.s
	stage["End"] = true
	states := map[string]any{name: stage}
	start := name
	if len(vars) > 0 {
		start = uniqueName("TestStateVariables", func(n string) bool { return n == name })
		states[start] = variablesState(vars, name)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(map[string]any{"StartAt": start, "States": states}) != nil {
		return interp.Result{}, false
	}
	sm, diags := asl.Parse(buf.Bytes(), interp.ParseOptions(sfn.TypeStandard))
	if diags.HasErrors() {
		return interp.Result{}, false
	}
	prog, err := interp.Compile(sm, interp.Options{PayloadLimit: sfn.DefaultPayloadLimit, Context: r.contextObject})
	if err != nil {
		return interp.Result{}, false
	}
	execution := "TestState-" + newUUID()
	res, err := engine.Run(ctx, prog, engine.RunOptions{
		Info: interp.ExecutionInfo{
			ExecutionARN: s.scope.ExecutionARN("TestState", execution), ExecutionName: execution,
			StateMachineARN: s.scope.StateMachineARN("TestState"), StateMachineName: "TestState",
			StartTime: s.now().UTC(), Seed: rand.Uint64(),
		},
		Input:       withVariables(input, vars),
		Invoker:     inv,
		VirtualTime: true,
	})
	if err != nil && res.Status == sfn.StatusRunning {
		res = interp.Result{Status: sfn.StatusFailed, Error: sfn.ErrorRuntime, Cause: err.Error()}
	}
	return res, true
}

// evalPass runs one Pass state on input with vars set, and returns its output; ok is false
// when the state failed.
func (r *testRun) evalPass(ctx context.Context, pass map[string]any, input any) (any, bool) {
	res, ok := r.runStage(ctx, "Stage", pass, input, nil)
	if !ok || res.Status != sfn.StatusSucceeded {
		return nil, false
	}
	return res.Output, true
}

// mapProbe is what a mocked Map state does before its iterations would run: the items it
// finds (ItemsPath or Items, or its ItemReader), selects (ItemSelector) and batches
// (ItemBatcher), found by running the Map state with those fields and an item processor
// that passes each item on.
type mapProbe struct {
	items    []any // the iterations' inputs
	selected []any // after ItemSelector, when the state has one
	batched  []any // after ItemBatcher, when the state has one
	failure  *task.Error
}

func (r *testRun) probeMap(ctx context.Context, st *testedState, input any, readerData *string) *mapProbe {
	p := &mapProbe{}
	run := func(batch bool) ([]any, bool) {
		res, ok := r.runStage(ctx, st.name, mapProbeState(st.def, batch), input, &mockInvoker{readerData: readerData, next: r.s.cfg.Invoker})
		if !ok {
			return nil, false
		}
		if res.Status != sfn.StatusSucceeded {
			p.failure = &task.Error{Name: res.Error, Cause: res.Cause}
			return nil, false
		}
		list, _ := res.Output.([]any)
		return list, true
	}
	var ok bool
	if p.items, ok = run(false); !ok {
		return p
	}
	_, selector := st.def["ItemSelector"]
	if _, params := st.def["Parameters"]; selector || (params && !st.jsonata) {
		p.selected = p.items
	}
	if _, batcher := st.def["ItemBatcher"]; batcher {
		if p.batched, ok = run(true); ok {
			p.items = p.batched
		}
	}
	return p
}

// mapProbeState is the Map state that finds a Map state's items: the fields that read,
// select and batch them, and an item processor of one Pass state.
func mapProbeState(def map[string]any, batch bool) map[string]any {
	probe := map[string]any{"Type": "Map"}
	fields := []string{"QueryLanguage", "InputPath", "ItemsPath", "Items", "ItemSelector", "Parameters", "ItemReader"}
	if batch {
		fields = append(fields, "ItemBatcher")
	}
	for _, f := range fields {
		if v, ok := def[f]; ok {
			probe[f] = v
		}
	}
	processor := map[string]any{"StartAt": "Item", "States": map[string]any{"Item": map[string]any{"Type": "Pass", "End": true}}}
	for _, key := range []string{"ItemProcessor", "Iterator"} {
		if p, ok := def[key].(map[string]any); ok {
			if pc, ok := p["ProcessorConfig"]; ok {
				processor["ProcessorConfig"] = pc
			}
		}
	}
	probe["ItemProcessor"] = processor
	return probe
}

// mapLimit evaluates a Map state's MaxConcurrency, ToleratedFailureCount or
// ToleratedFailurePercentage: the literal, the ...Path field (on the input after InputPath)
// or the JSONata expression; ok is false when the state has none or it cannot be evaluated.
func (r *testRun) mapLimit(ctx context.Context, st *testedState, input any, field string) (float64, bool) {
	number := func(v any) (float64, bool) {
		switch n := v.(type) {
		case json.Number:
			f, err := n.Float64()
			return f, err == nil
		case float64:
			return n, true
		}
		return 0, false
	}
	if text, ok := st.def[field].(string); ok && st.jsonata {
		v, ok := r.evalPass(ctx, map[string]any{"Type": "Pass", "QueryLanguage": "JSONata", "Output": text}, input)
		if !ok {
			return 0, false
		}
		return number(v)
	}
	if v, ok := st.def[field]; ok {
		return number(v)
	}
	if path, ok := st.def[field+"Path"]; ok {
		pass := map[string]any{"Type": "Pass", "Parameters": map[string]any{"v.$": path}}
		if ip, ok := st.def["InputPath"]; ok {
			pass["InputPath"] = ip
		}
		v, ok := r.evalPass(ctx, pass, input)
		if !ok {
			return 0, false
		}
		m, _ := jsonvalue.Plain(v).(map[string]any)
		return number(m["v"])
	}
	return 0, false
}

// exceedsTolerance says whether failures of n iterations exceed the Map state's tolerated
// failure count or percentage. A Map state that tolerates nothing explicitly is not failed by
// failed iterations here, as on AWS.
func (r *testRun) exceedsTolerance(ctx context.Context, st *testedState, input any, failures, n int) bool {
	if count, ok := r.mapLimit(ctx, st, input, "ToleratedFailureCount"); ok && float64(failures) > count {
		return true
	}
	if pct, ok := r.mapLimit(ctx, st, input, "ToleratedFailurePercentage"); ok && n > 0 && float64(failures)*100/float64(n) > pct {
		return true
	}
	return false
}

// inspect builds the inspection data of the state under test from its run's history (and,
// for a Map state, from its probe).
func (r *testRun) inspect(ctx context.Context, m *testStateMachine, inputText string, input any, events []sfn.HistoryEvent, probe *mapProbe) *inspectionData {
	vars := r.vars
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
	typ := asl.StateType(st.typ)
	if typ == asl.TypeMap {
		r.inspectMap(ctx, data, st, input, probe)
	}
	if st.jsonata {
		if typ == asl.TypeTask {
			if hasParams {
				data.AfterArguments = jsonText(params)
			}
			if hasResult {
				data.Result = jsonText(result)
			}
		}
		return data
	}
	stage := func(fields ...string) map[string]any {
		pass := map[string]any{"Type": "Pass"}
		for _, f := range fields {
			if v, ok := st.def[f]; ok {
				pass[f] = v
			}
		}
		return pass
	}
	_, passResult := st.def["Result"]
	passResult = passResult && typ == asl.TypePass
	if typ != asl.TypeParallel && !passResult {
		afterInputPath, ok := r.evalPass(ctx, stage("InputPath"), input)
		if !ok {
			return data
		}
		data.AfterInputPath = jsonText(afterInputPath)
		if _, reader := st.def["ItemReader"]; typ == asl.TypeMap && !reader && probe != nil && probe.failure == nil {
			r.inspectItemsPath(ctx, data, st, afterInputPath)
		}
		if typ == asl.TypePass || (typ == asl.TypeTask && !hasParams) {
			params, hasParams = afterInputPath, true
			if _, given := st.def["Parameters"]; given {
				params, hasParams = r.evalPass(ctx, stage("InputPath", "Parameters"), input)
			}
		}
	}
	switch typ {
	case asl.TypePass:
		if passResult {
			result, hasResult = st.def["Result"], true
			data.Result = jsonText(result)
		} else if hasParams {
			data.AfterParameters = jsonText(params)
			result, hasResult = params, true
		}
	case asl.TypeTask:
		if !hasParams {
			return data
		}
		data.AfterParameters = jsonText(params)
		if hasResult {
			data.Result = jsonText(result)
		}
	case asl.TypeParallel, asl.TypeMap:
	default:
		return data
	}
	if !hasResult {
		return data
	}
	selected := result
	if rs, given := st.def["ResultSelector"]; given && typ != asl.TypePass {
		var ok bool
		if selected, ok = r.evalPass(ctx, map[string]any{"Type": "Pass", "Parameters": rs}, result); !ok {
			return data
		}
	}
	data.AfterResultSelector = jsonText(selected)
	merge := stage("ResultPath")
	merge["Result"] = selected
	if merged, ok := r.evalPass(ctx, merge, input); ok {
		data.AfterResultPath = jsonText(merged)
	}
	return data
}

// inspectMap adds a Map state's items and limits: its selected and batched items, and its
// MaxConcurrency (0 when it has none, as AWS shows it) and tolerated failures.
func (r *testRun) inspectMap(ctx context.Context, data *inspectionData, st *testedState, input any, probe *mapProbe) {
	if probe != nil && probe.failure == nil {
		if probe.selected != nil {
			data.AfterItemSelector = jsonText(probe.selected)
		}
		if probe.batched != nil {
			data.AfterItemBatcher = jsonText(probe.batched)
		}
	}
	maxConcurrency := int64(0)
	if n, ok := r.mapLimit(ctx, st, input, "MaxConcurrency"); ok {
		maxConcurrency = int64(n)
	}
	data.MaxConcurrency = &maxConcurrency
	if n, ok := r.mapLimit(ctx, st, input, "ToleratedFailureCount"); ok {
		v := int64(n)
		data.ToleratedFailureCount = &v
	}
	if n, ok := r.mapLimit(ctx, st, input, "ToleratedFailurePercentage"); ok {
		data.ToleratedFailurePercentage = &n
	}
}

// inspectItemsPath adds a JSONPath Map state's ItemsPath applied to its effective input.
func (r *testRun) inspectItemsPath(ctx context.Context, data *inspectionData, st *testedState, effective any) {
	items := effective
	if p, given := st.def["ItemsPath"]; given {
		var ok bool
		if items, ok = r.evalPass(ctx, map[string]any{"Type": "Pass", "InputPath": p}, effective); !ok {
			return
		}
	}
	data.AfterItemsPath = jsonText(items)
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
