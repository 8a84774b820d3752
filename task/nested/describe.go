package nested

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task"
)

// startOutput is the request-response answer: StartExecution's response as the AWS SDK for
// Java shapes it, dates as epoch milliseconds, with its HTTP metadata, in the order recorded
// on AWS (ExecutionArn, SdkHttpMetadata, SdkResponseMetadata, StartDate; the headers as
// task.SDKHTTPMetadata orders them).
func startOutput(x *store.Execution) map[string]any {
	body := fmt.Sprintf(`{"executionArn":%q,"startDate":%.3f}`, x.ARN, float64(x.StartDate.UnixMilli())/1000)
	reqID := requestID()
	values := map[string][]string{
		"x-amzn-RequestId": {reqID},
		"connection":       {"keep-alive"},
		"Content-Length":   {fmt.Sprint(len(body))},
		"Date":             {x.StartDate.UTC().Format(http.TimeFormat)},
		"Content-Type":     {"application/x-amz-json-1.0"},
	}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	return map[string]any{
		"ExecutionArn":        x.ARN,
		"StartDate":           epochMillis(x.StartDate),
		"SdkHttpMetadata":     task.SDKHTTPMetadata(names, values, http.StatusOK),
		"SdkResponseMetadata": jsonvalue.ObjectOf("RequestId", reqID),
	}
}

// requestID is a request id as Step Functions' x-amzn-RequestId gives it: a random UUID.
func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
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
