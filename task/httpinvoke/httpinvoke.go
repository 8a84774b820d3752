// Package httpinvoke runs HTTP Tasks (arn:aws:states:::http:invoke) locally: it sends the
// request the Task's parameters describe (ApiEndpoint, Method, Headers, QueryParameters,
// RequestBody, Transform) and returns AWS's response shape (ResponseBody, Headers,
// StatusCode, StatusText), failing with States.Http.StatusCode.NNN on a non-2xx answer.
//
// A definition reaches only the hosts the operator allowed: ApiEndpoint and every redirect
// must name a host on the allow-list. Authentication (an EventBridge connection on AWS) is
// accepted and ignored: locally no credentials are added to the request.
package httpinvoke

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// Error names of HTTP Tasks.
const (
	// ErrorStatusCodePrefix + "404" is the error of a task whose endpoint answered 404.
	ErrorStatusCodePrefix = "States.Http.StatusCode."
	// ErrorSocket is the error of a task whose request could not be sent or answered.
	ErrorSocket = "States.Http.Socket"
)

// Config is what the operator allows HTTP Tasks to do.
type Config struct {
	// AllowedHosts lists the hosts HTTP Tasks may call: "api.example.com" (any port),
	// "127.0.0.1:9000" (that port only) or "*.example.com" (any subdomain). Empty allows none.
	AllowedHosts []string
	// Timeout bounds one request; 0 means the task's own TimeoutSeconds only.
	Timeout time.Duration
	// Transport sends the requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
}

// Invoker runs HTTP Tasks.
type Invoker struct {
	allowed allowList
	client  *http.Client
}

// New checks cfg and returns an Invoker.
func New(cfg Config) (*Invoker, error) {
	allowed, err := parseAllowList(cfg.AllowedHosts)
	if err != nil {
		return nil, err
	}
	inv := &Invoker{allowed: allowed}
	inv.client = &http.Client{
		Transport: cfg.Transport,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return inv.allowed.check(req.URL)
		},
	}
	return inv, nil
}

// IdempotencyKeyHeader carries task.Request.IdempotencyKey on the requests of HTTP Tasks the
// engine runs (not on TestState's).
const IdempotencyKeyHeader = "X-Stepflow-Idempotency-Key"

// Invoke sends the request of one HTTP Task.
func (inv *Invoker) Invoke(ctx context.Context, req *task.Request) (any, error) {
	if req.Resource.Service != "http" || req.Resource.Action != "invoke" {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("the HTTP task runner does not run resource %s", req.Resource.ARN)}
	}
	if req.Resource.Pattern != "" {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("resource %s: HTTP Tasks support only the request-response pattern", req.Resource.ARN)}
	}
	p, err := parseParameters(req.Input)
	if err != nil {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: "HTTP Task parameters: " + err.Error()}
	}
	if err := inv.allowed.check(p.url); err != nil {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: err.Error()}
	}
	httpReq, err := p.request(ctx)
	if err != nil {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: "HTTP Task request: " + err.Error()}
	}
	if req.IdempotencyKey != "" && httpReq.Header.Get(IdempotencyKeyHeader) == "" {
		// The same for every run of one scheduling of the task (tasks run at least once), so
		// the endpoint can recognise a repeat after a crash.
		httpReq.Header.Set(IdempotencyKeyHeader, req.IdempotencyKey)
	}
	x, _ := ctx.Value(exchangeKey{}).(*Exchange)
	if x != nil {
		x.recordRequest(httpReq)
	}
	resp, err := inv.client.Do(httpReq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var refused *hostNotAllowedError
		if errors.As(err, &refused) {
			return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: refused.Error()}
		}
		return nil, &task.Error{Name: ErrorSocket, Cause: err.Error()}
	}
	out, err := readResponse(resp)
	if err != nil {
		return nil, &task.Error{Name: ErrorSocket, Cause: err.Error()}
	}
	if x != nil {
		x.recordResponse(resp, out.raw)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &task.Error{Name: fmt.Sprintf("%s%d", ErrorStatusCodePrefix, resp.StatusCode), Cause: out.cause()}
	}
	return out.value(), nil
}
