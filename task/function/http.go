package function

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// HTTP is a function served by an HTTP endpoint the operator configured: each invocation
// POSTs the payload as JSON and a 2xx response's body is the result. Any other status is a
// function error; its body is the error document when it is a JSON object, otherwise
// Stepflow writes one naming the status.
type HTTP struct {
	URL     string
	Headers map[string]string
	Timeout time.Duration // 0 = no limit but the task's own
	Client  *http.Client  // nil = http.DefaultClient
}

// Call POSTs the payload once.
func (h HTTP) Call(ctx context.Context, payload []byte) ([]byte, error) {
	if h.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("build request to %s: %w", h.URL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key := IdempotencyKey(ctx); key != "" {
		req.Header.Set(IdempotencyKeyHeader, key)
	}
	for k, v := range h.Headers {
		req.Header.Set(k, v)
	}
	resp, err := doRequest(h.Client, req)
	if err != nil {
		return nil, err
	}
	if resp.status < 200 || resp.status > 299 {
		return nil, &Error{Payload: errorDocument(resp.body, fmt.Sprintf("%s returned HTTP %d %s", h.URL, resp.status, http.StatusText(resp.status)))}
	}
	return resp.body, nil
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// doRequest sends req and reads the whole response.
func doRequest(client *http.Client, req *http.Request) (response, error) {
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("call %s: %w", req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return response{}, fmt.Errorf("read response of %s: %w", req.URL.Redacted(), err)
	}
	if len(body) > MaxResponseBytes {
		return response{}, responseTooLarge()
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// errorDocument returns body when it is a JSON object (a Lambda-style error document), and
// otherwise an {"errorType":"Error","errorMessage":...} document made of what and the body.
func errorDocument(body []byte, what string) []byte {
	trimmed := bytes.TrimSpace(body)
	var obj map[string]any
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &obj) == nil {
		return trimmed
	}
	msg := what
	if text := strings.TrimSpace(string(body)); text != "" {
		msg += ": " + text
	}
	return newErrorDocument("Error", msg)
}

// newErrorDocument writes a Lambda error document, fields in the order Command's use.
func newErrorDocument(errorType, message string) []byte {
	doc, _ := json.Marshal(struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}{errorType, message})
	return doc
}
