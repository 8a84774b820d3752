package aws

import (
	"context"

	"github.com/stepflow/stepflow/task"
)

// eventsPutEvents is events:putEvents. An entry's Detail may be an object, sent as its JSON
// text. When some entries fail the task fails with EventBridge.FailedEntry and the whole
// response as its cause, as AWS does; the result has no SDK metadata.
func eventsPutEvents(ctx context.Context, c *caller, input any) (any, error) {
	params := withDetailsAsText(copyObject(input))
	result, _, err := c.callJSON(ctx, "PutEvents", params, false)
	if err != nil {
		return nil, err
	}
	if n, _ := result["FailedEntryCount"].(float64); n > 0 {
		return nil, &task.Error{Name: "EventBridge.FailedEntry", Cause: c.causeText(result)}
	}
	return result, nil
}

// withDetailsAsText returns params with each entry's Detail as JSON text.
func withDetailsAsText(params map[string]any) map[string]any {
	entries, ok := params["Entries"].([]any)
	if !ok {
		return params
	}
	params = copyObject(params)
	out := make([]any, len(entries))
	for i, e := range entries {
		entry, isObject := e.(map[string]any)
		if !isObject {
			out[i] = e
			continue
		}
		entry = copyObject(entry)
		stringifyMember(entry, "Detail")
		out[i] = entry
	}
	params["Entries"] = out
	return params
}
