package api

import (
	"context"
	"net/http"
	"sort"
	"strconv"

	"github.com/stepflow/stepflow/task/httpinvoke"
)

// TestState's TRACE inspection of an HTTP Task (arn:aws:states:::http:invoke): the request
// the task runner sent and the response it got. Headers are shown as a JSON object of each
// header's values, names as sent or received; Stepflow adds no connection credentials to a
// request, so revealSecrets has nothing to reveal.

type inspectionRequest struct {
	Protocol string `json:"protocol,omitempty"`
	Method   string `json:"method,omitempty"`
	URL      string `json:"url,omitempty"`
	Headers  string `json:"headers,omitempty"`
	Body     string `json:"body,omitempty"`
}

type inspectionResponse struct {
	Protocol      string `json:"protocol,omitempty"`
	StatusCode    string `json:"statusCode,omitempty"`
	StatusMessage string `json:"statusMessage,omitempty"`
	Headers       string `json:"headers,omitempty"`
	Body          string `json:"body,omitempty"`
}

// httpExchange records the HTTP Task's exchange of one TestState run.
type httpExchange struct {
	x httpinvoke.Exchange
}

func withHTTPExchange(ctx context.Context) (context.Context, *httpExchange) {
	e := &httpExchange{}
	return httpinvoke.WithExchange(ctx, &e.x), e
}

// inspection is the request and response as TestState shows them; nil when no HTTP request
// was sent (or no response came back).
func (e *httpExchange) inspection() (*inspectionRequest, *inspectionResponse) {
	x := &e.x
	if x.Method == "" {
		return nil, nil
	}
	req := &inspectionRequest{Protocol: x.Scheme, Method: x.Method, URL: x.URL, Headers: headerText(x.RequestHeader), Body: string(x.RequestBody)}
	if !x.Responded {
		return req, nil
	}
	return req, &inspectionResponse{Protocol: x.Protocol, StatusCode: strconv.Itoa(x.StatusCode), StatusMessage: x.StatusText,
		Headers: headerText(x.ResponseHeader), Body: string(x.ResponseBody)}
}

// headerText is a header as a JSON object of each name's values, names sorted.
func headerText(h http.Header) string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	obj := make(map[string]any, len(h))
	for _, k := range names {
		values := make([]any, len(h[k]))
		for i, v := range h[k] {
			values[i] = v
		}
		obj[k] = values
	}
	return jsonText(obj)
}
