package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// The TestState cases below follow AWS's answers where they are recorded (LocalStack's
// snapshots of TestState against AWS, tests/aws/services/stepfunctions/v2/test_state): the
// same definitions, mocks, statuses, errors and inspection data members.

// testStateWant is what a TestState request must answer.
type testStateWant struct {
	status                     types.TestExecutionStatus
	output, next, error, cause string
	// inspection lists every inspectionData member the answer must have, as text (see
	// inspectionFields); nil when the answer must have no inspection data.
	inspection map[string]string
}

type testStateCase struct {
	name   string
	in     awssfn.TestStateInput // RoleArn is set to roleARN unless noRole
	noRole bool
	want   testStateWant
}

func runTestStateCases(t *testing.T, c *awssfn.Client, tests []testStateCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := tt.in
			if !tt.noRole && in.RoleArn == nil {
				in.RoleArn = aws.String(roleARN)
			}
			got, err := c.TestState(context.Background(), &in)
			mustNoErr(t, "TestState", err)
			w := tt.want
			if got.Status != w.status || aws.ToString(got.Output) != w.output || aws.ToString(got.NextState) != w.next ||
				aws.ToString(got.Error) != w.error || aws.ToString(got.Cause) != w.cause {
				t.Errorf("TestState = status %s output %s next %q error %q cause %q\nwant status %s output %s next %q error %q cause %q",
					got.Status, aws.ToString(got.Output), aws.ToString(got.NextState), aws.ToString(got.Error), aws.ToString(got.Cause),
					w.status, w.output, w.next, w.error, w.cause)
			}
			if gotFields := inspectionFields(got.InspectionData); !reflect.DeepEqual(gotFields, w.inspection) {
				t.Errorf("inspectionData\n %s\nwant\n %s", showFields(gotFields), showFields(w.inspection))
			}
		})
	}
}

// inspectionFields is every member of d that is set, as text: errorDetails as
// "catchIndex=N retryIndex=N retryBackoffIntervalSeconds=N" (the members set), request and
// response members as "request.method" etc.
func inspectionFields(d *types.InspectionData) map[string]string {
	if d == nil {
		return nil
	}
	m := map[string]string{}
	put := func(k string, v *string) {
		if v != nil {
			m[k] = *v
		}
	}
	put("input", d.Input)
	put("afterArguments", d.AfterArguments)
	put("afterInputPath", d.AfterInputPath)
	put("afterParameters", d.AfterParameters)
	put("afterItemsPath", d.AfterItemsPath)
	put("afterItemsPointer", d.AfterItemsPointer)
	put("afterItemSelector", d.AfterItemSelector)
	put("afterItemBatcher", d.AfterItemBatcher)
	put("result", d.Result)
	put("afterResultSelector", d.AfterResultSelector)
	put("afterResultPath", d.AfterResultPath)
	put("variables", d.Variables)
	if d.MaxConcurrency != nil {
		m["maxConcurrency"] = fmt.Sprint(*d.MaxConcurrency)
	}
	if d.ToleratedFailureCount != nil {
		m["toleratedFailureCount"] = fmt.Sprint(*d.ToleratedFailureCount)
	}
	if d.ToleratedFailurePercentage != nil {
		m["toleratedFailurePercentage"] = fmt.Sprint(*d.ToleratedFailurePercentage)
	}
	if e := d.ErrorDetails; e != nil {
		var parts []string
		if e.CatchIndex != nil {
			parts = append(parts, fmt.Sprintf("catchIndex=%d", *e.CatchIndex))
		}
		if e.RetryIndex != nil {
			parts = append(parts, fmt.Sprintf("retryIndex=%d", *e.RetryIndex))
		}
		if e.RetryBackoffIntervalSeconds != nil {
			parts = append(parts, fmt.Sprintf("retryBackoffIntervalSeconds=%d", *e.RetryBackoffIntervalSeconds))
		}
		m["errorDetails"] = strings.Join(parts, " ")
	}
	if r := d.Request; r != nil {
		put("request.protocol", r.Protocol)
		put("request.method", r.Method)
		put("request.url", r.Url)
		put("request.headers", r.Headers)
		put("request.body", r.Body)
	}
	if r := d.Response; r != nil {
		put("response.protocol", r.Protocol)
		put("response.statusCode", r.StatusCode)
		put("response.statusMessage", r.StatusMessage)
		put("response.headers", r.Headers)
		put("response.body", r.Body)
	}
	return m
}

func showFields(m map[string]string) string {
	if m == nil {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n ", k, m[k])
	}
	return b.String()
}

func result(text string) *types.MockInput { return &types.MockInput{Result: aws.String(text)} }

func mockError(name, cause string) *types.MockInput {
	return &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String(name), Cause: aws.String(cause)}}
}

