// Package function runs Task states that call AWS Lambda functions, locally: a function is a
// local command, an HTTP endpoint, a Lambda Invoke-compatible endpoint or a Go func, looked up
// by name in a Registry the operator configures. It gives both Lambda resources AWS offers the
// shapes AWS gives them: arn:aws:lambda:...:function:NAME returns the function's payload, and
// arn:aws:states:::lambda:invoke wraps it in Payload/StatusCode/SdkHttpMetadata.
package function

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// Function behaves like a Lambda function: it gets the invocation payload as JSON and returns
// the response payload as JSON, or an error. A *Error is a function error (the function ran
// and failed); any other error is a failure to run it at all.
type Function interface {
	Call(ctx context.Context, payload []byte) ([]byte, error)
}

// Error is a Lambda function error: Payload is the error document the function returned,
// e.g. {"errorType":"ValueError","errorMessage":"..."}.
type Error struct {
	Payload []byte
}

func (e *Error) Error() string { return "function error: " + string(e.Payload) }

// errorType reads errorType from the error document, as Lambda reports it in X-Amz-Function-Error.
func (e *Error) errorType() string {
	var doc struct {
		ErrorType string `json:"errorType"`
	}
	if json.Unmarshal(e.Payload, &doc) == nil && doc.ErrorType != "" {
		return doc.ErrorType
	}
	return "Lambda.Unknown"
}

// GoFunc is a function written in Go, registered when Stepflow is embedded as a library.
type GoFunc func(ctx context.Context, input any) (any, error)

// Call decodes the payload, runs f and encodes its result. An error returned by f is a
// function error with errorType "Error" unless it is a *task.Error, whose Name is used.
func (f GoFunc) Call(ctx context.Context, payload []byte) ([]byte, error) {
	var input any
	if len(payload) > 0 {
		if err := json.Unmarshal(payload, &input); err != nil {
			return nil, fmt.Errorf("decode payload: %w", err)
		}
	}
	out, err := f(ctx, input)
	if err != nil {
		name := "Error"
		if te, ok := err.(*task.Error); ok {
			name = te.Name
		}
		doc, _ := json.Marshal(map[string]any{"errorType": name, "errorMessage": err.Error()})
		return nil, &Error{Payload: doc}
	}
	return json.Marshal(out)
}

// Registry maps function names to functions and invokes them for Lambda resources.
type Registry struct {
	scope sfn.Scope
	mu    sync.RWMutex
	funcs map[string]Function
	// NewRequestID makes the per-invocation request ids Lambda returns (random by default).
	NewRequestID func() string
	remote       RemoteFunc
}

// RemoteFunc finds a function the registry does not have, e.g. on AWS Lambda; it returns
// nil for a function it does not run either. region is "" unless the resource names one.
type RemoteFunc func(ctx context.Context, name, qualifier, region string) Function

// SetRemote makes the registry ask f for the functions it does not have, before failing
// with Lambda.ResourceNotFoundException: the functions file wins for the names it has.
func (r *Registry) SetRemote(f RemoteFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.remote = f
}

// NewRegistry returns an empty registry whose ARNs use scope.
func NewRegistry(scope sfn.Scope) *Registry {
	return &Registry{scope: scope, funcs: map[string]Function{}, NewRequestID: newUUID}
}

// Register adds or replaces the function called name.
func (r *Registry) Register(name string, f Function) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.funcs[name] = f
}

func (r *Registry) lookup(name string) (Function, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.funcs[name]
	return f, ok
}

