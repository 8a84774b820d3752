package aws

import (
	"net/http"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/task"
)

// The SdkHttpMetadata of results recorded on AWS (LocalStack's parity snapshots,
// tests/aws/services/stepfunctions/v2/services/*.snapshot.json): AllHttpHeaders in the order
// of a java.util.HashMap, HttpHeaders sorted case-insensitively.
func TestSDKHTTPMetadataOrderAsRecorded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                string
		headers             []string // as the service sent them (task.SDKHTTPMetadata puts them in sorted)
		wantAll, wantHeader string
	}{
		{
			name:       "sqs:sendMessage",
			headers:    []string{"x-amzn-RequestId", "connection", "Content-Length", "Date", "Content-Type"},
			wantAll:    `["x-amzn-RequestId","connection","Content-Length","Date","Content-Type"]`,
			wantHeader: `["connection","Content-Length","Content-Type","Date","x-amzn-RequestId"]`,
		},
		{
			name:       "dynamodb:putItem",
			headers:    []string{"Server", "Date", "Content-Type", "Content-Length", "Connection", "x-amzn-RequestId", "x-amz-crc32"},
			wantAll:    `["Server","Connection","x-amzn-RequestId","x-amz-crc32","Content-Length","Date","Content-Type"]`,
			wantHeader: `["Connection","Content-Length","Content-Type","Date","Server","x-amz-crc32","x-amzn-RequestId"]`,
		},
		{
			name:       "ecs:runTask",
			headers:    []string{"Content-Type", "Date", "x-amzn-RequestId", "Content-Length"},
			wantAll:    `["x-amzn-RequestId","Content-Length","Date","Content-Type"]`,
			wantHeader: `["Content-Length","Content-Type","Date","x-amzn-RequestId"]`,
		},
	} {
		values := map[string][]string{}
		for _, h := range tc.headers {
			values[h] = []string{"v"}
		}
		md := task.SDKHTTPMetadata(append([]string(nil), tc.headers...), values, 200)
		if got := jsonvalue.MarshalString(md.Keys()); got != `["AllHttpHeaders","HttpHeaders","HttpStatusCode"]` {
			t.Errorf("%s: SdkHttpMetadata members %s", tc.name, got)
		}
		all, _ := md.Get("AllHttpHeaders")
		first, _ := md.Get("HttpHeaders")
		if got := jsonvalue.MarshalString(all.(*jsonvalue.Object).Keys()); got != tc.wantAll {
			t.Errorf("%s: AllHttpHeaders %s, want %s", tc.name, got, tc.wantAll)
		}
		if got := jsonvalue.MarshalString(first.(*jsonvalue.Object).Keys()); got != tc.wantHeader {
			t.Errorf("%s: HttpHeaders %s, want %s", tc.name, got, tc.wantHeader)
		}
	}
}