func TestTestState(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	// A Lambda function's error carries its error document as the cause, as on AWS.
	const boomCause = `{"errorMessage":"Boom: it exploded","errorType":"Boom"}`
	def := aws.String
	runTestStateCases(t, c, []testStateCase{
		{name: "pass with result path",
			in:   awssfn.TestStateInput{Definition: def(`{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r","Next":"After"}`), Input: def(`{"a":1}`)},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"a":1,"r":{"x":1}}`, next: "After"}},
		{name: "choice",
			in:   awssfn.TestStateInput{Definition: def(`{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":5,"Next":"Big"}],"Default":"Small"}`), Input: def(`{"n":7}`)},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"n":7}`, next: "Big"}},
		{name: "end state task",
			in:   awssfn.TestStateInput{Definition: def(`{"Type":"Task","Resource":"` + lambdaARN + `double","End":true}`), Input: def(`{"n":4}`)},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"n":8}`}},
		{name: "fail",
			in:   awssfn.TestStateInput{Definition: def(`{"Type":"Fail","Error":"Nope","Cause":"on purpose"}`)},
			want: testStateWant{status: types.TestExecutionStatusFailed, error: "Nope", cause: "on purpose"}},
		{name: "task failure a retrier matches",
			in:   awssfn.TestStateInput{Definition: def(`{"Type":"Task","Resource":"` + lambdaARN + `boom","Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":2}],"End":true}`)},
			want: testStateWant{status: types.TestExecutionStatusRetriable, error: "Boom", cause: boomCause}},
		{name: "task failure a catcher handles",
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Task","Resource":"` + lambdaARN + `boom","Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Handler"}],"End":true}`),
				Input: def(`{"k":1}`)},
			want: testStateWant{status: types.TestExecutionStatusCaughtError, error: "Boom", cause: boomCause,
				output: `{"k":1,"err":{"Error":"Boom","Cause":"{\"errorMessage\":\"Boom: it exploded\",\"errorType\":\"Boom\"}"}}`, next: "Handler"}},
		{name: "unhandled task failure",
			in:   awssfn.TestStateInput{Definition: def(`{"Type":"Task","Resource":"` + lambdaARN + `boom","End":true}`)},
			want: testStateWant{status: types.TestExecutionStatusFailed, error: "Boom", cause: boomCause}},
	})

	for _, bad := range []struct {
		name  string
		in    awssfn.TestStateInput
		check func(error)
	}{
		{"no End or Next", awssfn.TestStateInput{Definition: aws.String(`{"Type":"Pass"}`), RoleArn: aws.String(roleARN)},
			func(err error) { wantAPIError[*types.InvalidDefinition](t, err, "") }},
		{"input not JSON", awssfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), RoleArn: aws.String(roleARN), Input: aws.String("{oops")},
			func(err error) { wantAPIError[*types.InvalidExecutionInput](t, err, "") }},
		{"task without a role", awssfn.TestStateInput{Definition: aws.String(`{"Type":"Task","Resource":"` + lambdaARN + `double","End":true}`)},
			func(err error) {
				wantAPIError[*types.ValidationException](t, err, "RoleArn must be specified when testing a Task state")
			}},
		{"activity without a mock", awssfn.TestStateInput{Definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:work","End":true}`), RoleArn: aws.String(roleARN)},
			func(err error) {
				wantAPIError[*types.InvalidDefinition](t, err, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: TestState does not support Activity tasks at /Resource'")
			}},
		{"map without a mock", awssfn.TestStateInput{Definition: aws.String(`{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`), RoleArn: aws.String(roleARN)},
			func(err error) {
				wantAPIError[*types.InvalidDefinition](t, err, "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]")
			}},
		{"parallel without a mock", awssfn.TestStateInput{Definition: aws.String(`{"Type":"Parallel","Branches":[{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}],"End":true}`)},
			func(err error) {
				wantAPIError[*types.InvalidDefinition](t, err, "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]")
			}},
	} {
		t.Run(bad.name, func(t *testing.T) {
			_, err := c.TestState(context.Background(), &bad.in)
			bad.check(err)
		})
	}
}

