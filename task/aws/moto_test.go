package aws_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/stepflow/stepflow/internal/mototest"
	awsint "github.com/stepflow/stepflow/task/aws"
)

// These tests run definitions through the engine against moto's server and check the
// effect with the AWS SDK for Go.

func createTable(t *testing.T, base, name string) *dynamodb.Client {
	t.Helper()
	db := dynamodb.NewFromConfig(mototest.Config(base))
	_, err := db.CreateTable(mototest.Context(t), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestDynamoDBPutUpdateGetDeleteItem(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	db := createTable(t, base, "orders-crud")
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"dynamodb"}})
	def := `{"StartAt": "Put", "States": {
	  "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
	    "Parameters": {"TableName": "orders-crud", "Item": {"id": {"S.$": "$.id"}, "total": {"N": "42"}}},
	    "ResultPath": "$.put", "Next": "Update"},
	  "Update": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
	    "Parameters": {"TableName": "orders-crud", "Key": {"id": {"S.$": "$.id"}}, "UpdateExpression": "SET #s = :s",
	      "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "paid"}}, "ReturnValues": "UPDATED_NEW"},
	    "ResultPath": "$.update", "Next": "Get"},
	  "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
	    "Parameters": {"TableName": "orders-crud", "Key": {"id": {"S.$": "$.id"}}}, "ResultPath": "$.get", "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, map[string]any{"id": "o-1"})
	out := mustSucceed(t, res)
	if got := get(out, "get", "Item", "status", "S"); got != "paid" {
		t.Errorf("getItem Item.status.S = %v, want paid; output %v", got, out["get"])
	}
	if got := get(out, "update", "Attributes", "status", "S"); got != "paid" {
		t.Errorf("updateItem Attributes = %v", get(out, "update"))
	}
	if got := get(out, "put", "SdkHttpMetadata", "HttpStatusCode"); got != float64(200) {
		t.Errorf("putItem SdkHttpMetadata.HttpStatusCode = %v, want 200; put result %v", got, out["put"])
	}
	if id, _ := get(out, "put", "SdkResponseMetadata", "RequestId").(string); id == "" {
		t.Errorf("putItem has no SdkResponseMetadata.RequestId: %v", out["put"])
	}
	// The effect, read with the AWS SDK.
	item, err := db.GetItem(mototest.Context(t), &dynamodb.GetItemInput{TableName: aws.String("orders-crud"),
		Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "o-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := item.Item["total"].(*ddbtypes.AttributeValueMemberN); !ok || n.Value != "42" {
		t.Errorf("item written by putItem has total %#v, want N 42", item.Item["total"])
	}

	// deleteItem removes it.
	res, _ = run(t, newRouter(inv, nil), `{"StartAt": "Delete", "States": {"Delete": {"Type": "Task",
	  "Resource": "arn:aws:states:::dynamodb:deleteItem", "Parameters": {"TableName": "orders-crud", "Key": {"id": {"S": "o-1"}}}, "End": true}}}`, nil)
	mustSucceed(t, res)
	item, err = db.GetItem(mototest.Context(t), &dynamodb.GetItemInput{TableName: aws.String("orders-crud"),
		Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "o-1"}}})
	if err != nil || item.Item != nil {
		t.Errorf("after deleteItem the item is %v (err %v), want none", item.Item, err)
	}
}

func TestDynamoDBConditionalPutFailsAndIsCaught(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	createTable(t, base, "orders-conditional")
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"dynamodb=" + base}, Allow: []string{"dynamodb:putItem"}})
	def := `{"StartAt": "First", "States": {
	  "First": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
	    "Parameters": {"TableName": "orders-conditional", "Item": {"id": {"S": "same"}}, "ConditionExpression": "attribute_not_exists(id)"},
	    "ResultPath": null, "Next": "Second"},
	  "Second": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
	    "Parameters": {"TableName": "orders-conditional", "Item": {"id": {"S": "same"}}, "ConditionExpression": "attribute_not_exists(id)"},
	    "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": "$.error", "Next": "Duplicate"}], "End": true},
	  "Duplicate": {"Type": "Pass", "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, nil)
	out := mustSucceed(t, res)
	if got := get(out, "error", "Error"); got != "DynamoDB.ConditionalCheckFailedException" {
		t.Fatalf("caught error %v, want DynamoDB.ConditionalCheckFailedException", out["error"])
	}
	cause, _ := get(out, "error", "Cause").(string)
	if !strings.HasPrefix(cause, "The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; Request ID: ") ||
		!strings.HasSuffix(cause, "; Proxy: null)") {
		t.Errorf("cause %q is not AWS's", cause)
	}
}

