package api

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// TestState's mock: a result or an error that stands in for the state's task (or for a
// Parallel or Map state's branches or iterations), checked against the API model of the
// service it mocks as fieldValidationMode says.

type testStateMock struct {
	Result              *string          `json:"result"`
	ErrorOutput         *mockErrorOutput `json:"errorOutput"`
	FieldValidationMode *string          `json:"fieldValidationMode"`
}

type mockErrorOutput struct {
	Error *string `json:"error"`
	Cause *string `json:"cause"`
}

type testStateConfiguration struct {
	RetrierRetryCount        *int64  `json:"retrierRetryCount"`
	ErrorCausedByState       *string `json:"errorCausedByState"`
	MapIterationFailureCount *int64  `json:"mapIterationFailureCount"`
	MapItemReaderData        *string `json:"mapItemReaderData"`
}

// mockAnswer is what a mocked task answers: a result, or an error.
type mockAnswer struct {
	result any
	err    *task.Error
}

// validateMock checks the mock against the state under test and decodes its result.
func validateMock(in *testStateInput, st *testedState) (*mockAnswer, error) {
	mk := in.Mock
	if (mk.Result == nil) == (mk.ErrorOutput == nil) {
		return nil, clientError(codeValidation, "A test mock should have only one of the following fields: [result, errorOutput].")
	}
	if in.RevealSecrets {
		return nil, clientError(codeValidation, "TestState does not support RevealSecrets when a mock is specified.")
	}
	switch st.typ {
	case string(asl.TypeTask), string(asl.TypeParallel), string(asl.TypeMap):
	default:
		return nil, clientError(codeValidation, "State type '%s' is not supported when a mock is specified", st.typ)
	}
	if mk.ErrorOutput != nil {
		if mk.ErrorOutput.Error == nil {
			return nil, clientError(codeValidation, "1 validation error detected: Value null at 'mock.errorOutput.error' failed to satisfy constraint: Member must not be null")
		}
		return &mockAnswer{err: &task.Error{Name: *mk.ErrorOutput.Error, Cause: ptrOr(mk.ErrorOutput.Cause, "")}}, nil
	}
	result, err := jsonvalue.Decode([]byte(*mk.Result)) // in document order, as a task's result
	if err != nil {
		return nil, clientError(codeValidation, "Mocked result must be valid JSON")
	}
	switch st.typ {
	case string(asl.TypeParallel):
		list, ok := result.([]any)
		if !ok {
			return nil, clientError(codeValidation, "Mocked result must be an array.")
		}
		if branches, _ := st.def["Branches"].([]any); len(list) != len(branches) {
			return nil, clientError(codeValidation, "Mocked result must contain the same number of items as number of Parallel branches.")
		}
	case string(asl.TypeMap):
		if writer, _ := st.def["ResultWriter"].(map[string]any); writer != nil {
			if !jsonvalue.IsObject(result) {
				return nil, clientError(codeValidation, "Mocked result must be a JSON object.")
			}
		} else if _, ok := result.([]any); !ok {
			return nil, clientError(codeValidation, "Mocked result must be an array.")
		}
	case string(asl.TypeTask):
		mode := ptrOr(mk.FieldValidationMode, "STRICT")
		resource, _ := st.def["Resource"].(string)
		if shape := mockShape(resource); shape != nil && mode != "NONE" {
			if msg := shape.check(jsonvalue.Plain(result), "", mode == "STRICT"); msg != "" {
				return nil, clientError(codeValidation, "Mock result schema validation error: %s", msg)
			}
		}
	}
	return &mockAnswer{result: result}, nil
}

// mockInvoker answers the state's task with the mock, and a Map's ItemReader (in the run
// that finds its items) with the stateConfiguration's mapItemReaderData, or by next.
type mockInvoker struct {
	answer     *mockAnswer // nil: tasks go to next
	readerData *string
	next       task.Invoker
}

func (m *mockInvoker) Invoke(ctx context.Context, req *task.Request) (any, error) {
	if in, ok := req.Input.(map[string]any); ok && len(in) == 1 {
		if r, ok := in[interp.ItemReaderRequest].(map[string]any); ok && m.readerData != nil {
			return decodeReaderData(*m.readerData, r["ReaderConfig"])
		}
	}
	if m.answer == nil {
		if m.next == nil {
			return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: "no task runner is configured for resource " + req.Resource.ARN}
		}
		return m.next.Invoke(ctx, req)
	}
	if m.answer.err != nil {
		return nil, m.answer.err
	}
	return m.answer.result, nil
}