func TestTestStateInspection(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	def := aws.String
	runTestStateCases(t, c, []testStateCase{
		{name: "task through every stage",
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Task","Resource":"` + lambdaARN + `double","InputPath":"$.in","Parameters":{"n.$":"$.v","k.$":"$factor"},` +
				`"ResultSelector":{"doubled.$":"$.n"},"ResultPath":"$.out","Assign":{"last.$":"$.doubled"},"End":true}`),
				Input: def(`{"in":{"v":3},"keep":true}`), Variables: def(`{"factor":10}`), InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"in":{"v":3},"keep":true,"out":{"doubled":6}}`,
				inspection: map[string]string{"input": `{"in":{"v":3},"keep":true}`, "afterInputPath": `{"v":3}`,
					"afterParameters": `{"k":10,"n":3}`, "result": `{"n":6}`,
					"afterResultSelector": `{"doubled":6}`, "afterResultPath": `{"in":{"v":3},"keep":true,"out":{"doubled":6}}`,
					"variables": `{"factor":10,"last":6}`}}},
		// AWS: a Pass state without Result shows its parameters but no result.
		{name: "pass reading a variable",
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Pass","Parameters":{"greeting.$":"States.Format('hi {}', $who)"},"ResultPath":"$.r","End":true}`),
				Input: def(`{"a":1}`), Variables: def(`{"who":"ann"}`), InspectionLevel: types.InspectionLevelTrace},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"a":1,"r":{"greeting":"hi ann"}}`,
				inspection: map[string]string{"input": `{"a":1}`, "afterInputPath": `{"a":1}`, "afterParameters": `{"greeting":"hi ann"}`,
					"afterResultSelector": `{"greeting":"hi ann"}`, "afterResultPath": `{"a":1,"r":{"greeting":"hi ann"}}`, "variables": `{"who":"ann"}`}}},
		// AWS: a Pass state with Result shows the result, not InputPath and Parameters.
		{name: "pass with a result",
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Pass","Result":{"resultKey":"result value"},"End":true}`),
				Input: def(`{"Value":"HelloWorld"}`), InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"resultKey":"result value"}`,
				inspection: map[string]string{"input": `{"Value":"HelloWorld"}`, "result": `{"resultKey":"result value"}`,
					"afterResultSelector": `{"resultKey":"result value"}`, "afterResultPath": `{"resultKey":"result value"}`}}},
		{name: "choice on a variable",
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Choice","Choices":[{"Variable":"$limit","NumericGreaterThan":5,"Next":"High"}],"Default":"Low"}`),
				Input: def(`{}`), Variables: def(`{"limit":9}`), InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{}`, next: "High",
				inspection: map[string]string{"input": `{}`, "afterInputPath": `{}`, "variables": `{"limit":9}`}}},
		{name: "fail",
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Fail","Error":"SomeFailure","Cause":"This state machines raises a 'SomeFailure' failure."}`),
				Input: def(`{"Value":"HelloWorld"}`), InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusFailed, error: "SomeFailure", cause: "This state machines raises a 'SomeFailure' failure.",
				inspection: map[string]string{"input": `{"Value":"HelloWorld"}`, "afterInputPath": `{"Value":"HelloWorld"}`}}},
		{name: "jsonata task",
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Task","QueryLanguage":"JSONata","Resource":"` + lambdaARN + `double","Arguments":{"n":"{% $states.input.v + $base %}"},"Output":"{% $states.result.n %}","End":true}`),
				Input: def(`{"v":2}`), Variables: def(`{"base":1}`), InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `6`,
				inspection: map[string]string{"input": `{"v":2}`, "afterArguments": `{"n":3}`, "result": `{"n":6}`, "variables": `{"base":1}`}}},
		{name: "info level",
			in:   awssfn.TestStateInput{Definition: def(`{"Type":"Pass","End":true}`), Input: def(`{"a":1}`), InspectionLevel: types.InspectionLevelInfo},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"a":1}`}},
	})

	for _, bad := range []struct{ variables, msg string }{
		{`[1]`, "Invalid variables: must be a JSON object"},
		{`{"1x":1}`, "Invalid variables: '1x' is not a valid variable name"},
	} {
		_, err := c.TestState(context.Background(), &awssfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), RoleArn: aws.String(roleARN), Variables: aws.String(bad.variables)})
		wantAPIError[*types.ValidationException](t, err, bad.msg)
	}
}

// TestTestStateStateName tests one state of a whole state machine definition.
func TestTestStateStateName(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	const multi = `{"QueryLanguage":"JSONata","StartAt":"State0","States":{` +
		`"State0":{"Type":"Pass","Next":"State1"},` +
		`"State1":{"Type":"Fail","Error":"SomeFailure","Cause":"This state machines raises a 'SomeFailure' failure."}}}`
	const mapMachine = `{"StartAt":"State0","States":{"State0":{"Type":"Map","ItemsPath":"$.Values",` +
		`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"HandleItem","States":{"HandleItem":{"Type":"Pass","End":true}}},` +
		`"ToleratedFailureCount":2,"End":true}}}`
	hello := aws.String(`{"Value":"HelloWorld"}`)
	runTestStateCases(t, c, []testStateCase{
		// The state inherits the machine's QueryLanguage: a JSONata Pass state shows only its input.
		{name: "first state", noRole: true,
			in: awssfn.TestStateInput{Definition: aws.String(multi), StateName: aws.String("State0"), Input: hello, InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"Value":"HelloWorld"}`, next: "State1",
				inspection: map[string]string{"input": `{"Value":"HelloWorld"}`}}},
		{name: "second state", noRole: true,
			in:   awssfn.TestStateInput{Definition: aws.String(multi), StateName: aws.String("State1"), Input: hello},
			want: testStateWant{status: types.TestExecutionStatusFailed, error: "SomeFailure", cause: "This state machines raises a 'SomeFailure' failure."}},
		{name: "state inside a map's item processor", noRole: true,
			in: awssfn.TestStateInput{Definition: aws.String(mapMachine), StateName: aws.String("HandleItem"), Input: hello, InspectionLevel: types.InspectionLevelTrace},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"Value":"HelloWorld"}`,
				inspection: map[string]string{"input": `{"Value":"HelloWorld"}`, "afterInputPath": `{"Value":"HelloWorld"}`, "afterParameters": `{"Value":"HelloWorld"}`,
					"afterResultSelector": `{"Value":"HelloWorld"}`, "afterResultPath": `{"Value":"HelloWorld"}`}}},
		{name: "map state with a mocked error",
			in: awssfn.TestStateInput{Definition: aws.String(mapMachine), StateName: aws.String("State0"), Input: aws.String(`{"Values":["first","second","third"]}`),
				InspectionLevel: types.InspectionLevelDebug, Mock: mockError("MockException", "Mock the error cause."),
				StateConfiguration: &types.TestStateConfiguration{MapIterationFailureCount: aws.Int32(2), ErrorCausedByState: aws.String("HandleItem")}},
			want: testStateWant{status: types.TestExecutionStatusFailed, error: "MockException", cause: "Mock the error cause.",
				inspection: map[string]string{"input": `{"Values":["first","second","third"]}`, "afterInputPath": `{"Values":["first","second","third"]}`,
					"afterItemsPath": `["first","second","third"]`, "maxConcurrency": "0", "toleratedFailureCount": "2"}}},
	})

	for _, bad := range []struct{ definition, name, msg string }{
		{multi, "dne", "State not found in definition"},
		{multi, `"State0"`, "State not found in definition"},
	} {
		_, err := c.TestState(context.Background(), &awssfn.TestStateInput{Definition: aws.String(bad.definition), StateName: aws.String(bad.name)})
		wantAPIError[*types.ValidationException](t, err, bad.msg)
	}
	_, err := c.TestState(context.Background(), &awssfn.TestStateInput{StateName: aws.String("ExistingButInvalidState"),
		Definition: aws.String(`{"StartAt":"ExistingButInvalidState","States":{"ExistingButInvalidState":{"Type":"TypeThatDoesNotExist","End":true}}}`)})
	// AWS words it "The field 'Type' should have one of these values: [...]"; the location is the same.
	if e := wantAPIError[*types.InvalidDefinition](t, err, ""); !strings.Contains(e.ErrorMessage(), "SCHEMA_VALIDATION_FAILED: ") ||
		!strings.Contains(e.ErrorMessage(), " at /States/ExistingButInvalidState/Type") {
		t.Errorf("InvalidDefinition message = %q", e.ErrorMessage())
	}
}

// TestTestStateMock tests mocked results and errors of Task states.
func TestTestStateMock(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	def := aws.String
	const lambdaInvoke = `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName.$":"$.FunctionName","Payload.$":"$.Payload"},"End":true}`
	const startExecution = `{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::states:startExecution",` +
		`"Arguments":{"Input":"{% $states.input.targetInput %}","StateMachineArn":"{% $states.input.stateMachineArn %}","Name":"{% $states.input.name %}"},` +
		`"Output":{"targetExecutionResult":"{% $states.result %}"},"End":true}`
	const retry = `{"QueryLanguage":"JSONata","Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"foo","Payload":"bar"},` +
		`"Retry":[{"ErrorEquals":["MockException"],"IntervalSeconds":1,"MaxAttempts":5,"BackoffRate":2.0}],"End":true}`
	const catch = `{"QueryLanguage":"JSONata","Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"foo","Payload":"bar"},` +
		`"Catch":[{"ErrorEquals":["MockException"],"Output":"{% $states.errorOutput %}","Next":"HandleMockError"},` +
		`{"ErrorEquals":["States.TaskFailed"],"Output":"{% $states.errorOutput %}","Next":"HandleThreshold"}],"End":true}`
	const target = `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:Target","targetInput":null,"name":"T"}`
	values := def(`{"Values":["first","second","third"]}`)
	runTestStateCases(t, c, []testStateCase{
		// With a mock, no role is needed and nothing is invoked: the function does not exist.
		{name: "lambda invoke result", noRole: true,
			in: awssfn.TestStateInput{Definition: def(lambdaInvoke), Input: def(`{"FunctionName":"nowhere","Payload":null}`),
				Mock: result(`{"Payload":"function output","SdkHttpMetadata":{"HttpStatusCode":200}}`)},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"Payload":"function output","SdkHttpMetadata":{"HttpStatusCode":200}}`}},
		{name: "lambda function result", noRole: true,
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Task","Resource":"` + lambdaARN + `nowhere","ResultPath":"$.r","End":true}`), Input: def(`{"a":1}`),
				Mock: result(`"HelloWorld!"`), InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"a":1,"r":"HelloWorld!"}`,
				inspection: map[string]string{"input": `{"a":1}`, "afterInputPath": `{"a":1}`, "afterParameters": `{"a":1}`, "result": `"HelloWorld!"`,
					"afterResultSelector": `"HelloWorld!"`, "afterResultPath": `{"a":1,"r":"HelloWorld!"}`}}},
		{name: "start execution result", noRole: true,
			in: awssfn.TestStateInput{Definition: def(startExecution), Input: def(target),
				Mock: result(`{"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:Target:T","StartDate":"2025-12-03T00:34:15.000Z"}`)},
			want: testStateWant{status: types.TestExecutionStatusSucceeded,
				output: `{"targetExecutionResult":{"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:Target:T","StartDate":"2025-12-03T00:34:15.000Z"}}`}},
		{name: "present mode passes missing required fields", noRole: true,
			in: awssfn.TestStateInput{Definition: def(startExecution), Input: def(target),
				Mock: &types.MockInput{Result: aws.String(`{}`), FieldValidationMode: types.MockResponseValidationModePresent}},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"targetExecutionResult":{}}`}},
		{name: "none mode passes wrong types", noRole: true,
			in: awssfn.TestStateInput{Definition: def(startExecution), Input: def(target),
				Mock: &types.MockInput{Result: aws.String(`{"ExecutionArn":"x","StartDate":true}`), FieldValidationMode: types.MockResponseValidationModeNone}},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"targetExecutionResult":{"ExecutionArn":"x","StartDate":true}}`}},
		{name: "fields not in the API are not checked", noRole: true,
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","Parameters":{"Entries.$":"$.Entries"},"End":true}`),
				Input: def(`{"Entries":[]}`), Mock: result(`{"random":"json"}`)},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"random":"json"}`}},
		{name: "callback task", noRole: true,
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",` +
				`"Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q","MessageBody":{"Message":"Hello"}},"ResultPath":"$.SQS","Next":"NEXT_STATE"}`),
				Mock: result(`{"pokemon":["charizard","pikachu","bulbasaur"]}`), InspectionLevel: types.InspectionLevelTrace},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"SQS":{"pokemon":["charizard","pikachu","bulbasaur"]}}`, next: "NEXT_STATE",
				inspection: map[string]string{"input": `{}`, "afterInputPath": `{}`,
					"afterParameters":     `{"MessageBody":{"Message":"Hello"},"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q"}`,
					"result":              `{"pokemon":["charizard","pikachu","bulbasaur"]}`,
					"afterResultSelector": `{"pokemon":["charizard","pikachu","bulbasaur"]}`, "afterResultPath": `{"SQS":{"pokemon":["charizard","pikachu","bulbasaur"]}}`}}},
		{name: "activity", noRole: true,
			in:   awssfn.TestStateInput{Definition: def(`{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:work","End":true}`), Mock: result(`{"done":true}`)},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"done":true}`}},
		{name: "retry attempts left", noRole: true,
			in: awssfn.TestStateInput{Definition: def(retry), Input: values, InspectionLevel: types.InspectionLevelDebug,
				Mock: mockError("MockException", "Mock the cause of the error."), StateConfiguration: &types.TestStateConfiguration{RetrierRetryCount: aws.Int32(4)}},
			want: testStateWant{status: types.TestExecutionStatusRetriable, error: "MockException", cause: "Mock the cause of the error.",
				inspection: map[string]string{"input": `{"Values":["first","second","third"]}`, "afterArguments": `{"FunctionName":"foo","Payload":"bar"}`,
					"errorDetails": "retryIndex=0 retryBackoffIntervalSeconds=16"}}},
		{name: "retries exhausted", noRole: true,
			in: awssfn.TestStateInput{Definition: def(retry), Input: values, InspectionLevel: types.InspectionLevelTrace,
				Mock: mockError("MockException", "Mock the cause of the error."), StateConfiguration: &types.TestStateConfiguration{RetrierRetryCount: aws.Int32(5)}},
			want: testStateWant{status: types.TestExecutionStatusFailed, error: "MockException", cause: "Mock the cause of the error.",
				inspection: map[string]string{"input": `{"Values":["first","second","third"]}`, "afterArguments": `{"FunctionName":"foo","Payload":"bar"}`,
					"errorDetails": "retryIndex=0"}}},
		{name: "first catcher", noRole: true,
			in: awssfn.TestStateInput{Definition: def(catch), Input: def(`{"Value":"HelloWorld"}`), InspectionLevel: types.InspectionLevelDebug,
				Mock: mockError("MockException", "Mock the cause of the error.")},
			want: testStateWant{status: types.TestExecutionStatusCaughtError, error: "MockException", cause: "Mock the cause of the error.", next: "HandleMockError",
				output:     `{"Error":"MockException","Cause":"Mock the cause of the error."}`,
				inspection: map[string]string{"input": `{"Value":"HelloWorld"}`, "afterArguments": `{"FunctionName":"foo","Payload":"bar"}`, "errorDetails": "catchIndex=0"}}},
		{name: "second catcher", noRole: true,
			in: awssfn.TestStateInput{Definition: def(catch), Input: def(`{"Value":"HelloWorld"}`), InspectionLevel: types.InspectionLevelDebug,
				Mock: mockError("States.TaskFailed", "The task failed.")},
			want: testStateWant{status: types.TestExecutionStatusCaughtError, error: "States.TaskFailed", cause: "The task failed.", next: "HandleThreshold",
				output:     `{"Error":"States.TaskFailed","Cause":"The task failed."}`,
				inspection: map[string]string{"input": `{"Value":"HelloWorld"}`, "afterArguments": `{"FunctionName":"foo","Payload":"bar"}`, "errorDetails": "catchIndex=1"}}},
		// A real task failure goes through the retriers the same way.
		{name: "retry count on a real failure",
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Task","Resource":"` + lambdaARN + `boom","Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":3,"MaxAttempts":4,"BackoffRate":1.5,"MaxDelaySeconds":5}],"End":true}`),
				InspectionLevel: types.InspectionLevelDebug, StateConfiguration: &types.TestStateConfiguration{RetrierRetryCount: aws.Int32(2)}},
			want: testStateWant{status: types.TestExecutionStatusRetriable, error: "Boom", cause: `{"errorMessage":"Boom: it exploded","errorType":"Boom"}`,
				inspection: map[string]string{"input": `{}`, "afterInputPath": `{}`, "afterParameters": `{}`, "errorDetails": "retryIndex=0 retryBackoffIntervalSeconds=5"}}},
	})

	validation := func(in awssfn.TestStateInput, msg string) {
		t.Helper()
		_, err := c.TestState(context.Background(), &in)
		wantAPIError[*types.ValidationException](t, err, msg)
	}
	for _, typ := range []string{`{"Type":"Pass","End":true}`, `{"Type":"Fail"}`, `{"Type":"Succeed"}`} {
		var state struct{ Type string }
		_ = json.Unmarshal([]byte(typ), &state)
		validation(awssfn.TestStateInput{Definition: def(typ), Mock: result(`{"mock":"the unmockable"}`)}, "State type '"+state.Type+"' is not supported when a mock is specified")
		validation(awssfn.TestStateInput{Definition: def(typ), Mock: mockError("Error", "Cause")}, "State type '"+state.Type+"' is not supported when a mock is specified")
	}
	validation(awssfn.TestStateInput{Definition: def(lambdaInvoke), Mock: &types.MockInput{Result: aws.String(`{}`), ErrorOutput: &types.MockErrorOutput{Error: aws.String("E")}}},
		"A test mock should have only one of the following fields: [result, errorOutput].")
	validation(awssfn.TestStateInput{Definition: def(lambdaInvoke), Mock: result(`{"mock":"response"}`), RevealSecrets: true},
		"TestState does not support RevealSecrets when a mock is specified.")
	validation(awssfn.TestStateInput{Definition: def(lambdaInvoke), Mock: &types.MockInput{Result: aws.String("not JSON string"), FieldValidationMode: types.MockResponseValidationModeNone}},
		"Mocked result must be valid JSON")
	for _, check := range []struct{ definition, result, mode, msg string }{
		{startExecution, `{}`, "", "Required field 'ExecutionArn' is missing"},
		{startExecution, `{"executionArn":"x","startDate":"y"}`, "STRICT", "Required field 'ExecutionArn' is missing"},
		{startExecution, `{"ExecutionArn":"x","StartDate":true}`, "STRICT", "Field 'StartDate' must be a string"},
		{startExecution, `{"ExecutionArn":"x","StartDate":1764103483}`, "PRESENT", "Field 'StartDate' must be a string"},
		{startExecution, `{"ExecutionArn":1}`, "PRESENT", "Field 'ExecutionArn' must be a string"},
		{`{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","Parameters":{"Entries.$":"$.Entries"},"End":true}`,
			`{"Entries":"Entries value should have been a list of entry objects"}`, "", "Field 'Entries' must be an array"},
		{`{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","Parameters":{"Entries.$":"$.Entries"},"End":true}`,
			`{"Entries":[{"EventId":"First eventId has correct type: string"},{"EventId":["Second eventId has incorrect type: array"]}]}`, "PRESENT", "Field 'EventId' must be a string"},
		{lambdaInvoke, `{"StatusCode":"200"}`, "", "Field 'StatusCode' must be a number"},
		{`{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"t","Item":{}},"End":true}`,
			`{"ConsumedCapacity":{"CapacityUnits":"123.45"}}`, "", "Field 'CapacityUnits' must be a number"},
		{`{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"b","Key":"k"},"End":true}`,
			`{"ContentLength":"9000"}`, "", "Field 'ContentLength' must be a number"},
		{`{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"b","Key":"k"},"End":true}`,
			`{"StorageClass":"Papyrus"}`, "", "Field 'StorageClass' is not an expected value"},
		{`{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:kms:encrypt","Parameters":{"KeyId":"k","Plaintext":"p"},"End":true}`,
			`{"CiphertextBlob":123}`, "", "Field 'CiphertextBlob' must be a string"},
		{`{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:kms:encrypt","Parameters":{"KeyId":"k","Plaintext":"p"},"End":true}`,
			`{"CiphertextBlob":""}`, "PRESENT", "Field 'CiphertextBlob' is smaller than the minimum length"},
		{`{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:lambda:getFunction","Parameters":{"FunctionName":"f"},"End":true}`,
			`{"Configuration":{"MemorySize":127}}`, "", "Field 'MemorySize' is less than the minimum value"},
		{`{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:lambda:getFunction","Parameters":{"FunctionName":"f"},"End":true}`,
			`{"Configuration":{"MemorySize":10241}}`, "", "Field 'MemorySize' exceeds the maximum value"},
	} {
		validation(awssfn.TestStateInput{Definition: def(check.definition), Input: def(`{}`),
			Mock: &types.MockInput{Result: aws.String(check.result), FieldValidationMode: types.MockResponseValidationMode(check.mode)}},
			"Mock result schema validation error: "+check.msg)
	}
}

