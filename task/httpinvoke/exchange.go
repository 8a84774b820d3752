package httpinvoke

import (
	"context"
	"io"
	"net/http"
)

// Exchange is the request an HTTP Task sent and the response it got, as TestState shows
// them at its TRACE inspection level. Invoke fills it in when its context carries it
// (WithExchange); the last request of a task wins.
type Exchange struct {
	Method, URL, Scheme string
	RequestHeader       http.Header
	RequestBody         []byte

	Responded      bool
	Protocol       string // of the response, e.g. "HTTP/1.1"
	StatusCode     int
	StatusText     string
	ResponseHeader http.Header
	ResponseBody   []byte
}

type exchangeKey struct{}

// WithExchange returns a context under which Invoke records its request and response in x.
func WithExchange(ctx context.Context, x *Exchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, x)
}

func (x *Exchange) recordRequest(req *http.Request) {
	x.Method, x.URL, x.Scheme = req.Method, req.URL.String(), req.URL.Scheme
	x.RequestHeader = req.Header.Clone()
	x.RequestBody = nil
	if req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			x.RequestBody, _ = io.ReadAll(body)
			body.Close()
		}
	}
}

func (x *Exchange) recordResponse(resp *http.Response, body []byte) {
	x.Responded = true
	x.Protocol, x.StatusCode, x.StatusText = resp.Proto, resp.StatusCode, statusText(resp)
	x.ResponseHeader = resp.Header.Clone()
	x.ResponseBody = body
}
