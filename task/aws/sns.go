package aws

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// snsPublish is sns:publish, over SNS's query protocol. A Message that is not a string is
// sent as its JSON text, as AWS does. Errors are SNS.NAME (SNS.NotFoundException).
func snsPublish(ctx context.Context, c *caller, input any) (any, error) {
	out, resp, err := snsPublishCall(ctx, c, input, false)
	if err != nil {
		return nil, err
	}
	return c.withSDKMetadata(out, resp), nil
}

// snsPublishCall makes SNS's Publish call; sdkStyle names errors as aws-sdk:sns:publish does.
func snsPublishCall(ctx context.Context, c *caller, input any, sdkStyle bool) (map[string]any, *httpResponse, error) {
	params := copyObject(input)
	if m, ok := params["Message"]; ok && m != nil {
		if _, isString := m.(string); !isString {
			params["Message"] = jsonvalue.MarshalString(m)
		}
	}
	form := url.Values{"Action": {"Publish"}, "Version": {"2010-03-31"}}
	keys := sortedKeys(params)
	for _, k := range keys {
		if k == "MessageAttributes" {
			attrs, _ := params[k].(map[string]any)
			for i, name := range sortedKeys(attrs) {
				p := fmt.Sprintf("MessageAttributes.entry.%d.", i+1)
				form.Set(p+"Name", name)
				addQueryValue(form, p+"Value", attrs[name])
			}
			continue
		}
		addQueryValue(form, k, params[k])
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	resp, err := c.send(ctx, &httpRequest{method: http.MethodPost, path: "/", header: h, body: []byte(form.Encode())})
	if err != nil {
		return nil, nil, c.failure(err, sdkStyle)
	}
	if resp.status < 200 || resp.status > 299 {
		return nil, resp, c.serviceError(resp, parseXMLError(resp), sdkStyle)
	}
	var doc struct {
		Result struct {
			MessageID      string `xml:"MessageId"`
			SequenceNumber string `xml:"SequenceNumber"`
		} `xml:"PublishResult"`
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	if err := xml.Unmarshal(resp.body, &doc); err != nil || doc.Result.MessageID == "" {
		return nil, resp, c.failure(&transportError{fmt.Errorf("Unable to unmarshall response: the SNS Publish response has no MessageId: %.200q", resp.body)}, sdkStyle)
	}
	if resp.requestID == "" {
		resp.requestID = doc.RequestID
	}
	out := map[string]any{"MessageId": doc.Result.MessageID}
	if doc.Result.SequenceNumber != "" {
		out["SequenceNumber"] = doc.Result.SequenceNumber
	}
	return out, resp, nil
}

// addQueryValue flattens a parameter into query protocol fields: structures as
// NAME.Member, lists as NAME.member.N, scalars as their text.
func addQueryValue(form url.Values, name string, v any) {
	switch v := v.(type) {
	case nil:
	case map[string]any:
		for _, k := range sortedKeys(v) {
			addQueryValue(form, name+"."+k, v[k])
		}
	case []any:
		for i, e := range v {
			addQueryValue(form, fmt.Sprintf("%s.member.%d", name, i+1), e)
		}
	case string:
		form.Set(name, v)
	case bool:
		form.Set(name, strconv.FormatBool(v))
	case float64:
		form.Set(name, strconv.FormatFloat(v, 'f', -1, 64))
	default:
		form.Set(name, jsonvalue.MarshalString(v))
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