// decodeReaderData reads mapItemReaderData as the ItemReader would read its source: JSON,
// JSON Lines or CSV as ReaderConfig.InputType says; any other source as a JSON array.
func decodeReaderData(data string, readerConfig any) (any, error) {
	cfg, _ := readerConfig.(map[string]any)
	inputType, _ := cfg["InputType"].(string)
	var items []any
	switch inputType {
	case "JSONL":
		for _, line := range strings.Split(data, "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			var v any
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				return nil, &task.Error{Name: sfn.ErrorItemReaderFailed, Cause: "ItemReader: mapItemReaderData is not JSON Lines: " + err.Error()}
			}
			items = append(items, v)
		}
	case "CSV":
		var err error
		if items, err = csvReaderItems(data, cfg); err != nil {
			return nil, &task.Error{Name: sfn.ErrorItemReaderFailed, Cause: "ItemReader: mapItemReaderData: " + err.Error()}
		}
	default:
		var v any
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			return nil, &task.Error{Name: sfn.ErrorItemReaderFailed, Cause: "ItemReader: mapItemReaderData is not JSON: " + err.Error()}
		}
		list, ok := v.([]any)
		if !ok {
			return nil, &task.Error{Name: sfn.ErrorItemReaderFailed, Cause: "ItemReader: mapItemReaderData does not hold a JSON array"}
		}
		items = list
	}
	if n, ok := cfg["MaxItems"].(float64); ok && n > 0 && int(n) < len(items) {
		items = items[:int(n)]
	}
	if items == nil {
		items = []any{}
	}
	return items, nil
}

// csvReaderItems reads CSV rows as objects of strings keyed by the first row, or by
// ReaderConfig.CSVHeaders when CSVHeaderLocation is GIVEN.
func csvReaderItems(data string, cfg map[string]any) ([]any, error) {
	r := csv.NewReader(strings.NewReader(data))
	r.FieldsPerRecord = -1
	if d, ok := map[any]rune{"PIPE": '|', "SEMICOLON": ';', "SPACE": ' ', "TAB": '\t'}[cfg["CSVDelimiter"]]; ok {
		r.Comma = d
	}
	rows, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	var headers []string
	if cfg["CSVHeaderLocation"] == "GIVEN" {
		list, _ := cfg["CSVHeaders"].([]any)
		for _, h := range list {
			s, _ := h.(string)
			headers = append(headers, s)
		}
	} else if len(rows) > 0 {
		headers, rows = rows[0], rows[1:]
	}
	items := []any{}
	for _, row := range rows {
		item := map[string]any{}
		for i, h := range headers {
			if i < len(row) {
				item[h] = row[i]
			}
		}
		items = append(items, item)
	}
	return items, nil
}

// fieldShape is a member of a service API's result, as much of AWS's model as the mock
// validation checks.
type fieldShape struct {
	kind     string // "object", "array", "string", "number", "boolean"
	members  map[string]*fieldShape
	required []string
	item     *fieldShape // of an array
	enum     []string
	minLen   int
	min, max *float64
}

// check returns the first violation of v against the shape ("" when none); required
// members are checked only when strict.
func (s *fieldShape) check(v any, name string, strict bool) string {
	switch s.kind {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Sprintf("Field '%s' must be an object", name)
		}
		if strict {
			for _, r := range s.required {
				if _, ok := m[r]; !ok {
					return fmt.Sprintf("Required field '%s' is missing", r)
				}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if member, ok := s.members[k]; ok {
				if msg := member.check(m[k], k, strict); msg != "" {
					return msg
				}
			}
		}
	case "array":
		list, ok := v.([]any)
		if !ok {
			return fmt.Sprintf("Field '%s' must be an array", name)
		}
		for _, item := range list {
			if msg := s.item.check(item, name, strict); msg != "" {
				return msg
			}
		}
	case "string":
		text, ok := v.(string)
		if !ok {
			return fmt.Sprintf("Field '%s' must be a string", name)
		}
		if len(s.enum) > 0 && !slices.Contains(s.enum, text) {
			return fmt.Sprintf("Field '%s' is not an expected value", name)
		}
		if len([]rune(text)) < s.minLen {
			return fmt.Sprintf("Field '%s' is smaller than the minimum length", name)
		}
	case "number":
		n, ok := v.(float64)
		if !ok {
			return fmt.Sprintf("Field '%s' must be a number", name)
		}
		if s.min != nil && n < *s.min {
			return fmt.Sprintf("Field '%s' is less than the minimum value", name)
		}
		if s.max != nil && n > *s.max {
			return fmt.Sprintf("Field '%s' exceeds the maximum value", name)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Sprintf("Field '%s' must be a boolean", name)
		}
	}
	return ""
}

