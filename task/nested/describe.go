package nested

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task"
)

// startOutput is the request-response answer: StartExecution's response as the AWS SDK for
// Java shapes it, dates as epoch milliseconds, with its HTTP metadata.
func startOutput(x *store.Execution) map[string]any {
	body := fmt.Sprintf(`{"executionArn":%q,"startDate":%.3f}`, x.ARN, float64(x.StartDate.UnixMilli())/1000)
	return map[string]any{
		"ExecutionArn": x.ARN,
		"StartDate":    epochMillis(x.StartDate),
		"SdkHttpMetadata": map[string]any{
			"AllHttpHeaders": map[string]any{
				"Content-Length": []any{fmt.Sprint(len(body))},
				"Content-Type":   []any{"application/x-amz-json-1.0"},
			},
			"HttpHeaders": map[string]any{
				"Content-Length": fmt.Sprint(len(body)),
				"Content-Type":   "application/x-amz-json-1.0",
			},
			"HttpStatusCode": float64(200),
		},
	}
}

// finished is the answer of a .sync task whose child ended: the child's DescribeExecution
// fields when it succeeded, else States.TaskFailed with those fields (and the child's Error
// and Cause) as JSON in the cause. objects (.sync:2) gives Input and Output as JSON values
// instead of JSON text.
func finished(x *store.Execution, objects bool) (any, error) {
	d := describe(x, objects)
	if x.Status == sfn.StatusSucceeded {
		return d, nil
	}
	if x.Error != "" {
		d["Error"] = x.Error
	}
	if x.Cause != "" {
		d["Cause"] = x.Cause
	}
	cause, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode child execution %s: %w", x.ARN, err)
	}
	return nil, &task.Error{Name: sfn.ErrorTaskFailed, Cause: string(cause)}
}

func describe(x *store.Execution, objects bool) map[string]any {
	d := map[string]any{
		"ExecutionArn":    x.ARN,
		"Input":           payload(x.Input, objects),
		"InputDetails":    map[string]any{"Included": true},
		"Name":            x.Name,
		"StartDate":       epochMillis(x.StartDate),
		"StateMachineArn": x.StateMachineARN,
		"Status":          string(x.Status),
	}
	if x.StopDate != nil {
		d["StopDate"] = epochMillis(*x.StopDate)
	}
	if x.Output != nil {
		d["Output"] = payload(*x.Output, objects)
		d["OutputDetails"] = map[string]any{"Included": true}
	}
	if x.StateMachineVersionARN != "" {
		d["StateMachineVersionArn"] = x.StateMachineVersionARN
	}
	if x.StateMachineAliasARN != "" {
		d["StateMachineAliasArn"] = x.StateMachineAliasARN
	}
	return d
}

// payload is a child's input or output: JSON text, or for .sync:2 the value it encodes.
func payload(text string, objects bool) any {
	if !objects {
		return text
	}
	v, err := jsonvalue.Decode([]byte(text)) // in document order
	if err != nil {
		return text
	}
	return v
}

func epochMillis(t time.Time) float64 { return float64(t.UnixMilli()) }
