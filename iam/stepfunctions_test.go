package iam

import (
	"encoding/json"
	"testing"

	"github.com/stepflow/stepflow/sfn"
)

func TestStepFunctionsResource(t *testing.T) {
	t.Parallel()
	scope := sfn.Scope{Partition: "aws", Region: "eu-west-1", Account: "111122223333"}
	cases := []struct {
		action, input, want string
	}{
		{"CreateStateMachine", `{"name":"Orders","definition":"{}"}`, "arn:aws:states:eu-west-1:111122223333:stateMachine:Orders"},
		{"CreateActivity", `{"name":"Work"}`, "arn:aws:states:eu-west-1:111122223333:activity:Work"},
		{"StartExecution", `{"stateMachineArn":"` + machineA + `"}`, machineA},
		{"StartExecution", `{"stateMachineArn":"` + machineA + `:prod"}`, machineA + ":prod"},
		{"StartExecution", `{"stateMachineArn":"` + machineA + `#HappyPath"}`, machineA},
		{"StartSyncExecution", `{"stateMachineArn":"` + machineB + `"}`, machineB},
		{"DescribeExecution", `{"executionArn":"` + executionA + `"}`, executionA},
		{"StopExecution", `{"executionArn":"` + executionA + `"}`, executionA},
		{"GetExecutionHistory", `{"executionArn":"` + executionA + `"}`, executionA},
		{"RedriveExecution", `{"executionArn":"` + executionA + `"}`, executionA},
		{"DescribeStateMachineForExecution", `{"executionArn":"` + executionA + `"}`, executionA},
		{"ListExecutions", `{"stateMachineArn":"` + machineA + `"}`, machineA},
		{"ListExecutions", `{"mapRunArn":"arn:aws:states:us-east-1:123456789012:mapRun:Orders/m:1"}`, "arn:aws:states:us-east-1:123456789012:mapRun:Orders/m:1"},
		{"ListStateMachines", `{}`, "*"},
		{"ListActivities", `{}`, "*"},
		{"SendTaskSuccess", `{"taskToken":"t","output":"{}"}`, "*"},
		{"TestState", `{"definition":"{}"}`, "*"},
		{"ValidateStateMachineDefinition", `{"definition":"{}"}`, "*"},
		{"CreateStateMachineAlias", `{"name":"prod","routingConfiguration":[{"stateMachineVersionArn":"` + machineA + `:3","weight":100}]}`, machineA + ":prod"},
		{"DeleteStateMachineVersion", `{"stateMachineVersionArn":"` + machineA + `:3"}`, machineA + ":3"},
		{"TagResource", `{"resourceArn":"` + machineA + `","tags":[]}`, machineA},
		{"DescribeMapRun", `{"mapRunArn":"arn:m"}`, "arn:m"},
		{"ListMapRuns", `{"executionArn":"` + executionA + `"}`, executionA},
		{"DescribeExecution", `{}`, "*"},
	}
	for _, c := range cases {
		var in map[string]any
		if err := json.Unmarshal([]byte(c.input), &in); err != nil {
			t.Fatal(err)
		}
		got, ok := StepFunctionsResource(c.action, in, scope)
		if !ok || got != c.want {
			t.Errorf("%s %s: got %q, %v; want %q", c.action, c.input, got, ok, c.want)
		}
	}
	if _, ok := StepFunctionsResource("DescribeEverything", nil, scope); ok {
		t.Error("an unknown action has a resource")
	}
}

func TestStepFunctionsRequestTags(t *testing.T) {
	t.Parallel()
	var in map[string]any
	json.Unmarshal([]byte(`{"name":"x","tags":[{"key":"team","value":"blue"},{"key":"env","value":"dev"}]}`), &in)
	ctx := Context{}
	StepFunctionsRequestTags("CreateStateMachine", in, ctx)
	if v, _ := ctx.lookup("aws:RequestTag/team"); len(v) != 1 || v[0] != "blue" {
		t.Errorf("team: %v", v)
	}
	if v, _ := ctx.lookup("aws:TagKeys"); len(v) != 2 || v[0] != "team" || v[1] != "env" {
		t.Errorf("tag keys: %v", v)
	}
	json.Unmarshal([]byte(`{"resourceArn":"a","tagKeys":["team"]}`), &in)
	ctx = Context{}
	StepFunctionsRequestTags("UntagResource", in, ctx)
	if v, _ := ctx.lookup("aws:TagKeys"); len(v) != 1 || v[0] != "team" {
		t.Errorf("untag keys: %v", v)
	}
}

func TestDenialMessage(t *testing.T) {
	t.Parallel()
	req := &Request{Principal: "arn:aws:iam::123456789012:user/alice", Action: "states:StartExecution", Resource: machineB}
	got := DenialMessage(req, Decision{Outcome: ImplicitDeny, Statement: -1})
	want := "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: states:StartExecution on resource: " +
		machineB + " because no identity-based policy allows the states:StartExecution action"
	if got != want {
		t.Errorf("implicit:\n got %s\nwant %s", got, want)
	}
	got = DenialMessage(req, Decision{Outcome: ExplicitDeny})
	want = "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: states:StartExecution on resource: " +
		machineB + " with an explicit deny in an identity-based policy"
	if got != want {
		t.Errorf("explicit:\n got %s\nwant %s", got, want)
	}
}