// Shorthands for the result shapes below.
var (
	shapeString = &fieldShape{kind: "string"}
	shapeNumber = &fieldShape{kind: "number"}
)

func shapeObject(members map[string]*fieldShape, required ...string) *fieldShape {
	return &fieldShape{kind: "object", members: members, required: required}
}

func shapeArray(item *fieldShape) *fieldShape { return &fieldShape{kind: "array", item: item} }

func shapeNumberIn(lo, hi float64) *fieldShape {
	return &fieldShape{kind: "number", min: &lo, max: &hi}
}

// mockShapes are the results of the integrations whose mocks are checked, by resource
// (request-response pattern only: a callback's or a .sync job's answer is not the API's).
var mockShapes = map[string]*fieldShape{
	"arn:aws:states:::lambda:invoke": shapeObject(map[string]*fieldShape{
		"StatusCode": shapeNumber, "FunctionError": shapeString, "LogResult": shapeString, "ExecutedVersion": shapeString,
	}),
	"arn:aws:states:::states:startExecution": shapeObject(map[string]*fieldShape{
		"ExecutionArn": shapeString, "StartDate": shapeString,
	}, "ExecutionArn", "StartDate"),
	"arn:aws:states:::events:putEvents": shapeObject(map[string]*fieldShape{
		"FailedEntryCount": shapeNumber,
		"Entries":          shapeArray(shapeObject(map[string]*fieldShape{"EventId": shapeString, "ErrorCode": shapeString, "ErrorMessage": shapeString})),
	}),
	"arn:aws:states:::sqs:sendMessage": shapeObject(map[string]*fieldShape{
		"MessageId": shapeString, "MD5OfMessageAttributes": shapeString, "MD5OfMessageSystemAttributes": shapeString, "SequenceNumber": shapeString,
	}),
	"arn:aws:states:::sns:publish": shapeObject(map[string]*fieldShape{"MessageId": shapeString, "SequenceNumber": shapeString}),
	"arn:aws:states:::aws-sdk:s3:getObject": shapeObject(map[string]*fieldShape{
		"ContentLength": shapeNumber, "ContentType": shapeString, "ETag": shapeString, "LastModified": shapeString,
		"StorageClass": {kind: "string", enum: []string{"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
			"INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE", "FSX_OPENZFS", "FSX_ONTAP"}},
	}),
	"arn:aws:states:::aws-sdk:kms:encrypt": shapeObject(map[string]*fieldShape{
		"CiphertextBlob": {kind: "string", minLen: 1}, "KeyId": shapeString,
		"EncryptionAlgorithm": {kind: "string", enum: []string{"SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"}},
	}),
	"arn:aws:states:::aws-sdk:lambda:getFunction": shapeObject(map[string]*fieldShape{
		"Configuration": shapeObject(map[string]*fieldShape{
			"FunctionName": shapeString, "FunctionArn": shapeString, "Runtime": shapeString, "Role": shapeString, "Handler": shapeString,
			"CodeSize": shapeNumber, "Timeout": shapeNumber, "MemorySize": shapeNumberIn(128, 10240), "Version": shapeString,
		}),
	}),
}

func init() {
	capacity := shapeObject(map[string]*fieldShape{
		"TableName": shapeString, "CapacityUnits": shapeNumber, "ReadCapacityUnits": shapeNumber, "WriteCapacityUnits": shapeNumber,
	})
	for _, action := range []string{"getItem", "putItem", "updateItem", "deleteItem"} {
		mockShapes["arn:aws:states:::dynamodb:"+action] = shapeObject(map[string]*fieldShape{"ConsumedCapacity": capacity})
	}
	mockShapes["arn:aws:states:::s3:getObject"] = mockShapes["arn:aws:states:::aws-sdk:s3:getObject"]
}

// mockShape is the result shape the mock of resource is checked against; nil when Stepflow
// knows none (the mock is then taken as it is).
func mockShape(resource string) *fieldShape {
	return mockShapes[resource]
}
