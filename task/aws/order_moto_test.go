package aws_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/internal/mototest"
	awsint "github.com/stepflow/stepflow/task/aws"
)

// These tests check the key order of each integration's result as the engine holds it, by
// its JSON text: structures' members sorted at every depth, map members (DynamoDB items,
// Batch tags, Glue arguments) in java.util.HashMap order for optimized integrations and as
// the service sent them for aws-sdk: ones, SdkHttpMetadata as recorded on AWS (see
// docs/values.md). Expected HashMap orders come from the keys' Java String.hashCode (buckets
// of a 16-bucket table written beside each case).

// keysAt is the JSON text of the keys of the object at path in v.
func keysAt(t *testing.T, v any, path ...string) string {
	t.Helper()
	obj, ok := get(v, path...).(*jsonvalue.Object)
	if !ok {
		t.Fatalf("%s at %v is not an ordered object: %s", strings.Join(path, "."), path, jsonvalue.MarshalString(v))
	}
	return jsonvalue.MarshalString(obj.Keys())
}

// checkSorted fails unless every object in v has its keys sorted, but the objects held by a
// member named in maps (whose keys are data), whose values are still checked.
func checkSorted(t *testing.T, v any, where string, maps map[string]bool) {
	t.Helper()
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			checkSorted(t, e, fmt.Sprintf("%s[%d]", where, i), maps)
		}
	case *jsonvalue.Object:
		keys := x.Keys()
		for i := 1; i < len(keys); i++ {
			if keys[i-1] > keys[i] {
				t.Errorf("%s: members %q not sorted", where, keys)
				break
			}
		}
		for i, k := range keys {
			if maps[k] {
				if m, ok := x.ValueAt(i).(*jsonvalue.Object); ok {
					for j := 0; j < m.Len(); j++ {
						checkSorted(t, m.ValueAt(j), where+"."+k+"."+m.KeyAt(j), maps)
					}
					continue
				}
			}
			checkSorted(t, x.ValueAt(i), where+"."+k, maps)
		}
	default:
		if _, isMap := v.(map[string]any); isMap {
			t.Errorf("%s: a Go map, not an ordered object", where)
		}
	}
}

// checkSDKMetadata checks SdkHttpMetadata's members and its HttpHeaders sorted
// case-insensitively, as the AWS SDK for Java's TreeMap keeps them.
func checkSDKMetadata(t *testing.T, out any) {
	t.Helper()
	if got := keysAt(t, out, "SdkHttpMetadata"); got != `["AllHttpHeaders","HttpHeaders","HttpStatusCode"]` {
		t.Errorf("SdkHttpMetadata members %s", got)
	}
	headers := get(out, "SdkHttpMetadata", "HttpHeaders").(*jsonvalue.Object).Keys()
	for i := 1; i < len(headers); i++ {
		if strings.ToLower(headers[i-1]) > strings.ToLower(headers[i]) {
			t.Errorf("HttpHeaders %q not sorted case-insensitively", headers)
			break
		}
	}
	if all := get(out, "SdkHttpMetadata", "AllHttpHeaders").(*jsonvalue.Object); all.Len() != len(headers) {
		t.Errorf("AllHttpHeaders %s and HttpHeaders %q differ", all, headers)
	}
}

