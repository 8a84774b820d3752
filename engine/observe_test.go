package engine

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepflow/stepflow/execlog"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// lockedBuffer lets the engine's goroutines and the test share a log buffer.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestExecutionLogsAndLogLines: a state machine with loggingConfiguration ERROR gets its
// failure events in its log group's file, one with level OFF gets nothing, and the engine's
// structured log has the start, the end and (at debug level) each state transition.
func TestExecutionLogsAndLogLines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	logs := &lockedBuffer{}
	writer := execlog.NewWriter(dir)
	defer writer.Close()
	e := startEngine(t, Config{ExecutionLog: writer, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	failing := `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"F"},"F":{"Type":"Fail","Error":"Boom","Cause":"broken"}}}`
	for _, m := range []struct{ name, logging string }{
		{"logged", `{"level":"ERROR","includeExecutionData":false,"destinations":[{"cloudWatchLogsLogGroup":{"logGroupArn":"arn:aws:logs:us-east-1:123456789012:log-group:/stepflow/logged:*"}}]}`},
		{"quiet", `{"level":"OFF","includeExecutionData":false}`},
	} {
		arn := e.Scope().StateMachineARN(m.name)
		if _, err := e.Store().StateMachineCreate(context.Background(), &store.StateMachineCreateParams{ARN: arn, Name: m.name,
			Type: sfn.TypeStandard, Definition: failing, RoleARN: e.Scope().RoleARN("r"), RevisionID: "r1",
			CreatedDate: time.Now().UTC(), LoggingConfiguration: m.logging}); err != nil {
			t.Fatal(err)
		}
		rec, err := e.StartExecution(context.Background(), &StartExecutionParams{StateMachineARN: arn, Name: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if got := awaitEnd(t, e, rec.ARN); got.Status != sfn.StatusFailed {
			t.Fatalf("%s: %s", m.name, got.Status)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "stepflow_logged.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"type":"FailStateEntered"`) || !strings.Contains(lines[1], `"type":"ExecutionFailed"`) ||
		!strings.Contains(lines[1], `"execution_arn":"arn:aws:states:us-east-1:123456789012:execution:logged:x"`) {
		t.Fatalf("execution log:\n%s", data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("log files %v, want only the logged machine's", entries)
	}
	text := logs.String()
	for _, want := range []string{
		`msg="execution started" execution=arn:aws:states:us-east-1:123456789012:execution:logged:x`,
		`level=DEBUG msg="state entered" execution=arn:aws:states:us-east-1:123456789012:execution:logged:x state=P type=PassStateEntered`,
		`msg="execution ended" execution=arn:aws:states:us-east-1:123456789012:execution:quiet:x status=FAILED`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}
}

// TestPayloadTextKeepsHTMLCharacters: outputs and history payloads keep <, > and & as they
// are, as AWS shows them; JSON's optional HTML escaping would show users \u003c.
func TestPayloadTextKeepsHTMLCharacters(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{})
	sm := createMachine(t, e, "html", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"tag":"<b>&amp;</b>"},"End":true}}}`, sfn.TypeStandard)
	rec, err := e.StartExecution(context.Background(), &StartExecutionParams{StateMachineARN: sm, Name: "h", Input: `{"q":"a<b"}`})
	if err != nil {
		t.Fatal(err)
	}
	done := awaitEnd(t, e, rec.ARN)
	if done.Output == nil || *done.Output != `{"tag":"<b>&amp;</b>"}` {
		t.Fatalf("output %v", done.Output)
	}
	events := history(t, e.Store(), rec.ARN)
	body, err := events[0].AppendJSON(nil)
	if err != nil || !strings.Contains(string(body), `a<b`) {
		t.Fatalf("ExecutionStarted as stored: %s %v", body, err)
	}
}
