package e2e

import (
	"context"
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

	_, err := c.TestState(context.Background(), &awssfn.TestStateInput{Definition: aws.String(`{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`), RoleArn: aws.String(roleARN)})
	wantAPIError[*types.InvalidDefinition](t, err, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: TestState does not support Map states at /Type'")
	_, err = c.TestState(context.Background(), &awssfn.TestStateInput{Definition: aws.String(`{"Type":"Pass"}`), RoleArn: aws.String(roleARN)})
	wantAPIError[*types.InvalidDefinition](t, err, "")
	_, err = c.TestState(context.Background(), &awssfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), RoleArn: aws.String(roleARN), Input: aws.String("{oops")})
	wantAPIError[*types.InvalidExecutionInput](t, err, "")
}