func TestSQSSendMessageWithAttributes(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	q := sqs.NewFromConfig(mototest.Config(base))
	created, err := q.CreateQueue(mototest.Context(t), &sqs.CreateQueueInput{QueueName: aws.String("stepflow-send")})
	if err != nil {
		t.Fatal(err)
	}
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"sqs:sendMessage"}})
	def := `{"StartAt": "Send", "States": {"Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
	  "Parameters": {"QueueUrl.$": "$.queue", "MessageBody": {"order.$": "$.order"},
	    "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "order"}}}, "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, map[string]any{"queue": *created.QueueUrl, "order": "o-7"})
	out := mustSucceed(t, res)
	if id, _ := out["MessageId"].(string); id == "" || out["MD5OfMessageBody"] == nil || out["MD5OfMessageAttributes"] == nil {
		t.Errorf("sendMessage result %v lacks MessageId/MD5OfMessageBody/MD5OfMessageAttributes", out)
	}
	got, err := q.ReceiveMessage(mototest.Context(t), &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, MessageAttributeNames: []string{"All"}, WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 1 {
		t.Fatalf("received %d messages, want 1", len(got.Messages))
	}
	m := got.Messages[0]
	if *m.Body != `{"order":"o-7"}` {
		t.Errorf("body %s, want the object as JSON text", *m.Body)
	}
	if a, ok := m.MessageAttributes["kind"]; !ok || *a.StringValue != "order" {
		t.Errorf("message attributes %v, want kind=order", m.MessageAttributes)
	}
	if *m.MessageId != out["MessageId"] {
		t.Errorf("received message %s, the task sent %v", *m.MessageId, out["MessageId"])
	}
}

func TestSQSQueueDoesNotExist(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"sqs=" + base}, Allow: []string{"sqs"}})
	def := fmt.Sprintf(`{"StartAt": "Send", "States": {"Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
	  "Parameters": {"QueueUrl": "%s/123456789012/no-such-queue", "MessageBody": "x"}, "End": true}}}`, base)
	res, _ := run(t, newRouter(inv, nil), def, nil)
	if res.Error != "SQS.QueueDoesNotExistException" || !strings.Contains(res.Cause, "(Service: AmazonSQS; Status Code: 400; Error Code: ") {
		t.Errorf("error %s: %s; want SQS.QueueDoesNotExistException with AWS's cause", res.Error, res.Cause)
	}
}

func TestSNSPublishReachesSubscribedQueue(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	ctx := mototest.Context(t)
	topics := sns.NewFromConfig(mototest.Config(base))
	q := sqs.NewFromConfig(mototest.Config(base))
	topic, err := topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("stepflow-topic")})
	if err != nil {
		t.Fatal(err)
	}
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("stepflow-topic-subscriber")})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topics.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String(attrs.Attributes["QueueArn"])}); err != nil {
		t.Fatal(err)
	}
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"sns"}})
	def := `{"StartAt": "Publish", "States": {"Publish": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
	  "Parameters": {"TopicArn.$": "$.topic", "Message": {"hello": "world"}, "Subject": "greeting",
	    "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "greeting"}}}, "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, map[string]any{"topic": *topic.TopicArn})
	out := mustSucceed(t, res)
	msgID, _ := out["MessageId"].(string)
	if msgID == "" || get(out, "SdkHttpMetadata", "HttpStatusCode") != float64(200) {
		t.Fatalf("publish result %v", out)
	}
	got, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, WaitTimeSeconds: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 1 {
		t.Fatalf("the subscribed queue received %d messages, want 1", len(got.Messages))
	}
	var envelope struct {
		MessageID         string `json:"MessageId"`
		Message, Subject  string
		MessageAttributes map[string]struct{ Value string }
	}
	if err := json.Unmarshal([]byte(*got.Messages[0].Body), &envelope); err != nil {
		t.Fatal(err)
	}
	if envelope.Message != `{"hello":"world"}` || envelope.Subject != "greeting" || envelope.MessageID != msgID ||
		envelope.MessageAttributes["kind"].Value != "greeting" {
		t.Errorf("delivered %+v, want the published message", envelope)
	}
}

func TestSNSTopicNotFound(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"sns:publish"}})
	def := `{"StartAt": "Publish", "States": {"Publish": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
	  "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:no-such-topic", "Message": "x"}, "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, nil)
	if res.Error != "SNS.NotFoundException" || !strings.Contains(res.Cause, "(Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: ") {
		t.Errorf("error %s: %s; want SNS.NotFoundException with AWS's cause", res.Error, res.Cause)
	}
}

func TestEventBridgePutEventsReachesRuleTarget(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	ctx := mototest.Context(t)
	eb := eventbridge.NewFromConfig(mototest.Config(base))
	q := sqs.NewFromConfig(mototest.Config(base))
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("stepflow-events-target")})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("stepflow-orders"), EventPattern: aws.String(`{"source": ["stepflow.test"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("stepflow-orders"),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(attrs.Attributes["QueueArn"])}}}); err != nil {
		t.Fatal(err)
	}
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"events:putEvents"}})
	def := `{"StartAt": "Emit", "States": {"Emit": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
	  "Parameters": {"Entries": [{"Source": "stepflow.test", "DetailType": "OrderPlaced", "Detail": {"order.$": "$.order"}}]}, "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, map[string]any{"order": "o-9"})
	out := mustSucceed(t, res)
	if out["FailedEntryCount"] != float64(0) || len(out["Entries"].([]any)) != 1 {
		t.Fatalf("putEvents result %v", out)
	}
	if _, has := out["SdkHttpMetadata"]; has {
		t.Errorf("putEvents result has SdkHttpMetadata; AWS's has not: %v", out)
	}
	got, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, WaitTimeSeconds: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 1 {
		t.Fatalf("the rule's target received %d messages, want 1", len(got.Messages))
	}
	var event struct {
		Source     string         `json:"source"`
		DetailType string         `json:"detail-type"`
		Detail     map[string]any `json:"detail"`
	}
	if err := json.Unmarshal([]byte(*got.Messages[0].Body), &event); err != nil {
		t.Fatal(err)
	}
	if event.Source != "stepflow.test" || event.DetailType != "OrderPlaced" || event.Detail["order"] != "o-9" {
		t.Errorf("delivered event %+v", event)
	}
}

func TestSDKSecretsManagerGetSecretValue(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	sm := secretsmanager.NewFromConfig(mototest.Config(base))
	if _, err := sm.CreateSecret(mototest.Context(t), &secretsmanager.CreateSecretInput{Name: aws.String("stepflow/db"), SecretString: aws.String("s3cret")}); err != nil {
		t.Fatal(err)
	}
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"secretsmanager:getSecretValue"}})
	def := `{"StartAt": "Read", "States": {"Read": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
	  "Parameters": {"SecretId.$": "$.name"}, "Catch": [{"ErrorEquals": ["SecretsManager.ResourceNotFoundException"], "Next": "Missing"}], "End": true},
	  "Missing": {"Type": "Pass", "Result": "missing", "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, map[string]any{"name": "stepflow/db"})
	out := mustSucceed(t, res)
	if out["SecretString"] != "s3cret" || out["Name"] != "stepflow/db" {
		t.Errorf("getSecretValue result %v", out)
	}
	if _, has := out["SdkHttpMetadata"]; has {
		t.Errorf("aws-sdk results carry no SdkHttpMetadata: %v", out)
	}
	// Timestamps are ISO-8601 strings, as the AWS SDK for Java 2 renders them for Step
	// Functions, not the epoch seconds of the wire: the same instant the Go SDK reads.
	direct, err := sm.GetSecretValue(mototest.Context(t), &secretsmanager.GetSecretValueInput{SecretId: aws.String("stepflow/db")})
	if err != nil {
		t.Fatal(err)
	}
	want := direct.CreatedDate.UTC().Format("2006-01-02T15:04:05.000Z")
	if direct.CreatedDate.UnixMilli()%1000 == 0 {
		want = direct.CreatedDate.UTC().Format("2006-01-02T15:04:05Z")
	}
	if out["CreatedDate"] != want {
		t.Errorf("CreatedDate = %#v, want %q", out["CreatedDate"], want)
	}
	// A missing secret is SecretsManager.ResourceNotFoundException, caught by name.
	res, hist := run(t, newRouter(inv, nil), def, map[string]any{"name": "stepflow/none"})
	if res.Status != "SUCCEEDED" || res.Output != "missing" {
		t.Fatalf("missing secret: %s %v %s: %s", res.Status, res.Output, res.Error, res.Cause)
	}
	for _, ev := range hist {
		if d := ev.TaskFailedEventDetails; d != nil {
			// AWS answers 400, moto 404: the format is what is checked.
			// The AWS SDK for Java 2's format, as recorded on AWS for aws-sdk:sfn.
			if !strings.Contains(d.Cause, "(Service: SecretsManager, Status Code: ") || !strings.Contains(d.Cause, ", Request ID: ") || !strings.HasSuffix(d.Cause, ") (SDK Attempt Count: 1)") {
				t.Errorf("cause %q is not in the AWS SDK's format", d.Cause)
			}
		}
	}
}