// Invoke runs the function named by req.Resource (a function ARN) or, for
// arn:aws:states:::lambda:invoke, by the FunctionName parameter.
func (r *Registry) Invoke(ctx context.Context, req *task.Request) (any, error) {
	ctx = withIdempotencyKey(ctx, req.IdempotencyKey)
	if req.Resource.Kind == sfn.ResourceLambdaFunction {
		ref := functionRef{name: req.Resource.Name, qualifier: req.Resource.Qualifier, region: req.Resource.Region, account: req.Resource.Account}
		body, err := r.call(ctx, ref, orderedInput(req), true)
		if err != nil {
			return nil, err
		}
		return decodePayload(body)
	}
	params, _ := jsonvalue.AsObject(orderedInput(req))
	param := func(name string) any { v, _ := params.Get(name); return v }
	nameParam, _ := param("FunctionName").(string)
	if nameParam == "" {
		return nil, &task.Error{Name: "Lambda.InvalidParameterValueException", Cause: "FunctionName is required (Service: AWSLambda; Status Code: 400; Error Code: InvalidParameterValueException; Proxy: null)"}
	}
	ref := parseFunctionName(nameParam)
	if q, ok := param("Qualifier").(string); ok && ref.qualifier == "" {
		ref.qualifier = q
	}
	opts, err := invokeOptions(param)
	if err != nil {
		return nil, err
	}
	resp, err := r.callWithOptions(ctx, ref, param("Payload"), param("Payload") != nil, opts)
	if te, ok := err.(*task.Error); ok && te.Name != "Lambda.ResourceNotFoundException" {
		// The integration reports a function error with the error document re-serialised
		// compactly, where the function ARN resource passes the runtime's text through.
		if doc, derr := decodePayload([]byte(te.Cause)); derr == nil && doc != nil {
			if compact, cerr := json.Marshal(doc); cerr == nil {
				te.Cause = string(compact)
			}
		}
		return nil, te
	}
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		// Event (202) and DryRun (204) answer no payload: Step Functions shows an empty string.
		return r.invokeOutput("", 0, resp), nil
	}
	result, err := decodePayload(resp.Payload)
	if err != nil {
		return nil, err
	}
	return r.invokeOutput(result, len(resp.Payload), resp), nil
}

// orderedInput is the request's input with its keys in AWS's order when the engine gave it.
func orderedInput(req *task.Request) any {
	if req.OrderedInput != nil {
		return req.OrderedInput
	}
	return req.Input
}

func (r *Registry) call(ctx context.Context, ref functionRef, payload any, hasPayload bool) ([]byte, error) {
	resp, err := r.callWithOptions(ctx, ref, payload, hasPayload, InvokeOptions{})
	return resp.Payload, err
}

// callWithOptions finds the function ref names and invokes it with opts, turning its
// failures into the errors Step Functions reports.
func (r *Registry) callWithOptions(ctx context.Context, ref functionRef, payload any, hasPayload bool, opts InvokeOptions) (InvokeResponse, error) {
	f, ok := r.lookup(ref.name)
	if !ok {
		r.mu.RLock()
		remote := r.remote
		r.mu.RUnlock()
		if remote != nil {
			f = remote(ctx, ref.name, ref.qualifier, ref.region)
			ok = f != nil
		}
	}
	if !ok {
		return InvokeResponse{}, &task.Error{Name: "Lambda.ResourceNotFoundException", Cause: fmt.Sprintf(
			"Function not found: %s (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: %s; Proxy: null)",
			r.functionARN(ref), r.NewRequestID())}
	}
	in, err := encodePayload(payload, hasPayload)
	if err != nil {
		return InvokeResponse{}, fmt.Errorf("encode payload for function %s: %w", ref.name, err)
	}
	resp, err := callWithOptions(ctx, f, in, opts)
	if fe, ok := err.(*Error); ok {
		return InvokeResponse{}, &task.Error{Name: fe.errorType(), Cause: string(fe.Payload)}
	}
	if err != nil {
		if te, ok := err.(*task.Error); ok {
			return InvokeResponse{}, te
		}
		return InvokeResponse{}, &task.Error{Name: "Lambda.ServiceException", Cause: fmt.Sprintf("function %s: %v", ref.name, err)}
	}
	return resp, nil
}

// encodePayload is the request body Lambda gets. No payload (or null) is "{}"; a string
// that holds JSON text is sent as that text, as the lambda:invoke integration does.
func encodePayload(payload any, has bool) ([]byte, error) {
	if !has || payload == nil {
		return []byte("{}"), nil
	}
	if s, ok := payload.(string); ok && json.Valid([]byte(s)) {
		return []byte(s), nil
	}
	return json.Marshal(payload)
}