// TestTestStateMockFanOut tests mocked Parallel and Map states.
func TestTestStateMockFanOut(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	def := aws.String
	const branches = `"Branches":[{"StartAt":"B1","States":{"B1":{"Type":"Pass","End":true}}},{"StartAt":"B2","States":{"B2":{"Type":"Pass","End":true}}}]`
	const twoResults = `[{"branch1":"result"},{"branch2":"result"}]`
	mapState := func(extra string) string {
		return `{"Type":"Map","QueryLanguage":"JSONata","Items":"{% $states.input.Values %}",` +
			`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"TestState",` +
			`"States":{"TestState":{"Type":"Task","Resource":"` + lambdaARN + `yourHelloWorldFunction","End":true}}}` + extra + `,"End":true}`
	}
	mapCatch := mapState(`,"Catch":[{"ErrorEquals":["MockException"],"Output":"{% $states.errorOutput %}","Next":"HandleMockError"},` +
		`{"ErrorEquals":["States.ExceedToleratedFailureThreshold"],"Output":"{% $states.errorOutput %}","Next":"HandleThreshold"}],"ToleratedFailureCount":1`)
	mapRetry := mapState(`,"Retry":[{"ErrorEquals":["MockException"],"MaxAttempts":3},{"ErrorEquals":["States.ExceedToleratedFailureThreshold"],"MaxAttempts":2}],"ToleratedFailureCount":1`)
	values := def(`{"Values":["first","second","third"]}`)
	failures := func(n int32) *types.TestStateConfiguration {
		return &types.TestStateConfiguration{MapIterationFailureCount: aws.Int32(n)}
	}
	const itemReader = `{"QueryLanguage":"JSONata","StartAt":"State0","States":{"State0":{"Type":"Map","MaxConcurrency":1,` +
		`"ItemReader":{"ReaderConfig":{"InputType":"JSON"},"Resource":"arn:aws:states:::s3:getObject","Arguments":{"Bucket":"{% $states.input.Bucket %}","Key":"{% $states.input.Key %}"}},` +
		`"ItemSelector":"{% $states.context.Map.Item.Value * 10 %}",` +
		`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"HandleItem","States":{"HandleItem":{"Type":"Pass","End":true}}},"End":true}}}`
	runTestStateCases(t, c, []testStateCase{
		{name: "parallel", noRole: true,
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Parallel",` + branches + `,"End":true}`), Input: def(`{"key":"value"}`),
				Mock: result(twoResults), InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: twoResults,
				inspection: map[string]string{"input": `{"key":"value"}`, "afterResultSelector": twoResults, "afterResultPath": twoResults}}},
		{name: "parallel input and output processing", noRole: true,
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Parallel","InputPath":"$.parallelInput","ResultPath":"$.parallelResult","OutputPath":"$",` + branches + `,"End":true}`),
				Input: def(`{"parallelInput":{"data":"input_value"}}`), Mock: result(twoResults), InspectionLevel: types.InspectionLevelTrace},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"parallelInput":{"data":"input_value"},"parallelResult":` + twoResults + `}`,
				inspection: map[string]string{"input": `{"parallelInput":{"data":"input_value"}}`, "afterResultSelector": twoResults,
					"afterResultPath": `{"parallelInput":{"data":"input_value"},"parallelResult":` + twoResults + `}`}}},
		{name: "jsonata parallel", noRole: true,
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Parallel","QueryLanguage":"JSONata","Arguments":"{% $states.input.parallelInput %}",` +
				`"Output":{"parallelInput":"{% $states.input.parallelInput %}","parallelResult":"{% $states.result %}"},` + branches + `,"End":true}`),
				Input: def(`{"parallelInput":{"data":"input_value"}}`), Mock: result(twoResults), InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"parallelInput":{"data":"input_value"},"parallelResult":` + twoResults + `}`,
				inspection: map[string]string{"input": `{"parallelInput":{"data":"input_value"}}`}}},
		{name: "map failures below the tolerance",
			in: awssfn.TestStateInput{Definition: def(mapCatch), Input: values, Mock: result(`[1,1,1]`), StateConfiguration: failures(0), InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `[1,1,1]`,
				inspection: map[string]string{"input": `{"Values":["first","second","third"]}`, "maxConcurrency": "0", "toleratedFailureCount": "1"}}},
		{name: "map failures over the tolerance caught",
			in: awssfn.TestStateInput{Definition: def(mapCatch), Input: values, Mock: result(`[0,0,1]`), StateConfiguration: failures(2), InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusCaughtError, error: "States.ExceedToleratedFailureThreshold", cause: "The specified tolerated failure threshold was exceeded",
				next: "HandleThreshold", output: `{"Error":"States.ExceedToleratedFailureThreshold","Cause":"The specified tolerated failure threshold was exceeded"}`,
				inspection: map[string]string{"input": `{"Values":["first","second","third"]}`, "maxConcurrency": "0", "toleratedFailureCount": "1", "errorDetails": "catchIndex=1"}}},
		{name: "map failures over the tolerance retried",
			in: awssfn.TestStateInput{Definition: def(mapRetry), Input: values, Mock: result(`[0,0,1]`), StateConfiguration: failures(2), InspectionLevel: types.InspectionLevelTrace},
			want: testStateWant{status: types.TestExecutionStatusRetriable, error: "States.ExceedToleratedFailureThreshold", cause: "The specified tolerated failure threshold was exceeded",
				inspection: map[string]string{"input": `{"Values":["first","second","third"]}`, "maxConcurrency": "0", "toleratedFailureCount": "1",
					"errorDetails": "retryIndex=1 retryBackoffIntervalSeconds=1"}}},
		// As on AWS: with no tolerance given, failed iterations do not fail the state.
		{name: "map failures without a tolerance",
			in: awssfn.TestStateInput{Definition: def(mapState(`,"Output":"{% $states.result %}"`)), Input: values, Mock: result(`[0,0,1]`), StateConfiguration: failures(2),
				InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `[0,0,1]`,
				inspection: map[string]string{"input": `{"Values":["first","second","third"]}`, "maxConcurrency": "0"}}},
		{name: "map error", noRole: true,
			in: awssfn.TestStateInput{Definition: def(mapState("")), Input: def(`{"Values":[1,1,1]}`), Mock: mockError("MockException", "Mock the cause of the error."),
				StateConfiguration: &types.TestStateConfiguration{ErrorCausedByState: aws.String("TestState")}, InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusFailed, error: "MockException", cause: "Mock the cause of the error.",
				inspection: map[string]string{"input": `{"Values":[1,1,1]}`, "maxConcurrency": "0"}}},
		{name: "map selecting and batching items", noRole: true,
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Map","InputPath":"$.in","ItemsPath":"$.items","MaxConcurrency":2,"ToleratedFailurePercentage":10,` +
				`"ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},"ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"b":1}},` +
				`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},` +
				`"ResultSelector":{"n.$":"States.ArrayLength($)"},"ResultPath":"$.out","End":true}`),
				Input: def(`{"in":{"items":["a","b","c"]}}`), Mock: result(`["x","y"]`), InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"in":{"items":["a","b","c"]},"out":{"n":2}}`,
				inspection: map[string]string{"input": `{"in":{"items":["a","b","c"]}}`, "afterInputPath": `{"items":["a","b","c"]}`, "afterItemsPath": `["a","b","c"]`,
					"afterItemSelector": `[{"v":"a","i":0},{"v":"b","i":1},{"v":"c","i":2}]`,
					"afterItemBatcher":  `[{"BatchInput":{"b":1},"Items":[{"v":"a","i":0},{"v":"b","i":1}]},{"BatchInput":{"b":1},"Items":[{"v":"c","i":2}]}]`,
					"maxConcurrency":    "2", "toleratedFailurePercentage": "10",
					"afterResultSelector": `{"n":2}`, "afterResultPath": `{"in":{"items":["a","b","c"]},"out":{"n":2}}`}}},
		{name: "map items that are not an array", noRole: true,
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`),
				Input: def(`{"a":1}`), Mock: result(`[]`), InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusFailed, error: "States.Runtime",
				cause:      `An error occurred while executing the state 'StateName' (entered at the event id #2). Items of Map state must reference a JSON array, but found: {"a":1}`,
				inspection: map[string]string{"input": `{"a":1}`, "afterInputPath": `{"a":1}`, "maxConcurrency": "0"}}},
		{name: "map items from mapItemReaderData",
			in: awssfn.TestStateInput{Definition: def(itemReader), StateName: aws.String("State0"), Input: def(`{"Bucket":"test-bucket","Key":"test-key"}`),
				Mock: result(`[1,4,9]`), StateConfiguration: &types.TestStateConfiguration{MapItemReaderData: aws.String(`[1,2,3]`)}, InspectionLevel: types.InspectionLevelTrace},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `[1,4,9]`,
				inspection: map[string]string{"input": `{"Bucket":"test-bucket","Key":"test-key"}`, "afterItemSelector": `[10,20,30]`, "maxConcurrency": "1"}}},
	})

	check := func(code string, in awssfn.TestStateInput, msg string) {
		t.Helper()
		_, err := c.TestState(context.Background(), &in)
		if code == "InvalidDefinition" {
			// AWS words it "Value cannot be empty at ..."; the location is the same.
			if e := wantAPIError[*types.InvalidDefinition](t, err, ""); !strings.HasSuffix(e.ErrorMessage(), msg) {
				t.Errorf("InvalidDefinition message = %q, want it to end with %q", e.ErrorMessage(), msg)
			}
			return
		}
		wantAPIError[*types.ValidationException](t, err, msg)
	}
	check("", awssfn.TestStateInput{Definition: def(mapState("")), Mock: result(`{"mock":"array is expected but object is provided instead"}`)}, "Mocked result must be an array.")
	check("", awssfn.TestStateInput{Definition: def(`{"Type":"Map","ItemsPath":"$.Values","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},` +
		`"StartAt":"T","States":{"T":{"Type":"Pass","End":true}}},"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"result-bucket","Prefix":"mapJobs"}},"End":true}`),
		Mock: result(`["object is expected but array is provided instead"]`)}, "Mocked result must be a JSON object.")
	check("", awssfn.TestStateInput{Definition: def(`{"Type":"Parallel",` + branches + `,"End":true}`), Mock: result(`{"mock":"object"}`)}, "Mocked result must be an array.")
	check("", awssfn.TestStateInput{Definition: def(`{"Type":"Parallel",` + branches + `,"End":true}`), Mock: result(`[{"branch1":"result"}]`)},
		"Mocked result must contain the same number of items as number of Parallel branches.")
	check("InvalidDefinition", awssfn.TestStateInput{Definition: def(`{"Type":"Parallel","Branches":[],"End":true}`), Mock: result(`[]`)},
		" at /States/StateName/Branches'")
	check("", awssfn.TestStateInput{Definition: def(mapState("")), RoleArn: aws.String(roleARN), StateConfiguration: failures(0)},
		"TestState does not support MapIterationFailureCount when a mock is not specified.")
	check("", awssfn.TestStateInput{Definition: def(mapState("")), Input: def(`{"Values":[1,1,1]}`), Mock: result(`[1,1,1]`), StateConfiguration: failures(4)},
		"Map iteration failure count must be less than or equal to the number of Map iterations")
}

