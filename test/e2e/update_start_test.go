package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
)

// A start right after UpdateStateMachine runs the new definition, though the engine keeps the
// state machine it read for the previous start: the update makes it read again.
func TestStartAfterUpdateRunsTheNewDefinition(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	created, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{
		Name: aws.String("changing"), Definition: aws.String(passDefinition), RoleArn: aws.String(roleARN)})
	mustNoErr(t, "CreateStateMachine", err)
	machine := aws.ToString(created.StateMachineArn)
	start := func() string {
		out, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"in":1}`)})
		mustNoErr(t, "StartExecution", err)
		return aws.ToString(waitDone(t, c, aws.ToString(out.ExecutionArn)).Output)
	}
	if got := start(); got != `{"ok":true}` {
		t.Fatalf("first definition gave %s", got)
	}
	_, err = c.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(machine), Definition: aws.String(otherDefinition)})
	mustNoErr(t, "UpdateStateMachine", err)
	if got := start(); got != `{"in":1}` {
		t.Fatalf("start after UpdateStateMachine gave %s, want the new definition's output {\"in\":1}", got)
	}
	_, err = c.DeleteStateMachine(ctx, &awssfn.DeleteStateMachineInput{StateMachineArn: aws.String(machine)})
	mustNoErr(t, "DeleteStateMachine", err)
	_, err = c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine)})
	if err == nil {
		t.Fatal("StartExecution after DeleteStateMachine succeeded")
	}
}
