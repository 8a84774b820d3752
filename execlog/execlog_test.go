package execlog

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

func history() []*sfn.HistoryEvent {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	return []*sfn.HistoryEvent{
		{ID: 1, Type: sfn.EventExecutionStarted, Timestamp: at, ExecutionStartedEventDetails: &sfn.ExecutionStartedDetails{Input: &sfn.Payload{Value: map[string]any{"secret": "s"}}, RoleArn: "arn:aws:iam::1:role/r"}},
		{ID: 2, PreviousEventID: 1, Type: sfn.EventTaskStateEntered, Timestamp: at, StateEnteredEventDetails: &sfn.StateEnteredDetails{Name: "T", Input: &sfn.Payload{Value: map[string]any{}}}},
		{ID: 3, PreviousEventID: 2, Type: sfn.EventTaskFailed, Timestamp: at, TaskFailedEventDetails: &sfn.TaskErrorDetails{ResourceType: "lambda", Resource: "invoke", Error: "Boom", Cause: "bad"}},
		{ID: 4, PreviousEventID: 3, Type: sfn.EventExecutionFailed, Timestamp: at, ExecutionFailedEventDetails: &sfn.ErrorDetails{Error: "Boom", Cause: "bad"}},
	}
}

func TestLevelsSelectEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		level string
		want  []string
	}{
		{"ALL", []string{"ExecutionStarted", "TaskStateEntered", "TaskFailed", "ExecutionFailed"}},
		{"ERROR", []string{"TaskFailed", "ExecutionFailed"}},
		{"FATAL", []string{"ExecutionFailed"}},
		{"OFF", nil},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			w := NewWriter(dir)
			defer w.Close()
			cfg, err := ParseConfig(`{"level":"` + tt.level + `","includeExecutionData":false,"destinations":[{"cloudWatchLogsLogGroup":{"logGroupArn":"arn:aws:logs:us-east-1:1:log-group:/aws/states/orders:*"}}]}`)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(cfg, "arn:aws:states:us-east-1:1:execution:m:e", history()); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(dir, "aws_states_orders.jsonl"))
			if tt.want == nil {
				if !os.IsNotExist(err) {
					t.Fatalf("OFF wrote a file: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(tt.want), data)
			}
			for i, typ := range tt.want {
				if !strings.Contains(lines[i], `"type":"`+typ+`"`) {
					t.Errorf("line %d = %s, want type %s", i, lines[i], typ)
				}
			}
		})
	}
}

func TestRecordShapeAndExecutionData(t *testing.T) {
	t.Parallel()
	for _, include := range []bool{false, true} {
		dir := t.TempDir()
		w := NewWriter(dir)
		cfg := Config{Level: "ALL", IncludeExecutionData: include}
		if err := w.Write(cfg, "arn:x", history()[:1]); err != nil {
			t.Fatal(err)
		}
		w.Close()
		data, _ := os.ReadFile(filepath.Join(dir, "default.jsonl"))
		line := strings.TrimSpace(string(data))
		want := `{"id":"1","type":"ExecutionStarted","details":{"roleArn":"arn:aws:iam::1:role/r"},"previous_event_id":"0","event_timestamp":"1767323045006","execution_arn":"arn:x"}`
		if include {
			want = `{"id":"1","type":"ExecutionStarted","details":{"input":"{\"secret\":\"s\"}","roleArn":"arn:aws:iam::1:role/r"},"previous_event_id":"0","event_timestamp":"1767323045006","execution_arn":"arn:x"}`
		}
		if line != want {
			t.Errorf("include=%v:\n got %s\nwant %s", include, line, want)
		}
	}
}

// TestOpenFilesBounded: log groups named by callers do not pile up open files, and a group
// whose file was closed gets its later records appended.
func TestOpenFilesBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w := NewWriter(dir)
	defer w.Close()
	write := func(group string) {
		cfg, _ := ParseConfig(`{"level":"ALL","destinations":[{"cloudWatchLogsLogGroup":{"logGroupArn":"arn:aws:logs:us-east-1:1:log-group:` + group + `:*"}}]}`)
		if err := w.Write(cfg, "arn:x", history()[:1]); err != nil {
			t.Fatal(err)
		}
	}
	write("first")
	for i := 0; i < 3*maxOpenFiles; i++ {
		write("g" + strconv.Itoa(i))
	}
	write("first")
	if len(w.files) > maxOpenFiles {
		t.Fatalf("%d files open", len(w.files))
	}
	data, _ := os.ReadFile(filepath.Join(dir, "first.jsonl"))
	if n := strings.Count(string(data), "\n"); n != 2 {
		t.Fatalf("first.jsonl has %d lines, want 2", n)
	}
}
