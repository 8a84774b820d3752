package api

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestValuesOverTheWire runs an execution through the API with the AWS SDK for Go: the
// output and the history keep AWS's key order, integers beyond 2^53 their digits and
// decimals AWS's rendering, from StartExecution to DescribeExecution and GetExecutionHistory.
func TestValuesOverTheWire(t *testing.T) {
	t.Parallel()
	srv := startSignedServer(t)
	client := srv.sdkClient("us-east-1")
	ctx := context.Background()
	definition := `{"StartAt":"A","States":{
		"A":{"Type":"Pass","Parameters":{"keep":"x","n.$":"$.n","d.$":"$.d"},"ResultPath":"$.p","Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":9007199254740992,"Next":"B"}],"Default":"F"},
		"B":{"Type":"Pass","Parameters":{"sum.$":"States.MathAdd($.n, 1)"},"ResultPath":"$.s","End":true},
		"F":{"Type":"Fail","Error":"Rounded","Cause":"2^53+1 was read as 2^53"}}}`
	input := `{"z":1,"n":9007199254740993,"d":1.0,"a":{"y":2,"b":3}}`
	desc := runToSuccess(t, client, "Values", definition, input)
	// Parameters: the plain field first, then the key.$ fields in java.util.HashMap order
	// (d before n); ResultPath appends new keys.
	wantOutput := `{"z":1,"n":9007199254740993,"d":1.0,"a":{"y":2,"b":3},"p":{"keep":"x","d":1.0,"n":9007199254740993},"s":{"sum":9007199254740994}}`
	if got := aws.ToString(desc.Output); got != wantOutput {
		t.Errorf("DescribeExecution output %s\nwant                         %s", got, wantOutput)
	}
	if got := aws.ToString(desc.Input); got != input {
		t.Errorf("DescribeExecution input %s, want %s", got, input)
	}
	hist, err := client.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: desc.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, ev := range hist.Events {
		switch {
		case ev.ExecutionStartedEventDetails != nil:
			texts = append(texts, "started "+aws.ToString(ev.ExecutionStartedEventDetails.Input))
		case ev.StateExitedEventDetails != nil:
			texts = append(texts, aws.ToString(ev.StateExitedEventDetails.Name)+" "+aws.ToString(ev.StateExitedEventDetails.Output))
		case ev.ExecutionSucceededEventDetails != nil:
			texts = append(texts, "succeeded "+aws.ToString(ev.ExecutionSucceededEventDetails.Output))
		}
	}
	afterA := `{"z":1,"n":9007199254740993,"d":1.0,"a":{"y":2,"b":3},"p":{"keep":"x","d":1.0,"n":9007199254740993}}`
	want := []string{"started " + input, "A " + afterA, "C " + afterA, "B " + wantOutput, "succeeded " + wantOutput}
	if strings.Join(texts, "\n") != strings.Join(want, "\n") {
		t.Errorf("history payloads\n%s\nwant\n%s", strings.Join(texts, "\n"), strings.Join(want, "\n"))
	}
}

// TestJSONataExactNumbersOverTheWire runs a JSONata execution through the API with the AWS
// SDK for Go: numbers JSONata only moves keep their digits and their rendering in the output
// and in every history event; arithmetic reads them as doubles.
func TestJSONataExactNumbersOverTheWire(t *testing.T) {
	t.Parallel()
	srv := startSignedServer(t)
	client := srv.sdkClient("us-east-1")
	ctx := context.Background()
	definition := `{"QueryLanguage":"JSONata","StartAt":"A","States":{
		"A":{"Type":"Pass","Assign":{"v":"{% $states.input.n %}"},"Output":"{% $states.input %}","Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Condition":"{% $v > 9007199254740992 %}","Next":"B"}],"Default":"F"},
		"B":{"Type":"Pass","Output":{"n":"{% $v %}","d":"{% $states.input.d %}","sum":"{% $v + 0 %}"},"End":true},
		"F":{"Type":"Fail","Error":"Rounded","Cause":"2^53+1 was read as 2^53"}}}`
	input := `{"n":9007199254740993,"d":1.0}`
	desc := runToSuccess(t, client, "JSONataValues", definition, input)
	wantOutput := `{"n":9007199254740993,"d":1.0,"sum":9007199254740992}`
	if got := aws.ToString(desc.Output); got != wantOutput {
		t.Errorf("DescribeExecution output %s, want %s", got, wantOutput)
	}
	hist, err := client.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: desc.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, ev := range hist.Events {
		switch {
		case ev.StateExitedEventDetails != nil:
			d := ev.StateExitedEventDetails
			text := aws.ToString(d.Name) + " " + aws.ToString(d.Output)
			if d.AssignedVariables != nil {
				text += fmt.Sprintf(" %v", d.AssignedVariables)
			}
			texts = append(texts, text)
		case ev.ExecutionSucceededEventDetails != nil:
			texts = append(texts, "succeeded "+aws.ToString(ev.ExecutionSucceededEventDetails.Output))
		}
	}
	want := []string{"A " + input + " map[v:9007199254740993]", "C " + input, "B " + wantOutput, "succeeded " + wantOutput}
	if strings.Join(texts, "\n") != strings.Join(want, "\n") {
		t.Errorf("history payloads\n%s\nwant\n%s", strings.Join(texts, "\n"), strings.Join(want, "\n"))
	}
}

// runToSuccess creates a machine named name of definition, runs it on input and waits for it
// to succeed.
func runToSuccess(t *testing.T, client *awssfn.Client, name, definition, input string) *awssfn.DescribeExecutionOutput {
	t.Helper()
	ctx := context.Background()
	sm, err := client.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String(name),
		Definition: aws.String(definition), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(input)})
	if err != nil {
		t.Fatal(err)
	}
	var desc *awssfn.DescribeExecutionOutput
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if desc, err = client.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn}); err != nil {
			t.Fatal(err)
		}
		if desc.Status != types.ExecutionStatusRunning || time.Now().After(deadline) {
			break
		}
	}
	if desc.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("status %s: %s: %s", desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause))
	}
	return desc
}
