package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestTestState(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	const lambda = "arn:aws:lambda:us-east-1:123456789012:function:"
	// A Lambda function's error carries its error document as the cause, as on AWS.
	const boomCause = `{"errorMessage":"Boom: it exploded","errorType":"Boom"}`
	tests := []struct {
		name       string
		definition string
		input      string
		want       awssfn.TestStateOutput
	}{
		{
			name:       "pass with result path",
			definition: `{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r","Next":"After"}`,
			input:      `{"a":1}`,
			want:       awssfn.TestStateOutput{Status: types.TestExecutionStatusSucceeded, Output: aws.String(`{"a":1,"r":{"x":1}}`), NextState: aws.String("After")},
		},
		{
			name:       "choice",
			definition: `{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":5,"Next":"Big"}],"Default":"Small"}`,
			input:      `{"n":7}`,
			want:       awssfn.TestStateOutput{Status: types.TestExecutionStatusSucceeded, Output: aws.String(`{"n":7}`), NextState: aws.String("Big")},
		},
		{
			name:       "end state task",
			definition: `{"Type":"Task","Resource":"` + lambda + `double","End":true}`,
			input:      `{"n":4}`,
			want:       awssfn.TestStateOutput{Status: types.TestExecutionStatusSucceeded, Output: aws.String(`{"n":8}`)},
		},
		{
			name:       "fail",
			definition: `{"Type":"Fail","Error":"Nope","Cause":"on purpose"}`,
			want:       awssfn.TestStateOutput{Status: types.TestExecutionStatusFailed, Error: aws.String("Nope"), Cause: aws.String("on purpose")},
		},
		{
			name:       "task failure a retrier matches",
			definition: `{"Type":"Task","Resource":"` + lambda + `boom","Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":2}],"End":true}`,
			want:       awssfn.TestStateOutput{Status: types.TestExecutionStatusRetriable, Error: aws.String("Boom"), Cause: aws.String(boomCause)},
		},
		{
			name:       "task failure a catcher handles",
			definition: `{"Type":"Task","Resource":"` + lambda + `boom","Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Handler"}],"End":true}`,
			input:      `{"k":1}`,
			want: awssfn.TestStateOutput{Status: types.TestExecutionStatusCaughtError, Error: aws.String("Boom"), Cause: aws.String(boomCause),
				Output: aws.String(`{"err":{"Cause":"{\"errorMessage\":\"Boom: it exploded\",\"errorType\":\"Boom\"}","Error":"Boom"},"k":1}`), NextState: aws.String("Handler")},
		},
		{
			name:       "parallel",
			definition: `{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"End":true}}},{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"` + lambda + `double","End":true}}}],"Next":"After"}`,
			input:      `{"n":2}`,
			want:       awssfn.TestStateOutput{Status: types.TestExecutionStatusSucceeded, Output: aws.String(`[1,{"n":4}]`), NextState: aws.String("After")},
		},
		{
			name:       "parallel handling a failure inside a branch",
			definition: `{"Type":"Parallel","Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambda + `boom","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Fine"}],"End":true},"Fine":{"Type":"Pass","Result":"fine","End":true}}}],"End":true}`,
			want:       awssfn.TestStateOutput{Status: types.TestExecutionStatusSucceeded, Output: aws.String(`["fine"]`)},
		},
		{
			name:       "parallel failure a catcher handles",
			definition: `{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E1","Cause":"c1"}}}],"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Handler"}],"Next":"After"}`,
			input:      `{"k":1}`,
			want: awssfn.TestStateOutput{Status: types.TestExecutionStatusCaughtError, Error: aws.String("E1"), Cause: aws.String("c1"),
				Output: aws.String(`{"err":{"Cause":"c1","Error":"E1"},"k":1}`), NextState: aws.String("Handler")},
		},
		{
			name:       "map",
			definition: `{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"D","States":{"D":{"Type":"Task","Resource":"` + lambda + `double","End":true}}},"End":true}`,
			input:      `{"items":[{"n":1},{"n":2}]}`,
			want:       awssfn.TestStateOutput{Status: types.TestExecutionStatusSucceeded, Output: aws.String(`[{"n":2},{"n":4}]`)},
		},
		{
			name:       "map failure a retrier matches",
			definition: `{"Type":"Map","ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"` + lambda + `boom","End":true}}},"Retry":[{"ErrorEquals":["Boom"]}],"End":true}`,
			input:      `[1]`,
			want:       awssfn.TestStateOutput{Status: types.TestExecutionStatusRetriable, Error: aws.String("Boom"), Cause: aws.String(boomCause)},
		},
		{
			name:       "unhandled map failure",
			definition: `{"Type":"Map","ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"` + lambda + `boom","End":true}}},"End":true}`,
			input:      `[1]`,
			want:       awssfn.TestStateOutput{Status: types.TestExecutionStatusFailed, Error: aws.String("Boom"), Cause: aws.String(boomCause)},
		},
		{
			name:       "unhandled task failure",
			definition: `{"Type":"Task","Resource":"` + lambda + `boom","End":true}`,
			want:       awssfn.TestStateOutput{Status: types.TestExecutionStatusFailed, Error: aws.String("Boom"), Cause: aws.String(boomCause)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := &awssfn.TestStateInput{Definition: aws.String(tt.definition), RoleArn: aws.String(roleARN)}
			if tt.input != "" {
				in.Input = aws.String(tt.input)
			}
			got, err := c.TestState(context.Background(), in)
			mustNoErr(t, "TestState", err)
			if got.Status != tt.want.Status || aws.ToString(got.Output) != aws.ToString(tt.want.Output) ||
				aws.ToString(got.NextState) != aws.ToString(tt.want.NextState) || aws.ToString(got.Error) != aws.ToString(tt.want.Error) ||
				aws.ToString(got.Cause) != aws.ToString(tt.want.Cause) {
				t.Fatalf("TestState = status %s output %s next %s error %s cause %s; want %s %s %s %s %s",
					got.Status, aws.ToString(got.Output), aws.ToString(got.NextState), aws.ToString(got.Error), aws.ToString(got.Cause),
					tt.want.Status, aws.ToString(tt.want.Output), aws.ToString(tt.want.NextState), aws.ToString(tt.want.Error), aws.ToString(tt.want.Cause))
			}
		})
	}

	_, err := c.TestState(context.Background(), &awssfn.TestStateInput{Definition: aws.String(`{"Type":"Pass"}`), RoleArn: aws.String(roleARN)})
	wantAPIError[*types.InvalidDefinition](t, err, "")
	_, err = c.TestState(context.Background(), &awssfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), RoleArn: aws.String(roleARN), Input: aws.String("{oops")})
	wantAPIError[*types.InvalidExecutionInput](t, err, "")
}

