package function

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stepflow/stepflow/task"
)

// LambdaEndpoint is a function behind a server speaking AWS Lambda's Invoke REST API
// (POST /2015-03-31/functions/NAME/invocations): the Lambda runtime interface emulator, a
// local Lambda clone, or any Lambda-compatible server the operator configured. A response
// carrying X-Amz-Function-Error is a function error whose body is the error document; any
// other non-2xx response is a Lambda service error named after its x-amzn-ErrorType.
type LambdaEndpoint struct {
	URL          string // the server's base URL, e.g. http://127.0.0.1:9001
	FunctionName string
	Qualifier    string // optional version or alias
	Timeout      time.Duration
	Client       *http.Client
}

// InvokeURL is where Call posts: the Invoke API path under URL.
func (l LambdaEndpoint) InvokeURL() string {
	u := strings.TrimSuffix(l.URL, "/") + "/2015-03-31/functions/" + url.PathEscape(l.FunctionName) + "/invocations"
	if l.Qualifier != "" {
		u += "?Qualifier=" + url.QueryEscape(l.Qualifier)
	}
	return u
}

// Call invokes the function once, synchronously (InvocationType RequestResponse).
func (l LambdaEndpoint) Call(ctx context.Context, payload []byte) ([]byte, error) {
	resp, err := l.InvokeWithOptions(ctx, payload, InvokeOptions{})
	return resp.Payload, err
}

// InvokeWithOptions invokes the function once with Invoke's InvocationType, LogType and
// ClientContext, and returns its answer: the payload (none for Event and DryRun), the status,
// X-Amz-Executed-Version and X-Amz-Log-Result.
func (l LambdaEndpoint) InvokeWithOptions(ctx context.Context, payload []byte, opts InvokeOptions) (InvokeResponse, error) {
	if l.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.InvokeURL(), bytes.NewReader(payload))
	if err != nil {
		return InvokeResponse{}, fmt.Errorf("build Lambda Invoke request for %s: %w", l.FunctionName, err)
	}
	req.Header.Set("Content-Type", "application/json")
	invocationType := opts.InvocationType
	if invocationType == "" {
		invocationType = InvocationRequestResponse
	}
	req.Header.Set("X-Amz-Invocation-Type", invocationType)
	if opts.LogType != "" {
		req.Header.Set("X-Amz-Log-Type", opts.LogType)
	}
	if opts.ClientContext != "" {
		req.Header.Set("X-Amz-Client-Context", opts.ClientContext)
	}
	if key := IdempotencyKey(ctx); key != "" {
		req.Header.Set(IdempotencyKeyHeader, key)
	}
	resp, err := doRequest(l.Client, req)
	if err != nil {
		return InvokeResponse{}, err
	}
	if resp.header.Get("X-Amz-Function-Error") != "" {
		return InvokeResponse{}, &Error{Payload: errorDocument(resp.body, "function "+l.FunctionName+" failed")}
	}
	if resp.status < 200 || resp.status > 299 {
		return InvokeResponse{}, serviceError(resp)
	}
	out := InvokeResponse{Payload: resp.body, StatusCode: resp.status,
		ExecutedVersion: resp.header.Get("X-Amz-Executed-Version"), LogResult: resp.header.Get("X-Amz-Log-Result")}
	if resp.status != http.StatusOK {
		out.Payload = nil // Event and DryRun answer no payload (a clone may echo one)
	} else if out.ExecutedVersion == "" {
		out.ExecutedVersion = "$LATEST" // Lambda names it; clones of its API may not
	}
	return out, nil
}

// serviceError turns a Lambda API error response into the Lambda.* error AWS Step Functions
// reports, e.g. Lambda.ResourceNotFoundException.
func serviceError(resp response) error {
	code := resp.header.Get("X-Amzn-ErrorType")
	if i := strings.IndexAny(code, ":"); i >= 0 {
		code = code[:i]
	}
	var doc struct {
		Type        string `json:"__type"`
		Message     string `json:"message"`
		MessageCaps string `json:"Message"`
	}
	_ = json.Unmarshal(resp.body, &doc)
	if code == "" {
		code = doc.Type
	}
	if code == "" {
		code = "ServiceException"
	}
	msg := doc.Message
	if msg == "" {
		msg = doc.MessageCaps
	}
	if msg == "" {
		msg = strings.TrimSpace(string(resp.body))
	}
	requestID := ""
	if id := resp.header.Get("X-Amzn-Requestid"); id != "" {
		requestID = "Request ID: " + id + "; " // as the AWS SDK for Java words it, when Lambda gives one
	}
	return &task.Error{Name: "Lambda." + code, Cause: fmt.Sprintf("%s (Service: AWSLambda; Status Code: %d; Error Code: %s; %sProxy: null)", msg, resp.status, code, requestID)}
}
