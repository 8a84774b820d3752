package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
)

// The state TestState runs, and the machine built around it.
//
// The state is the request's definition, or with stateName the state of that name found in a
// whole state machine definition (at any depth: Parallel branches and Map item processors
// too), which then inherits the machine's QueryLanguage. It runs in a machine of its own:
// the state under test, then a Succeed stub for each state it can go to, so that where it
// went is seen in the history. Its retriers are taken out (TestState reports RETRIABLE
// instead of retrying). A mocked Parallel or Map state runs as a Task state with the same
// input and output processing, whose task answers with the mock: its branches or iterations
// do not run.

// singleStateName is what AWS calls the state of a single-state definition (it shows in
// locations, "at /States/StateName/Branches", and in $$.State.Name).
const singleStateName = "StateName"

// mockResource is the Resource of the Task state a mocked Parallel or Map state runs as; the
// mock answers it.
const mockResource = "arn:aws:stepflow:us-east-1:123456789012:testStateMock"

// testedState is the state under test, as the request gives it.
type testedState struct {
	name    string         // its name in the machine TestState runs
	def     map[string]any // its definition (numbers as json.Number)
	typ     string
	jsonata bool
}

// findTestState reads the state under test from the request.
func findTestState(definition string, stateName *string) (*testedState, error) {
	decode := func() (map[string]any, bool) {
		dec := json.NewDecoder(strings.NewReader(definition))
		dec.UseNumber()
		var m map[string]any
		return m, dec.Decode(&m) == nil && m != nil
	}
	if stateName == nil {
		def, ok := decode()
		if !ok {
			return nil, clientError(codeInvalidDefinition, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The state definition must be a JSON object at /'")
		}
		return newTestedState(singleStateName, def, ""), nil
	}
	// A whole machine: it must be valid as a whole, as CreateStateMachine would have it.
	sm, diags := asl.Parse([]byte(definition), interp.ParseOptions(sfn.TypeStandard))
	if diags.HasErrors() {
		return nil, clientError(codeInvalidDefinition, "%s", invalidDefinitionMessage(diags))
	}
	machine, _ := decode()
	def := findState(machine, *stateName)
	if def == nil {
		return nil, clientError(codeValidation, "State not found in definition")
	}
	return newTestedState(*stateName, def, string(sm.QueryLanguage)), nil
}

func newTestedState(name string, def map[string]any, machineLanguage string) *testedState {
	if _, own := def["QueryLanguage"]; !own && machineLanguage == string(asl.JSONata) {
		def["QueryLanguage"] = machineLanguage
	}
	typ, _ := def["Type"].(string)
	return &testedState{name: name, def: def, typ: typ, jsonata: def["QueryLanguage"] == string(asl.JSONata)}
}

// findState looks for the state name in machine's States, then in the machines nested in
// its Parallel and Map states.
func findState(machine map[string]any, name string) map[string]any {
	states, _ := machine["States"].(map[string]any)
	if st, ok := states[name].(map[string]any); ok {
		return st
	}
	for _, v := range states {
		st, _ := v.(map[string]any)
		var nested []any
		if branches, ok := st["Branches"].([]any); ok {
			nested = append(nested, branches...)
		}
		nested = append(nested, st["ItemProcessor"], st["Iterator"])
		for _, n := range nested {
			if m, ok := n.(map[string]any); ok {
				if found := findState(m, name); found != nil {
					return found
				}
			}
		}
	}
	return nil
}

// testStateMachine is the machine TestState runs, and what it knows of the state under test.
type testStateMachine struct {
	name     string // of the state under test in the machine
	state    *testedState
	parsed   asl.State // the state under test as written (with its retriers)
	stubs    map[string]bool
	run      []byte // the machine's definition
	mockedAs bool   // the state runs as a Task answered by the mock (a mocked Parallel or Map)
}

// buildTestStateMachine checks the state under test (as part of a machine, so that AWS's
// locations hold) and builds the machine that runs it, after a state setting vars when there
// are any. fanAsTask runs a Parallel or Map state as a Task answered by the mock.
func buildTestStateMachine(st *testedState, vars map[string]any, fanAsTask bool) (*testStateMachine, error) {
	m := &testStateMachine{state: st, stubs: map[string]bool{}}
	addTarget := func(v any) {
		if s, ok := v.(string); ok && s != "" {
			m.stubs[s] = true
		}
	}
	addTarget(st.def["Next"])
	addTarget(st.def["Default"])
	for _, list := range []string{"Choices", "Catch"} {
		items, _ := st.def[list].([]any)
		for _, item := range items {
			if im, ok := item.(map[string]any); ok {
				addTarget(im["Next"])
			}
		}
	}
	m.name = uniqueName(st.name, func(n string) bool { return m.stubs[n] })

	// As written: for AWS's validation errors, and the typed retriers and catchers.
	written, err := m.encode(st.def, nil)
	if err != nil {
		return nil, err
	}
	sm, diags := asl.Parse(written, interp.ParseOptions(sfn.TypeStandard))
	if diags.HasErrors() {
		return nil, clientError(codeInvalidDefinition, "%s", invalidDefinitionMessage(diags))
	}
	m.parsed = sm.States[m.name]

	runnable := make(map[string]any, len(st.def))
	for k, v := range st.def {
		runnable[k] = v
	}
	if fanAsTask && (st.typ == string(asl.TypeParallel) || st.typ == string(asl.TypeMap)) {
		runnable, m.mockedAs = fanTask(st), true
	}
	delete(runnable, "Retry")
	if m.run, err = m.encode(runnable, vars); err != nil {
		return nil, err
	}
	return m, nil
}

// encode writes the machine with state as the state under test.
func (m *testStateMachine) encode(state map[string]any, vars map[string]any) ([]byte, error) {
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
		return nil, fmt.Errorf("encode test state machine: %w", err)
	}
	return buf.Bytes(), nil
}

// fanTask is the Task state a mocked Parallel or Map state runs as: the same input and output
// processing (Map's ItemSelector, written Parameters in JSONPath, is not: it shapes items),
// its catchers and transitions.
func fanTask(st *testedState) map[string]any {
	keep := []string{"QueryLanguage", "Comment", "InputPath", "ResultSelector", "ResultPath", "OutputPath",
		"Output", "Assign", "Catch", "Next", "End"}
	if st.typ == string(asl.TypeParallel) {
		keep = append(keep, "Parameters", "Arguments")
	}
	task := map[string]any{"Type": "Task", "Resource": mockResource}
	for _, f := range keep {
		if v, ok := st.def[f]; ok {
			task[f] = v
		}
	}
	return task
}
