package aws

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// caller makes the calls of one task: one service, one region, one role.
type caller struct {
	inv    *Invoker
	svc    *service
	region string
	role   string
}

// httpRequest is one request before signing.
type httpRequest struct {
	method string
	path   string // under the endpoint, escaped, starting with "/"
	query  url.Values
	header http.Header
	body   []byte
}

// httpResponse is a response read whole (up to the invoker's bound).
type httpResponse struct {
	status    int
	header    http.Header
	body      []byte
	requestID string
}

// endpointOverride is the configured endpoint of svc, its own or "*"'s; nil means AWS.
func (inv *Invoker) endpointOverride(svc *service) *url.URL {
	if u, ok := inv.endpoints[svc.name()]; ok {
		return u
	}
	return inv.endpoints["*"]
}

// endpoint is the base URL of svc in region.
func (inv *Invoker) endpoint(svc *service, region string) *url.URL {
	if u := inv.endpointOverride(svc); u != nil {
		return u
	}
	suffix := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	return &url.URL{Scheme: "https", Host: svc.endpointPrefix + "." + region + "." + suffix}
}

// transportError is a request that got no HTTP response, or one that could not be read.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }

// send signs and sends r and reads the response. An error is a *task.Error (credentials,
// bounds) or a *transportError.
func (c *caller) send(ctx context.Context, r *httpRequest) (*httpResponse, error) {
	base := c.inv.endpoint(c.svc, c.region)
	u := *base
	// r.path is escaped (an S3 key's spaces are %20): keep it as written.
	u.RawPath = base.EscapedPath() + r.path
	path, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return nil, &transportError{err}
	}
	u.Path = path
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), bytes.NewReader(r.body))
	if err != nil {
		return nil, &transportError{err}
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	creds, err := c.inv.creds.retrieve(ctx, c.role)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(r.body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), c.svc.signingName, c.region, c.inv.now()); err != nil {
		return nil, &transportError{fmt.Errorf("sign request: %w", err)}
	}
	resp, err := c.inv.client.Do(req)
	if err != nil {
		return nil, &transportError{err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.inv.maxBody+1))
	if err != nil {
		return nil, &transportError{fmt.Errorf("read response: %w", err)}
	}
	if int64(len(body)) > c.inv.maxBody {
		return nil, &task.Error{Name: sfn.ErrorTaskFailed, Cause: fmt.Sprintf("the %s response is larger than %d bytes, the most Stepflow reads", c.svc.name(), c.inv.maxBody)}
	}
	out := &httpResponse{status: resp.StatusCode, header: resp.Header, body: body}
	out.requestID = firstHeader(resp.Header, "X-Amzn-Requestid", "X-Amz-Request-Id")
	return out, nil
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// callJSON makes one AWS JSON protocol call (POST / with X-Amz-Target) and returns the
// decoded result (decodeResult), or the error the integration style names: optimized integrations as the
// AWS SDK for Java 1 names them, aws-sdk: ones as the AWS SDK for Java 2 does.
func (c *caller) callJSON(ctx context.Context, action string, params any, sdkStyle bool) (map[string]any, *httpResponse, error) {
	body, err := jsonvalue.Marshal(params)
	if err != nil {
		return nil, nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("encode %s parameters: %v", action, err)}
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-amz-json-"+c.svc.jsonVersion)
	h.Set("X-Amz-Target", c.svc.targetPrefix+"."+action)
	resp, err := c.send(ctx, &httpRequest{method: http.MethodPost, path: "/", header: h, body: body})
	if err != nil {
		return nil, nil, c.failure(err, sdkStyle)
	}
	if resp.status < 200 || resp.status > 299 {
		return nil, resp, c.serviceError(resp, parseJSONError(resp), sdkStyle)
	}
	if len(bytes.TrimSpace(resp.body)) == 0 {
		return map[string]any{}, resp, nil
	}
	m, ok, err := decodeResult(resp.body, c.svc)
	if err != nil || !ok {
		return nil, resp, c.failure(&transportError{fmt.Errorf("Unable to unmarshall response: the %s response to %s is not a JSON object: %.200q", c.svc.name(), action, resp.body)}, sdkStyle)
	}
	return m, resp, nil
}

// failure shapes an error that is not a service's error response: a transport failure is
// the SDK's client exception (SERVICE.SdkClientException), retryable as on AWS.
func (c *caller) failure(err error, sdkStyle bool) error {
	te, ok := err.(*transportError)
	if !ok {
		return err
	}
	prefix := c.svc.integrationName
	if sdkStyle || prefix == "" {
		prefix = c.svc.sdkName
	}
	return &task.Error{Name: prefix + ".SdkClientException", Cause: "Unable to execute HTTP request: " + te.err.Error()}
}

// errorDetail is what a service said went wrong.
type errorDetail struct {
	code      string // e.g. ConditionalCheckFailedException, QueueDoesNotExist, NotFound
	queryCode string // the query protocol's code when the service gives one (SQS's AWS.SimpleQueueService.NonExistentQueue)
	message   string
}

