package interp

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/internal/repotestdata"
	"github.com/stepflow/stepflow/sfn"
)

type goldenCase struct {
	Status       string          `json:"status"`
	Output       any             `json:"output"`
	Error        *string         `json:"error"`
	Cause        *string         `json:"cause"`
	Placeholders json.RawMessage `json:"placeholders"`
}

type goldenEvent struct {
	ID              int64  `json:"id"`
	PreviousEventID int64  `json:"previousEventId"`
	Type            string `json:"type"`
}

// TestGolden replays AWS-recorded executions that need no task: the final status, output,
// error and cause, and the history's event types, ids and previousEventIds.
func TestGolden(t *testing.T) {
	t.Parallel()
	conformanceDir := repotestdata.MustDir(t, "conformance", "localstack")
	dirs, _ := filepath.Glob(filepath.Join(conformanceDir, "*"))
	if len(dirs) == 0 {
		t.Fatalf("no recorded cases at %s", conformanceDir)
	}
	ran := 0
	for _, dir := range dirs {
		name := filepath.Base(dir)
		def, err := os.ReadFile(filepath.Join(dir, "definition.json"))
		if err != nil {
			continue
		}
		if strings.Contains(string(def), "ItemReader") {
			continue
		}
		if reason, ok := knownDifferences[name]; ok {
			t.Logf("skip %s: %s", name, reason)
			continue
		}
		ran++
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runGolden(t, dir, def)
		})
	}
	t.Logf("%d golden cases", ran)
}

func runGolden(t *testing.T, dir string, def []byte) {
	var want goldenCase
	readJSON(t, filepath.Join(dir, "expected.json"), &want)
	var input any
	readJSON(t, filepath.Join(dir, "input.json"), &input)
	sm, diags := asl.Parse(def, asl.ParseOptions{})
	if diags.HasErrors() {
		t.Fatalf("AWS ran this definition; Parse rejects it: %v", diags)
	}
	p, err := Compile(sm, Options{History: true, PayloadLimit: sfn.DefaultPayloadLimit})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	d := &driver{tasks: lambdaTasks(t, dir), t: t}
	e := d.run(p, input)
	got := e.Result()
	placeholders := len(want.Placeholders) > 0
	if b, err := os.ReadFile(filepath.Join(dir, "lambda.json")); err == nil && strings.Contains(string(b), `"raise"`) {
		placeholders = true // the emulated function's error cause is not AWS's text
	}
	if string(got.Status) != want.Status {
		t.Fatalf("status %s (%s: %s), want %s (%v: %v)", got.Status, got.Error, got.Cause, want.Status, deref(want.Error), deref(want.Cause))
	}
	if want.Error != nil && got.Error != *want.Error {
		t.Errorf("error %q, want %q", got.Error, *want.Error)
	}
	if want.Cause != nil && !placeholders && got.Cause != *want.Cause {
		t.Errorf("cause %q\nwant  %q", got.Cause, *want.Cause)
	}
	if want.Status == "SUCCEEDED" && !placeholders && !jsonEqual(got.Output, want.Output) {
		t.Errorf("output %s\nwant   %s", encodeJSON(got.Output), encodeJSON(want.Output))
	}
	var history []goldenEvent
	if racyHistory[filepath.Base(dir)] {
		return
	}
	if b, err := os.ReadFile(filepath.Join(dir, "history.json")); err == nil {
		if err := json.Unmarshal(b, &history); err != nil {
			t.Fatalf("history.json: %v", err)
		}
		var gotHistory []goldenEvent
		for _, ev := range d.events {
			gotHistory = append(gotHistory, goldenEvent{ID: ev.ID, PreviousEventID: ev.PreviousEventID, Type: string(ev.Type)})
		}
		if !reflect.DeepEqual(gotHistory, history) {
			t.Errorf("history\n got %v\nwant %v", gotHistory, history)
		}
	}
}

// knownDifferences are recordings the interpreter does not reproduce yet, and why.
var knownDifferences = map[string]string{}

// racyHistory lists recordings where AWS linked MapStateExited to MapRunStarted instead of
// MapRunSucceeded, as it does in most recordings: two events written concurrently on AWS.
var racyHistory = map[string]bool{
	"assign--test_assign_reference_variables--test_reference_in_map_state--MAP_STATE_REFERENCE_IN_ITEM_SELECTOR":          true,
	"assign--test_assign_reference_variables--test_reference_in_map_state--MAP_STATE_REFERENCE_IN_TOLERATED_FAILURE_PATH": true,
	"scenarios--test_base_scenarios--test_map_state_config_distributed_item_selector_parameters":                          true,
	"scenarios--test_base_scenarios--test_map_state_config_distributed_items_path_from_previous":                          true,
	"scenarios--test_base_scenarios--test_map_state_nested_config_distributed_no_max_max_concurrency":                     true,
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
}

// jsonEqual compares two JSON values by their encodings (maps encode with sorted keys).
// jsonEqual compares values whatever their key order (tests that check order compare the
// encoded text).
func jsonEqual(a, b any) bool {
	return jsonvalue.Equal(a, b)
}

// lambdaBehaviour is one function of a case's lambda.json.
type lambdaBehaviour struct {
	Kind         string `json:"kind"`
	Value        any    `json:"value"`
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

// lambdaTasks answers tasks as the Lambda functions of the case's lambda.json behave: direct
// function ARNs return the function's result, lambda:invoke wraps it as {"Payload": ...}.
func lambdaTasks(t *testing.T, dir string) taskFunc {
	functions := map[string]lambdaBehaviour{}
	if _, err := os.Stat(filepath.Join(dir, "lambda.json")); err == nil {
		readJSON(t, filepath.Join(dir, "lambda.json"), &functions)
	}
	return func(inv InvokeTask) Event {
		name := inv.Resource
		integration := strings.HasPrefix(inv.Resource, "arn:aws:states:::lambda:invoke")
		payload := inv.Input
		if integration {
			name, _ = objectField(inv.Input, "FunctionName").(string)
			payload = objectField(inv.Input, "Payload")
		}
		name = name[strings.LastIndexByte(name, ':')+1:]
		behaviour, ok := functions[name]
		if !ok && len(functions) == 1 {
			for _, b := range functions {
				behaviour = b
			}
		}
		var result any
		switch behaviour.Kind {
		case "echo":
			result = payload
		case "constant":
			result = behaviour.Value
		case "raise":
			cause := encodeJSON(map[string]any{"errorMessage": behaviour.ErrorMessage, "errorType": behaviour.ErrorType,
				"requestId": "00000000-0000-0000-0000-000000000000", "stackTrace": []any{}})
			return TaskFailed{TaskID: inv.TaskID, Error: behaviour.ErrorType, Cause: cause}
		default:
			return TaskFailed{TaskID: inv.TaskID, Error: "Lambda.ResourceNotFoundException", Cause: "Function not found: " + name}
		}
		if integration {
			result = map[string]any{"ExecutedVersion": "$LATEST", "Payload": result, "StatusCode": 200.0}
		}
		return TaskSucceeded{TaskID: inv.TaskID, Output: result}
	}
}
