package asl

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
)

func mustParse(t *testing.T, def string, opts ParseOptions) *StateMachine {
	t.Helper()
	sm, diags := Parse([]byte(def), opts)
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	return sm
}

func TestParseModelJSONPath(t *testing.T) {
	t.Parallel()
	sm := mustParse(t, `{
	  "Comment": "all the types", "StartAt": "P", "TimeoutSeconds": 60, "Version": "1.0",
	  "States": {
	    "P": {"Type": "Pass", "Parameters": {"z": 1, "b.$": "$.x", "a.$": "States.Format('{}', $.y)", "n": {"c.$": "$$.Execution.Id"}},
	          "ResultPath": "$.r", "OutputPath": null, "Result": {"k": [1, 2]}, "Next": "T"},
	    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 30, "HeartbeatSecondsPath": "$.hb",
	          "Retry": [{"ErrorEquals": ["States.Timeout"]}, {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 5, "MaxAttempts": 0, "BackoffRate": 1.5, "JitterStrategy": "FULL", "MaxDelaySeconds": 9}],
	          "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F", "ResultPath": "$.err"}],
	          "ResultSelector": {"v.$": "$.Payload"}, "Next": "C"},
	    "C": {"Type": "Choice", "Choices": [
	            {"And": [{"Variable": "$.a", "NumericGreaterThan": 3}, {"Not": {"Variable": "$.b", "IsPresent": true}}], "Next": "W"},
	            {"Variable": "$.s", "StringEqualsPath": "$.t", "Next": "M"}],
	          "Default": "S"},
	    "W": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "Next": "Par"},
	    "Par": {"Type": "Parallel", "Branches": [{"StartAt": "B1", "States": {"B1": {"Type": "Succeed"}}}], "Next": "M"},
	    "M": {"Type": "Map", "ItemsPath": "$.items", "Parameters": {"i.$": "$$.Map.Item.Value"}, "MaxConcurrency": 2,
	          "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "Next": "S"},
	    "S": {"Type": "Succeed"},
	    "F": {"Type": "Fail", "ErrorPath": "$.e", "Cause": "because"}
	  }}`, ParseOptions{})

	if sm.StartAt != "P" || *sm.TimeoutSeconds != 60 || sm.Version != "1.0" || sm.QueryLanguage != JSONPath {
		t.Errorf("machine fields: %+v", sm)
	}
	if want := []string{"P", "T", "C", "W", "Par", "M", "S", "F"}; !reflect.DeepEqual(sm.Order, want) {
		t.Errorf("Order = %v, want %v", sm.Order, want)
	}

	pass := sm.States["P"].(*Pass)
	var keys []string
	var kinds []TemplateKind
	for _, f := range pass.Parameters.Fields {
		keys = append(keys, f.Key)
		kinds = append(kinds, f.Value.Kind)
	}
	if want := []string{"z", "b", "a", "n"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("Parameters keys = %v, want %v", keys, want)
	}
	if want := []TemplateKind{TemplateLiteral, TemplatePath, TemplateIntrinsic, TemplateObject}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("Parameters kinds = %v, want %v", kinds, want)
	}
	if got := pass.Parameters.Fields[1].Value.Path.Text; got != "$.x" {
		t.Errorf("path text = %q", got)
	}
	if got := pass.Parameters.Fields[2].Value.Intrinsic.Name; got != "States.Format" {
		t.Errorf("intrinsic name = %q", got)
	}
	if loc := pass.Parameters.Fields[3].Value.Fields[0].Value.Location; loc != "/States/P/Parameters/n/c.$" {
		t.Errorf("nested location = %q", loc)
	}
	if !pass.OutputPath.Present || !pass.OutputPath.Null || pass.ResultPath.Path.Text != "$.r" || pass.InputPath.Present {
		t.Errorf("paths: in %+v out %+v result %+v", pass.InputPath, pass.OutputPath, pass.ResultPath)
	}
	if !pass.HasResult || !jsonvalue.EqualOrdered(pass.Result, jsonvalue.ObjectOf("k", []any{1.0, 2.0})) {
		t.Errorf("Result = %#v", pass.Result)
	}

	task := sm.States["T"].(*Task)
	wantRetry := []Retrier{
		{ErrorEquals: []string{"States.Timeout"}, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2.0},
		{ErrorEquals: []string{"States.ALL"}, IntervalSeconds: 5, MaxAttempts: 0, BackoffRate: 1.5, JitterStrategy: "FULL", MaxDelaySeconds: ptr(int64(9))},
	}
	if !reflect.DeepEqual(task.Retry, wantRetry) {
		t.Errorf("Retry = %+v, want %+v", task.Retry, wantRetry)
	}
	if len(task.Catch) != 1 || task.Catch[0].Next != "F" || task.Catch[0].ResultPath.Path.Text != "$.err" {
		t.Errorf("Catch = %+v", task.Catch)
	}
	if *task.TimeoutSeconds != 30 || task.HeartbeatSecondsPath.Text != "$.hb" || task.ResultSelector.Fields[0].Key != "v" {
		t.Errorf("task = %+v", task)
	}

	choice := sm.States["C"].(*Choice)
	r0 := choice.Choices[0]
	if r0.Next != "W" || len(r0.And) != 2 || r0.And[0].Operator != "NumericGreaterThan" || r0.And[0].Value != 3.0 ||
		r0.And[1].Not == nil || r0.And[1].Not.Operator != "IsPresent" || r0.And[1].Not.Value != true {
		t.Errorf("rule 0 = %+v", r0)
	}
	if r1 := choice.Choices[1]; r1.Operator != "StringEqualsPath" || r1.ValuePath.Text != "$.t" || r1.Variable.Text != "$.s" || r1.Location != "/States/C/Choices[1]" {
		t.Errorf("rule 1 = %+v", r1)
	}
	if choice.Default != "S" {
		t.Errorf("Default = %q", choice.Default)
	}

	if w := sm.States["W"].(*Wait); w.Timestamp != "2016-03-14T01:59:00Z" {
		t.Errorf("Wait = %+v", w)
	}
	par := sm.States["Par"].(*Parallel)
	if len(par.Branches) != 1 || par.Branches[0].Location != "/States/Par/Branches[0]" || par.Branches[0].StartAt != "B1" {
		t.Errorf("Branches = %+v", par.Branches)
	}
	m := sm.States["M"].(*Map)
	if m.ItemProcessor == nil || m.ItemProcessor.StartAt != "I" || m.ItemSelector == nil || m.Parameters != nil ||
		m.ItemsPath.Path.Text != "$.items" || *m.MaxConcurrency != 2 {
		t.Errorf("Map = %+v", m)
	}
	f := sm.States["F"].(*Fail)
	if f.ErrorPath.Text != "$.e" || f.Cause != "because" || !f.HasCause || f.HasError {
		t.Errorf("Fail = %+v", f)
	}
}

