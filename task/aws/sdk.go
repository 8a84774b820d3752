package aws

import (
	"context"
	"unicode"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/task"
)

// sdkCall is arn:aws:states:::aws-sdk:SERVICE:ACTION for a service speaking the AWS JSON
// protocol: the PascalCase parameters are the request, the response is the result, errors
// are SdkName.NAME with the AWS SDK for Java 2's cause.
//
// Services whose wire members are camelCase (Step Functions, ECS, CloudWatch Logs...) get
// their keys converted both ways. Without the services' models the conversion cannot tell
// a member from a key of a free-form map (tags as a map, ECS dockerLabels): those keys get
// their first letter's case changed too.
func (c *caller) sdkCall(ctx context.Context, action string, input any) (any, error) {
	params := input
	if params == nil {
		params = map[string]any{}
	}
	params = implicitJSON(c.svc.name(), params)
	if c.svc.camelMembers {
		params = convertKeys(params, lowerFirst)
	}
	out, _, err := c.callJSON(ctx, upperFirst(action), params, true)
	if err != nil {
		return nil, err
	}
	if c.svc.camelMembers {
		return sdkTimestamps(convertKeys(out, upperFirst)), nil
	}
	return sdkTimestamps(out), nil
}

func convertKeys(v any, conv func(string) string) any {
	switch v := v.(type) {
	case *jsonvalue.Object:
		out := jsonvalue.NewObject(v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Set(conv(v.KeyAt(i)), convertKeys(v.ValueAt(i), conv))
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[conv(k)] = convertKeys(e, conv)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = convertKeys(e, conv)
		}
		return out
	}
	return v
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// implicitJSON serialises the string members AWS lets a definition give as JSON values:
// Step Functions' Input and Output, an SQS MessageBody, an SNS Message, EventBridge
// entries' Detail.
func implicitJSON(service string, params any) any {
	m, ok := params.(map[string]any)
	if !ok {
		return params
	}
	switch service {
	case "states":
		m = copyObject(m)
		for _, k := range []string{"Input", "Output"} {
			stringifyMember(m, k)
		}
	case "sqs":
		m = copyObject(m)
		stringifyMember(m, "MessageBody")
	case "sns":
		m = copyObject(m)
		stringifyMember(m, "Message")
	case "events":
		m = withDetailsAsText(m)
	}
	return m
}

// withOrderedJSONMembers returns req with the members implicitJSON sends as JSON text taken
// from the engine's ordered input (task.Request.OrderedInput), so that the text has the
// keys in the order the state built them, as AWS writes it, not sorted as Go maps are.
func withOrderedJSONMembers(service string, req *task.Request) *task.Request {
	in, isMap := req.Input.(map[string]any)
	if req.OrderedInput == nil || !isMap {
		return req
	}
	var members []string
	switch service {
	case "states":
		members = []string{"Input", "Output"}
	case "sqs":
		members = []string{"MessageBody"}
	case "sns":
		members = []string{"Message"}
	case "events":
		entries, ok := in["Entries"].([]any)
		orderedEntries, _ := field(req.OrderedInput, "Entries").([]any)
		if !ok || len(orderedEntries) != len(entries) {
			return req
		}
		out := make([]any, len(entries))
		for i, e := range entries {
			out[i] = e
			if entry, ok := e.(map[string]any); ok {
				if detail := field(orderedEntries[i], "Detail"); isJSONValue(detail) {
					entry = copyObject(entry)
					entry["Detail"] = detail
					out[i] = entry
				}
			}
		}
		in = copyObject(in)
		in["Entries"] = out
	}
	copied := false
	for _, k := range members {
		if v := field(req.OrderedInput, k); isJSONValue(v) {
			if !copied {
				in, copied = copyObject(in), true
			}
			in[k] = v
		}
	}
	plain := *req
	plain.Input = in
	return &plain
}

// isJSONValue reports whether v is what stringifyMember writes as JSON text: neither absent
// nor a string.
func isJSONValue(v any) bool {
	_, isString := v.(string)
	return v != nil && !isString
}

// stringifyMember replaces m[key] by its JSON text unless it is a string or absent.
func stringifyMember(m map[string]any, key string) {
	if v, ok := m[key]; ok && v != nil {
		if _, isString := v.(string); !isString {
			m[key] = jsonvalue.MarshalString(v)
		}
	}
}
