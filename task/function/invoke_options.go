package function

import (
	"context"
	"encoding/base64"
	"fmt"
	"sync"

	"github.com/stepflow/stepflow/task"
)

// InvokeOptions are the parameters of Lambda's Invoke besides the function and its payload
// that arn:aws:states:::lambda:invoke passes on.
type InvokeOptions struct {
	// InvocationType is RequestResponse (the default: wait for the result), Event (queue the
	// invocation and answer 202 at once) or DryRun (check, do not run; 204).
	InvocationType string
	// LogType Tail asks for the last 4 KB of the invocation's log, base64-encoded (LogResult).
	LogType string
	// ClientContext is base64-encoded JSON handed to the function (Lambda's X-Amz-Client-Context).
	ClientContext string
}

// Lambda's InvocationType and LogType values.
const (
	InvocationRequestResponse = "RequestResponse"
	InvocationEvent           = "Event"
	InvocationDryRun          = "DryRun"
	LogTypeTail               = "Tail"
)

// maxLogResultBytes is how much of the end of the log LogType Tail returns, as Lambda does.
const maxLogResultBytes = 4096

// InvokeResponse is Invoke's answer besides the error: the payload, the HTTP status (200,
// 202 for Event, 204 for DryRun), the version that ran and the log tail asked for.
type InvokeResponse struct {
	Payload         []byte
	StatusCode      int
	ExecutedVersion string
	LogResult       string
}

// OptionsFunction is a function that takes InvokeOptions itself, such as one behind Lambda's
// Invoke API; the registry runs every other function with the options' meaning emulated.
type OptionsFunction interface {
	Function
	InvokeWithOptions(ctx context.Context, payload []byte, opts InvokeOptions) (InvokeResponse, error)
}

// invokeOptions reads the options of a lambda:invoke state's parameters, refusing values
// Lambda refuses.
func invokeOptions(param func(name string) any) (InvokeOptions, error) {
	var o InvokeOptions
	for _, f := range []struct {
		name    string
		dst     *string
		allowed []string
	}{
		{"InvocationType", &o.InvocationType, []string{InvocationEvent, InvocationRequestResponse, InvocationDryRun}},
		{"LogType", &o.LogType, []string{"None", LogTypeTail}},
		{"ClientContext", &o.ClientContext, nil},
	} {
		v := param(f.name)
		if v == nil {
			continue
		}
		s, isString := v.(string)
		valid := isString && (f.allowed == nil || contains(f.allowed, s))
		if !valid {
			detail := "Member must satisfy enum value set: " + fmt.Sprint(f.allowed)
			if f.allowed == nil {
				detail = "Member must be a string"
			}
			return o, &task.Error{Name: "Lambda.AWSLambdaException", Cause: fmt.Sprintf(
				"1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s (Service: AWSLambda; Status Code: 400; Error Code: ValidationException; Proxy: null)",
				v, lowerFirstLetter(f.name), detail)}
		}
		*f.dst = s
	}
	if o.ClientContext != "" {
		if _, err := base64.StdEncoding.DecodeString(o.ClientContext); err != nil {
			return o, &task.Error{Name: "Lambda.InvalidRequestContentException", Cause: "Client context must be a valid Base64-encoded JSON object. (Service: AWSLambda; Status Code: 400; Error Code: InvalidRequestContentException; Proxy: null)"}
		}
	}
	return o, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func lowerFirstLetter(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

// logSinkKey carries the buffer a local function's log (a command's standard error) is
// copied to when the invocation asked for LogType Tail.
type logSinkKey struct{}

// logSink collects a local invocation's log.
type logSink struct {
	mu  sync.Mutex
	log []byte
}

func (s *logSink) write(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, p...)
	if len(s.log) > maxLogResultBytes {
		s.log = append([]byte(nil), s.log[len(s.log)-maxLogResultBytes:]...)
	}
}

func (s *logSink) result() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return base64.StdEncoding.EncodeToString(s.log)
}

// withLogSink returns a context whose local functions copy their log to sink.
func withLogSink(ctx context.Context, sink *logSink) context.Context {
	return context.WithValue(ctx, logSinkKey{}, sink)
}

func logSinkFrom(ctx context.Context) *logSink {
	s, _ := ctx.Value(logSinkKey{}).(*logSink)
	return s
}

// callWithOptions invokes f as Lambda's Invoke would with opts. A function behind the Invoke
// API gets the options; a local one is run as they say: Event starts it in the background
// (not bound to the task; at most once, where Lambda's queue retries) and answers 202,
// DryRun answers 204 without running it, Tail returns the end of a command's standard error.
func callWithOptions(ctx context.Context, f Function, payload []byte, opts InvokeOptions) (InvokeResponse, error) {
	if of, ok := f.(OptionsFunction); ok {
		return of.InvokeWithOptions(ctx, payload, opts)
	}
	switch opts.InvocationType {
	case InvocationDryRun:
		return InvokeResponse{StatusCode: 204}, nil
	case InvocationEvent:
		go func() { _, _ = f.Call(context.WithoutCancel(ctx), payload) }()
		return InvokeResponse{StatusCode: 202}, nil
	}
	var sink *logSink
	if opts.LogType == LogTypeTail {
		sink = &logSink{}
		ctx = withLogSink(ctx, sink)
	}
	body, err := f.Call(ctx, payload)
	if err != nil {
		return InvokeResponse{}, err
	}
	resp := InvokeResponse{Payload: body, StatusCode: 200, ExecutedVersion: "$LATEST"}
	if sink != nil {
		resp.LogResult = sink.result()
	}
	return resp, nil
}