func TestTestStateInspection(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	const lambda = "arn:aws:lambda:us-east-1:123456789012:function:"
	tests := []struct {
		name       string
		definition string
		input      string
		variables  string
		level      types.InspectionLevel
		want       types.InspectionData
		output     string
	}{
		{
			name: "task through every stage",
			definition: `{"Type":"Task","Resource":"` + lambda + `double","InputPath":"$.in","Parameters":{"n.$":"$.v","k.$":"$factor"},` +
				`"ResultSelector":{"doubled.$":"$.n"},"ResultPath":"$.out","Assign":{"last.$":"$.doubled"},"End":true}`,
			input:     `{"in":{"v":3},"keep":true}`,
			variables: `{"factor":10}`,
			level:     types.InspectionLevelDebug,
			want: types.InspectionData{
				Input: aws.String(`{"in":{"v":3},"keep":true}`), AfterInputPath: aws.String(`{"v":3}`),
				AfterParameters: aws.String(`{"k":10,"n":3}`), Result: aws.String(`{"n":6}`),
				AfterResultSelector: aws.String(`{"doubled":6}`), AfterResultPath: aws.String(`{"in":{"v":3},"keep":true,"out":{"doubled":6}}`),
				Variables: aws.String(`{"factor":10,"last":6}`),
			},
			output: `{"in":{"v":3},"keep":true,"out":{"doubled":6}}`,
		},
		{
			name:       "pass reading a variable",
			definition: `{"Type":"Pass","Parameters":{"greeting.$":"States.Format('hi {}', $who)"},"ResultPath":"$.r","End":true}`,
			input:      `{"a":1}`,
			variables:  `{"who":"ann"}`,
			level:      types.InspectionLevelTrace,
			want: types.InspectionData{
				Input: aws.String(`{"a":1}`), AfterInputPath: aws.String(`{"a":1}`), AfterParameters: aws.String(`{"greeting":"hi ann"}`),
				Result: aws.String(`{"greeting":"hi ann"}`), AfterResultSelector: aws.String(`{"greeting":"hi ann"}`),
				AfterResultPath: aws.String(`{"a":1,"r":{"greeting":"hi ann"}}`), Variables: aws.String(`{"who":"ann"}`),
			},
			output: `{"a":1,"r":{"greeting":"hi ann"}}`,
		},
		{
			name:       "choice on a variable",
			definition: `{"Type":"Choice","Choices":[{"Variable":"$limit","NumericGreaterThan":5,"Next":"High"}],"Default":"Low"}`,
			input:      `{}`,
			variables:  `{"limit":9}`,
			level:      types.InspectionLevelDebug,
			want:       types.InspectionData{Input: aws.String(`{}`), AfterInputPath: aws.String(`{}`), Variables: aws.String(`{"limit":9}`)},
			output:     `{}`,
		},
		{
			name:       "jsonata task",
			definition: `{"Type":"Task","QueryLanguage":"JSONata","Resource":"` + lambda + `double","Arguments":{"n":"{% $states.input.v + $base %}"},"Output":"{% $states.result.n %}","End":true}`,
			input:      `{"v":2}`,
			variables:  `{"base":1}`,
			level:      types.InspectionLevelDebug,
			want:       types.InspectionData{Input: aws.String(`{"v":2}`), AfterArguments: aws.String(`{"n":3}`), Result: aws.String(`{"n":6}`), Variables: aws.String(`{"base":1}`)},
			output:     `6`,
		},
		{
			name:       "map items and limits",
			definition: `{"Type":"Map","InputPath":"$.in","ItemsPath":"$.items","MaxConcurrency":2,"ToleratedFailurePercentage":10,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`,
			input:      `{"in":{"items":[1,2]}}`,
			level:      types.InspectionLevelDebug,
			want: types.InspectionData{Input: aws.String(`{"in":{"items":[1,2]}}`), AfterInputPath: aws.String(`{"items":[1,2]}`), AfterItemsPath: aws.String(`[1,2]`),
				MaxConcurrency: aws.Int32(2), ToleratedFailurePercentage: aws.Float32(10)},
			output: `[1,2]`,
		},
		{
			name:       "info level",
			definition: `{"Type":"Pass","End":true}`,
			input:      `{"a":1}`,
			level:      types.InspectionLevelInfo,
			output:     `{"a":1}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := &awssfn.TestStateInput{Definition: aws.String(tt.definition), RoleArn: aws.String(roleARN), Input: aws.String(tt.input), InspectionLevel: tt.level}
			if tt.variables != "" {
				in.Variables = aws.String(tt.variables)
			}
			got, err := c.TestState(context.Background(), in)
			mustNoErr(t, "TestState", err)
			if got.Status != types.TestExecutionStatusSucceeded || aws.ToString(got.Output) != tt.output {
				t.Fatalf("status %s output %s error %s cause %s", got.Status, aws.ToString(got.Output), aws.ToString(got.Error), aws.ToString(got.Cause))
			}
			if tt.level == types.InspectionLevelInfo {
				if got.InspectionData != nil {
					t.Fatalf("INFO inspection data %+v", got.InspectionData)
				}
				return
			}
			d := got.InspectionData
			for _, f := range []struct{ field, got, want string }{
				{"input", aws.ToString(d.Input), aws.ToString(tt.want.Input)},
				{"afterArguments", aws.ToString(d.AfterArguments), aws.ToString(tt.want.AfterArguments)},
				{"afterInputPath", aws.ToString(d.AfterInputPath), aws.ToString(tt.want.AfterInputPath)},
				{"afterParameters", aws.ToString(d.AfterParameters), aws.ToString(tt.want.AfterParameters)},
				{"afterItemsPath", aws.ToString(d.AfterItemsPath), aws.ToString(tt.want.AfterItemsPath)},
				{"maxConcurrency", fmt.Sprint(aws.ToInt32(d.MaxConcurrency)), fmt.Sprint(aws.ToInt32(tt.want.MaxConcurrency))},
				{"toleratedFailureCount", fmt.Sprint(aws.ToInt32(d.ToleratedFailureCount)), fmt.Sprint(aws.ToInt32(tt.want.ToleratedFailureCount))},
				{"toleratedFailurePercentage", fmt.Sprint(aws.ToFloat32(d.ToleratedFailurePercentage)), fmt.Sprint(aws.ToFloat32(tt.want.ToleratedFailurePercentage))},
				{"result", aws.ToString(d.Result), aws.ToString(tt.want.Result)},
				{"afterResultSelector", aws.ToString(d.AfterResultSelector), aws.ToString(tt.want.AfterResultSelector)},
				{"afterResultPath", aws.ToString(d.AfterResultPath), aws.ToString(tt.want.AfterResultPath)},
				{"variables", aws.ToString(d.Variables), aws.ToString(tt.want.Variables)},
			} {
				if f.got != f.want {
					t.Errorf("inspectionData.%s = %s, want %s", f.field, f.got, f.want)
				}
			}
		})
	}

	for _, bad := range []struct{ variables, msg string }{
		{`[1]`, "Invalid variables: must be a JSON object"},
		{`{"1x":1}`, "Invalid variables: '1x' is not a valid variable name"},
	} {
		_, err := c.TestState(context.Background(), &awssfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), RoleArn: aws.String(roleARN), Variables: aws.String(bad.variables)})
		wantAPIError[*types.ValidationException](t, err, bad.msg)
	}
}