func ptr[T any](v T) *T { return &v }

func TestParseModelJSONata(t *testing.T) {
	t.Parallel()
	sm := mustParse(t, `{
	  "QueryLanguage": "JSONata", "StartAt": "T",
	  "States": {
	    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
	          "Arguments": {"FunctionName": "f", "Payload": {"x": "{% $states.input.x %}", "l": ["a", "{% 1 + 1 %}"]}},
	          "Output": "{% $states.result.Payload %}", "Assign": {"v": "{% $states.input %}", "c": 1},
	          "TimeoutSeconds": "{% $t %}", "Credentials": {"RoleArn": "{% $role %}"}, "Next": "C"},
	    "C": {"Type": "Choice", "Choices": [{"Condition": "{% $v > 1 %}", "Next": "M", "Output": {"a": 1}}], "Default": "M"},
	    "M": {"Type": "Map", "Items": "{% $states.input.list %}", "ItemSelector": {"v": "{% $states.context.Map.Item.Value %}"},
	          "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, "StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}},
	          "Label": "ok-label", "ToleratedFailurePercentage": 5, "End": true}
	  }}`, ParseOptions{})
	task := sm.States["T"].(*Task)
	if task.QueryLanguage != JSONata || task.Arguments.Kind != TemplateObject {
		t.Fatalf("task = %+v", task)
	}
	payload := task.Arguments.Fields[1].Value
	if payload.Fields[0].Value.Kind != TemplateJSONata || payload.Fields[0].Value.Expr != "$states.input.x" {
		t.Errorf("payload.x = %+v", payload.Fields[0].Value)
	}
	if l := payload.Fields[1].Value; l.Kind != TemplateArray || l.Items[0].Kind != TemplateLiteral || l.Items[1].Expr != "1 + 1" {
		t.Errorf("payload.l = %+v", l)
	}
	if task.Output.Kind != TemplateJSONata || task.Assign.Fields[1].Value.Literal != 1.0 || task.TimeoutSecondsExpr.Expr != "$t" {
		t.Errorf("task = %+v", task)
	}
	if task.Credentials.Fields[0].Value.Kind != TemplateJSONata {
		t.Errorf("Credentials = %+v", task.Credentials)
	}
	c := sm.States["C"].(*Choice).Choices[0]
	if c.Condition.Expr != "$v > 1" || c.Output.Kind != TemplateLiteral {
		t.Errorf("choice rule = %+v", c)
	}
	m := sm.States["M"].(*Map)
	if m.Items.Expr != "$states.input.list" || m.ItemProcessor.ProcessorConfig.Mode != "DISTRIBUTED" ||
		m.ItemProcessor.ProcessorConfig.ExecutionType != "EXPRESS" || m.Label != "ok-label" || *m.ToleratedFailurePercentage != 5 {
		t.Errorf("Map = %+v", m)
	}
	if q := m.ItemProcessor.States["X"].Base().QueryLanguage; q != JSONata {
		t.Errorf("nested state language = %s", q)
	}
}

