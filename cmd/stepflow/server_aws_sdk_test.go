package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sfnsdk "github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepflow/stepflow/internal/mototest"
)

// stepflow server refuses, at CreateStateMachine, an aws-sdk: action the SDK's S3 client does
// not have, and runs S3 and SNS actions beyond the few hand-written ones against moto.
func TestServerAWSSDKS3AndSNS(t *testing.T) {
	moto := mototest.URL(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	dir := t.TempDir()
	config := filepath.Join(dir, "stepflow.json")
	if err := os.WriteFile(config, []byte(`{"awsEndpoints": ["*=`+moto+`"], "awsAllow": ["s3", "sns"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	url, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "local.db"), "--config", config, "--execution-log-dir", "off")
	local := sfnsdk.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: mototest.Credentials})
	role := aws.String("arn:aws:iam::123456789012:role/r")

	_, err := local.CreateStateMachine(ctx, &sfnsdk.CreateStateMachineInput{Name: aws.String("typo"), RoleArn: role,
		Definition: aws.String(`{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObjects", "End": true}}}`)})
	var invalid *sfntypes.InvalidDefinition
	if !errors.As(err, &invalid) || !strings.Contains(aws.ToString(invalid.Message), "The resource provided arn:aws:states:::aws-sdk:s3:putObjects is not recognized") {
		t.Fatalf("CreateStateMachine with aws-sdk:s3:putObjects: %v, want InvalidDefinition", err)
	}

	def := `{"StartAt": "Bucket", "States": {
	  "Bucket": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:createBucket",
	    "Parameters": {"Bucket": "server-sdk"}, "ResultPath": null, "Next": "Put"},
	  "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
	    "Parameters": {"Bucket": "server-sdk", "Key.$": "States.Format('orders/{}.json', $.id)", "Body.$": "$"}, "ResultPath": null, "Next": "Head"},
	  "Head": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:headObject",
	    "Parameters": {"Bucket": "server-sdk", "Key.$": "States.Format('orders/{}.json', $.id)"}, "ResultSelector": {"size.$": "$.ContentLength"}, "ResultPath": "$.head", "Next": "Topic"},
	  "Topic": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sns:createTopic",
	    "Parameters": {"Name": "server-sdk"}, "ResultPath": "$.topic", "Next": "Publish"},
	  "Publish": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sns:publish",
	    "Parameters": {"TopicArn.$": "$.topic.TopicArn", "Message.$": "$.head"}, "ResultSelector": {"id.$": "$.MessageId"}, "ResultPath": "$.published", "End": true}}}`
	sm, err := local.CreateStateMachine(ctx, &sfnsdk.CreateStateMachineInput{Name: aws.String("sdk"), RoleArn: role, Definition: aws.String(def)})
	if err != nil {
		t.Fatal(err)
	}
	exec, err := local.StartExecution(ctx, &sfnsdk.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"id": "o-1"}`)})
	if err != nil {
		t.Fatal(err)
	}
	var desc *sfnsdk.DescribeExecutionOutput
	for {
		if desc, err = local.DescribeExecution(ctx, &sfnsdk.DescribeExecutionInput{ExecutionArn: exec.ExecutionArn}); err != nil {
			t.Fatal(err)
		}
		if desc.Status != sfntypes.ExecutionStatusRunning {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if desc.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution %s: %s: %s", desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause))
	}
	out := aws.ToString(desc.Output)
	if !strings.Contains(out, `"head":{"size":12}`) || !strings.Contains(out, `"published":{"id":"`) || !strings.Contains(out, `"TopicArn":"arn:aws:sns:us-east-1:123456789012:server-sdk"`) {
		t.Errorf("output %s", out)
	}
	obj, err := s3.NewFromConfig(mototest.Config(moto), func(o *s3.Options) { o.UsePathStyle = true }).GetObject(ctx,
		&s3.GetObjectInput{Bucket: aws.String("server-sdk"), Key: aws.String("orders/o-1.json")})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	if body, _ := io.ReadAll(obj.Body); string(body) != `{"id":"o-1"}` {
		t.Errorf("the object in moto holds %q, want the execution's input", body)
	}
}
