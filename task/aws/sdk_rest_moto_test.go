package aws_test

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/internal/mototest"
	"github.com/stepflow/stepflow/sfn"
	awsint "github.com/stepflow/stepflow/task/aws"
)

// Every aws-sdk: service the validator lets through is one task/aws serves, and back.
func TestSDKServicesMatchValidation(t *testing.T) {
	t.Parallel()
	var want []string
	for name := range sfn.SDKIntegrationServices() {
		want = append(want, name)
	}
	sort.Strings(want)
	got := map[string]bool{}
	for _, n := range awsint.SDKServices() {
		got[n] = true
	}
	for _, n := range want {
		if !got[n] {
			t.Errorf("sfn lists aws-sdk:%s but task/aws does not serve it", n)
		}
	}
}

func TestSDKS3PutGetListDelete(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	mototest.CallMethod(t, "PUT", base+"/sdk-bucket", "s3", nil) // CreateBucket
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"s3"}})
	def := `{"StartAt": "Put", "States": {
	  "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
	    "Parameters": {"Bucket": "sdk-bucket", "Key": "dir/a b.json", "Body": {"n": 1}, "ContentType": "application/json"}, "ResultPath": "$.put", "Next": "Get"},
	  "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
	    "Parameters": {"Bucket": "sdk-bucket", "Key": "dir/a b.json"}, "ResultPath": "$.get", "Next": "List"},
	  "List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listObjectsV2",
	    "Parameters": {"Bucket": "sdk-bucket", "Prefix": "dir/"}, "ResultPath": "$.list", "Next": "Delete"},
	  "Delete": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:deleteObject",
	    "Parameters": {"Bucket": "sdk-bucket", "Key": "dir/a b.json"}, "ResultPath": "$.delete", "Next": "Missing"},
	  "Missing": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
	    "Parameters": {"Bucket": "sdk-bucket", "Key": "dir/a b.json"},
	    "Catch": [{"ErrorEquals": ["S3.NoSuchKeyException"], "ResultPath": "$.missing", "Next": "Done"}], "End": true},
	  "Done": {"Type": "Pass", "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, nil)
	out := mustSucceed(t, res)
	if etag, _ := get(out, "put", "ETag").(string); etag == "" {
		t.Errorf("putObject result %v has no ETag", out["put"])
	}
	if got := get(out, "get", "Body"); got != `{"n":1}` {
		t.Errorf("getObject Body = %#v, want the object's text", got)
	}
	if got := get(out, "get", "ContentType"); got != "application/json" {
		t.Errorf("getObject ContentType = %v", got)
	}
	contents, _ := get(out, "list", "Contents").([]any)
	if len(contents) != 1 || get(contents[0], "Key") != "dir/a b.json" || get(out, "list", "KeyCount") != float64(1) {
		t.Errorf("listObjectsV2 result %s", jsonvalue.MarshalString(out["list"]))
	}
	if cause, _ := get(out, "missing", "Cause").(string); !strings.Contains(cause, "(Service: S3, Status Code: 404, Request ID: ") {
		t.Errorf("getObject of a deleted key: %v", out["missing"])
	}
}

func TestSDKSNSPublishAndLambdaInvokeAndBatch(t *testing.T) {
	t.Parallel()
	base := mototest.Own(t, `{"lambda": {"use_docker": false}, "batch": {"use_docker": false}}`)
	ctx := mototest.Context(t)
	topic, err := sns.NewFromConfig(mototest.Config(base)).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("sdk-topic")})
	if err != nil {
		t.Fatal(err)
	}
	q := sqs.NewFromConfig(mototest.Config(base))
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("sdk-topic-sub")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sns.NewFromConfig(mototest.Config(base)).Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:us-east-1:123456789012:sdk-topic-sub"), Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {"sdk-lambda-role"}, "AssumeRolePolicyDocument": {"{}"}}
	mototest.Call(t, base+"/", "iam", "", "application/x-www-form-urlencoded", []byte(form.Encode()))
	mototest.Call(t, base+"/2015-03-31/functions", "lambda", "", "application/json", []byte(fmt.Sprintf(
		`{"FunctionName": "sdk-fn", "Runtime": "python3.12", "Role": "arn:aws:iam::123456789012:role/sdk-lambda-role", "Handler": "h.h", "Code": {"ZipFile": %q}}`,
		base64.StdEncoding.EncodeToString([]byte("not really a zip")))))
	batchQueue, batchDef := mototest.BatchSetup(t, base, "sdk")

	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"sns", "lambda", "batch"}})
	def := fmt.Sprintf(`{"StartAt": "Publish", "States": {
	  "Publish": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sns:publish",
	    "Parameters": {"TopicArn": %q, "Message": "hello through aws-sdk"}, "ResultPath": "$.publish", "Next": "Invoke"},
	  "Invoke": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:lambda:invoke",
	    "Parameters": {"FunctionName": "sdk-fn", "Payload": {"x": 1}}, "ResultPath": "$.invoke", "Next": "GetFunction"},
	  "GetFunction": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:lambda:getFunction",
	    "Parameters": {"FunctionName": "sdk-fn"}, "ResultPath": "$.function", "Next": "Submit"},
	  "Submit": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:batch:submitJob",
	    "Parameters": {"JobName": "sdk-job", "JobQueue": %q, "JobDefinition": %q}, "ResultPath": "$.submit", "Next": "Describe"},
	  "Describe": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:batch:describeJobs",
	    "Parameters": {"Jobs.$": "States.Array($.submit.JobId)"}, "ResultPath": "$.describe", "Next": "NoTopic"},
	  "NoTopic": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sns:publish",
	    "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:nope", "Message": "x"},
	    "Catch": [{"ErrorEquals": ["Sns.NotFoundException"], "ResultPath": "$.noTopic", "Next": "Done"}], "End": true},
	  "Done": {"Type": "Pass", "End": true}}}`, *topic.TopicArn, batchQueue, batchDef)
	res, _ := run(t, newRouter(inv, nil), def, nil)
	out := mustSucceed(t, res)
	if id, _ := get(out, "publish", "MessageId").(string); id == "" || get(out, "publish", "SdkHttpMetadata") != nil {
		t.Errorf("sns:publish result %v, want MessageId without the optimized integration's metadata", out["publish"])
	}
	msgs, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, WaitTimeSeconds: 2})
	if err != nil || len(msgs.Messages) != 1 || *msgs.Messages[0].Body != "hello through aws-sdk" {
		t.Errorf("the subscribed queue got %+v (%v)", msgs, err)
	}
	if payload, ok := get(out, "invoke", "Payload").(string); !ok || payload == "" || get(out, "invoke", "StatusCode") != float64(200) {
		t.Errorf("lambda:invoke result %s, want StatusCode 200 and the Payload as a string", jsonvalue.MarshalString(out["invoke"]))
	}
	if get(out, "function", "Configuration", "FunctionName") != "sdk-fn" {
		t.Errorf("lambda:getFunction result %s", jsonvalue.MarshalString(out["function"]))
	}
	jobs, _ := get(out, "describe", "Jobs").([]any)
	if len(jobs) != 1 || get(jobs[0], "JobName") != "sdk-job" || get(jobs[0], "Status") != "SUCCEEDED" {
		t.Errorf("batch:describeJobs result %s", jsonvalue.MarshalString(out["describe"]))
	}
	if cause, _ := get(out, "noTopic", "Cause").(string); !strings.Contains(cause, "(Service: Sns, Status Code: 404") {
		t.Errorf("sns:publish to a missing topic: %v", out["noTopic"])
	}
}
