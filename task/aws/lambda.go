package aws

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/task/function"
)

type roleKey struct{}

// Lambda returns the invoker of Lambda resources (function ARNs and lambda:invoke): the
// registry's own functions run as configured; any other function is invoked on AWS Lambda
// (or the lambda endpoint), signed, when lambda is allowed, and otherwise fails as a
// missing function does (Lambda.ResourceNotFoundException). The registry keeps shaping
// results and errors, so both paths give a definition the same shapes.
func (inv *Invoker) Lambda(registry *function.Registry) task.Invoker {
	svc := lookupService("lambda")
	registry.SetRemote(func(ctx context.Context, name, qualifier, region string) function.Function {
		if !inv.allowed.allows(svc, "invoke") {
			return nil
		}
		if region == "" {
			region = inv.region
		}
		role, _ := ctx.Value(roleKey{}).(string)
		c := &caller{inv: inv, svc: svc, region: region, role: role}
		return remoteLambda{c: c, endpoint: function.LambdaEndpoint{
			URL:          inv.endpoint(svc, region).String(),
			FunctionName: name,
			Qualifier:    qualifier,
			Client:       &http.Client{Transport: signingTransport{c: c}, Timeout: inv.client.Timeout},
		}}
	})
	return task.InvokerFunc(func(ctx context.Context, req *task.Request) (any, error) {
		if role := inv.role(req); role != "" {
			ctx = context.WithValue(ctx, roleKey{}, role)
		}
		return registry.Invoke(ctx, req)
	})
}

// remoteLambda is a function on AWS Lambda. A request that got no answer is
// Lambda.SdkClientException, as on AWS, which Retry can match.
type remoteLambda struct {
	c        *caller
	endpoint function.LambdaEndpoint
}

func (l remoteLambda) Call(ctx context.Context, payload []byte) ([]byte, error) {
	resp, err := l.InvokeWithOptions(ctx, payload, function.InvokeOptions{})
	return resp.Payload, err
}

// InvokeWithOptions passes lambda:invoke's InvocationType, LogType and ClientContext to
// Lambda, which queues Event invocations itself.
func (l remoteLambda) InvokeWithOptions(ctx context.Context, payload []byte, opts function.InvokeOptions) (function.InvokeResponse, error) {
	resp, err := l.endpoint.InvokeWithOptions(ctx, payload, opts)
	var fe *function.Error
	var te *task.Error
	switch {
	case err == nil || errors.As(err, &fe):
		return resp, err
	case errors.As(err, &te):
		return resp, te // no credentials: the cause says so, not a transport failure
	}
	return resp, &task.Error{Name: "Lambda.SdkClientException", Cause: "Unable to execute HTTP request: " + err.Error()}
}

// signingTransport signs each request with SigV4 for the caller's service and region.
type signingTransport struct{ c *caller }

func (t signingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	signed := req.Clone(req.Context())
	signed.Body = io.NopCloser(bytes.NewReader(body))
	signed.ContentLength = int64(len(body))
	creds, err := t.c.inv.creds.retrieve(req.Context(), t.c.role)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(req.Context(), creds, signed, hex.EncodeToString(sum[:]), t.c.svc.signingName, t.c.region, t.c.inv.now()); err != nil {
		return nil, fmt.Errorf("sign request: %w", err)
	}
	base := t.c.inv.client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(signed)
}
