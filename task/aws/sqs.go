package aws

import "context"

// sqsSendMessage is sqs:sendMessage. A MessageBody that is not a string (an object built by
// Parameters) is sent as its JSON text, as AWS does; the call uses SQS's JSON protocol.
func sqsSendMessage(ctx context.Context, c *caller, input any) (any, error) {
	params := copyObject(input)
	stringifyMember(params, "MessageBody")
	out, resp, err := c.callJSON(ctx, "SendMessage", params, false)
	if err != nil {
		return nil, err
	}
	return c.withSDKMetadata(out, resp), nil
}

// copyObject is a shallow copy of an object parameter (nil or a non-object gives {}), so
// rewriting a field never changes the state's value.
func copyObject(input any) map[string]any {
	m, _ := input.(map[string]any)
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