// parseJSONError reads an AWS JSON protocol error: X-Amzn-ErrorType or __type, then message.
func parseJSONError(resp *httpResponse) errorDetail {
	var doc struct {
		Type        string `json:"__type"`
		Code        string `json:"code"`
		Message     string `json:"message"`
		MessageCaps string `json:"Message"`
		ErrorMsg    string `json:"errorMessage"`
	}
	_ = json.Unmarshal(resp.body, &doc)
	code := resp.header.Get("X-Amzn-Errortype")
	if code == "" {
		code = doc.Type
	}
	if code == "" {
		code = doc.Code
	}
	d := errorDetail{code: cleanErrorCode(code), message: firstNonEmpty(doc.Message, doc.MessageCaps, doc.ErrorMsg)}
	if q := resp.header.Get("X-Amzn-Query-Error"); q != "" {
		d.queryCode, _, _ = strings.Cut(q, ";")
	}
	if d.message == "" {
		d.message = strings.TrimSpace(string(resp.body))
		if len(d.message) > 512 {
			d.message = d.message[:512]
		}
	}
	return d
}

// parseXMLError reads a query protocol error: <ErrorResponse><Error><Code>.
func parseXMLError(resp *httpResponse) errorDetail {
	var doc struct {
		Error struct {
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		} `xml:"Error"`
		RequestID string `xml:"RequestId"`
	}
	_ = xml.Unmarshal(resp.body, &doc)
	if resp.requestID == "" {
		resp.requestID = doc.RequestID
	}
	d := errorDetail{code: doc.Error.Code, message: doc.Error.Message}
	if d.message == "" && d.code == "" {
		d.message = strings.TrimSpace(string(resp.body))
		if len(d.message) > 512 {
			d.message = d.message[:512]
		}
	}
	return d
}

// cleanErrorCode strips a type's namespace and URL: "com.amazonaws.dynamodb.v20120810#X" and
// "X:http://internal.amazon.com/coral/..." are X.
func cleanErrorCode(code string) string {
	if i := strings.LastIndex(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	if i := strings.Index(code, ":"); i >= 0 {
		code = code[:i]
	}
	return strings.TrimSpace(code)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// unmodeledErrors are the errors every AWS service may answer that its API model does not
// list; the AWS SDKs raise them as the service's generic exception, and so Step Functions
// names them: DynamoDB.AmazonDynamoDBException, DynamoDb.DynamoDbException.
var unmodeledErrors = map[string]bool{
	"AccessDeniedException": true, "IncompleteSignature": true, "InternalFailure": true, "InvalidAction": true,
	"InvalidClientTokenId": true, "InvalidSignatureException": true, "MissingAuthenticationToken": true,
	"MissingAuthenticationTokenException": true, "MissingParameter": true, "MissingAction": true,
	"MalformedQueryString": true, "NotAuthorized": true, "OptInRequired": true, "RequestExpired": true,
	"ServiceUnavailable": true, "ThrottlingException": true, "Throttling": true, "ValidationError": true,
	"ValidationException": true, "UnrecognizedClientException": true, "SerializationException": true,
	"UnknownOperationException": true, "InvalidParameterCombination": true, "InvalidQueryParameter": true,
	"InvalidParameterValue": true, "ExpiredTokenException": true, "AccessDenied": true,
}

// serviceError names a service's error response as Step Functions does.
func (c *caller) serviceError(resp *httpResponse, d errorDetail, sdkStyle bool) error {
	code := d.code
	if code == "" {
		code = fmt.Sprintf("Http%d", resp.status)
	}
	if sdkStyle || c.svc.integrationName == "" {
		name := c.svc.sdkName + "." + exceptionName(code)
		if unmodeledErrors[code] {
			name = c.svc.sdkName + "." + c.svc.sdkName + "Exception"
		}
		// The AWS SDK for Java 2 ends its messages with the attempts it made; Stepflow makes one.
		return &task.Error{Name: name, Cause: fmt.Sprintf("%s (Service: %s, Status Code: %d, Request ID: %s) (SDK Attempt Count: 1)", d.message, c.svc.sdkName, resp.status, resp.requestID)}
	}
	name := c.svc.integrationName + "." + exceptionName(code)
	if unmodeledErrors[code] {
		name = c.svc.integrationName + "." + c.svc.javaException
	}
	wireCode := code
	if d.queryCode != "" {
		wireCode = d.queryCode
	}
	return &task.Error{Name: name, Cause: fmt.Sprintf("%s (Service: %s; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)", d.message, c.svc.javaName, resp.status, wireCode, resp.requestID)}
}

// exceptionName adds the Exception suffix Step Functions puts on every service error name.
func exceptionName(code string) string {
	if strings.HasSuffix(code, "Exception") {
		return code
	}
	return code + "Exception"
}

// callRESTJSON makes one REST-JSON protocol call (Batch, Lambda: METHOD PATH with a JSON
// body) and returns the decoded result, or the error the integration style names.
func (c *caller) callRESTJSON(ctx context.Context, method, path string, params any, sdkStyle bool) (map[string]any, *httpResponse, error) {
	var body []byte
	if params != nil {
		var err error
		if body, err = jsonvalue.Marshal(params); err != nil {
			return nil, nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("encode %s %s parameters: %v", method, path, err)}
		}
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	resp, err := c.send(ctx, &httpRequest{method: method, path: path, header: h, body: body})
	if err != nil {
		return nil, nil, c.failure(err, sdkStyle)
	}
	if resp.status < 200 || resp.status > 299 {
		return nil, resp, c.serviceError(resp, parseJSONError(resp), sdkStyle)
	}
	if len(bytes.TrimSpace(resp.body)) == 0 {
		return map[string]any{}, resp, nil
	}
	m, ok, err := decodeResult(resp.body, c.svc)
	if err != nil || !ok {
		return nil, resp, c.failure(&transportError{fmt.Errorf("Unable to unmarshall response: the %s response to %s %s is not a JSON object: %.200q", c.svc.name(), method, path, resp.body)}, sdkStyle)
	}
	return m, resp, nil
}