// resultOrder sorts structures at every depth and keeps map members' keys as the SDK's map
// iterates them: HashMap order for optimized integrations, wire order for aws-sdk: ones.
func TestResultOrder(t *testing.T) {
	t.Parallel()
	dynamodb, ecs := lookupService("dynamodb"), lookupService("ecs")
	wire := `{"Item":{"id":{"S":"1"},"zeta":{"N":"2"},"data":{"M":{"b":{"S":"x"},"a":{"S":"y"}}},"S":{"S":"s"}},"ConsumedCapacity":{"TableName":"t","CapacityUnits":1}}`
	m, ok, err := decodeResult([]byte(wire), dynamodb)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	// Buckets of 16: "zeta" 0, "S" 3, "data" 4, "id" 11; "a" 1, "b" 2.
	want := `{"ConsumedCapacity":{"CapacityUnits":1,"TableName":"t"},"Item":{"zeta":{"N":"2"},"S":{"S":"s"},"data":{"M":{"a":{"S":"y"},"b":{"S":"x"}}},"id":{"S":"1"}}}`
	if got := jsonvalue.MarshalString(resultOrder(m, dynamodb, true)); got != want {
		t.Errorf("optimized:\n got %s\nwant %s", got, want)
	}
	m, _, _ = decodeResult([]byte(wire), dynamodb)
	want = `{"ConsumedCapacity":{"CapacityUnits":1,"TableName":"t"},"Item":{"id":{"S":"1"},"zeta":{"N":"2"},"data":{"M":{"b":{"S":"x"},"a":{"S":"y"}}},"S":{"S":"s"}}}`
	if got := jsonvalue.MarshalString(resultOrder(m, dynamodb, false)); got != want {
		t.Errorf("aws-sdk:\n got %s\nwant %s", got, want)
	}
	// ECS as recorded for ecs:runTask.sync: members sorted at every depth; a container's
	// DockerLabels is a map: "zz" and "aa" share bucket 0 and keep the order they came in,
	// "env" (12) comes after them.
	wire = `{"taskArn":"a","lastStatus":"STOPPED","containers":[{"name":"main","exitCode":0,"containerArn":"c"}],"overrides":{"inferenceAcceleratorOverrides":[],"containerOverrides":[{"name":"main","command":[]}]},"cpu":"256","dockerLabels":{"env":"0","zz":"1","aa":"2"}}`
	m, _, _ = decodeResult([]byte(wire), ecs)
	want = `{"Containers":[{"ContainerArn":"c","ExitCode":0,"Name":"main"}],"Cpu":"256","DockerLabels":{"zz":"1","aa":"2","env":"0"},"LastStatus":"STOPPED","Overrides":{"ContainerOverrides":[{"Command":[],"Name":"main"}],"InferenceAcceleratorOverrides":[]},"TaskArn":"a"}`
	if got := jsonvalue.MarshalString(resultOrder(convertMembers(m, upperFirst, ecsFreeForm), ecs, true)); got != want {
		t.Errorf("ecs:\n got %s\nwant %s", got, want)
	}
	// aws-sdk:kms:decrypt: EncryptionContext is a map, kept as sent; every service's Tags
	// given as an object is a map too.
	kms := lookupService("kms")
	wire = `{"KeyId":"k","EncryptionContext":{"zulu":"1","alpha":"2"},"Plaintext":"cA==","Tags":{"z":"1","a":"2"}}`
	m, _, _ = decodeResult([]byte(wire), kms)
	want = `{"EncryptionContext":{"zulu":"1","alpha":"2"},"KeyId":"k","Plaintext":"cA==","Tags":{"z":"1","a":"2"}}`
	if got := jsonvalue.MarshalString(resultOrder(m, kms, false)); got != want {
		t.Errorf("kms:\n got %s\nwant %s", got, want)
	}
}

func TestJavaStringOrders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b        string
		less, lessI bool
	}{
		{"Content-Type", "connection", true, false},
		{"connection", "Content-Length", false, true},
		{"Date", "date", true, false},
		{"date", "Date", false, false},
		{"x-amz-crc32", "x-amzn-RequestId", true, true},
		{"\uffff", "\U0001F600", false, false}, // U+FFFF against a surrogate pair (0xD83D...)
		{"StopCode", "StoppedAt", true, true},
	} {
		if got := javaStringLess(tc.a, tc.b); got != tc.less {
			t.Errorf("javaStringLess(%q, %q) = %v", tc.a, tc.b, got)
		}
		if got := task.CaseInsensitiveLess(tc.a, tc.b); got != tc.lessI {
			t.Errorf("CaseInsensitiveLess(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

// The Connection header (which Go's HTTP client keeps unless it says close) is spelled as
// each service sends it on AWS: connection for SQS, SNS and Step Functions, Connection for
// DynamoDB; X-Amzn-Requestid as x-amzn-RequestId.
func TestSDKMetadataHeaderNames(t *testing.T) {
	t.Parallel()
	resp := &httpResponse{status: 200, requestID: "r", header: http.Header{
		"Connection": {"keep-alive"}, "X-Amzn-Requestid": {"r"}, "Content-Type": {"application/x-amz-json-1.0"}}}
	for _, tc := range []struct{ service, want string }{
		{"sqs", `["connection","Content-Type","x-amzn-RequestId"]`},
		{"sns", `["connection","Content-Type","x-amzn-RequestId"]`},
		{"states", `["connection","Content-Type","x-amzn-RequestId"]`},
		{"dynamodb", `["Connection","Content-Type","x-amzn-RequestId"]`},
	} {
		c := &caller{svc: lookupService(tc.service)}
		out := c.withSDKMetadata(map[string]any{"MessageId": "m"}, resp)
		md, _ := out.Get("SdkHttpMetadata")
		headers, _ := md.(*jsonvalue.Object).Get("HttpHeaders")
		if got := jsonvalue.MarshalString(headers.(*jsonvalue.Object).Keys()); got != tc.want {
			t.Errorf("%s: HttpHeaders %s, want %s", tc.service, got, tc.want)
		}
	}
}
