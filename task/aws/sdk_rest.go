package aws

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// sdkOtherCall is arn:aws:states:::aws-sdk:SERVICE:ACTION for the services that do not speak
// the AWS JSON protocol: Batch (REST-JSON, every action), Lambda (invoke, getFunction), SNS
// (publish, query protocol) and S3 (getObject, putObject, listObjectsV2, deleteObject,
// REST-XML). Blobs (S3 Body, Lambda Payload) come back as strings, as AWS's aws-sdk
// integrations give them.
func (c *caller) sdkOtherCall(ctx context.Context, action string, input any) (any, error) {
	switch c.svc.name() + ":" + strings.ToLower(action) {
	case "sns:publish":
		out, _, err := snsPublishCall(ctx, c, input, true)
		return out, err
	case "lambda:invoke":
		return lambdaSDKInvoke(ctx, c, copyObject(input))
	case "lambda:getfunction":
		params := copyObject(input)
		q := url.Values{}
		if v, ok := params["Qualifier"].(string); ok {
			q.Set("Qualifier", v)
		}
		out, _, err := c.callREST(ctx, http.MethodGet, "/2015-03-31/functions/"+url.PathEscape(fmt.Sprint(params["FunctionName"])), q, nil, nil)
		return out, err
	case "s3:getobject", "s3:putobject", "s3:listobjectsv2", "s3:deleteobject":
		return s3SDKCall(ctx, c, strings.ToLower(action), copyObject(input))
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
	v, err := jsonvalue.Unmarshal(resp.body)
	m, ok := v.(map[string]any)
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

// s3ObjectPath is the path of an object (or, with key "", a bucket): path-style on a
// configured endpoint, which is what LocalStack and moto serve; on AWS the bucket is in the
// host name (virtual-hosted style) — see s3Host.
func (c *caller) s3ObjectPath(bucket, key string) string {
	segments := strings.Split(key, "/")
	for i, s := range segments {
		segments[i] = url.PathEscape(s)
	}
	escaped := strings.Join(segments, "/")
	if c.inv.endpointOverride(c.svc) != nil {
		if key == "" {
			return "/" + url.PathEscape(bucket)
		}
		return "/" + url.PathEscape(bucket) + "/" + escaped
	}
	return "/" + escaped
}

// s3SDKCall is aws-sdk:s3:getObject, putObject, listObjectsV2 and deleteObject.
func s3SDKCall(ctx context.Context, c *caller, action string, params map[string]any) (any, error) {
	bucket, _ := params["Bucket"].(string)
	key, _ := params["Key"].(string)
	if bucket == "" || (action != "listobjectsv2" && key == "") {
		return nil, &task.Error{Name: "S3.S3Exception", Cause: "Bucket and Key are required (Service: S3, Status Code: 400, Request ID: null) (SDK Attempt Count: 1)"}
	}
	sc := *c
	if c.inv.endpointOverride(c.svc) == nil {
		sc.bucketHost = bucket
	}
	h := http.Header{}
	var (
		method = http.MethodGet
		body   []byte
		q      = url.Values{}
		path   = sc.s3ObjectPath(bucket, key)
	)
	switch action {
	case "putobject":
		method = http.MethodPut
		switch b := params["Body"].(type) {
		case nil:
		case string:
			body = []byte(b)
		default:
			body = []byte(jsonvalue.MarshalString(b))
		}
		if v, ok := params["ContentType"].(string); ok {
			h.Set("Content-Type", v)
		}
		if meta, ok := params["Metadata"].(map[string]any); ok {
			for k, v := range meta {
				h.Set("X-Amz-Meta-"+k, fmt.Sprint(v))
			}
		}
	case "deleteobject":
		method = http.MethodDelete
	case "listobjectsv2":
		path = sc.s3ObjectPath(bucket, "")
		q.Set("list-type", "2")
		for member, name := range map[string]string{"Prefix": "prefix", "Delimiter": "delimiter", "ContinuationToken": "continuation-token", "StartAfter": "start-after", "MaxKeys": "max-keys"} {
			if v, ok := params[member]; ok && v != nil {
				q.Set(name, strings.TrimSuffix(fmt.Sprint(v), ".0"))
			}
		}
	}
	resp, err := sc.send(ctx, &httpRequest{method: method, path: path, query: q, header: h, body: body})
	if err != nil {
		return nil, c.failure(err, true)
	}
	if resp.status < 200 || resp.status > 299 {
		d := parseS3Error(resp)
		return nil, c.serviceError(resp, d, true)
	}
	out := map[string]any{}
	headerMembers := map[string]string{"Etag": "ETag", "Content-Type": "ContentType", "Last-Modified": "LastModified",
		"X-Amz-Version-Id": "VersionId", "X-Amz-Delete-Marker": "DeleteMarker", "Content-Length": "ContentLength"}
	switch action {
	case "getobject":
		for header, member := range headerMembers {
			if v := resp.header.Get(header); v != "" {
				out[member] = v
			}
		}
		if n, err := strconv.ParseFloat(resp.header.Get("Content-Length"), 64); err == nil {
			out["ContentLength"] = n
		}
		meta := map[string]any{}
		for k, vs := range resp.header {
			if strings.HasPrefix(k, "X-Amz-Meta-") && len(vs) > 0 {
				meta[strings.ToLower(strings.TrimPrefix(k, "X-Amz-Meta-"))] = vs[0]
			}
		}
		out["Metadata"] = meta
		out["Body"] = string(resp.body)
	case "putobject":
		if v := resp.header.Get("Etag"); v != "" {
			out["ETag"] = v
		}
		if v := resp.header.Get("X-Amz-Version-Id"); v != "" {
			out["VersionId"] = v
		}
	case "deleteobject":
		if v := resp.header.Get("X-Amz-Delete-Marker"); v != "" {
			out["DeleteMarker"] = v == "true"
		}
	case "listobjectsv2":
		return parseListObjectsV2(c, resp)
	}
	return out, nil
}

func parseS3Error(resp *httpResponse) errorDetail {
	var doc struct {
		Code      string `xml:"Code"`
		Message   string `xml:"Message"`
		RequestID string `xml:"RequestId"`
	}
	_ = xml.Unmarshal(resp.body, &doc)
	if resp.requestID == "" {
		resp.requestID = doc.RequestID
	}
	d := errorDetail{code: doc.Code, message: doc.Message}
	if d.code == "" {
		d.code = strings.ReplaceAll(http.StatusText(resp.status), " ", "") // a HEAD-like answer without a body
	}
	return d
}

// parseListObjectsV2 turns ListBucketResult into the SDK's shape.
func parseListObjectsV2(c *caller, resp *httpResponse) (any, error) {
	var doc struct {
		Name                  string `xml:"Name"`
		Prefix                string `xml:"Prefix"`
		Delimiter             string `xml:"Delimiter"`
		MaxKeys               int    `xml:"MaxKeys"`
		KeyCount              int    `xml:"KeyCount"`
		IsTruncated           bool   `xml:"IsTruncated"`
		ContinuationToken     string `xml:"ContinuationToken"`
		NextContinuationToken string `xml:"NextContinuationToken"`
		StartAfter            string `xml:"StartAfter"`
		Contents              []struct {
			Key          string `xml:"Key"`
			LastModified string `xml:"LastModified"`
			ETag         string `xml:"ETag"`
			Size         int64  `xml:"Size"`
			StorageClass string `xml:"StorageClass"`
		} `xml:"Contents"`
		CommonPrefixes []struct {
			Prefix string `xml:"Prefix"`
		} `xml:"CommonPrefixes"`
	}
	if err := xml.Unmarshal(resp.body, &doc); err != nil {
		return nil, c.failure(&transportError{fmt.Errorf("Unable to unmarshall response: %v", err)}, true)
	}
	out := map[string]any{"Name": doc.Name, "Prefix": doc.Prefix, "MaxKeys": float64(doc.MaxKeys),
		"KeyCount": float64(doc.KeyCount), "IsTruncated": doc.IsTruncated}
	contents := []any{}
	for _, o := range doc.Contents {
		contents = append(contents, map[string]any{"Key": o.Key, "LastModified": o.LastModified, "ETag": o.ETag,
			"Size": float64(o.Size), "StorageClass": o.StorageClass})
	}
	if len(contents) > 0 {
		out["Contents"] = contents
	}
	if len(doc.CommonPrefixes) > 0 {
		var prefixes []any
		for _, p := range doc.CommonPrefixes {
			prefixes = append(prefixes, map[string]any{"Prefix": p.Prefix})
		}
		out["CommonPrefixes"] = prefixes
	}
	for k, v := range map[string]string{"Delimiter": doc.Delimiter, "ContinuationToken": doc.ContinuationToken,
		"NextContinuationToken": doc.NextContinuationToken, "StartAfter": doc.StartAfter} {
		if v != "" {
			out[k] = v
		}
	}
	return out, nil
}