// TestTestStateContext tests the Context object a mocked state runs with.
func TestTestStateContext(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	def := aws.String
	const full = `{"Execution":{"Id":"arn:aws:states:::execution:MyStateMachine:execution-name-12345",` +
		`"Input":{"input-value":0,"message":"test data","values":["charizard","pikachu","bulbasaur"]},"Name":"execution-name-12345",` +
		`"RoleArn":"arn:aws:iam:::role/StepFunctionsRole","StartTime":"2025-01-15T10:30:00.000Z"},` +
		`"State":{"EnteredTime":"2025-01-15T10:30:01.500Z","Name":"MyTaskState","RetryCount":0},` +
		`"StateMachine":{"Id":"arn:aws:states:::stateMachine:MyStateMachine","Name":"MyStateMachine"}}`
	resultSelector := func(path string) *string {
		return def(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName.$":"$.FunctionName","Payload":{"Input.$":"$"}},` +
			`"ResultSelector":{"LambdaOutput.$":"$","ContextObjectValue.$":"` + path + `"},"End":true}`)
	}
	input := def(`{"FunctionName":"lambda_function_name","Payload":{"input-value":0}}`)
	// Parameters: the plain field (Payload) first, then the key.$ field, as AWS orders them
	const params = `{"Payload":{"Input":{"FunctionName":"lambda_function_name","Payload":{"input-value":0}}},"FunctionName":"lambda_function_name"}`
	const pokemon = `{"pokemon":["charizard","pikachu","bulbasaur"]}`
	const fromFull = `{"ContextObjectValue":` + full + `,"LambdaOutput":` + pokemon + `}`
	const fromEmpty = `{"ContextObjectValue":{},"LambdaOutput":` + pokemon + `}`
	runTestStateCases(t, c, []testStateCase{
		{name: "whole context", noRole: true,
			in: awssfn.TestStateInput{Definition: resultSelector("$$"), Input: input, Context: def(full), Mock: result(pokemon), InspectionLevel: types.InspectionLevelTrace},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: fromFull,
				inspection: map[string]string{"input": `{"FunctionName":"lambda_function_name","Payload":{"input-value":0}}`,
					"afterInputPath": `{"FunctionName":"lambda_function_name","Payload":{"input-value":0}}`, "afterParameters": params,
					"result": pokemon, "afterResultSelector": fromFull, "afterResultPath": fromFull}}},
		{name: "context in the order given", noRole: true,
			in: awssfn.TestStateInput{Definition: resultSelector("$$"), Input: input, Mock: result(pokemon),
				Context: def(`{"State":{"Name":"S","EnteredTime":"2025-01-15T10:30:01.500Z"},"Execution":{"Name":"e","Id":"x"}}`)},
			want: testStateWant{status: types.TestExecutionStatusSucceeded,
				output: `{"ContextObjectValue":{"State":{"Name":"S","EnteredTime":"2025-01-15T10:30:01.500Z"},"Execution":{"Name":"e","Id":"x"}},"LambdaOutput":` + pokemon + `}`}},
		{name: "empty context", noRole: true,
			in:   awssfn.TestStateInput{Definition: resultSelector("$$"), Input: input, Context: def(`{}`), Mock: result(pokemon)},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: fromEmpty}},
		{name: "map items from the context", noRole: true,
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Map","ItemsPath":"$$.Execution.Input.values","MaxConcurrency":1,` +
				`"ItemProcessor":{"StartAt":"HandleItem","States":{"HandleItem":{"Type":"Pass","End":true}}},"End":true}`),
				Input: def(`["fire","electricity","grass"]`), Context: def(full), Mock: result(`["CHARIZARD","PIKACHU","BULBASAUR"]`), InspectionLevel: types.InspectionLevelTrace},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `["CHARIZARD","PIKACHU","BULBASAUR"]`,
				inspection: map[string]string{"input": `["fire","electricity","grass"]`, "afterInputPath": `["fire","electricity","grass"]`,
					"afterItemsPath": `["charizard","pikachu","bulbasaur"]`, "maxConcurrency": "1",
					"afterResultSelector": `["CHARIZARD","PIKACHU","BULBASAUR"]`, "afterResultPath": `["CHARIZARD","PIKACHU","BULBASAUR"]`}}},
		{name: "task token from the context", noRole: true,
			in: awssfn.TestStateInput{Definition: def(`{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",` +
				`"Parameters":{"QueueUrl":"q","MessageBody":{"TaskToken.$":"$$.Task.Token"}},"ResultPath":"$.SQS","End":true}`),
				Context: def(strings.TrimSuffix(full, "}") + `,"Task":{"Token":"abcd123"}}`), Mock: result(pokemon), InspectionLevel: types.InspectionLevelDebug},
			want: testStateWant{status: types.TestExecutionStatusSucceeded, output: `{"SQS":` + pokemon + `}`,
				inspection: map[string]string{"input": `{}`, "afterInputPath": `{}`, "afterParameters": `{"MessageBody":{"TaskToken":"abcd123"},"QueueUrl":"q"}`,
					"result": pokemon, "afterResultSelector": pokemon, "afterResultPath": `{"SQS":` + pokemon + `}`}}},
	})

	startExecution := def(`{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::states:startExecution",` +
		`"Arguments":{"Input":"{% $states.input.targetInput %}","StateMachineArn":"{% $states.input.stateMachineArn %}"},"End":true}`)
	for _, bad := range []struct{ context, msg string }{
		{`{"Execution":{"Id":1}}`, "Invalid Context object provided: Execution.Id must be a string"},
		{`{"Map":{}}`, "Invalid Context object provided: 'Map' field is not supported when mocking a Context object"},
		{`{"Execution":{"pokemon":"squirtle"}}`, "Invalid Context object provided: Field 'pokemon' is not allowed"},
		{`{"Pokedex":{}}`, "Invalid Context object provided: Field 'Pokedex' is not allowed"},
		{`{"Task":{"Token":"abcd123"}}`, "Invalid Context object provided: Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern"},
	} {
		_, err := c.TestState(context.Background(), &awssfn.TestStateInput{Definition: startExecution, Input: def(`{"stateMachineArn":"arn","targetInput":null}`),
			Context: def(bad.context), Mock: result(`{"ExecutionArn":"exec_arn","StartDate":"2025-12-03T18:51:50.000Z"}`)})
		wantAPIError[*types.ValidationException](t, err, bad.msg)
	}
	_, err := c.TestState(context.Background(), &awssfn.TestStateInput{Definition: def(`{"Type":"Pass","End":true}`), Context: def(full), Mock: result(`{}`)})
	wantAPIError[*types.ValidationException](t, err, "State type 'Pass' is not supported when a mock is specified")
	_, err = c.TestState(context.Background(), &awssfn.TestStateInput{Definition: def(`{"Type":"Pass","End":true}`), Context: def(full)})
	wantAPIError[*types.ValidationException](t, err, "TestState does not support Context when a mock is not specified.")
}