func TestParseDiagnostics(t *testing.T) {
	t.Parallel()
	schema := func(loc, msg string) Diagnostic {
		return Diagnostic{Severity: SeverityError, Code: CodeSchemaValidationFailed, Location: loc, Message: msg}
	}
	target := func(loc, msg string) Diagnostic {
		return Diagnostic{Severity: SeverityError, Code: CodeMissingTransitionTarget, Location: loc, Message: msg}
	}
	tests := []struct {
		name string
		def  string
		typ  sfn.StateMachineType
		want Diagnostics
	}{
		{"not JSON", `{"StartAt": }`, "", Diagnostics{{Severity: SeverityError, Code: CodeInvalidJSONDescription,
			Location: `[Source: (String)"{"StartAt": }"; line: 1, column: 14]`,
			Message:  "Unexpected character ('}' (code 125)): expected a value\n at [Source: (String)\"{\"StartAt\": }\"; line: 1, column: 14]"}}},
		{"array", `[]`, "", Diagnostics{schema("", "Definition must be a valid JSON object")}},
		{"required", `{"Comment": "x"}`, "", Diagnostics{schema("/", "These fields are required: [States, StartAt]")}},
		{"unknown field", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "TimeoutSeconds": 3}}}`, "",
			Diagnostics{schema("/States/A", "Field 'TimeoutSeconds' is not supported")}},
		{"dangling next and unreachable", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Z"}, "B": {"Type": "Succeed"}}}`, "",
			Diagnostics{target("/States/A/Next", "Missing 'Next' target: Z"), target("/States/B", `State "B" is not reachable.`)}},
		{"missing StartAt target", `{"StartAt": "Nope", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}}`, "",
			Diagnostics{target("/StartAt", "Missing 'Next' target: Nope"), target("/States/A", `State "A" is not reachable.`)}},
		{"no terminal state", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}, "U": {"Type": "Pass", "Next": "A"}}}`, "",
			Diagnostics{{Severity: SeverityError, Code: CodeMissingEndState, Message: "Workflow has no terminal state"}}},
		{"choice and catch targets", `{"StartAt": "C", "States": {
			"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "BooleanEquals": true, "Next": "X"}], "Default": "Y"},
			"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Q"}], "End": true}}}`, "",
			Diagnostics{target("/States/C/Choices[0]/Next", "Missing 'Next' target: X"), target("/States/C/Default", "Missing 'Next' target: Y"),
				target("/States/T/Catch[0]/Next", "Missing 'Next' target: Q"), target("/States/T", `State "T" is not reachable.`)}},
		{"branch cannot jump out", `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
			{"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "P"}}}]}}}`, "",
			Diagnostics{target("/States/P/Branches[0]/States/B/Next", "Missing 'Next' target: P"),
				{Severity: SeverityError, Code: CodeMissingEndState, Message: "Workflow has no terminal state"}}},
		{"duplicate names across scopes", `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
			{"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}]}}}`, "",
			Diagnostics{{Severity: SeverityError, Code: CodeDuplicateStateName, Location: "/States/P/Branches[0]/States/P", Message: "Duplicate State name: P"}}},
		{"wait seconds past AWS's maximum", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100000000, "End": true}}}`, "",
			Diagnostics{schema("/States/W/Seconds", "Maximum value is 99999999")}},
		{"wait seconds of 9.2e18", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 9200000000000000000, "End": true}}}`, "",
			Diagnostics{schema("/States/W/Seconds", "Maximum value is 99999999")}},
		{"wait seconds at AWS's maximum", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 99999999, "End": true}}}`, "", nil},
		{"wait timestamp and choice", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Timestamp": "2016-12-05T21:29:29", "End": true}}}`, "",
			Diagnostics{schema("/States/W/Timestamp", "String does not match RFC3339 timestamp")}},
		{"bad dollar field", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"x.$": "nope"}, "End": true}}}`, "",
			Diagnostics{schema("/States/P/Parameters", "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call")}},
		{"language downgrade", `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}`, "",
			Diagnostics{schema("/States/P", "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")}},
		{"fields of the other language", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": 1, "End": true},
			"J": {"Type": "Pass", "QueryLanguage": "JSONata", "InputPath": "$.a", "End": true}}}`, "",
			Diagnostics{schema("/States/P", "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage"),
				schema("/States/J/InputPath", "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage"),
				target("/States/J", `State "J" is not reachable.`)}},
		{"credentials", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Credentials": {}, "End": true}}}`, "",
			Diagnostics{schema("/States/T/Credentials", "The field 'RoleArn' is required but was missing")}},
		{"express callback", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}`, sfn.TypeExpress,
			Diagnostics{schema("/States/T/Resource", "Express state machine does not support '.waitForTaskToken' service integration ")}},
		{"unknown integration", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:query", "End": true}}}`, "",
			Diagnostics{schema("/States/T/Resource", "The resource provided arn:aws:states:::dynamodb:query is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.")}},
		{"map label", `{"StartAt": "M", "States": {"M": {"Type": "Map", "Label": "a b", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}, "End": true}}}`, "",
			Diagnostics{{Severity: SeverityError, Code: CodeInvalidLabelName, Location: "/States/M/Label", Message: "Label contains invalid character: ' '"}}},
		{"next and end", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B", "End": true}, "B": {"Type": "Wait", "Succeed": 1}}}`, "",
			Diagnostics{schema("/States/A", "Only one of 'Next' or 'End' can be present"), schema("/States/B", "Field 'Succeed' is not supported"),
				schema("/States/B", "Either 'Next' or 'End' is required"),
				schema("/States/B", "A Wait state must have exactly one of 'Seconds', 'Timestamp', 'SecondsPath' or 'TimestampPath'")}},
		{"long name and two operators", `{"StartAt": "` + strings.Repeat("n", 81) + `", "States": {"` + strings.Repeat("n", 81) + `": {"Type": "Choice", "Default": "S",
			"Choices": [{"Variable": "$.a", "IsNull": true, "IsString": true, "Next": "S"}, {"Not": {"Variable": "$.a", "IsNull": true, "Next": "S"}, "Next": "S"}]}, "S": {"Type": "Succeed"}}}`, "",
			Diagnostics{{Severity: SeverityError, Code: CodeInvalidStateName, Location: "/States/" + strings.Repeat("n", 81), Message: "State name '" + strings.Repeat("n", 81) + "' exceeds the maximum length of 80 characters"},
				schema("/States/"+strings.Repeat("n", 81)+"/Choices[0]", "A Choice Rule must have exactly one comparison operator but found [IsNull, IsString]"),
				schema("/States/"+strings.Repeat("n", 81)+"/Choices[1]/Not", "Field 'Next' is only supported at the top level of a Choice Rule")}},
		{"states all not last", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
			"Retry": [{"ErrorEquals": ["States.ALL", "X"]}, {"ErrorEquals": ["Y"]}]}}}`, "",
			Diagnostics{schema("/States/T/Retry[0]/ErrorEquals", "States.ALL must appear alone in ErrorEquals"),
				schema("/States/T/Retry[0]/ErrorEquals", "States.ALL must appear in the last Retrier")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, got := Parse([]byte(tt.def), ParseOptions{Type: tt.typ})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("diagnostics\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestInvalidDefinitionMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, def, want string
	}{
		{"joined", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "pass3"}, "B": {"Type": "Succeed"}}}`,
			`Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/A/Next, MISSING_TRANSITION_TARGET: State "B" is not reachable. at /States/B'`},
		{"no location", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}}`,
			`Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state at null'`},
		{"label", `{"StartAt":"M","States":{"M":{"Type":"Map","Label":"x\"y","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}},"End":true,"N":1.50}}}`,
			`Error=ValueError Args=['Label contains invalid character: \'"\''] in definition '{"StartAt": "M", "States": {"M": {"Type": "Map", "Label": "x\"y", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}, "End": true, "N": 1.5}}}'.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, diags := Parse([]byte(tt.def), ParseOptions{})
			if got := diags.InvalidDefinitionMessage([]byte(tt.def)); got != tt.want {
				t.Errorf("message\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseJSONataSyntaxHook(t *testing.T) {
	t.Parallel()
	var seen []string
	opts := ParseOptions{JSONataSyntax: func(expr string) error {
		seen = append(seen, expr)
		if expr == "1 +" {
			return errors.New("Unexpected end of expression")
		}
		return nil
	}}
	def := `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass",
		"Output": {"a": ["{% 1 + %}"], "b": "{% $states.input %}"}, "End": true}}}`
	_, diags := Parse([]byte(def), opts)
	want := Diagnostics{{Severity: SeverityError, Code: CodeInvalidJSONataExpression, Location: "/States/P/Output/a[0]", Message: "Unexpected end of expression"}}
	if !reflect.DeepEqual(diags, want) {
		t.Errorf("diagnostics\n got %#v\nwant %#v", diags, want)
	}
	if !reflect.DeepEqual(seen, []string{"1 +", "$states.input"}) {
		t.Errorf("checked %q", seen)
	}
}

func TestParseMapAndChoiceChecks(t *testing.T) {
	t.Parallel()
	schema := func(loc, msg string) Diagnostic {
		return Diagnostic{Severity: SeverityError, Code: CodeSchemaValidationFailed, Location: loc, Message: msg}
	}
	tests := []struct {
		name, def string
		want      Diagnostics
	}{
		{"item reader", `{"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
			"ItemReader": {"Resource": "arn:aws:states:::s3:unknownOperation", "ReaderConfig": {"InputType": "XML"}},
			"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "I", "States": {"I": {"Type": "Succeed"}}}}}}`,
			Diagnostics{schema("/States/M/ItemReader/Resource", "The resource provided arn:aws:states:::s3:unknownOperation is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."),
				schema("/States/M/ItemReader/ReaderConfig/InputType", "Field 'InputType' must be one of [CSV, JSON, JSONL, MANIFEST, PARQUET]")}},
		{"processor language", `{"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, "MaxConcurrency": 2, "MaxConcurrencyPath": "$.n",
			"ItemProcessor": {"QueryLanguage": "JSONata", "StartAt": "I", "States": {"I": {"Type": "Succeed"}}}}}}`,
			Diagnostics{schema("/States/M/ItemProcessor", "Field 'QueryLanguage' is not supported"),
				schema("/States/M/MaxConcurrency", "Only one of 'MaxConcurrency' or 'MaxConcurrencyPath' can be present")}},
		{"choice rule languages", `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Default": "S", "Choices": [
			{"Condition": "{% true %}", "Next": "S"}]}, "S": {"Type": "Succeed"},
			"J": {"Type": "Choice", "QueryLanguage": "JSONata", "Default": "S", "Choices": [{"Variable": "$.a", "IsNull": true, "Condition": true, "Next": "S"}]}}}`,
			Diagnostics{schema("/States/C/Choices[0]", "The QueryLanguage is set to 'JSONPath', but field 'Condition' is only supported for the 'JSONata' QueryLanguage"),
				schema("/States/C/Choices[0]", "A Choice Rule must have exactly one comparison operator or one of 'And', 'Or', 'Not'"),
				schema("/States/J/Choices[0]/Variable", "The QueryLanguage is set to 'JSONata', but field 'Variable' is only supported for the 'JSONPath' QueryLanguage"),
				schema("/States/J/Choices[0]/IsNull", "The QueryLanguage is set to 'JSONata', but field 'IsNull' is only supported for the 'JSONPath' QueryLanguage"),
				{Severity: SeverityError, Code: CodeMissingTransitionTarget, Location: "/States/J", Message: `State "J" is not reachable.`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, got := Parse([]byte(tt.def), ParseOptions{})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("diagnostics\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestClassifyResource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		resource string
		kind     resourceKind
		pattern  string
	}{
		{"arn:aws:states:::lambda:invoke", resourceIntegration, ""},
		{"arn:aws:states:::lambda:invoke.waitForTaskToken", resourceIntegration, ".waitForTaskToken"},
		{"arn:aws:states:::states:startExecution.sync:2", resourceIntegration, ".sync:2"},
		{"arn:aws:states:::dynamodb:getItem", resourceIntegration, ""},
		{"arn:aws:states:::dynamodb:query", resourceUnknown, ""},
		{"arn:aws:states:::dynamodb:getItem.sync", resourceUnknown, ""},
		{"arn:aws:states:::aws-sdk:dynamodb:query", resourceSDK, ""},
		{"arn:aws:states:::aws-sdk:s3:putObject.waitForTaskToken", resourceSDK, ".waitForTaskToken"},
		{"arn:aws:states:::aws-sdk:s3:putObject.sync", resourceUnknown, ""},
		{"arn:aws:states:us-east-1:123456789012:activity:work", resourceActivity, ""},
		{"arn:aws:lambda:us-east-1:123456789012:function:f:prod", resourceLambda, ""},
		{"arn:aws-cn:sns:cn-north-1:123456789012:topic", resourceOther, ""},
		{"createToken", resourceUnknown, ""},
	}
	for _, tt := range tests {
		kind, pattern := classifyResource(tt.resource)
		if kind != tt.kind || pattern != tt.pattern {
			t.Errorf("classifyResource(%q) = %v, %q; want %v, %q", tt.resource, kind, pattern, tt.kind, tt.pattern)
		}
	}
}
