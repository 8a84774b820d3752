package aws

import "context"

// dynamoDBCall is an optimized DynamoDB integration (getItem, putItem, updateItem,
// deleteItem): the parameters are the API's request, the result the API's response with
// the SDK metadata beside it, errors DynamoDB.NAME.
func dynamoDBCall(action string) func(ctx context.Context, c *caller, input any) (any, error) {
	return func(ctx context.Context, c *caller, input any) (any, error) {
		if input == nil {
			input = map[string]any{}
		}
		out, resp, err := c.callJSON(ctx, action, input, false)
		if err != nil {
			return nil, err
		}
		return c.withSDKMetadata(out, resp), nil
	}
}