func TestOrderDynamoDB(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	createTable(t, base, "order-items")
	// Written over the wire with the attributes in this order, which moto keeps.
	mototest.Call(t, base+"/", "dynamodb", "DynamoDB_20120810.PutItem", "application/x-amz-json-1.0",
		[]byte(`{"TableName":"order-items","Item":{"id":{"S":"k"},"zeta":{"N":"1"},"data":{"M":{"b":{"S":"x"},"a":{"S":"y"}}},"S":{"S":"s"}}}`))
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"dynamodb"}})
	def := `{"StartAt": "Get", "States": {
	  "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
	    "Parameters": {"TableName": "order-items", "Key": {"id": {"S": "k"}}}, "ResultPath": "$.optimized", "Next": "SDK"},
	  "SDK": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
	    "Parameters": {"TableName": "order-items", "Key": {"id": {"S": "k"}}}, "ResultPath": "$.sdk", "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, nil)
	mustSucceed(t, res)
	opt := get(res.Output, "optimized")
	if got := keysAt(t, opt); got != `["Item","SdkHttpMetadata","SdkResponseMetadata"]` {
		t.Errorf("dynamodb:getItem members %s", got)
	}
	checkSDKMetadata(t, opt)
	// HashMap order: zeta 0, S 3, data 4, id 11; in data's M, a 1, b 2.
	if got, want := jsonvalue.MarshalString(get(opt, "Item")), `{"zeta":{"N":"1"},"S":{"S":"s"},"data":{"M":{"a":{"S":"y"},"b":{"S":"x"}}},"id":{"S":"k"}}`; got != want {
		t.Errorf("dynamodb:getItem Item\n got %s\nwant %s (HashMap order)", got, want)
	}
	// aws-sdk: the order DynamoDB (moto) sent.
	if got, want := jsonvalue.MarshalString(get(res.Output, "sdk")), `{"Item":{"id":{"S":"k"},"zeta":{"N":"1"},"data":{"M":{"b":{"S":"x"},"a":{"S":"y"}}},"S":{"S":"s"}}}`; got != want {
		t.Errorf("aws-sdk:dynamodb:getItem\n got %s\nwant %s (as sent)", got, want)
	}
}

func TestOrderSQSSendMessage(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	q := sqs.NewFromConfig(mototest.Config(base))
	created, err := q.CreateQueue(mototest.Context(t), &sqs.CreateQueueInput{QueueName: aws.String("order-send")})
	if err != nil {
		t.Fatal(err)
	}
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"sqs:sendMessage"}})
	def := `{"StartAt": "Send", "States": {"Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
	  "Parameters": {"QueueUrl.$": "$.queue", "MessageBody": {"zulu": 1, "mike": {"b": 2, "a": 1}, "alpha": 3},
	    "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "order"}}}, "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, map[string]any{"queue": *created.QueueUrl})
	mustSucceed(t, res)
	if got := keysAt(t, res.Output); got != `["MD5OfMessageAttributes","MD5OfMessageBody","MessageId","SdkHttpMetadata","SdkResponseMetadata"]` {
		t.Errorf("sqs:sendMessage members %s", got)
	}
	checkSDKMetadata(t, res.Output)
	// The body is the object's text in the order the state built it, as AWS writes it.
	got, err := q.ReceiveMessage(mototest.Context(t), &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, WaitTimeSeconds: 1})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("receive: %v, %v", got, err)
	}
	if body := *got.Messages[0].Body; body != `{"zulu":1,"mike":{"b":2,"a":1},"alpha":3}` {
		t.Errorf("message body %s, want the keys in the definition's order", body)
	}
}

func TestOrderSNSPublishAndEventBridgePutEvents(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	mototest.Call(t, base+"/", "sns", "", "application/x-www-form-urlencoded", []byte("Action=CreateTopic&Name=order-topic"))
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"sns", "events"}})
	def := `{"StartAt": "Publish", "States": {
	  "Publish": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
	    "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:order-topic", "Message": {"zulu": 1, "alpha": 2}}, "ResultPath": "$.sns", "Next": "Emit"},
	  "Emit": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
	    "Parameters": {"Entries": [{"Source": "stepflow.test", "DetailType": "T", "Detail": {"zulu": 1, "alpha": 2}}]}, "ResultPath": "$.events", "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, nil)
	mustSucceed(t, res)
	if got := keysAt(t, res.Output, "sns"); got != `["MessageId","SdkHttpMetadata","SdkResponseMetadata"]` {
		t.Errorf("sns:publish members %s", got)
	}
	checkSDKMetadata(t, get(res.Output, "sns"))
	if got := keysAt(t, res.Output, "events"); got != `["Entries","FailedEntryCount"]` {
		t.Errorf("events:putEvents members %s (recorded on AWS: Entries, FailedEntryCount)", got)
	}
}

func TestOrderS3GetObjectBodyLast(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	mototest.CallMethod(t, "PUT", base+"/order-bucket", "s3", nil)
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"s3"}})
	def := `{"StartAt": "Put", "States": {
	  "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
	    "Parameters": {"Bucket": "order-bucket", "Key": "k", "Body": "hello", "ContentType": "text/plain",
	      "Metadata": {"zulu": "1", "alpha": "2", "mike": "3"}}, "ResultPath": "$.put", "Next": "Get"},
	  "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
	    "Parameters": {"Bucket": "order-bucket", "Key": "k"}, "ResultPath": "$.get", "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, nil)
	mustSucceed(t, res)
	// As recorded on AWS: AcceptRanges, ContentLength, ContentType, ETag, LastModified,
	// Metadata, ServerSideEncryption, then Body.
	got := get(res.Output, "get").(*jsonvalue.Object)
	keys := got.Keys()
	if keys[len(keys)-1] != "Body" {
		t.Errorf("getObject members %q: want Body last", keys)
	}
	checkSorted(t, jsonvalue.ObjectOf("members", got.Without("Body")), "getObject", map[string]bool{"Metadata": true})
	checkSorted(t, get(res.Output, "put"), "putObject", nil)
	// Metadata is a map: HashMap order, mike 5, alpha 7, zulu 13.
	if got := keysAt(t, res.Output, "get", "Metadata"); got != `["mike","alpha","zulu"]` {
		t.Errorf("getObject Metadata %s, want HashMap order", got)
	}
}