func decodePayload(body []byte) (any, error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, nil
	}
	// in document order, with big integers exact, as AWS reads a function's result
	v, err := jsonvalue.Decode(body)
	if err != nil {
		return nil, &task.Error{Name: "Lambda.Unknown", Cause: fmt.Sprintf("The function returned a response that is not JSON: %v", err)}
	}
	return v, nil
}

// invokeOutput is the result shape of arn:aws:states:::lambda:invoke: the payload with
// Invoke's status, executed version and log tail, and the AWS SDK for Java's metadata, keys in
// AWS's order (recorded: context_object--test_context_object--test_result_selector; the Java
// SDK writes the result's members in name order and HttpHeaders case-insensitively sorted).
func (r *Registry) invokeOutput(payload any, contentLength int, resp InvokeResponse) *jsonvalue.Object {
	id := r.NewRequestID()
	length := fmt.Sprint(contentLength)
	date := httpDate()
	trace := "Root=1-" + strings.ReplaceAll(id[:8], "-", "") + "-" + strings.ReplaceAll(id[9:], "-", "")[:24]
	status := float64(resp.StatusCode)
	all := jsonvalue.NewObject(10)
	if resp.ExecutedVersion != "" {
		all.Set("X-Amz-Executed-Version", []any{resp.ExecutedVersion})
	}
	if resp.LogResult != "" {
		all.Set("X-Amz-Log-Result", []any{resp.LogResult})
	}
	for _, h := range [][2]string{{"x-amzn-Remapped-Content-Length", "0"}, {"Connection", "keep-alive"},
		{"x-amzn-RequestId", id}, {"Content-Length", length}, {"Date", date}, {"X-Amzn-Trace-Id", trace},
		{"Content-Type", "application/json"}} {
		all.Set(h[0], []any{h[1]})
	}
	first := jsonvalue.ObjectOf("Connection", "keep-alive", "Content-Length", length,
		"Content-Type", "application/json", "Date", date)
	if resp.ExecutedVersion != "" {
		first.Set("X-Amz-Executed-Version", resp.ExecutedVersion)
	}
	if resp.LogResult != "" {
		first.Set("X-Amz-Log-Result", resp.LogResult)
	}
	first.Set("x-amzn-Remapped-Content-Length", "0")
	first.Set("x-amzn-RequestId", id)
	first.Set("X-Amzn-Trace-Id", trace)
	out := jsonvalue.NewObject(7)
	if resp.ExecutedVersion != "" {
		out.Set("ExecutedVersion", resp.ExecutedVersion)
	}
	if resp.LogResult != "" {
		out.Set("LogResult", resp.LogResult)
	}
	out.Set("Payload", payload)
	out.Set("SdkHttpMetadata", jsonvalue.ObjectOf("AllHttpHeaders", all, "HttpHeaders", first, "HttpStatusCode", status))
	out.Set("SdkResponseMetadata", jsonvalue.ObjectOf("RequestId", id))
	out.Set("StatusCode", status)
	return out
}

type functionRef struct {
	name, qualifier, region, account string
}

// parseFunctionName accepts every form Lambda's FunctionName takes: NAME, NAME:QUALIFIER,
// ACCOUNT:function:NAME[:Q] and the full ARN.
func parseFunctionName(s string) functionRef {
	if strings.HasPrefix(s, "arn:") {
		res := sfn.ParseResource(s)
		return functionRef{name: res.Name, qualifier: res.Qualifier, region: res.Region, account: res.Account}
	}
	parts := strings.Split(s, ":")
	switch {
	case len(parts) >= 3 && parts[1] == "function":
		ref := functionRef{account: parts[0], name: parts[2]}
		if len(parts) > 3 {
			ref.qualifier = parts[3]
		}
		return ref
	case len(parts) == 2:
		return functionRef{name: parts[0], qualifier: parts[1]}
	}
	return functionRef{name: s}
}

func (r *Registry) functionARN(ref functionRef) string {
	region, account, q := ref.region, ref.account, ref.qualifier
	if region == "" {
		region = r.scope.Region
	}
	if account == "" {
		account = r.scope.Account
	}
	if q == "" {
		q = "$LATEST"
	}
	return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s:%s", r.scope.Partition, region, account, ref.name, q)
}
