package aws

import (
	"reflect"
	"testing"
)

func TestSDKTimestamps(t *testing.T) {
	t.Parallel()
	in := map[string]any{
		"Table": map[string]any{
			"CreationDateTime": 1700000000.123, "ItemCount": 0.0, "TableSizeBytes": 1700000000.0,
			"ProvisionedThroughput": map[string]any{"LastIncreaseDateTime": 1700000000.0, "ReadCapacityUnits": 5.0},
		},
		"Executions": []any{map[string]any{"StartDate": 1.7e9, "StopDate": nil}},
		// CloudWatch Logs' creationTime is epoch milliseconds, a long in its model.
		"LogGroups":    []any{map[string]any{"CreationTime": 1700000000123.0}},
		"LastModified": 1700000000.5,
		"Name":         "CreatedAt",
		"Timeout":      1700000000.0, // not a timestamp's name
		"CreatedAt":    "2023-11-14T22:13:20Z",
	}
	want := map[string]any{
		"Table": map[string]any{
			"CreationDateTime": "2023-11-14T22:13:20.123Z", "ItemCount": 0.0, "TableSizeBytes": 1700000000.0,
			"ProvisionedThroughput": map[string]any{"LastIncreaseDateTime": "2023-11-14T22:13:20Z", "ReadCapacityUnits": 5.0},
		},
		"Executions":   []any{map[string]any{"StartDate": "2023-11-14T22:13:20Z", "StopDate": nil}},
		"LogGroups":    []any{map[string]any{"CreationTime": 1700000000123.0}},
		"LastModified": "2023-11-14T22:13:20.500Z",
		"Name":         "CreatedAt",
		"Timeout":      1700000000.0,
		"CreatedAt":    "2023-11-14T22:13:20Z",
	}
	if got := sdkTimestamps(in); !reflect.DeepEqual(got, want) {
		t.Errorf("sdkTimestamps:\n got %v\nwant %v", got, want)
	}
}

func TestOptimizedTimestamps(t *testing.T) {
	t.Parallel()
	in := map[string]any{"CreatedAt": 1700000000.123, "Containers": []any{map[string]any{"ExitCode": 0.0}}, "StoppedAt": 1700000001.0, "Version": 5.0}
	want := map[string]any{"CreatedAt": 1700000000123.0, "Containers": []any{map[string]any{"ExitCode": 0.0}}, "StoppedAt": 1700000001000.0, "Version": 5.0}
	if got := optimizedTimestamps(in); !reflect.DeepEqual(got, want) {
		t.Errorf("optimizedTimestamps:\n got %v\nwant %v", got, want)
	}
}