func TestOrderBatchSyncJob(t *testing.T) {
	t.Parallel()
	base := mototest.Own(t, `{"batch": {"use_docker": false}}`)
	queue, jobDef := mototest.BatchSetup(t, base, "order")
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"batch"}})
	def := fmt.Sprintf(`{"StartAt": "Submit", "States": {
	  "Submit": {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob",
	    "Parameters": {"JobName": "rr", "JobQueue": %[1]q, "JobDefinition": %[2]q}, "ResultPath": "$.submitted", "Next": "Wait"},
	  "Wait": {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob.sync",
	    "Parameters": {"JobName": "waited", "JobQueue": %[1]q, "JobDefinition": %[2]q,
	      "Tags": {"team": "t", "env": "e", "owner": "o", "Name": "n"}}, "ResultPath": "$.job", "End": true}}}`, queue, jobDef)
	res, _ := run(t, newRouter(inv, nil), def, nil)
	mustSucceed(t, res)
	if got := keysAt(t, res.Output, "submitted"); got != `["JobArn","JobId","JobName","SdkHttpMetadata","SdkResponseMetadata"]` {
		t.Errorf("batch:submitJob members %s", got)
	}
	checkSDKMetadata(t, get(res.Output, "submitted"))
	job := get(res.Output, "job")
	checkSorted(t, job, "job", map[string]bool{"Tags": true, "Parameters": true, "Options": true})
	// HashMap order: owner 0, team 11, env 12, Name 15.
	if got := keysAt(t, job, "Tags"); got != `["owner","team","env","Name"]` {
		t.Errorf("batch:submitJob.sync Tags %s, want HashMap order", got)
	}
}

func TestOrderECSRunTask(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	cluster, family := ecsSetup(t, base, "order")
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"ecs"}})
	def := fmt.Sprintf(`{"StartAt": "Run", "States": {"Run": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask",
	    "Parameters": {`+ecsRunTaskParams+`}, "ResultPath": "$.rr", "Next": "Sync"},
	  "Sync": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync",
	    "Parameters": {`+ecsRunTaskParams+`}, "ResultPath": "$.sync", "End": true}}}`, cluster, family, cluster, family)
	go func() {
		// moto's tasks run until stopped: stop the .sync one as its end.
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			arns, _ := wireCall(t, base, "/", ecsTarget+"ListTasks", map[string]any{"cluster": cluster})["taskArns"].([]any)
			if len(arns) == 2 {
				for _, a := range arns {
					wireCall(t, base, "/", ecsTarget+"StopTask", map[string]any{"cluster": cluster, "task": a, "reason": "done"})
				}
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	res, _ := run(t, newRouter(inv, nil), def, nil)
	mustSucceed(t, res)
	if got := keysAt(t, res.Output, "rr"); got != `["Failures","SdkHttpMetadata","SdkResponseMetadata","Tasks"]` {
		t.Errorf("ecs:runTask members %s (recorded on AWS: Failures, SdkHttpMetadata, SdkResponseMetadata, Tasks)", got)
	}
	checkSDKMetadata(t, get(res.Output, "rr"))
	checkSorted(t, get(res.Output, "rr", "Tasks"), "Tasks", map[string]bool{"DockerLabels": true})
	checkSorted(t, get(res.Output, "sync"), "sync", map[string]bool{"DockerLabels": true})
	if get(res.Output, "sync", "LastStatus") != "STOPPED" {
		t.Errorf(".sync result %s", jsonvalue.MarshalString(get(res.Output, "sync")))
	}
}

func TestOrderGlueSyncArguments(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"glue"}})
	def := `{"StartAt": "Create", "States": {
	  "Create": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:glue:createJob",
	    "Parameters": {"Name": "order-etl", "Role": "arn:aws:iam::123456789012:role/glue", "Command": {"Name": "glueetl", "ScriptLocation": "s3://scripts/etl.py"}},
	    "ResultPath": null, "Next": "Sync"},
	  "Sync": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync",
	    "Parameters": {"JobName": "order-etl", "Arguments": {"--day": "d", "--mode": "m", "--zone": "z"}}, "ResultPath": "$.run", "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, nil)
	mustSucceed(t, res)
	run := get(res.Output, "run")
	checkSorted(t, run, "run", map[string]bool{"Arguments": true})
	// HashMap order: --zone 1, --mode 4, --day 12.
	if got := keysAt(t, run, "Arguments"); got != `["--zone","--mode","--day"]` {
		t.Errorf("glue:startJobRun.sync Arguments %s, want HashMap order", got)
	}
}
