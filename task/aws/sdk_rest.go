package aws

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// sdkOtherCall is arn:aws:states:::aws-sdk:SERVICE:ACTION for the services that do not speak
// the AWS JSON protocol: S3, SNS, STS and Lambda (every action, through the AWS SDK for Go
// v2's clients: sdk_client.go; Lambda's invoke by hand, as its Payload is JSON rather than a
// blob) and Batch (REST-JSON, every action). Blobs (S3 Body, Lambda Payload) come back as
// strings, as AWS's aws-sdk integrations give them.
func (c *caller) sdkOtherCall(ctx context.Context, action string, input any) (any, error) {
	if c.svc.name() == "lambda" && strings.EqualFold(action, "invoke") {
		return lambdaSDKInvoke(ctx, c, copyObject(input))
	}
	if _, ok := sdkClientServices[c.svc.name()]; ok {
		return c.sdkClientCall(ctx, action, input)
	}
	if c.svc.restJSON { // Batch: POST /v1/ACTION in lower case, camelCase members
		out, _, err := c.callRESTJSON(ctx, http.MethodPost, "/v1/"+strings.ToLower(action), convertMembers(input, lowerFirst, batchFreeForm), true)
		if err != nil {
			return nil, err
		}
		return convertMembers(out, upperFirst, batchFreeForm), nil
	}
	return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("Stepflow cannot call aws-sdk:%s:%s", c.svc.name(), action)}
}

// callREST sends one REST request with a raw body and returns the decoded JSON answer (or
// nil for an empty one) with sdk-style errors.
func (c *caller) callREST(ctx context.Context, method, path string, query url.Values, header http.Header, body []byte) (map[string]any, *httpResponse, error) {
	if header == nil {
		header = http.Header{}
	}
	resp, err := c.send(ctx, &httpRequest{method: method, path: path, query: query, header: header, body: body})
	if err != nil {
		return nil, nil, c.failure(err, true)
	}
	if resp.status < 200 || resp.status > 299 {
		return nil, resp, c.serviceError(resp, parseJSONError(resp), true)
	}
	if strings.TrimSpace(string(resp.body)) == "" {
		return map[string]any{}, resp, nil
	}
	m, ok, err := decodeResult(resp.body, c.svc)
	if err != nil || !ok {
		return nil, resp, c.failure(&transportError{fmt.Errorf("Unable to unmarshall response: %.200q", resp.body)}, true)
	}
	return m, resp, nil
}

// lambdaSDKInvoke is aws-sdk:lambda:invoke: Lambda's Invoke with the Payload given as a
// string (or a JSON value, sent as its text); the result's Payload is the function's
// answer as a string, StatusCode, ExecutedVersion and FunctionError as Lambda sends them.
func lambdaSDKInvoke(ctx context.Context, c *caller, params map[string]any) (any, error) {
	name, _ := params["FunctionName"].(string)
	if name == "" {
		return nil, &task.Error{Name: "Lambda.LambdaException", Cause: "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null"}
	}
	var body []byte
	switch p := params["Payload"].(type) {
	case nil:
	case string:
		body = []byte(p)
	default:
		body = []byte(jsonvalue.MarshalString(p))
	}
	h := http.Header{}
	for member, header := range map[string]string{"InvocationType": "X-Amz-Invocation-Type", "LogType": "X-Amz-Log-Type", "ClientContext": "X-Amz-Client-Context"} {
		if v, ok := params[member].(string); ok {
			h.Set(header, v)
		}
	}
	q := url.Values{}
	if v, ok := params["Qualifier"].(string); ok {
		q.Set("Qualifier", v)
	}
	resp, err := c.send(ctx, &httpRequest{method: http.MethodPost, path: "/2015-03-31/functions/" + url.PathEscape(name) + "/invocations", query: q, header: h, body: body})
	if err != nil {
		return nil, c.failure(err, true)
	}
	if resp.status < 200 || resp.status > 299 {
		return nil, c.serviceError(resp, parseJSONError(resp), true)
	}
	out := map[string]any{"StatusCode": float64(resp.status), "Payload": string(resp.body)}
	for header, member := range map[string]string{"X-Amz-Executed-Version": "ExecutedVersion", "X-Amz-Function-Error": "FunctionError", "X-Amz-Log-Result": "LogResult"} {
		if v := resp.header.Get(header); v != "" {
			out[member] = v
		}
	}
	return out, nil
}
