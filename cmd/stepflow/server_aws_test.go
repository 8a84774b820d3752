package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	sfnsdk "github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepflow/stepflow/internal/mototest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	mototest.Stop()
	os.Exit(code)
}

// stepflow server calls AWS services on moto (DynamoDB) and on a second stepflow server that
// verifies SigV4 signatures (aws-sdk:sfn:startExecution), with credentials from the default
// chain (the environment), as an operator runs it. A call outside --aws-allow fails.
func TestServerCallsAWSServices(t *testing.T) {
	moto := mototest.URL(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDSTEPFLOWCALLER")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "caller-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The remote Step Functions: only the caller's key is accepted.
	remote, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "remote.db"),
		"--auth", "sigv4", "--access-key", "AKIDSTEPFLOWCALLER:caller-secret", "--execution-log-dir", "off")
	remoteSFN := sfnsdk.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(remote),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSTEPFLOWCALLER", "caller-secret", "")})
	child, err := remoteSFN.CreateStateMachine(ctx, &sfnsdk.CreateStateMachineInput{Name: aws.String("child"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		Definition: aws.String(`{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`)})
	if err != nil {
		t.Fatal(err)
	}

	db := dynamodb.NewFromConfig(mototest.Config(moto))
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("server-orders"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	config := filepath.Join(dir, "stepflow.json")
	if err := os.WriteFile(config, []byte(`{"awsEndpoints": ["*=`+moto+`", "sfn=`+remote+`"], "awsAllow": ["dynamodb:putItem", "sfn:startExecution"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	url, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "local.db"), "--config", config, "--execution-log-dir", "off")
	local := sfnsdk.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: mototest.Credentials})
	def := `{"StartAt": "Save", "States": {
	  "Save": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
	    "Parameters": {"TableName": "server-orders", "Item": {"id": {"S.$": "$.id"}}}, "ResultPath": null, "Next": "Start"},
	  "Start": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution",
	    "Parameters": {"StateMachineArn.$": "$.child", "Name.$": "$.id", "Input": {"from": "parent"}}, "ResultSelector": {"arn.$": "$.ExecutionArn"}, "ResultPath": "$.started", "Next": "Publish"},
	  "Publish": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message": "x"}, "End": true}}}`
	sm, err := local.CreateStateMachine(ctx, &sfnsdk.CreateStateMachineInput{Name: aws.String("parent"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Definition: aws.String(def)})
	if err != nil {
		t.Fatal(err)
	}
	exec, err := local.StartExecution(ctx, &sfnsdk.StartExecutionInput{StateMachineArn: sm.StateMachineArn,
		Input: aws.String(`{"id": "order-1", "child": "` + *child.StateMachineArn + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	var desc *sfnsdk.DescribeExecutionOutput
	for {
		desc, err = local.DescribeExecution(ctx, &sfnsdk.DescribeExecutionInput{ExecutionArn: exec.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		if desc.Status != sfntypes.ExecutionStatusRunning {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// sns:publish is not allowed: the execution fails there, after the allowed calls.
	if desc.Status != sfntypes.ExecutionStatusFailed || aws.ToString(desc.Error) != "States.Runtime" ||
		aws.ToString(desc.Cause) != "resource arn:aws:states:::sns:publish is not allowed: the operator must allow it with --aws-allow sns:publish (or --aws-allow sns for the whole service)" {
		t.Fatalf("execution %s: %s: %s; want States.Runtime naming --aws-allow", desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause))
	}
	hist, err := local.GetExecutionHistory(ctx, &sfnsdk.GetExecutionHistoryInput{ExecutionArn: exec.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var out string
	for _, ev := range hist.Events {
		if ev.StateExitedEventDetails != nil && aws.ToString(ev.StateExitedEventDetails.Name) == "Start" {
			out = aws.ToString(ev.StateExitedEventDetails.Output)
		}
	}
	// The item is in moto's table.
	item, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("server-orders"), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "order-1"}}})
	if err != nil || item.Item == nil {
		t.Fatalf("the item is not in moto's table: %v %v", item, err)
	}
	// The child execution ran on the remote server, which verified the signature.
	list, err := remoteSFN.ListExecutions(ctx, &sfnsdk.ListExecutionsInput{StateMachineArn: child.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Executions) != 1 || aws.ToString(list.Executions[0].Name) != "order-1" || !strings.Contains(out, aws.ToString(list.Executions[0].ExecutionArn)) {
		t.Fatalf("remote executions %+v; parent output %s", list.Executions, out)
	}
}