// TestTestStateHTTPTrace tests the TRACE inspection of an HTTP Task: the request sent and the
// response received.
func TestTestStateHTTPTrace(t *testing.T) {
	t.Parallel()
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Answer", "42")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"approval":true}`)
	}))
	t.Cleanup(endpoint.Close)
	c, _ := newClient(t, withHTTPAllowHosts(t, endpoint.Listener.Addr().String()))
	definition := `{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{"ApiEndpoint":"` + endpoint.URL + `/approval","Method":"POST",` +
		`"Headers":{"X-Request-Id":"r-1"},"RequestBody":{"cost.$":"$.cost"}},"ResultSelector":{"approval.$":"$.ResponseBody.approval"},"End":true}`
	got, err := c.TestState(context.Background(), &awssfn.TestStateInput{Definition: aws.String(definition), RoleArn: aws.String(roleARN),
		Input: aws.String(`{"cost":10}`), InspectionLevel: types.InspectionLevelTrace})
	mustNoErr(t, "TestState", err)
	if got.Status != types.TestExecutionStatusSucceeded || aws.ToString(got.Output) != `{"approval":true}` {
		t.Fatalf("status %s output %s error %s cause %s", got.Status, aws.ToString(got.Output), aws.ToString(got.Error), aws.ToString(got.Cause))
	}
	fields := inspectionFields(got.InspectionData)
	headers := func(field string) map[string][]string {
		var h map[string][]string
		if err := json.Unmarshal([]byte(fields[field]), &h); err != nil {
			t.Fatalf("%s %q: %v", field, fields[field], err)
		}
		return h
	}
	reqHeaders, respHeaders := headers("request.headers"), headers("response.headers")
	if !reflect.DeepEqual(reqHeaders["X-Request-Id"], []string{"r-1"}) || !reflect.DeepEqual(reqHeaders["Content-Type"], []string{"application/json"}) {
		t.Errorf("request headers %s", fields["request.headers"])
	}
	if !reflect.DeepEqual(respHeaders["X-Answer"], []string{"42"}) {
		t.Errorf("response headers %s", fields["response.headers"])
	}
	for field, want := range map[string]string{
		"request.protocol": "http", "request.method": "POST", "request.url": endpoint.URL + "/approval", "request.body": `{"cost":10}`,
		"response.protocol": "HTTP/1.1", "response.statusCode": "201", "response.statusMessage": "Created", "response.body": `{"approval":true}`,
	} {
		if fields[field] != want {
			t.Errorf("inspectionData.%s = %q, want %q", field, fields[field], want)
		}
	}

	// DEBUG shows no HTTP exchange, nor does a mocked HTTP Task.
	for _, in := range []awssfn.TestStateInput{
		{Definition: aws.String(definition), RoleArn: aws.String(roleARN), Input: aws.String(`{"cost":10}`), InspectionLevel: types.InspectionLevelDebug},
		{Definition: aws.String(definition), Input: aws.String(`{"cost":10}`), InspectionLevel: types.InspectionLevelTrace,
			Mock: result(`{"ResponseBody":{"approval":true},"StatusCode":200}`)},
	} {
		got, err := c.TestState(context.Background(), &in)
		mustNoErr(t, "TestState", err)
		if d := got.InspectionData; d == nil || d.Request != nil || d.Response != nil || aws.ToString(got.Output) != `{"approval":true}` {
			t.Errorf("inspection level %s, mocked %v: output %s inspection %s", in.InspectionLevel, in.Mock != nil, aws.ToString(got.Output), showFields(inspectionFields(d)))
		}
	}
}
