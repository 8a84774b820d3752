package api

import (
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

func TestEncodeHistoryEvent(t *testing.T) {
	t.Parallel()
	ev := &sfn.HistoryEvent{
		Timestamp: time.Date(2026, 11, 25, 17, 0, 0, 123_000_000, time.UTC),
		Type:      "ExecutionStarted",
		ID:        1,
		ExecutionStartedEventDetails: &sfn.ExecutionStartedDetails{
			Input: &sfn.Payload{Value: map[string]any{"a": 1.0}}, InputDetails: &sfn.Truncation{}, RoleArn: "arn:aws:iam::123456789012:role/r",
		},
	}
	tests := []struct {
		withData bool
		want     string
	}{
		{true, `{"type":"ExecutionStarted","id":1,"previousEventId":0,"executionStartedEventDetails":{"input":"{\"a\":1}","inputDetails":{"truncated":false},"roleArn":"arn:aws:iam::123456789012:role/r"},"timestamp":1795626000.123}`},
		{false, `{"type":"ExecutionStarted","id":1,"previousEventId":0,"executionStartedEventDetails":{"inputDetails":{"truncated":false},"roleArn":"arn:aws:iam::123456789012:role/r"},"timestamp":1795626000.123}`},
	}
	for _, tt := range tests {
		got, err := encodeHistoryEvent(ev, tt.withData)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("withData=%v:\n got %s\nwant %s", tt.withData, got, tt.want)
		}
	}
}
