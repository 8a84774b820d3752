package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
)

// post sends a raw API request and returns the status, the error type header and the body.
func post(t *testing.T, url, method, target, body string) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var decoded map[string]any
	if err := json.Unmarshal(data, &decoded); err != nil {
		t.Fatalf("response is not a JSON object: %q", data)
	}
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), decoded
}

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	tests := []struct {
		name       string
		method     string
		target     string
		body       string
		wantStatus int
		wantType   string
		wantMsg    string
	}{
		{"malformed JSON", "POST", "AWSStepFunctions.ListStateMachines", `{"maxResults":`, 400, "SerializationException", "Malformed JSON: unexpected EOF"},
		{"wrong member type", "POST", "AWSStepFunctions.ListStateMachines", `{"maxResults":"ten"}`, 400, "SerializationException", "Cannot deserialize value of type string at 'maxResults'"},
		{"trailing garbage", "POST", "AWSStepFunctions.ListStateMachines", `{} {}`, 400, "SerializationException", "Unexpected content after the end of the JSON document"},
		{"unknown action", "POST", "AWSStepFunctions.LaunchRocket", `{}`, 400, "UnknownOperationException", "Unknown operation: 'AWSStepFunctions.LaunchRocket'"},
		{"other service", "POST", "AmazonSQS.ListQueues", `{}`, 400, "UnknownOperationException", "Unknown operation: 'AmazonSQS.ListQueues'"},
		{"no target", "POST", "", `{}`, 400, "UnknownOperationException", "Missing the X-Amz-Target header"},
		{"GET", "GET", "AWSStepFunctions.ListStateMachines", ``, 404, "UnknownOperationException", "The API accepts POST requests to /"},
		{"body over the limit", "POST", "AWSStepFunctions.ValidateStateMachineDefinition", `{"definition":"` + strings.Repeat(" ", 5<<20) + `"}`, 413, "ValidationException", "Request body is larger than 4194304 bytes"},
		{"missing required member", "POST", "AWSStepFunctions.DescribeStateMachine", `{}`, 400, "ValidationException", "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null"},
		{"definition over 1 MiB", "POST", "AWSStepFunctions.ValidateStateMachineDefinition", `{"definition":"` + strings.Repeat(" ", 1048577) + `"}`, 400, "ValidationException", "1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length less than or equal to 1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, errType, body := post(t, srv.URL, tt.method, tt.target, tt.body)
			if status != tt.wantStatus || errType != tt.wantType || body["__type"] != tt.wantType || body["message"] != tt.wantMsg {
				msg, _ := body["message"].(string)
				if len(msg) > 200 {
					msg = msg[:200] + "..."
				}
				t.Fatalf("got %d %s %v %q, want %d %s %q", status, errType, body["__type"], msg, tt.wantStatus, tt.wantType, tt.wantMsg)
			}
		})
	}
	// An empty body is an empty input.
	status, _, body := post(t, srv.URL, "POST", "AWSStepFunctions.ListStateMachines", ``)
	if status != 200 || body["stateMachines"] == nil {
		t.Fatalf("empty body: %d %v", status, body)
	}
}

func TestDatesAreEpochSeconds(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	c := srv.client(t)
	arn := createMachine(t, c, "dates")
	status, _, body := post(t, srv.URL, "POST", "AWSStepFunctions.DescribeStateMachine", `{"stateMachineArn":"`+arn+`"}`)
	if status != 200 {
		t.Fatalf("status %d: %v", status, body)
	}
	if _, ok := body["creationDate"].(float64); !ok {
		t.Fatalf("creationDate = %#v, want a JSON number", body["creationDate"])
	}
}

func TestSignatureV4(t *testing.T) {
	t.Parallel()
	srv := startServer(t, withCredentials(map[string]string{accessKey: secretKey}))
	ctx := context.Background()

	good := srv.client(t)
	_, err := good.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("signed"), Definition: aws.String(passDefinition), RoleArn: aws.String(roleARN)})
	mustNoErr(t, "signed CreateStateMachine", err)
	list, err := good.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
	mustNoErr(t, "signed ListStateMachines", err)
	if len(list.StateMachines) != 1 {
		t.Fatalf("listed %d machines", len(list.StateMachines))
	}

	tests := []struct {
		name, key, secret, code, msg string
	}{
		{"wrong secret", accessKey, "not-the-secret", "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		{"unknown key", "AKIDUNKNOWN", secretKey, "UnrecognizedClientException", "The security token included in the request is invalid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := srv.clientWith(t, tt.key, tt.secret).ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
			wantErrorCode(t, err, tt.code, tt.msg)
			var respErr interface{ HTTPStatusCode() int }
			if !errors.As(err, &respErr) || respErr.HTTPStatusCode() != http.StatusForbidden {
				t.Fatalf("status of %v, want 403", err)
			}
		})
	}
	status, errType, _ := post(t, srv.URL, "POST", "AWSStepFunctions.ListStateMachines", `{}`)
	if status != 403 || errType != "MissingAuthenticationTokenException" {
		t.Fatalf("unsigned request: %d %s", status, errType)
	}
	// A body changed after signing is refused.
	var apiErr smithy.APIError
	tampered := srv.client(t)
	_, err = tampered.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{}, func(o *awssfn.Options) {
		o.HTTPClient = tamperingClient{inner: o.HTTPClient}
	})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidSignatureException" {
		t.Fatalf("tampered body: %v", err)
	}
}

// tamperingClient changes the request body after the SDK signed it.
type tamperingClient struct{ inner awssfn.HTTPClient }

func (c tamperingClient) Do(req *http.Request) (*http.Response, error) {
	body := []byte(`{"maxResults":5}`)
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Length", "16")
	return c.inner.Do(req)
}
